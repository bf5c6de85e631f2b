"""The Text tool (TediGAN, ``trainers/text/tedigan.py``): draw digits from words, or edit the current sample with
words, on a StyleGAN of the embedded digits.

A text model (contrastive text/image encoders, an inverter image → w and a mapper text → w, all trained on the
digits and their captions) is kept beside the checkpoint; without one the tool offers to train it (minutes, with
progress and Cancel). Then a prompt draws ``n`` digits: random styles whose layers for what the prompt names move
towards the text's w, optimised so the image's embedding comes closer to the text's. "Edit with words" starts from
the Styles tool's current sample (or the explorer's seed) and keeps near it. Either result can go to the Styles tool.

Typing redraws ~250 ms after the last key (Enter or Ctrl+Return at once); the work runs on ``workers/text.py``'s
latest-request thread, so typing never queues optimisations. E switches mode, R draws a new seed."""

from __future__ import annotations

import random
from dataclasses import replace

import numpy as np
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QVBoxLayout

from ...workers.render import Output, file_stamp
from ...workers.text import TextFailure, TextOutput, TextRequest, TextThread
from ..canvases import side_by_side
from ..common import Tool, titled
from ..latent import ExplorerState
from ..model import Context, ExplorerModel
from .enhance_view import Caption
from .text_controls import TextControls, prompt_error
from .text_train import TextModelBox
from .text_view import TextView, grid_cols, grid_picture, path_cells

DEBOUNCE_MS = 250  # typing redraws this long after the last key
PATH_PICTURES = 6  # pictures of the optimisation's path after the start (keep_every = steps // 6)


class TextTool(Tool):
    """Prompt → digits, or the current sample edited with words (module docstring)."""

    name = "text"
    title = "Text"
    view_share = 0.68  # the digits' grid at 3× beside the current sample (the chosen digit) in a 1280 px window
    sig_export = Signal()
    """"Export as PNG…": the panel asks where to write the grid (drawing) or the path (editing)."""

    def __init__(self, model: ExplorerModel):
        super().__init__(model)
        self.result: TextOutput | None = None
        self.error = ""  # the prompt's problem, shown in red under it
        self.selected = 0  # the chosen digit of a drawing
        self.styles = None  # the Styles tool (``link``)
        self.show_tool = lambda name: False
        self.rng = random.Random()
        self._thread: TextThread | None = None
        self._latest_id = 0
        self.done_id = 0
        self._serial = 0
        self._asked: tuple | None = None
        self._where = ""  # where the newest edit starts from, in words
        self._where_shown = ""  # where the edit shown started from
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(lambda: self.generate())

        self.train_box = TextModelBox()  # the checkpoint's text model: found, or trained here
        self.controls = TextControls()
        lay = QVBoxLayout(self)
        lay.addWidget(self.train_box)
        lay.addWidget(self.controls)
        lay.addStretch(1)

        self.board = TextView()
        self.caption = Caption("")
        self.view = titled("Text → digits (TediGAN)", self.caption, self.board)

        c = self.controls
        c.prompt.textChanged.connect(self._later)
        c.prompt.returnPressed.connect(self.generate_now)
        c.go_btn.clicked.connect(self.generate_now)
        c.modes.idClicked.connect(lambda i: self.set_mode("edit" if i else "draw"))
        for w in c.settings_widgets():
            w.valueChanged.connect(self._later)
        c.dice.clicked.connect(self.new_seed)
        self.board.sig_picked.connect(self.pick)
        self.board.open_btn.clicked.connect(self.open_in_styles)
        self.board.export_btn.clicked.connect(self.sig_export)
        self.train_box.sig_trained.connect(self._on_trained)
        self.train_box.sig_changed.connect(self._sync_status)
        self.train_box.sig_message.connect(self.sig_message)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):  # while the tool shows (a hidden widget's shortcut is off)
            sc = QShortcut(QKeySequence(keys), self)
            sc.setContext(Qt.ShortcutContext.WindowShortcut)
            sc.activated.connect(self.generate_now)
        self._sync_mode()
        self._sync_status()

    def link(self, styles, show_tool) -> None:
        """The Styles tool (edits start from its current sample; results open in it) and the panel's ``set_tool``."""
        self.styles, self.show_tool = styles, show_tool

    # -- the tool API --------------------------------------------------------------------------------------
    def unavailable(self, ctx: Context) -> str:
        info = ctx.info
        if not ctx.can("text"):
            return ("this model has no styles for words to steer; Text is for a StyleGAN of the digits (open "
                    "stylegan-digits, or train stylegan on digits)")
        if info.get("dataset") != "digits":
            return (f"this StyleGAN was trained on {info.get('dataset', '?')}; the text model learns its words from "
                    "the embedded digits' captions (class, stroke, slant, size), so Text needs a StyleGAN of digits")
        return ""

    @property
    def draws_main(self) -> bool:
        """Once it has drawn, the current sample is the chosen digit (or the edit); before, the explorer's own."""
        return self.result is not None and self._on()

    def main_caption(self, st: ExplorerState) -> str:
        r = self.result
        if r is None or not self._on():
            return ""
        if r.mode == "edit":
            return f"“{r.prompt}”: {self._where_shown} edited · similarity {r.after:.2f}"
        i = self.selected
        return f"“{r.prompt}”: digit {i + 1} of {len(r.images)} · similarity {r.final[i]:.2f}"

    def set_context(self, ctx: Context) -> None:
        super().set_context(ctx)
        self.result, self._asked, self.selected = None, None, 0
        self._timer.stop()
        self.train_box.set_checkpoint(ctx.checkpoint if self._on() else "", ctx.info.get("hash", ""))

    def outputs(self, st: ExplorerState) -> list[Output]:
        """Nothing for the render thread: the digits come from this tool's own thread, asked for here (every time
        the panel renders: a new explorer seed is a new start for an edit)."""
        if self._on() and not self._timer.isActive():
            self.generate(st)
        if self.draws_main:  # shown again after another tool: the chosen digit is the current sample again
            self.sig_main.emit(self._main_image())
        return []

    def composed_picture(self) -> np.ndarray | None:
        """"Save grid" / Export: the digits drawn (a grid), or the edit's path from the start to the result."""
        r = self.result
        if r is None or not self._on():
            return None
        if r.mode == "draw":
            return grid_picture(r.images, grid_cols(len(r.images)))
        cells = [imgs[0] for _, imgs in r.trajectory] or [r.start[0], r.images[0]]
        return side_by_side(cells)

    def on_key(self, key: str) -> bool:
        if not self._on():
            return False
        if key == "E":
            self.set_mode("draw" if self.mode == "edit" else "edit")
            return True
        if key == "R" and self.mode == "draw":  # editing: R is the explorer's new seed, a new start
            self.new_seed()
            return True
        return False

    def shutdown(self) -> None:
        self._timer.stop()
        if self._thread is not None:
            self._thread.stop()
            self._thread = None
        self.train_box.shutdown()

    # -- public ----------------------------------------------------------------------------------------------
    @property
    def mode(self) -> str:
        return self.controls.mode

    @property
    def text_path(self) -> str | None:
        """The open checkpoint's text model (None: not trained yet)."""
        return self.train_box.path

    @property
    def ready(self) -> bool:
        return self._on() and self.train_box.ready

    @property
    def training(self) -> bool:
        return self.train_box.training

    def train(self) -> bool:
        """Train the open checkpoint's text model (``td.STEPS``); it is used as soon as it is kept."""
        return self._on() and self.train_box.train()

    @property
    def settled(self) -> bool:
        """Nothing asked of this tool's thread is still on its way (tests wait on this)."""
        return not self._timer.isActive() and self.done_id >= self._latest_id

    def set_mode(self, mode: str) -> None:
        """"draw" (digits from words) or "edit" (the current sample, edited with words)."""
        self.controls.show_mode(mode)
        self._sync_mode()
        self.generate_now()

    def set_prompt(self, text: str) -> None:
        """Type ``text`` into the prompt box (it draws after the debounce, as typing does)."""
        self.controls.prompt.setText(text)

    def new_seed(self) -> None:
        self.controls.seed.setValue(self.rng.randrange(2 ** 31 - 1))

    def pick(self, i: int) -> None:
        """Choose digit ``i`` of the drawing (its path shows; Open in Styles takes it)."""
        if self.result is not None and 0 <= i < len(self.result.images):
            self.selected = int(i)
            self._show_result(self.result)

    def generate_now(self) -> None:
        """Draw (or edit) at once, even if the same request was made before (Enter, Ctrl+Return)."""
        self._timer.stop()
        self.generate(force=True)

    def generate(self, st: ExplorerState | None = None, force: bool = False) -> None:
        """Send the prompt and settings to the thread (nothing when identical to the last request, unless
        ``force``); a prompt the text model cannot read is a red line under the box and the last result stays."""
        if not self.ready:
            return
        st = st or self.state()
        c = self.controls
        prompt = " ".join(c.prompt.text().split())
        self._show_error(prompt_error(prompt))
        if self.error:
            return
        ws0, z, self._where = self._edit_start(st) if self.mode == "edit" else (None, None, "")
        steps = int(c.steps.value())
        req = TextRequest(self.ctx.checkpoint, file_stamp(self.ctx.checkpoint), self.text_path,
                          file_stamp(self.text_path), prompt, self.mode, int(c.n.value()), int(c.seed.value()),
                          steps, round(float(c.w_weight.value()), 4), round(float(c.image_weight.value()), 4),
                          ws0, z, max(1, steps // PATH_PICTURES) if steps else 0)
        if req.key() == self._asked and not force:
            return
        self._asked = req.key()
        self._serial += 1
        self._latest_id = self._thread_().request(replace(req, serial=self._serial))
        self.controls.save()

    def open_in_styles(self) -> bool:
        """The chosen result's styles become the Styles tool's current sample, and the Styles tool shows."""
        r = self.result
        if r is None or self.styles is None or not self._on():
            self.sig_message.emit("info", "Nothing to open yet: draw something first")
            return False
        i = self.selected if r.mode == "draw" else 0
        # Styles first: showing it may set up its styles for this model, which would replace a projection made before
        if not self.show_tool("styles"):
            return False
        self.styles.use_projection(r.ws[i], source=f'text: "{r.prompt}"', space="w+")
        self.sig_message.emit("info", f'The styles of "{r.prompt}" are the Styles tool\'s current sample now')
        return True

    # -- internals -------------------------------------------------------------------------------------------
    def _on(self) -> bool:
        return self.ctx is not None and bool(self.ctx.checkpoint) and not self.unavailable(self.ctx)

    def _edit_start(self, st: ExplorerState) -> tuple[np.ndarray | None, np.ndarray | None, str]:
        """(ws0, z, in words): the Styles tool's current W+ while it belongs to the explorer's seed, else that
        seed's own W+ (its z, mapped)."""
        s = self.styles
        if s is not None and s.ws is not None and s.seed_a.value() == st.seed:
            words = s.main_caption(st) or f"seed {st.seed}"
            return np.array(s.ws, np.float32), None, f"the Styles tool's sample ({words})"
        z = np.asarray(self.ctx.space.z_of(self.plain_vector(st)), np.float32).reshape(-1)
        return None, z, f"seed {st.seed}'s w"

    def _thread_(self) -> TextThread:
        if self._thread is None:
            self._thread = TextThread(self)
            self._thread.sig_result.connect(self._on_result)
            self._thread.sig_failed.connect(self._on_failed)
            self._thread.sig_progress.connect(self._on_progress)
        return self._thread

    def _later(self, *_) -> None:
        """A setting changed: draw again once the typing or dragging pauses."""
        if self.ready:
            self._timer.start()

    def _show_error(self, message: str) -> None:
        self.error = message
        self.controls.show_error(message)

    def _on_progress(self, serial: int, step: int, steps: int, sim: float) -> None:
        if serial == self._serial:
            self.board.show_progress(step, steps, sim)

    def _on_result(self, rid: int, out) -> None:
        self.done_id = max(self.done_id, rid)
        if rid < self._latest_id or not self._on():
            return  # an older request, or no model to show it for
        self.board.progress.setVisible(False)
        if isinstance(out, TextFailure):
            if out.kind == "model":
                self.train_box.set_error(out.message)
            self._show_error(out.message)
            return
        if out.cancelled or out.checkpoint != self.ctx.checkpoint:
            return
        self.result = out
        self.selected = min(self.selected, len(out.images) - 1)
        self._where_shown = self._where
        self._show_result(out)

    def _on_failed(self, rid: int, message: str) -> None:
        self.done_id = max(self.done_id, rid)
        if rid >= self._latest_id:
            self.board.progress.setVisible(False)
            self._show_error(message)

    def _show_result(self, r: TextOutput) -> None:
        b = self.board
        n = len(r.images)
        sims = f"similarity {r.before:.2f} → {r.after:.2f}"
        if r.mode == "draw":
            b.show_grid(r.images, r.final, self.selected)
            what = (f"“{r.prompt}” read as: {r.said}. Mean {sims} over {n} digit{'s' if n > 1 else ''} in "
                    f"{r.steps} steps. Click a digit to choose it.")
            cells, labels = path_cells(r.trajectory, self.selected)
            b.show_path(cells, labels, f"Digit {self.selected + 1}'s path: the start, then every "
                                       f"{r.request.keep_every if r.request else '?'} steps")
        else:
            b.show_edit(r.start[0], r.images[0], r.before, r.after, self._where_shown)
            what = f"“{r.prompt}” read as: {r.said}. {sims.capitalize()} ({r.steps} steps)."
            cells, labels = path_cells(r.trajectory, 0)
            b.show_path(cells, labels, "The edit's path: from the start to the result")
        self.caption.setText(what)
        self.sig_main.emit(self._main_image())

    def _main_image(self) -> np.ndarray:
        r = self.result
        return r.images[self.selected if r.mode == "draw" else 0]

    def _on_trained(self, checkpoint: str, path: str) -> None:
        """A text model was trained for the open checkpoint: draw with it at once."""
        self._asked = None
        if self._on() and checkpoint == self.ctx.checkpoint and self.model.tool == self.name:
            self.generate_now()

    def _sync_mode(self) -> None:
        edit = self.mode == "edit"
        self.controls.show_mode(self.mode)
        self.board.set_mode(self.mode)
        if self.result is not None and self.result.mode != self.mode:  # it stays the current sample until the
            self.board.clear("Editing…" if edit else "Drawing…")  # new mode's result comes
            self.caption.setText("")

    def _sync_status(self, *_) -> None:
        """The train box while there is no usable text model (or one is training); the prompt once there is."""
        on, ready = self._on(), self.ready
        if on and not ready:
            self.board.set_waiting("Training the text model…" if self.training else
                                   "No text model yet: train one on the left.\nThen type what to draw, e.g. "
                                   "“a thick slanted seven”.")
            self.caption.setText("")
        self.controls.set_enabled(ready)
        for w in (self.board.open_btn, self.board.export_btn):
            w.setEnabled(ready)
        self.controls.about.setText(self.train_box.describe())
        self.controls.about.setToolTip(self.text_path or "")
        if ready and self.result is None:
            self.board.clear("Drawing…")
