"""The Enhance tool's thread: one low-resolution input upscaled three ways (bicubic, the run's SRResNet, SRGAN) and
scored against the true high-resolution image when there is one, off the GUI thread; and the held-out images of
the checkpoint's dataset, loaded once per dataset (a folder of images takes a while to decode).

One "latest request" slot, as the render thread (design.md): a new input overwrites the one waiting, so stepping
quickly through held-out images never queues work; results carry the request id and the GUI drops older ones.
A held-out pool asked for waits in its own slot and is served first. The generator and its SRResNet are loaded
once per checkpoint file and version. Only plain numpy data and strings cross back to the GUI thread.

The scores are those of ``ganstudio eval`` (``trainers.metrics.superres``) on this one image: PSNR and SSIM
(``trainers.metrics.translation.psnr/ssim``) of each upscale against HR, all on images in [0, 1].
"""

from __future__ import annotations

import traceback
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QThread, Signal

from .latest import LatestSlot, pixels

PANELS = ("lr", "bicubic", "srresnet", "srgan", "hr")
SCORED = ("lr", "bicubic", "srresnet", "srgan")  # "lr": the input enlarged ×f, nearest (what its panel shows)


@dataclass(frozen=True, eq=False)
class EnhanceRequest:
    """One input: ``lr`` (C, s, s) float32 in model range, the true image ``hr`` (C, f·s, f·s) or None."""

    checkpoint: str
    stamp: float
    lr: np.ndarray
    hr: np.ndarray | None = None


@dataclass(frozen=True, eq=False)
class EnhanceResult:
    """What the strip shows for one input.

    ``images``: panel name → H×W×3 uint8, "lr" at the input's size s, the rest at f·s; "srresnet" is missing when
    the checkpoint holds none (``srresnet_note`` says why) and "hr" when the input has no true image.
    ``psnr``/``ssim``: panel name → the score of that panel against HR (empty without HR; "lr" is the input
    enlarged ×f, nearest). ``diff``: panel name → |panel − HR| per pixel in [0, 1] image units, averaged over
    channels, (f·s, f·s) float32."""

    checkpoint: str
    scale: int
    images: dict
    psnr: dict
    ssim: dict
    diff: dict
    srresnet_note: str = ""


@dataclass(frozen=True, eq=False)
class HeldOutImages:
    """Held-out high-resolution images of a checkpoint's dataset: ``hr`` (N, C, H, W) float32 in model range,
    ``labels`` (N,) int64 or None, the set's class names and a line on where they come from."""

    dataset: str
    hr: np.ndarray
    labels: np.ndarray | None
    class_names: tuple[str, ...]
    where: str

    def describe(self, k: int) -> str:
        """Image ``k`` in words, for the caption."""
        if self.labels is None:
            return f"held-out image {k} of {self.dataset}"
        label = int(self.labels[k])
        name = self.class_names[label] if 0 <= label < len(self.class_names) else str(label)
        what = "digit" if self.dataset.startswith("digits") or self.dataset == "mnist" else "class"
        return f"held-out image {k} of {self.dataset} ({what} {name})"


POOL = 256  # held-out images kept per dataset (``trainers.metrics.superres.held_out``: eval's own protocol)
_POOLS: dict[tuple, HeldOutImages] = {}


def held_out_pool(checkpoint: str, n: int = POOL) -> HeldOutImages:
    """The held-out images ``ganstudio eval`` scores the checkpoint on (kept per dataset and size).
    Raises ``trainers.GanStudioError`` when the data cannot be read."""
    from trainers.checkpoints import read_meta
    from trainers.metrics.superres import held_out

    _, meta = read_meta(checkpoint)
    cfg = meta["config"]
    key = (cfg["data"], cfg.get("image_size"), cfg.get("channels"), cfg.get("data_root"), cfg.get("data_limit"), n)
    if key not in _POOLS:
        hr, labels, data, where = held_out(meta, n)
        _POOLS[key] = HeldOutImages(data.name, np.ascontiguousarray(hr.numpy(), dtype=np.float32),
                                    None if labels is None else labels.numpy().astype(np.int64),
                                    tuple(data.class_names or ()), where)
    return _POOLS[key]


def srresnet_note(gen) -> str:
    """Why a checkpoint has no SRResNet panel ("" when it has one)."""
    cfg = gen.meta.get("config", {})
    step, pre = int(gen.meta.get("step") or 0), int(cfg.get("pretrain_steps") or 0)
    if step <= pre:
        return (f"No separate SRResNet yet: at step {step:,} the run is still in its SRResNet phase (until step "
                f"{pre:,}), so the SRGAN panel shows the SRResNet itself")
    return "No SRResNet in this checkpoint (a generator-only export): open the run's own checkpoint to compare"


def enhance(gen, srresnet, lr: np.ndarray, hr: np.ndarray | None) -> EnhanceResult:
    """Upscale ``lr`` by bicubic, ``srresnet`` (None: left out) and ``gen`` (SRGAN), and score each against ``hr``."""
    import torch
    import torch.nn.functional as F

    from trainers.metrics.translation import psnr, ssim
    from trainers.images import bicubic

    f = int(gen.meta["config"]["scale"])
    x = torch.from_numpy(np.array(lr, dtype=np.float32, copy=True))[None]
    ups = {"bicubic": bicubic(x, f), "srgan": gen.translate(x)}
    if srresnet is not None:
        with torch.no_grad():
            ups["srresnet"] = srresnet(x).float()
    images = {"lr": pixels(x), **{k: pixels(v) for k, v in ups.items()}}
    scores: dict[str, dict] = {"psnr": {}, "ssim": {}, "diff": {}}
    if hr is not None:
        y = torch.from_numpy(np.array(hr, dtype=np.float32, copy=True))[None]
        images["hr"] = pixels(y)
        u = lambda t: ((t.float() + 1) / 2).clamp(0, 1)  # noqa: E731  model range → [0, 1]
        shown = {"lr": F.interpolate(x, scale_factor=f, mode="nearest"), **ups}
        for k, t in shown.items():
            a, b = u(t), u(y)
            scores["psnr"][k] = float(psnr(a, b)[0])
            scores["ssim"][k] = float(ssim(a, b)[0])
            scores["diff"][k] = np.ascontiguousarray((a - b).abs().mean(1)[0].numpy(), dtype=np.float32)
    return EnhanceResult(str(gen.path), f, images, scores["psnr"], scores["ssim"], scores["diff"],
                         "" if srresnet is not None else srresnet_note(gen))


class EnhanceThread(QThread):
    """Upscales the latest input of the Enhance tool; loads held-out pools on request."""

    sig_result = Signal(int, object)
    """(request id, ``EnhanceResult``)."""
    sig_failed = Signal(int, str)
    """(request id, one line for the explorer's message area)."""
    sig_pool = Signal(str, object, str)
    """(checkpoint, ``HeldOutImages`` or None, why there is none)."""

    CACHE = 4  # checkpoints kept loaded

    def __init__(self, parent=None):
        super().__init__(parent)
        self._slot = LatestSlot()
        self._pool_wanted: str | None = None  # a second reason to wake: held-out images asked for (kept apart)
        self._models: OrderedDict[tuple[str, float], tuple[object, object]] = OrderedDict()
        self.computed = 0  # how many requests were upscaled (coalescing shows here)

    # -- GUI side -------------------------------------------------------------------------------------------
    def request(self, req: EnhanceRequest) -> int:
        """Queue ``req`` (replacing any request still waiting); returns its id."""
        rid = self._slot.put(req)
        self._ensure_running()
        return rid

    def load_pool(self, checkpoint: str) -> None:
        """Load the held-out images of ``checkpoint``'s dataset; ``sig_pool`` brings them."""
        with self._slot.cond:
            self._pool_wanted = checkpoint
            self._slot.wake()
        self._ensure_running()

    def stop(self) -> None:
        self._slot.stop()
        self.wait()

    def _ensure_running(self) -> None:
        if not self.isRunning():
            self.start()

    # -- worker side ----------------------------------------------------------------------------------------
    def run(self) -> None:  # noqa: D401 - QThread API
        while True:
            with self._slot.cond:
                if not self._slot.wait(also=lambda: self._pool_wanted is not None):
                    return
                pool, self._pool_wanted = self._pool_wanted, None
                job = self._slot.pop() if pool is None else None
            if pool is not None:
                self._serve_pool(pool)
            elif job is not None:
                self._serve(*job)

    def _serve_pool(self, checkpoint: str) -> None:
        from trainers import GanStudioError

        for attempt in (1, 2):
            try:
                self.sig_pool.emit(checkpoint, held_out_pool(checkpoint), "")
                return
            except GanStudioError as exc:
                self.sig_pool.emit(checkpoint, None, str(exc))
                return
            except Exception as exc:  # noqa: BLE001 - without held-out images the tool still opens files
                # once more: a real set's first torchvision import can collide with the render thread's
                if attempt == 2:
                    self.sig_pool.emit(checkpoint, None, self._message(exc, "could not draw held-out images"))

    def _serve(self, rid: int, req: EnhanceRequest) -> None:
        try:
            gen, srresnet = self._load(req.checkpoint, req.stamp)
            result = enhance(gen, srresnet, req.lr, req.hr)
        except Exception as exc:  # a message, never an exception into the GUI
            self.sig_failed.emit(rid, self._message(exc, "could not upscale"))
            return
        self.computed += 1
        self.sig_result.emit(rid, result)

    def _load(self, path: str, stamp: float):
        from trainers.generator import load_generator

        key = (path, stamp)
        if key not in self._models:
            gen = load_generator(path)
            self._models[key] = (gen, gen.probe("srresnet")(gen))
            while len(self._models) > self.CACHE:
                self._models.popitem(last=False)
        self._models.move_to_end(key)
        return self._models[key]

    @staticmethod
    def _message(exc: Exception, what: str) -> str:
        from trainers import GanStudioError

        if isinstance(exc, GanStudioError):
            return str(exc)
        traceback.print_exc()
        return f"{what}: {type(exc).__name__}: {exc}"
