"""The Text tool's threads (TediGAN, ``trainers/text/tedigan.py``): training a StyleGAN's text model, and drawing or
editing digits from words.

- ``TrainTextThread``: one job, the three parts of the text model (clip, inverter, mapper) on the generator's own
  dataset, with progress per part and ``cancel()`` (checked after every step); the model is kept with
  ``td.store_text_model`` (beside the checkpoint, else in the user cache) and its path comes back.
- ``TextThread``: the latest-request slot of ``latest.py``. Typing a prompt overwrites the request waiting, and an
  optimisation still running gives up at its next step when a newer one is in (``superseded``), so typing never
  queues work. The text model is loaded once per file version; what comes back is plain numpy data and strings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PySide6.QtCore import Signal

from trainers.text import W_WEIGHT

from .latest import LatestThread, all_pixels
from .oneshot import Cancelled, OneShotThread

# seconds per training step of each part on a 2-core laptop-class CPU, for the bundled 32 px StyleGAN of the digits
# (the full default training took 498 s there; the parts' shares measured over 30 steps each): the estimate the
# tool gives before training
SECONDS_PER_STEP = {"clip": 0.17, "inverter": 0.14, "mapper": 0.155}


def training_minutes(steps: dict[str, int] | None = None) -> int:
    """About how many minutes training a text model takes on a laptop CPU (``steps``: ``td.STEPS`` by default)."""
    from trainers.text import STEPS

    steps = {**STEPS, **(steps or {})}
    seconds = sum(SECONDS_PER_STEP.get(part, 0.1) * n for part, n in steps.items())
    return max(1, round(seconds / 60))


@dataclass(frozen=True, eq=False)
class TextRequest:
    """One drawing (``mode`` "draw": ``n`` digits from ``seed``) or edit (``mode`` "edit": from the styles ``ws0``
    (num_ws, w_dim), or, without them, from the W+ of ``z`` (z_dim,)). ``serial`` is the tool's own count, so
    progress reports of an older request can be told apart."""

    checkpoint: str
    stamp: float
    text_path: str
    text_stamp: float
    prompt: str
    mode: str = "draw"
    n: int = 8
    seed: int = 0
    steps: int = 40
    w_weight: float = W_WEIGHT
    image_weight: float = 2.0
    ws0: np.ndarray | None = None
    z: np.ndarray | None = None
    keep_every: int = 0
    serial: int = 0

    def key(self) -> tuple:
        """What the result depends on: an identical request is not sent again."""
        arr = lambda a: None if a is None else np.asarray(a, np.float32).tobytes()  # noqa: E731
        edit = (self.image_weight, arr(self.ws0), arr(self.z)) if self.mode == "edit" else (self.n, self.seed)
        return (self.checkpoint, self.stamp, self.text_path, self.text_stamp, self.prompt, self.mode, self.steps,
                self.w_weight, self.keep_every) + edit


@dataclass(frozen=True, eq=False)
class TextOutput:
    """What a request drew: ``images`` (N, H, W, 3) uint8 and their styles ``ws`` (N, num_ws, w_dim) float32;
    ``start`` the images of the styles it started from; ``similarity`` the mean cosine to the prompt at each
    step and after the last, ``final`` each image's after the last; ``trajectory`` (step, (N, H, W, 3) uint8)
    pairs, the start first; ``said`` what the prompt was read as (``captions.describe``)."""

    checkpoint: str
    prompt: str
    mode: str
    images: np.ndarray
    ws: np.ndarray
    start: np.ndarray
    similarity: list
    final: list
    trajectory: list
    said: str
    steps: int
    cancelled: bool = False
    request: TextRequest | None = field(default=None, repr=False)

    @property
    def before(self) -> float:
        return float(self.similarity[0])

    @property
    def after(self) -> float:
        return float(self.similarity[-1])


@dataclass(frozen=True)
class TextFailure:
    """A request the user can fix: ``kind`` "prompt" (an unknown word, nothing asked for) or "model" (the text
    model file cannot be used: train it again)."""

    kind: str
    message: str


class TextThread(LatestThread):
    """Draws or edits from the latest ``TextRequest``; keeps the text models it loaded."""

    sig_progress = Signal(int, int, int, float)
    """(request serial, step done, steps, mean similarity) while it optimises."""

    WHAT = "could not draw from words"

    def __init__(self, parent=None):
        super().__init__(parent)
        self._text: dict[tuple[str, float, str], object] = {}

    def compute(self, req: TextRequest):
        from trainers.errors import CheckpointError, ConfigError
        from trainers.text import tedigan as td

        gen = self.generator(req.checkpoint, req.stamp)
        try:
            model = self._text_model(req, gen)
        except (CheckpointError, ConfigError) as exc:
            return TextFailure("model", str(exc))
        progress = lambda step, steps, sim: self.sig_progress.emit(req.serial, step, steps, sim)  # noqa: E731
        opts = dict(steps=req.steps, w_weight=req.w_weight, keep_every=req.keep_every, progress=progress,
                    cancelled=self.superseded)
        try:
            if req.mode == "edit":
                r = td.edit(model, gen, req.prompt, self._start(req, gen), image_weight=req.image_weight, **opts)
            else:
                r = td.generate(model, gen, req.prompt, req.n, req.seed, **opts)
        except ConfigError as exc:
            return TextFailure("prompt", str(exc))
        from trainers.text import captions as cap

        sims = [float(np.mean(s)) for s in r.similarity]
        return TextOutput(str(gen.path), req.prompt, req.mode, all_pixels(r.images),
                          np.ascontiguousarray(r.ws.float().numpy()), all_pixels(r.start), sims,
                          [float(v) for v in r.similarity[-1]],
                          [(int(step), all_pixels(imgs)) for step, imgs in r.trajectory],
                          cap.describe(r.said[0]) if r.said else "", req.steps, bool(r.cancelled), req)

    # -- internals -------------------------------------------------------------------------------------------
    def _text_model(self, req: TextRequest, gen):
        from trainers.text import tedigan as td

        key = (req.text_path, req.text_stamp, gen.weights_hash)
        if key not in self._text:
            self._text = {key: td.load_text_model(req.text_path, gen)}  # one at a time: a new file replaces it
        return self._text[key]

    @staticmethod
    def _start(req: TextRequest, gen):
        """The styles an edit starts from: ``ws0``, else the W+ of ``z`` (ψ 1)."""
        import torch

        from trainers.text import tedigan as td

        if req.ws0 is not None:
            return torch.from_numpy(np.array(req.ws0, np.float32))
        body = td.style_body(gen)
        z = torch.from_numpy(np.asarray(req.z, np.float32).reshape(1, -1)).to(body.mapping.w_avg.device)
        with torch.no_grad():
            return body.ws(z)[0].float().cpu()


class TrainTextThread(OneShotThread):
    """Trains the text model of one StyleGAN checkpoint and stores it.

    ``sig_progress`` (part: "clip", "inverter" or "mapper", steps done, steps of that part); ``sig_result``
    (checkpoint, the stored text model's path, its training info dict); ``sig_failed`` one line saying why it
    could not train; ``sig_cancelled`` when stopped by ``cancel()``: nothing was written."""

    WHAT = "train the text model"

    def __init__(self, checkpoint: str, steps: dict[str, int] | None = None, parent=None):
        super().__init__(parent)
        self.checkpoint = checkpoint
        self.steps = steps

    def compute(self) -> tuple[str, str, dict]:
        from trainers.generator import load_generator
        from trainers.text import tedigan as td

        gen = load_generator(self.checkpoint)
        data = td.training_data(gen)
        model = td.train_text_model(gen, data, self.steps, progress=self.progress, cancelled=self.cancelled)
        if self.cancelled():  # cancelled after the last step: nothing is written
            raise Cancelled
        path = td.store_text_model(model, gen)
        return self.checkpoint, str(Path(path)), dict(model.info)
