"""The Translate tool (Pix2Pix, CycleGAN, UNIT): draw the input on a sketch pad, open an image, or take a held-out
input of the model's own paired set, and watch G's output follow every stroke; beside it the true output (for a
held-out pair) and how real the checkpoint's PatchGAN D finds each 16×16 patch of the output. For a CycleGAN the
strip adds the way back, F(G(x)), and the cycle error |x − F(G(x))| takes the realness map's place
(``cycle_view.py``). A UNIT also shows its shared latent space (``unit_view.py``, output kind "shared"): the
reconstruction G_A(E_A(x)) and its error, and a walk from x's code to the code of a second image b (a held-out B
digit, or x's own translation), each blend decoded in A and in B.

The pad is part of the explorer's state (``ExplorerState.image``, uint8 bytes), so a stroke is one undo step and
Ctrl+Z, redo and the header's buttons work as for every other edit. Each piece of a stroke is an edit: the render
thread keeps only the latest request, so a fast stroke never queues renders. G's output for the pad is the
explorer's current sample (``main_output``); this tool's own output, kind "realness" (or "cycle"), brings the same
output with D's scores (or F's way back) (``workers/translate.py``), shown by ``translate_results.py``."""

from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path

import numpy as np
from PySide6.QtWidgets import (QButtonGroup, QFileDialog, QFormLayout, QGridLayout, QHBoxLayout, QPushButton,
                               QVBoxLayout)

from ... import settings
from ...panels.samples import to_qimage
from ...workers.render import Output
from ...workers.translate import CycleResult, RealnessResult, SharedResult
from ..common import DragSlider, Tool, caption_label, muted_label, titled
from ..invert import IMAGE_FILTER
from ..latent import ExplorerState
from ..model import Context, ExplorerModel
from .sketchpad import SketchPad, rgb
from .translate_inputs import (HeldOut, ImageFileError, held_out_pool, model_input, mostly_light, pad_array,
                               read_input)
from .translate_results import TranslateResults
from .translate_view import TranslateView

BLANK = "a blank pad"
SIZE_STEP = 0.5  # "[" and "]" change the pen's diameter by this many input pixels
TITLE = "Input → output → target"
REAL_TIP = "A held-out input of the model's own paired set, with its true output (R)"


def _button(text: str, tip: str, checkable: bool = False) -> QPushButton:
    b = QPushButton(text)
    b.setToolTip(tip)
    b.setCheckable(checkable)
    return b


class TranslateTool(TranslateResults, Tool):
    """Input → G → output for a model that translates images; see the module docstring."""

    name = "translate"
    title = "Translate"
    takes_images = True
    resync = True  # its own edits (Clear, Random real input, an opened file) change what the pad shows

    def __init__(self, model: ExplorerModel):
        super().__init__(model)
        self.pool: HeldOut | None = None  # held-out pairs of the model's paired set
        self.pool_error = ""  # why there are none
        self.result: RealnessResult | CycleResult | None = None
        self.shared_result: SharedResult | None = None  # a UNIT's shared space for the current input
        self.partner_mode = "digit"  # the walk's other end (a UNIT): "digit", a held-out B digit; "own", G(x)
        self.partner: int | None = None  # that held-out digit: an index into the pool's targets (domain B)
        self.rng = random.Random()

        self.pad = SketchPad()
        self.pen = _button("Pen (P)", "Draw ink (P). The right mouse button erases with either", checkable=True)
        self.eraser = _button("Eraser (E)", "Erase back to black (E)", checkable=True)
        self.modes = QButtonGroup(self)
        self.modes.addButton(self.pen)
        self.modes.addButton(self.eraser)
        self.pen.setChecked(True)
        self.size = DragSlider(0.5, 6.0, self.pad.size, decimals=1)
        self.size.setToolTip("The pen's diameter in input pixels ([ and ] change it)")
        self.undo_btn = _button("↶ Undo", "Undo the last stroke or change of input (Ctrl+Z; Ctrl+Shift+Z redoes)")
        self.clear_btn = _button("Clear", "A blank input (Delete)")
        self.invert_btn = _button("Invert", "Swap ink and background (I): for dark strokes on a light page")
        self.real_btn = _button("Random real input", REAL_TIP)
        self.open_btn = _button("Open image…", "A PNG or JPEG, turned into the model's channels and size (O). You "
                                               "can also drop a file on the pad")

        modes = QHBoxLayout()
        modes.addWidget(self.pen)
        modes.addWidget(self.eraser)
        form = QFormLayout()
        form.addRow("Tool", modes)
        form.addRow("Pen size", self.size)
        buttons = QGridLayout()
        for k, b in enumerate((self.real_btn, self.open_btn, self.undo_btn, self.clear_btn, self.invert_btn)):
            buttons.addWidget(b, k // 2, k % 2)
        lay = QVBoxLayout(self)
        lay.addWidget(self.pad)
        lay.addLayout(form)
        lay.addLayout(buttons)
        lay.addWidget(muted_label("Draw the input: the output follows every stroke. The right button erases; drop "
                                  "a PNG or JPEG on the pad to use it."))
        lay.addStretch(1)

        self.board = TranslateView()
        self.caption = caption_label("")
        self.view = titled(TITLE, self.caption, self.board)
        self.view_title = self.view.layout().itemAt(0).widget()

        self.pad.sig_drawn.connect(self._on_drawn)
        self.pad.sig_stroke_done.connect(self.model.break_merge)
        self.pad.sig_file.connect(self.open_image)
        self.eraser.toggled.connect(self._on_mode)
        self.size.valueChanged.connect(self._on_size)
        self.undo_btn.clicked.connect(self.model.undo)
        self.clear_btn.clicked.connect(self.clear)
        self.invert_btn.clicked.connect(self.invert)
        self.real_btn.clicked.connect(lambda: self.random_real())
        self.open_btn.clicked.connect(self.open_interactive)
        self.board.realness.sig_hover.connect(self._on_hover)
        self.board.shared.sig_partner.connect(self.set_partner_mode)
        self.board.shared.sig_another.connect(lambda: self.another_partner())
        self.board.sections.currentChanged.connect(lambda _i: self.sig_refresh.emit())  # Save grid follows the tab

    # -- the tool API --------------------------------------------------------------------------------------
    def unavailable(self, ctx: Context) -> str:
        if ctx.translates:
            return ""
        if ctx.pairs:
            return ("this CoGAN draws a pair of images from noise, it does not translate a given image: the current "
                    "sample shows both domains of one z")
        return ("this model draws from noise; Translate is for models that turn an image into another (train "
                "pix2pix on digits-edges)")

    @property
    def unit(self) -> bool:
        """The open model is a UNIT: one coupled generator with a shared latent space to show."""
        return self.ctx is not None and self.ctx.can("shared-code")

    def set_context(self, ctx: Context) -> None:
        super().set_context(ctx)
        self.result = self.shared_result = None
        self.board.set_way_back(ctx.way_back, ctx.domains, unit=self.unit)
        self.view_title.setText(("Input → G → the way back → target, and the shared space" if self.unit else
                                 "Input → G → F, the way back → target") if ctx.way_back else TITLE)
        self.board.output.set_image(None)
        self.board.back.placeholder = "Rendering…"
        self.board.back.set_image(None)
        self.board.realness.set_result(None)
        self.board.cycle.show(None)
        self.board.shared.show(None)
        if not ctx.translates:
            self.pool, self.pool_error = None, ""
            self.pad.set_pad(None)
            return
        self._load_pool(ctx)
        if self.unit:
            self._first_partner()
        st = self.state()
        if len(st.image) != int(np.prod(self.shape)):  # a new layout: start from a held-out input
            self.model.start_with(self._first_input(st))
        elif st.pair and (self.pool is None or st.pair[0] != self.pool.dataset):
            self.model.start_with(replace(st, pair=()))  # the target belongs to another paired set
        self.show_state(self.state())

    def show_state(self, st: ExplorerState) -> None:
        if self.ctx is None or not self.ctx.translates:
            return
        pad = pad_array(st.image, self.shape)
        self.pad.set_pad(pad)
        self.board.input.set_image(to_qimage(rgb(pad)))
        target = self.target(st)
        self.board.target.set_image(None if target is None else to_qimage(rgb(target)))
        self.board.target_note.setText(f"held-out pair {st.pair[1]}" if target is not None else "")
        self.caption.setText(("What G is given, its code decoded in B, that decoded back in A, and the true output: "
                              if self.unit else
                              "What G is given, what it makes of it, what F makes of that on the way back, and the "
                              "true output: " if self.ctx.way_back else
                              "What G is given, what it makes of it, and the true output: ") + (
            f"this input is {st.source}, so its target is known." if target is not None else
            "this input is not a held-out pair, so there is none to compare with."))

    def outputs(self, st: ExplorerState) -> list[Output]:
        if self.ctx is None or not self.ctx.translates:
            return []
        kind = "cycle" if self.ctx.way_back else "realness"
        outs = [self._output(kind, st, kind)]
        if self.unit:  # x, then b when the walk goes to a held-out B digit (without b: to G(x)'s own code)
            rows = [self.input(st).reshape(1, -1)] + ([self.partner_input().reshape(1, -1)]
                                                      if self.partner_mode == "digit" and self.partner is not None
                                                      else [])
            shared = Output.of("shared", np.concatenate(rows), cols=1, pad=0, kind="shared")
            # the tab shown renders first, and is what Save grid writes
            outs = [shared, *outs] if self.board.section() == "shared" else [*outs, shared]
        return outs

    def main_output(self, st: ExplorerState) -> Output:
        """G's output for the pad: the explorer's current sample while a translating model is open."""
        return self._output("main", st, "translate")

    def on_key(self, key: str) -> bool:
        actions = {"P": lambda: self.pen.setChecked(True),
                   "E": lambda: self.eraser.setChecked(True), "R": self.random_real, "O": self.open_interactive,
                   "I": self.invert, "Delete": self.clear,
                   "[": lambda: self.size.setValue(self.size.value() - SIZE_STEP),
                   "]": lambda: self.size.setValue(self.size.value() + SIZE_STEP)}
        if key not in actions or self.ctx is None or not self.ctx.translates:
            return False
        actions[key]()
        return True

    # -- the input -----------------------------------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        return self.ctx.space.image_shape

    def input(self, st: ExplorerState | None = None) -> np.ndarray:
        """The model's input for ``st`` (default: the current state): float32 (1, C, H, W) in [-1, 1]."""
        return model_input(pad_array((st or self.state()).image, self.shape))

    def target(self, st: ExplorerState) -> np.ndarray | None:
        """The true output (uint8 (C, H, W)) when ``st``'s input is an unedited held-out pair, else None."""
        if not st.pair or self.pool is None or st.pair[0] != self.pool.dataset:
            return None
        return self.pool.targets[st.pair[1]]

    def random_real(self, k: int | None = None) -> None:
        """A held-out input (pair ``k``, or one at random) of the model's own paired set: one undo step."""
        if self.pool is None:
            self.sig_message.emit("warning", f"No real inputs for this model: {self.pool_error}")
            return
        k = self.rng.randrange(len(self.pool.inputs)) if k is None else int(k)
        self.edit(image=self.pool.inputs[k].tobytes(), pair=(self.pool.dataset, k, int(self.pool.labels[k])),
                  source=self.pool.describe(k))

    def open_image(self, path: str) -> bool:
        """``path`` as the input, converted to the model's channels and size; a file that is not a readable image
        is a message and changes nothing."""
        if self.ctx is None or not self.ctx.translates:
            return False
        try:
            pad = read_input(path, self.shape)
        except ImageFileError as exc:
            self.sig_message.emit("error", f"Not opened: {exc}")
            return False
        self.edit(image=pad.tobytes(), pair=(), source=Path(path).name)
        c, h, w = self.shape
        note = f"Opened {Path(path).name} as the input ({'grey' if c == 1 else 'RGB'}, {w}×{h})"
        if mostly_light(pad):
            self.sig_message.emit("warning", f"{note}. It is mostly light, and the model learned light strokes on "
                                             "black: Invert (I) swaps them")
        else:
            self.sig_message.emit("info", note)
        return True

    def open_interactive(self) -> None:
        start = settings.get("paths/last_translate", str(Path.home()), str)
        path, _ = QFileDialog.getOpenFileName(self, "Open an image to translate", start, IMAGE_FILTER)
        if path:
            settings.put("paths/last_translate", str(Path(path).parent))
            self.open_image(path)

    # -- a UNIT's walk through the shared space ----------------------------------------------------------------
    def partner_input(self) -> np.ndarray:
        """The walk's held-out B digit as the model's input, float32 (1, C, H, W)."""
        return model_input(self.pool.targets[self.partner])

    def partner_words(self) -> str:
        if self.partner_mode == "own" or self.partner is None or self.pool is None:
            return "x's own translation G(x)"
        domain = self.ctx.domains[1] if self.ctx is not None else "B"
        return f"a held-out {domain} digit {self.pool.class_name(self.partner)} (pair {self.partner})"

    def set_partner_mode(self, mode: str) -> None:
        """The walk goes to a held-out B digit ("digit") or to x's own translation ("own"): a view setting, no undo
        step."""
        if mode == "digit" and self.partner is None:
            mode = "own"
        self.partner_mode = mode
        self.board.shared.set_partner(mode, self.partner is not None)
        self.sig_refresh.emit()

    def another_partner(self, k: int | None = None) -> None:
        """Walk to held-out B digit ``k`` (default: one at random, of another class than the input's when it is a
        held-out pair, and not the one shown)."""
        if self.pool is None:
            self.sig_message.emit("warning", f"No held-out B digits for this model: {self.pool_error}")
            return
        if k is None:
            pair = self.state().pair
            k = self.pool.another_partner(self.rng, pair[2] if len(pair) > 2 else None, self.partner)
        self.partner = int(k)
        self.set_partner_mode("digit")

    def _first_partner(self) -> None:
        """The walk's first end: a held-out B digit of another class than the first input's, or G(x) without any."""
        self.partner = None if self.pool is None else self.pool.first_partner()
        if self.partner is None:
            self.partner_mode = "own"
        self.board.shared.set_partner(self.partner_mode, self.partner is not None)

    def clear(self) -> None:
        self.edit(image=bytes(int(np.prod(self.shape))), pair=(), source=BLANK)

    def invert(self) -> None:
        st = self.state()
        pad = pad_array(st.image, self.shape)
        source = st.source[: -len(", inverted")] if st.source.endswith(", inverted") else f"{st.source or BLANK}, " \
                                                                                            "inverted"
        self.edit(image=(255 - pad).tobytes(), pair=(), source=source)

    # -- internals -----------------------------------------------------------------------------------------
    def _output(self, name: str, st: ExplorerState, kind: str = "realness") -> Output:
        return Output.of(name, self.input(st).reshape(1, -1), cols=1, pad=0, kind=kind)

    def _load_pool(self, ctx: Context) -> None:
        try:
            self.pool, self.pool_error = held_out_pool(ctx.checkpoint), ""
        except Exception as exc:  # noqa: BLE001 - without real inputs the tool still draws and opens files
            self.pool, self.pool_error = None, str(exc) or type(exc).__name__
        self.real_btn.setEnabled(self.pool is not None)
        self.real_btn.setToolTip(REAL_TIP if self.pool is not None else f"Off: {self.pool_error}")

    def _first_input(self, st: ExplorerState) -> ExplorerState:
        """Held-out pair 0 (what the model does, at a glance), or a blank pad when there are none."""
        if self.pool is None:
            return replace(st, image=bytes(int(np.prod(self.shape))), pair=(), source=BLANK)
        return replace(st, image=self.pool.inputs[0].tobytes(), pair=(self.pool.dataset, 0, int(self.pool.labels[0])),
                       source=self.pool.describe(0))

    def _on_drawn(self, pad: np.ndarray) -> None:
        """A piece of a stroke: one edit, merged with the rest of the stroke into one undo step."""
        st = self.state()
        source = st.source if st.source.startswith("your") else (
            "your drawing" if st.source in ("", BLANK) else f"your edit of {st.source}")
        self.edit("stroke", image=pad.tobytes(), pair=(), source=source)

    def _on_mode(self, erasing: bool) -> None:
        self.pad.erasing = erasing
        self.pad.update()

    def _on_size(self, value: float) -> None:
        self.pad.size = float(value)
        self.pad.update()
