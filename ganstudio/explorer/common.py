"""What the explorer's tools share: the Tool base class (napari-style: a view that subscribes to the Qt-free
``ExplorerModel``), a slider that reports drags, the ψ control, class buttons and small labels (the image
canvases are in ``canvases.py``)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtWidgets import (QButtonGroup, QCheckBox, QGridLayout, QHBoxLayout, QLabel, QPushButton, QSizePolicy,
                               QVBoxLayout, QWidget)
from superqt import QLabeledDoubleSlider

from .. import theme
from ..workers.render import Output
from .latent import PSI_MAX, ExplorerState
from .model import Context, ExplorerModel

TRANSLATES = "this model translates images (it has no noise to explore): use the Translate tool"
UPSCALES = "this model upscales images (it has no noise to explore): use the Enhance tool"
GROUP_COLORS = ("#f47067", "#4c9aff", "#57ab5a", "#e5a50a", "#c297ff", "#39c5cf", "#e275ad", "#8ddb8c")

TOOL_TYPES: list[type["Tool"]] = []
"""Every explorer tool class, in the order its module was imported: a ``Tool`` subclass with a ``name`` adds
itself (``Tool.__init_subclass__``), so a tool is one file and the panel builds whatever is here."""


class Tool(QWidget):
    """One explorer tool: controls (this widget) and a view shown beside the current sample.

    Tools never hold the state: they read it from the ``ExplorerModel`` and propose edits with ``edit()``;
    they subscribe to the model's events (a new generator: ``set_context``; a changed state, while this is
    the current tool: ``show_state``). The panel asks the current tool for its ``outputs()`` and hands it
    what was rendered (``take``)."""

    name = ""
    title = ""
    needs = ""  # the capability a model's family must have for this tool (``trainers.registry.CAPABILITIES``)
    resync = False  # True: the controls list things the tool's own edits change (groups, keyframes)
    thumbnails: tuple[str, ...] = ()  # outputs drawn in the controls, not the tool's grid (Save grid skips them)
    takes_images = False  # True: the tool works on a generator that translates a given image (Pix2Pix)
    upscales = False  # with takes_images: True for the tool of super-resolution models (SRGAN), False for the others
    view_share: float | None = None  # the share of the room beside the controls its view asks for (None: the user's)
    draws_main = False  # True: the tool draws the current sample itself (``sig_main``), from more than the state
    sig_main = Signal(object)
    """The current sample as this tool draws it (H×W×3 uint8), for a tool that ``draws_main`` (the Styles tool's
    edits in W)."""
    sig_refresh = Signal()
    """A view-only setting changed (grid size, sweep): render again, nothing to undo."""
    sig_message = Signal(str, str)
    """(level, text) for the explorer's message line."""

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        if cls.name and cls not in TOOL_TYPES:
            TOOL_TYPES.append(cls)

    def __init__(self, model: ExplorerModel):
        super().__init__()
        self.model = model
        self.ctx: Context | None = None
        self.view = QWidget()
        model.events.context.connect(self.set_context)
        model.events.state.connect(self._on_state)

    def state(self) -> ExplorerState:
        return self.model.state

    def unavailable(self, ctx: Context) -> str:
        """Why this tool does not apply to the model ("" when it does): by default, the capability it ``needs``."""
        if self.needs and not ctx.can(self.needs):
            from trainers.registry import CAPABILITIES

            what = CAPABILITIES.get(self.needs, self.needs)
            return f"this tool is for models whose family {what.split(' (')[0]}; this one's does not"
        return ""

    def why_off(self, ctx: Context) -> str:
        """Why the panel dims this tool for ``ctx`` ("" when it applies): a generator that translates images has
        no noise for the latent tools to move; one that upscales (SRGAN) has the Enhance tool, not Translate;
        otherwise the tool's own ``unavailable``."""
        if ctx.translates and not self.takes_images:
            return UPSCALES if ctx.superres else TRANSLATES
        if self.takes_images and ctx.superres and not self.upscales:
            return "this model upscales images (super-resolution): use the Enhance tool"
        return self.unavailable(ctx)

    def set_context(self, ctx: Context) -> None:
        self.ctx = ctx

    def main_caption(self, state: ExplorerState) -> str:
        """The current sample's caption while this tool draws it (``draws_main``); "" for the explorer's own."""
        return ""

    def on_key(self, key: str) -> bool:
        """A one-key shortcut of the explorer (``"P"``, ``"R"``, ...) while this is the current tool: True when
        the tool used it, False to let the explorer's own action run."""
        return False

    def show_state(self, state: ExplorerState) -> None:
        """Make the controls show ``state`` (after undo, a loaded latent, another tool's edit)."""

    def outputs(self, state: ExplorerState) -> list[Output]:
        return []

    def take(self, name: str, image) -> None:
        """A rendered output of this tool."""

    def picture(self, name: str, result) -> np.ndarray | None:
        """What "Save grid" writes for this tool's rendered output ``name``: the rendered image itself, unless
        the tool draws something else from it (the Attention tool's maps)."""
        return result

    def composed_picture(self) -> np.ndarray | None:
        """What "Save grid" writes when the tool composes its picture from its own thread's results (the Enhance
        tool's strip) rather than from the render thread's outputs; None: use those."""
        return None

    def shutdown(self) -> None:
        """The explorer closes: stop and join any thread this tool started."""

    def edit(self, key: str = "", **changes) -> None:
        """Propose ``changes`` to the state; edits with the same non-empty ``key`` merge into one undo step."""
        new = replace(self.state(), **changes)
        if new != self.state():
            self.model.edit(new, key)

    def vector(self, state: ExplorerState) -> np.ndarray:
        return state.vector(self.ctx.space, self.ctx.directions)

    def plain_vector(self, state: ExplorerState) -> np.ndarray:
        """The current sample without the cGAN tool's class blend: the start of other tools' grids, so a blend
        set there does not turn every pool or traversal sample into a mix of two classes."""
        sp = self.ctx.space
        return sp.vector(state.z(self.ctx.directions), state.label, None, 0.0, state.cat, state.cont)

    def _on_state(self, state: ExplorerState, sync: bool) -> None:
        """Only the current tool's controls follow the state; the others catch up when they are shown.
        After its own edits a tool is left alone unless it lists what they change (``resync``)."""
        if self.model.tool == self.name and self.model.ctx is not None and (sync or self.resync):
            self.show_state(state)


class DragSlider(QLabeledDoubleSlider):
    """A labelled float slider (superqt) that also says when a drag ends (for undo merging)."""

    def __init__(self, lo: float, hi: float, value: float = 0.0, decimals: int = 2):
        super().__init__(Qt.Orientation.Horizontal)
        self.setRange(lo, hi)
        self.setDecimals(decimals)
        self.setSingleStep(10 ** -decimals * 5)
        self.setValue(value)

    def set_quietly(self, value: float) -> None:
        self.blockSignals(True)
        self.setValue(value)
        self.blockSignals(False)


class PsiControl(QWidget):
    """BigGAN's truncation ψ (``ExplorerState.psi``): a labelled slider from 0 to ``PSI_MAX`` and an "Off" box
    (untruncated z). Shared by the Latent and BigGAN tools, so both show and set the same ψ."""

    sig_changed = Signal(object)
    """The new ψ: a float, or None when truncation is off."""
    sig_released = Signal()
    """A drag of the slider ended (for undo merging)."""

    TIP = ("Truncation ψ: z is drawn from a normal truncated to ±ψ (BigGAN's trick). Lower ψ gives more typical, "
           "cleaner samples and less variety; ψ = 0 puts every z at 0, one sample per class")

    def __init__(self):
        super().__init__()
        self.slider = DragSlider(0.0, PSI_MAX, 1.0)
        self.slider.setToolTip(self.TIP)
        self.off = QCheckBox("Off")
        self.off.setToolTip("Untruncated z ~ N(0, I), as the generator was trained (moving the slider turns "
                            "truncation on)")
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.slider, 1)
        lay.addWidget(self.off)
        self.slider.valueChanged.connect(self._on_slider)
        self.slider.sliderReleased.connect(self.sig_released)
        self.off.toggled.connect(self._on_off)
        self.set_quietly(None)

    def value(self) -> float | None:
        return None if self.off.isChecked() else round(float(self.slider.value()), 4)

    def set_quietly(self, psi: float | None) -> None:
        """Show ``psi`` without announcing it."""
        self.off.blockSignals(True)
        self.off.setChecked(psi is None)
        self.off.blockSignals(False)
        if psi is not None:
            self.slider.set_quietly(psi)

    def _on_slider(self, _v: float) -> None:
        if self.off.isChecked():  # moving the slider turns truncation on
            self.off.blockSignals(True)
            self.off.setChecked(False)
            self.off.blockSignals(False)
        self.sig_changed.emit(self.value())

    def _on_off(self, _off: bool) -> None:
        self.sig_changed.emit(self.value())


def class_buttons(group: QButtonGroup, names: list[str], tip: str = "") -> QWidget:
    """A grid of checkable buttons, one per class name, that replace the buttons of ``group`` (a button's id is
    its class index): five a row when no name is longer than three characters (digits), else two. The buttons
    share the column's width instead of asking for more, so long class names cannot widen the tool. ``tip`` ends
    each tooltip."""
    for b in group.buttons():
        group.removeButton(b)
    box = QWidget()
    grid = QGridLayout(box)
    grid.setContentsMargins(0, 0, 0, 0)
    grid.setSpacing(3)
    per_row = 5 if all(len(n) <= 3 for n in names) else 2
    for k, n in enumerate(names):
        b = QPushButton(n)
        b.setCheckable(True)
        b.setMinimumWidth(24)
        b.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        b.setToolTip(f"class {k}: {n}{tip}")
        group.addButton(b, k)
        grid.addWidget(b, k // per_row, k % per_row)
    return box


def titled(title: str, caption: QLabel | None, body: QWidget, *more: QWidget) -> QWidget:
    """A view: heading, a one-line caption, the body, then any extra widgets."""
    w = QWidget()
    lay = QVBoxLayout(w)
    lay.setContentsMargins(4, 4, 4, 4)
    head = QLabel(title)
    head.setObjectName("heading")
    lay.addWidget(head)
    if caption is not None:
        lay.addWidget(caption)
    lay.addWidget(body, 1)
    for m in more:
        lay.addWidget(m)
    return w


class WrapLabel(QLabel):
    """A label that wraps onto more lines instead of ending in "…". It asks for the height its width needs
    without declaring height-for-width, which would spread up to the window and unpin its minimum size."""

    def __init__(self, text: str = "", name: str = "muted"):
        super().__init__(text)
        self.setObjectName(name)
        self.setWordWrap(True)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)

    def hasHeightForWidth(self) -> bool:
        return False

    def minimumSizeHint(self) -> QSize:
        return QSize(40, self.fontMetrics().lineSpacing())

    def setText(self, text: str) -> None:
        super().setText(text)
        self._fit()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        need = super().heightForWidth(max(40, self.width()))
        if need > 0 and need != self.minimumHeight():
            self.setMinimumHeight(need)


def caption_label(text: str = "") -> QLabel:
    """A view's caption: muted, wrapping onto a second line rather than cut with "…"."""
    return WrapLabel(text)


def muted_label(text: str) -> QLabel:
    """A wrapping note in the muted colour."""
    lab = QLabel(text)
    lab.setObjectName("muted")
    lab.setWordWrap(True)
    return lab


class MessageLine(QLabel):
    """A message under the current sample, coloured by level, that clears itself (errors after 12 s)."""

    def __init__(self):
        super().__init__("")
        self.setWordWrap(True)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(lambda: self.setText(""))

    def say(self, level: str, text: str) -> None:
        """``level``: "error", "warning" or "info"."""
        color = {"error": theme.ERROR, "warning": theme.WARN}.get(level, theme.MUTED)
        self.setObjectName(level)
        self.setStyleSheet(f"color: {color}")
        self.setText(("⚠ " if level in ("error", "warning") else "") + text)
        self._timer.start(12000 if level == "error" else 6000)
