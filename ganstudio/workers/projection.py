"""The projection thread: finds the styles a StyleGAN checkpoint draws an image from (``trainers.projection``),
off the GUI thread, for the Styles tool. One job per thread (``oneshot.py``): ``stop_early()`` ends it at its next
step and the best styles so far still come back (``cancelled`` set in the result); ``cancel()`` ends it with no
result. Only numpy data and strings cross back."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import Signal

from .latest import pixels
from .oneshot import OneShotThread

TRAJECTORY = 6  # pictures of the optimisation's path, w̄ first


@dataclass(frozen=True, eq=False)
class ProjectionResult:
    """``ws`` (num_ws, w_dim) float32 the styles found; ``space`` "w" or "w+"; ``losses``/``mse`` per step;
    ``target``/``recon`` H×W×3 uint8; ``error`` (H, W) float32 |recon − target| in [0, 1] units, channel mean;
    ``start_mse``/``final_mse`` in model range and ``psnr`` (dB); ``trajectory`` (step, H×W×3 uint8) pairs;
    ``source`` where the target came from, in words; ``cancelled`` when stopped early."""

    checkpoint: str
    ws: np.ndarray
    space: str
    losses: list
    mse: list
    target: np.ndarray
    recon: np.ndarray
    error: np.ndarray
    start_mse: float
    final_mse: float
    psnr: float
    start_psnr: float
    trajectory: list
    source: str
    cancelled: bool = False


class ProjectThread(OneShotThread):
    """Loads the generator and the target (an image file, or a real image of the model's dataset), projects.

    ``sig_progress`` ("project", steps done, steps); ``sig_result`` a ``ProjectionResult``; ``sig_failed`` one line
    saying why it could not project (a junk file, a model that is not a StyleGAN, ...)."""

    sig_target = Signal(object, str)
    """(H×W×3 uint8, where it came from): the image being projected, as the generator would draw it."""
    sig_step = Signal(int, int, float, float)
    """(steps done, steps, loss, pixel MSE) after every step, for the loss curve."""

    WHAT = "project"

    def __init__(self, checkpoint: str, image: str | None = None, sample_seed: int = 0, space: str = "w",
                 steps: int = 300, feature_weight: float = 0.0, parent=None):
        super().__init__(parent)
        self.checkpoint, self.image, self.sample_seed = checkpoint, image, sample_seed
        self.space, self.steps, self.feature_weight = space, steps, feature_weight
        self._stop = False

    def stop_early(self) -> None:
        """End at the next step; the best styles so far come back as the result (``cancelled`` set)."""
        self._stop = True

    def _step(self, step: int, steps: int, loss: float, mse: float) -> None:
        self.progress("project", step, steps)
        self.sig_step.emit(step, steps, loss, mse)

    def compute(self) -> ProjectionResult:
        from pathlib import Path

        import torch

        from trainers.generator import load_generator
        from trainers.invert import load_target
        from trainers.projection import project, psnr_of, style_body

        gen = load_generator(self.checkpoint)
        body = style_body(gen)
        shape = tuple(gen.meta["data"]["shape"])
        if self.image is not None:
            target, source = load_target(self.image, shape), Path(self.image).name
        else:
            target, source = self._real_sample(gen, shape)
        self.sig_target.emit(pixels(target[None]), source)
        keep = max(1, self.steps // (TRAJECTORY - 1))
        p = project(gen, target, self.space, self.steps, feature_weight=self.feature_weight, progress=self._step,
                    cancelled=lambda: self._stop or self.cancelled(), keep_every=keep)
        with torch.no_grad():
            trajectory = [(step, pixels(body.render(ws[None].to(gen.device), "const"))) for step, ws in p.trajectory]
        error = ((p.image - target).abs() / 2).mean(0).numpy().astype(np.float32)
        return ProjectionResult(
            str(gen.path), np.ascontiguousarray(p.ws.float().cpu().numpy()), p.space, p.losses, p.mse,
            pixels(target[None]), pixels(p.image[None]), error, p.start_mse, p.final_mse, p.psnr,
            psnr_of(p.start_mse), trajectory, source, p.cancelled)

    def _real_sample(self, gen, shape):
        """A real image of the model's dataset, picked by ``sample_seed``."""
        import torch

        from trainers.data import load_dataset

        cfg = gen.meta.get("config", {})
        data = load_dataset(cfg.get("data") or gen.meta["data"]["name"], root=cfg.get("data_root"),
                            image_size=shape[1], channels=shape[0], limit=cfg.get("data_limit"))
        k = int(torch.randint(0, len(data), (1,), generator=torch.Generator().manual_seed(self.sample_seed)))
        label = f" ({data.class_names[int(data.labels[k])]})" if data.labels is not None and data.class_names else ""
        return data.to_model(data.x[k]), f"real sample #{k} of {data.name}{label}"
