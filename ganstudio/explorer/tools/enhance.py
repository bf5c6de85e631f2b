"""The Enhance tool (SRGAN): a low-resolution input upscaled by bicubic, the run's SRResNet and SRGAN, side by side
with the true image, each scored against it; a synced magnifier over all five panels and a map of where each one
differs from the truth.

The input is a held-out image of the checkpoint's dataset (the ones ``ganstudio eval`` scores, never seen in
training for the embedded digits), an image file (opened or dropped), or the picture another model drew in the
explorer ("Use the explorer's image"): see ``enhance_inputs.py`` for how a picture becomes the model's input and,
when it is large enough, its truth. The input is part of the explorer's state (``ExplorerState.image``: the input's
uint8 pixels; ``pair``: where it came from), so changing it is an undo step like any other edit. The precise float
input (the held-out truth area-downsampled, as the run made its pairs) is rebuilt from the pool or from the
pictures this tool keeps, by ``pair``.

SRGAN's output for the input is the explorer's current sample (``main_output``, rendered by the render thread);
the strip is made by this tool's own thread (``workers/enhance.py``), which keeps only the latest input: asking it
and showing its answers is ``enhance_results.py``'s part."""

from __future__ import annotations

import itertools
import random
from dataclasses import replace
from pathlib import Path
from typing import Callable

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QPushButton,
    QVBoxLayout,
)

from ... import settings
from ...workers.enhance import EnhanceResult, EnhanceThread, HeldOutImages
from ...workers.render import Output
from ..common import Tool, muted_label, titled
from ..invert import IMAGE_FILTER
from ..latent import ExplorerState
from ..model import Context, ExplorerModel
from .enhance_inputs import Picture, downsample, fit_image, from_rgb, read_picture, to_model
from .enhance_results import PENDING, REAL_TIP, EnhanceResults
from .enhance_view import TITLES, ZOOMS, Caption, EnhanceView
from .translate_inputs import ImageFileError

KINDS = ("held-out", "file", "explorer")  # ``ExplorerState.pair[0]`` of this tool's inputs


def _button(text: str, tip: str, checkable: bool = False) -> QPushButton:
    b = QPushButton(text)
    b.setToolTip(tip)
    b.setCheckable(checkable)
    return b


class EnhanceTool(EnhanceResults, Tool):
    """LR | bicubic | SRResNet | SRGAN | HR for a super-resolution model; see the module docstring."""

    name = "enhance"
    title = "Enhance"
    takes_images = True
    upscales = True
    resync = True  # its own edits (another input) change what the strip shows
    view_share = 0.78  # five panels in a row: the current sample (SRGAN's output, also in the row) gets less room
    sig_export = Signal()
    """"Export strip as PNG…": the panel asks where to write the strip (its "Save grid" export)."""

    def __init__(self, model: ExplorerModel):
        super().__init__(model)
        self.pool: HeldOutImages | None = None  # held-out images of the checkpoint's dataset
        self.pool_error = ""  # why there are none
        self._pool_for = ""  # the checkpoint whose pool is on its way
        self.pictures: dict[str, Picture] = {}  # opened files and explorer pictures, by the token in ``pair``
        self._tokens = itertools.count(1)
        self._lr_cache: dict[tuple, np.ndarray] = {}
        self.result: EnhanceResult | None = None
        self.recent: Callable[[], tuple[np.ndarray, str] | None] = lambda: None  # the panel's last other picture
        self.rng = random.Random()
        self._thread: EnhanceThread | None = None
        self._latest_id = 0  # the newest request sent to the thread
        self.done_id = 0  # the newest request it answered
        self._asked: tuple | None = None  # what the newest request was for (an identical one is not sent)

        self.real_btn = _button("Random held-out (R)", REAL_TIP)
        self.next_btn = _button("Next (N)", "The next held-out image (N)")
        self.open_btn = _button("Open image…", "A PNG or JPEG of any size (O); you can also drop one on the strip")
        self.recent_btn = _button("Use the explorer's image (U)",
                                  "The last picture another model drew in the explorer (open e.g. a DCGAN, pick a "
                                  "sample, come back here): upscale what a GAN made (U)")
        self.lens_box = QCheckBox("Magnifier (M)")
        self.lens_box.setToolTip("The same region of every panel, enlarged: hover or drag over any panel (M)")
        self.lens_box.setChecked(True)
        self.diff_box = QCheckBox("Difference map (H)")
        self.diff_box.setToolTip("|panel − HR| per pixel as heat under each panel: where each method misses the "
                                 "truth (H)")
        self.zoom = QComboBox()
        for z in ZOOMS:
            self.zoom.addItem(f"{z}×", z)
        self.zoom.setCurrentIndex(ZOOMS.index(4))
        self.zoom.setToolTip("How much the magnifier enlarges: the region is 1/zoom of the picture wide")
        self.export_btn = _button("Export strip as PNG…", "LR | bicubic | SRResNet | SRGAN | HR as one PNG, the "
                                                          "difference maps under it while they show")
        buttons = QGridLayout()
        for k, b in enumerate((self.real_btn, self.next_btn)):
            buttons.addWidget(b, 0, k)
        buttons.addWidget(self.open_btn, 1, 0, 1, 2)
        buttons.addWidget(self.recent_btn, 2, 0, 1, 2)
        form = QFormLayout()
        form.addRow(self.lens_box, self.zoom)
        form.addRow(self.diff_box)
        lay = QVBoxLayout(self)
        lay.addLayout(buttons)
        lay.addLayout(form)
        lay.addWidget(self.export_btn)
        lay.addWidget(muted_label("The input is the low-resolution image: the run made its training pairs by "
                                  "averaging each f×f block of a real image. An opened image at least as large as "
                                  "the output is treated the same way, so its truth is known; a smaller one is "
                                  "upscaled as it is. Drop a PNG or JPEG on the strip to use it."))
        lay.addStretch(1)

        self.board = EnhanceView()
        self.caption = Caption("")
        self.view = titled("Super-resolution", self.caption, self.board)
        self.view_title = self.view.layout().itemAt(0).widget()

        self.real_btn.clicked.connect(lambda: self.random_held_out())
        self.next_btn.clicked.connect(self.next_held_out)
        self.open_btn.clicked.connect(self.open_interactive)
        self.recent_btn.clicked.connect(self.use_explorer_image)
        self.lens_box.toggled.connect(self._on_modes)
        self.diff_box.toggled.connect(self._on_modes)
        self.zoom.currentIndexChanged.connect(self._on_modes)
        self.export_btn.clicked.connect(self.sig_export)
        self.board.sig_file.connect(self.open_image)

    # -- the tool API --------------------------------------------------------------------------------------
    def unavailable(self, ctx: Context) -> str:
        if ctx.superres:
            return ""
        if ctx.translates:
            return "this model translates an image into another, it does not upscale: use the Translate tool"
        return "this model draws from noise; Enhance is for super-resolution models (train srgan on digits)"

    def set_context(self, ctx: Context) -> None:
        super().set_context(ctx)
        self.result = None
        self._asked = None
        self._lr_cache.clear()
        if not ctx.superres:
            self._pool_for = ""
            return
        self.board.set_output_side(ctx.side)
        f = self.scale
        self.view_title.setText(f"Super-resolution ×{f}: {self.shape[-1]} px → {ctx.side} px")
        self.board.headings["bicubic"].setText(f"Bicubic ×{f}")
        for k in self.board.panels:
            self.board.panels[k].show_pixels(None)
            self.board.panels[k].placeholder = "Rendering…"
        self._load_pool(ctx)
        st = self.state()
        if not self._usable(st):
            self.model.start_with(replace(st, image=bytes(int(np.prod(self.shape))), pair=PENDING,
                                          source="a held-out image (loading…)"))
        self.show_state(self.state())

    def show_state(self, st: ExplorerState) -> None:
        if not self._on():
            return
        pic = self.input_picture(st)
        has_truth = pic.hr is not None
        b = self.board
        b.headings["hr"].setText(TITLES["hr"][0] if has_truth or pic.own is None else "Your image")
        b.headings["lr"].setText(f"LR ({self.shape[-1]} px)")
        where = st.source or "a blank input"
        self.caption.setText(f"Input: {where}" + (f" — {pic.note}" if pic.note else "") + ". " + (
            "Scores against the true image: PSNR (dB, higher is closer) and SSIM (1 is identical)." if has_truth else
            "Without a true image nothing is scored: compare the panels by eye."))

    def outputs(self, st: ExplorerState) -> list[Output]:
        """Nothing for the render thread: the strip comes from this tool's own thread, asked for here (every time
        the panel renders)."""
        if self._on():
            self._request(st)
        return []

    def main_output(self, st: ExplorerState) -> Output:
        """SRGAN's output for the input: the explorer's current sample while a super-resolution model is open."""
        return Output.of("main", self.input_picture(st).lr.reshape(1, -1), cols=1, pad=0, kind="translate")

    def composed_picture(self) -> np.ndarray | None:
        return self.strip()

    def on_key(self, key: str) -> bool:
        actions = {"R": self.random_held_out, "N": self.next_held_out, "O": self.open_interactive,
                   "U": self.use_explorer_image, "M": self.lens_box.toggle, "H": self.diff_box.toggle}
        if key not in actions or not self._on():
            return False
        actions[key]()
        return True

    def shutdown(self) -> None:
        if self._thread is not None:
            self._thread.stop()
            self._thread = None

    # -- the input -----------------------------------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        """(C, s, s) of the model's low-resolution input."""
        return self.ctx.space.image_shape

    @property
    def scale(self) -> int:
        return max(1, self.ctx.side // self.shape[-1])

    def input_picture(self, st: ExplorerState | None = None) -> Picture:
        """The input of ``st`` (default: the current state): LR in model range, its truth when known."""
        st = st or self.state()
        kind = st.pair[0] if st.pair else ""
        if kind == "held-out" and self.pool is not None and st.pair[1] == self.pool.dataset:
            k = int(st.pair[2])
            key = (self.pool.dataset, k, self.scale)
            if key not in self._lr_cache:
                self._lr_cache[key] = downsample(self.pool.hr[k], self.scale)
            return Picture(self._lr_cache[key], self.pool.hr[k], None,
                           f"area-downsampled ×{self.scale}, as the run made its training pairs")
        if kind in ("file", "explorer") and st.pair[1] in self.pictures:
            pic = self.pictures[st.pair[1]]
            if pic.lr.shape == tuple(self.shape) and (pic.hr is None or pic.hr.shape[-1] == self.ctx.side):
                return pic
        size = int(np.prod(self.shape))
        img = np.frombuffer(st.image, np.uint8).reshape(self.shape) if len(st.image) == size else \
            np.zeros(self.shape, np.uint8)
        return Picture(to_model(img), None, img, "")

    def random_held_out(self, k: int | None = None) -> None:
        """Held-out image ``k`` (or one at random, never the one shown, so R always changes it) of the checkpoint's
        dataset: one undo step."""
        if self.pool is None:
            self.sig_message.emit("warning", "No held-out images for this model" + (
                f": {self.pool_error}" if self.pool_error else " yet (still loading)") + ". Open an image instead")
            return
        n = len(self.pool.hr)
        if k is None:
            shown = self._shown_held_out()
            if shown is None or not 0 <= shown < n or n == 1:
                k = self.rng.randrange(n)
            else:
                k = self.rng.randrange(n - 1)
                k += k >= shown  # skip the one shown
        self.edit(**self._held_out(int(k) % n))

    def next_held_out(self) -> None:
        """The held-out image after the current one (the first when the input is not a held-out image)."""
        shown = self._shown_held_out()
        self.random_held_out(0 if shown is None else shown + 1)

    def _shown_held_out(self) -> int | None:
        """The index of the held-out image the input is, if it is one of this pool's."""
        st = self.state()
        held = bool(st.pair) and st.pair[0] == "held-out" and self.pool is not None and st.pair[1] == self.pool.dataset
        return int(st.pair[2]) if held else None

    def open_image(self, path: str) -> bool:
        """``path`` as the input (``enhance_inputs``); a file that is not a readable image is a message and changes
        nothing."""
        if not self._on():
            return False
        try:
            img = read_picture(path, self.shape[0])
        except ImageFileError as exc:
            self.sig_message.emit("error", f"Not opened: {exc}")
            return False
        return self._use(img, "file", Path(path).name, f"Opened {Path(path).name}")

    def open_interactive(self) -> None:
        start = settings.get("paths/last_enhance", str(Path.home()), str)
        path, _ = QFileDialog.getOpenFileName(self, "Open an image to upscale", start, IMAGE_FILTER)
        if path:
            settings.put("paths/last_enhance", str(Path(path).parent))
            self.open_image(path)

    def use_explorer_image(self) -> bool:
        """The last picture another model drew in the explorer, as the input."""
        if not self._on():
            return False
        recent = self.recent()
        if recent is None:
            self.sig_message.emit("warning", "No picture from another model yet: open a model that draws (e.g. "
                                             "dcgan-digits) in the explorer, pick a sample, then come back to this "
                                             "one and press U. Or Open image… a PNG saved from it")
            return False
        image, words = recent
        return self._use(from_rgb(image, self.shape[0]), "explorer", words, f"Took {words}")

    # -- the strip -------------------------------------------------------------------------------------------
    # -- internals -------------------------------------------------------------------------------------------
    def _on(self) -> bool:
        return self.ctx is not None and self.ctx.superres and bool(self.ctx.checkpoint)

    def _usable(self, st: ExplorerState) -> bool:
        """Whether ``st`` holds an input of this tool that fits the open model."""
        return bool(st.pair) and st.pair[0] in KINDS and len(st.image) == int(np.prod(self.shape))

    def _held_out(self, k: int) -> dict:
        lr = downsample(self.pool.hr[k], self.scale)
        label = -1 if self.pool.labels is None else int(self.pool.labels[k])
        return dict(image=Picture(lr, None, None, "").lr_bytes(), pair=("held-out", self.pool.dataset, k, label),
                    source=self.pool.describe(k))

    def _use(self, img: np.ndarray, kind: str, words: str, what: str) -> bool:
        pic = fit_image(img, self.shape, self.scale)
        token = f"{kind}-{next(self._tokens)}"
        self.pictures[token] = pic
        self.edit(image=pic.lr_bytes(), pair=(kind, token), source=words)
        self.sig_message.emit("info", f"{what}: {pic.note}")
        return True

    def _on_modes(self, *_) -> None:
        self.board.set_modes(self.lens_box.isChecked(), self.diff_box.isChecked(), self.zoom.currentData())
