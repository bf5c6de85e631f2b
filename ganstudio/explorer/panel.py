"""The explorer tab: take a generator apart. Pick a model (a checkpoint of the selected run, live while it
trains, or a bundled one), then a tool: Latent, InfoGAN codes, cGAN classes, Vector arithmetic,
Interpolation, Checkpoints, Attention, BigGAN, Translate for a model that turns an image into another
(Pix2Pix, CycleGAN: the latent tools are off there, and the current sample is G's output for the tool's input), and
Enhance for one that upscales (SRGAN: Translate is off too; the current sample is SRGAN's output). The
current sample shows large on the left of the view, the tool's grid beside it. A model that draws a pair per z
(CoGAN) keeps the z tools; its current sample is the pair, A | B, while the tools' grids show domain A and say so.

The panel owns one ``ExplorerModel`` (Qt-free: the state, its undo history, the open generator); tools edit
it and subscribe to its events, as does the panel, which then asks the current tool what to draw; the render
thread draws the latest request only (see workers/render.py)."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QMenu, QSplitter, QStackedWidget, QTabBar,
                               QToolButton, QVBoxLayout, QWidget)

from .. import settings
from ..workers.pairs import GAP as PAIR_GAP
from ..workers.render import RenderThread
from .canvases import SampleCanvas
from .common import MessageLine, Tool, WrapLabel, titled
from .latent import ExplorerState, History
from .model import Context, ExplorerModel
from .panel_keys import install_shortcuts, tab_tip
from .panel_render import PanelRendering
from .sources import SourceBox
from .tool_pages import add_domain_note, controls_page, panel_style, show_domain_notes, tool_types, view_page
# the composition root of the explorer: importing a tool's module registers the tool (common.TOOL_TYPES)
from .tools.arithmetic import ArithmeticTool  # noqa: F401
from .tools.attention import AttentionTool  # noqa: F401
from .tools.biggan import BigGanTool  # noqa: F401
from .tools.cgan import CganTool  # noqa: F401
from .tools.checkpoints import CheckpointTool
from .tools.enhance import EnhanceTool
from .tools.infogan import InfoGanTool  # noqa: F401
from .tools.interpolate import InterpolateTool
from .tools.latent import LatentTool
from .tools.modes import ModesTool  # noqa: F401
from .tools.resolution import ResolutionTool  # noqa: F401
from .tools.styles import StylesTool  # noqa: F401
from .tools.text import TextTool
from .tools.translate import TranslateTool


class ExplorerPanel(PanelRendering, QWidget):
    sig_state_changed = Signal()
    """The state or the model changed (undo availability, captions)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.model = ExplorerModel()
        self._run_dir: str | None = None
        self._thread: RenderThread | None = None
        self._latest_id = 0
        self.shown_id = 0  # request id of the picture on the main canvas
        self.done_id = 0  # the newest request the render thread finished
        self.images: dict[str, np.ndarray] = {}
        self._owner: dict[str, Tool] = {}
        self._off: dict[str, str] = {}  # tool name → why it does not apply to the open model
        self._domain_notes: dict[str, QLabel] = {}  # tool name → "domain A only" under its view's heading (CoGAN)
        # the last picture a model that is not a super-resolution one drew: the Enhance tool can upscale it
        self.recent_render: tuple[np.ndarray, str] | None = None
        self._rendered_main: tuple[np.ndarray, str] | None = None  # the render thread's last current sample
        self._split_saved: list[int] | None = None  # the split to go back to after a tool that asked for more room

        self.source = SourceBox()
        self.refresh_btn = QToolButton()
        self.refresh_btn.setText("↻")
        self.refresh_btn.setToolTip("Look for new checkpoints")
        self.about = WrapLabel("")  # wraps: the model's description is never cut with "…"
        self.undo_btn = QToolButton()
        self.undo_btn.setText("↶ Undo")
        self.undo_btn.setToolTip("Undo the last explorer edit (Ctrl+Z)")
        self.redo_btn = QToolButton()
        self.redo_btn.setText("↷ Redo")
        self.redo_btn.setToolTip("Redo (Ctrl+Shift+Z)")
        self.export_btn = QToolButton()
        self.export_btn.setText("Export")
        self.export_btn.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)

        # the tools subscribe to the model first, so they know a new generator (or show a new state) before
        # the panel renders
        self.tools: list[Tool] = [cls(self.model) for cls in tool_types()]
        self.tabbar = QTabBar()
        self.tabbar.setExpanding(False)
        self.tabbar.setDrawBase(False)
        self.controls = QStackedWidget()
        self.views = QStackedWidget()
        for i, tool in enumerate(self.tools):
            self.tabbar.addTab(tool.title)
            self.tabbar.setTabToolTip(i, tab_tip(tool, i))
            scroll = controls_page(tool)
            self.controls.addWidget(scroll)
            self.views.addWidget(view_page(tool))
            self._domain_notes[tool.name] = add_domain_note(tool)
            tool.sig_refresh.connect(self.render)
            tool.sig_message.connect(self.show_message)
            tool.sig_main.connect(self._on_tool_main)
        # room for the tools plus a vertical scroll bar, which shows up on short windows: without it the
        # tools' right edge (Randomize, slider values) would be cut off instead
        self.controls.setFixedWidth(292 + scroll.verticalScrollBar().sizeHint().width())

        self.canvas = SampleCanvas()  # the object the user works on: large, crisp, grows with the window
        self.canvas.placeholder = "Pick a model above"
        self.tool("attention").watch(self.canvas)  # hovering the large sample moves the attention query
        self.sample_caption = WrapLabel("")
        self.message = MessageLine()

        from ..panels.scores import ScoresBar

        self.scores = ScoresBar()
        head = QHBoxLayout()
        title = QLabel("Explore")
        title.setObjectName("heading")
        head.addWidget(title)
        head.addWidget(self.source)
        head.addWidget(self.refresh_btn)
        head.addWidget(self.about, 1)
        head.addWidget(self.undo_btn)
        head.addWidget(self.redo_btn)
        head.addWidget(self.export_btn)
        sample = titled("Current sample", self.sample_caption, self.canvas, self.message)
        self.split = QSplitter(Qt.Orientation.Horizontal)
        self.split.addWidget(sample)
        self.split.addWidget(self.views)
        self.split.setStretchFactor(0, 2)
        self.split.setStretchFactor(1, 3)
        self.split.setSizes([440, 560])  # relative: the current sample gets about 45 % of the room
        self.split.setChildrenCollapsible(False)
        body = QHBoxLayout()
        body.addWidget(self.controls)
        body.addWidget(self.split, 1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 6, 4, 6)
        lay.addLayout(head)
        lay.addWidget(self.scores)
        lay.addWidget(self.tabbar)
        lay.addLayout(body, 1)

        from .export import build_export_menu

        self.export_menu: QMenu = build_export_menu(self)
        self.export_btn.setMenu(self.export_menu)
        install_shortcuts(self)
        self.source.currentIndexChanged.connect(self._on_source)
        self.refresh_btn.clicked.connect(self.reload_checkpoints)
        self.tabbar.currentChanged.connect(self._on_tab)
        self.undo_btn.clicked.connect(self.undo)
        self.redo_btn.clicked.connect(self.redo)
        self.model.events.context.connect(self._on_context)
        self.model.events.history.connect(self._sync_history)
        self.model.events.state.connect(self._on_state)
        self.checkpoints_tool.sig_pick.connect(self.pick_checkpoint)
        self.interpolate_tool.sig_export.connect(self._export_animation)
        self.enhance_tool.sig_export.connect(self._export_strip)
        self.tool("styles").sig_export.connect(self._export_strip)  # the mixing grid, as "Save grid" writes it
        self.text_tool.sig_export.connect(self._export_strip)  # the digits drawn, or the edit's path
        self.text_tool.link(self.tool("styles"), self.set_tool)  # edits start from Styles' sample; results open there
        self.enhance_tool.recent = lambda: self.recent_render
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.setStyleSheet(panel_style())
        self._sync_history(self.model.can_undo, self.model.can_redo)
        self._filled = False  # sources are listed (and a generator loaded) only once someone looks

    # -- public --------------------------------------------------------------------------------------------
    def tool(self, name: str) -> Tool:
        return next(t for t in self.tools if t.name == name)

    @property
    def latent_tool(self) -> LatentTool:
        return self.tool("latent")

    @property
    def interpolate_tool(self) -> InterpolateTool:
        return self.tool("interpolate")

    @property
    def checkpoints_tool(self) -> CheckpointTool:
        return self.tool("checkpoints")

    @property
    def translate_tool(self) -> TranslateTool:
        return self.tool("translate")

    @property
    def enhance_tool(self) -> EnhanceTool:
        return self.tool("enhance")

    @property
    def text_tool(self) -> TextTool:
        return self.tool("text")

    @property
    def current_tool(self) -> Tool:
        return self.tools[self.tabbar.currentIndex()]

    def set_tool(self, name: str) -> bool:
        """Show tool ``name``; False, with a message saying why, when it does not apply to the open model."""
        i = [t.name for t in self.tools].index(name)
        if not self.tabbar.isTabEnabled(i):
            self.show_message("info", f"{self.tools[i].title} is off: {self.off_reason(name)}")
            return False
        self.tabbar.setCurrentIndex(i)
        return True

    def off_reason(self, name: str) -> str:
        """Why tool ``name`` does not apply to the open model ("" when it does)."""
        return self._off.get(name, "")

    def set_run(self, run_dir: str | None) -> None:
        if run_dir != self._run_dir or not self._filled:
            self._run_dir = run_dir
            self._filled = True
            self._fill_sources(prefer_run=True)

    def reload_checkpoints(self) -> None:
        self._fill_sources()

    def open_checkpoint(self, path: str) -> None:
        self.source.select_path(path)

    def pick_checkpoint(self, path: str) -> None:
        """Explore another checkpoint of the same folder (the Checkpoints tool's scrubber)."""
        self.open_checkpoint(path)

    def current_image(self):
        return self.canvas.image()

    def shutdown(self) -> None:
        from .invert import stop as stop_inversion

        stop_inversion(self)
        self.interpolate_tool.set_playing(False)
        self.scores.cancel()
        for tool in self.tools:
            tool.shutdown()
        if self._thread is not None:
            self._thread.stop()
            self._thread = None

    # -- state and history (kept in the model) ---------------------------------------------------------------
    @property
    def state(self) -> ExplorerState:
        return self.model.state

    @property
    def history(self) -> History:
        return self.model.history

    @property
    def ctx(self) -> Context | None:
        return self.model.ctx

    def apply_edit(self, new: ExplorerState, key: str = "") -> None:
        self.model.edit(new, key)

    def set_state(self, new: ExplorerState, record: bool = True) -> None:
        """Replace the whole state (a loaded latent): one undo step."""
        self.model.set_state(new, record)

    def undo(self) -> None:
        self.model.undo()

    def redo(self) -> None:
        self.model.redo()

    def _on_state(self, state: ExplorerState, sync: bool) -> None:
        """After the tools (the current one shows the state): caption, pixels, listeners."""
        self._sync_caption()
        self.render()
        self.sig_state_changed.emit()

    def _sync_history(self, can_undo: bool, can_redo: bool) -> None:
        self.undo_btn.setEnabled(can_undo)
        self.redo_btn.setEnabled(can_redo)

    def _sync_caption(self) -> None:
        own = self._shown_tool().main_caption(self.state) if self.ctx is not None else ""
        self.sample_caption.setText(own or self.model.caption())

    # -- the open model (rendering: panel_render.py) --------------------------------------------------------
    def _on_context(self, ctx: Context) -> None:
        """A generator is open and every tool knows it (they subscribed first): which tools apply, the
        header, the scores, then the pixels."""
        info = ctx.info
        self.uncover()
        was = self.tabbar.currentIndex()
        self.tabbar.blockSignals(True)
        self._off = {t.name: t.why_off(ctx) for t in self.tools}
        for i, tool in enumerate(self.tools):
            why = self._off[tool.name]
            self.tabbar.setTabEnabled(i, not why)  # greyed out (the style below), the tooltip says why
            self.tabbar.setTabToolTip(i, f"{tool.title}: off, {why}" if why else tab_tip(tool, i))
        self.tabbar.setCurrentIndex(was if self.tabbar.isTabEnabled(was) else self._first_on())
        self.tabbar.blockSignals(False)
        self.controls.setCurrentIndex(self.tabbar.currentIndex())
        self.views.setCurrentIndex(self.tabbar.currentIndex())
        self._share_split()
        self.model.set_tool(self.current_tool.name)
        self.current_tool.show_state(self.state)
        self._show_domains(ctx)
        self.about.setText(ctx.about())
        self.about.setToolTip(f"{info.get('title', '')}\n{info['checkpoint']}")
        self.scores.show_checkpoint(info["checkpoint"], info.get("step"), info.get("kind") == "image",
                                    ctx.translates, ctx.pairs)
        self._sync_caption()
        self.render()
        self.sig_state_changed.emit()

    def show_message(self, level: str, text: str) -> None:
        self.message.say(level, text)

    # -- internals -----------------------------------------------------------------------------------------
    def _first_on(self) -> int:
        """The first tool that applies to the open model (Latent for most, Translate for Pix2Pix)."""
        return next((i for i in range(len(self.tools)) if self.tabbar.isTabEnabled(i)), 0)

    def _shown_tool(self) -> Tool:
        """The tool whose view shows: the current one, or the first that applies when it does not."""
        if self.tabbar.isTabEnabled(self.tabbar.currentIndex()):
            return self.current_tool
        return self.tools[self._first_on()]

    def _show_domains(self, ctx: Context) -> None:
        """A pair model (CoGAN): label the current sample's halves and say which domain the tools' grids show."""
        a, b = ctx.domains
        self.canvas.set_parts((f"A · {a}", f"B · {b}") if ctx.pairs else (), PAIR_GAP)
        show_domain_notes(self._domain_notes, self._off, ctx)

    def _fill_sources(self, prefer_run: bool = False) -> None:
        keep = self.source.fill(self._run_dir, prefer_run)
        if self.source.count() == 0:
            self.canvas.set_image(None)
            self.canvas.placeholder = ("This run has no checkpoint yet (one is written every checkpoint interval "
                                       "and on stop)") if self._run_dir else "No model to explore: train one first"
            self.about.setText("")
            return
        if self.source.currentData() != keep or self.ctx is None:
            self._on_source()
        else:
            self.render()

    def _on_source(self, *_):
        path = self.source.currentData()
        if not path:
            return
        if self.ctx is not None and self.ctx.checkpoint != path:
            self.model.detach()  # keep the layout, wait for sig_model
            self.cover_stale(path)
        if self._thread is not None:
            self._thread.forget()
        settings.put("explorer/source", path)
        self.render()

    def _on_tab(self, i: int) -> None:
        self.controls.setCurrentIndex(i)
        self.views.setCurrentIndex(i)
        self._share_split()
        settings.put("explorer/tool", self.tools[i].name)
        self.model.set_tool(self.tools[i].name)
        if self.ctx is not None:
            self.tools[i].show_state(self.state)
        self._restore_main()
        self._sync_caption()
        self.render()

    def _share_split(self) -> None:
        """Give the current tool's view the share of the room it asks for (``Tool.view_share``: the Enhance tool's
        five panels in a row), and the user's own split back when another tool shows."""
        share = self.current_tool.view_share
        sizes = self.split.sizes()
        total = sum(sizes)
        if share and total > 0:
            if self._split_saved is None:
                self._split_saved = sizes
            self.split.setSizes([round(total * (1 - share)), round(total * share)])
        elif not share and self._split_saved is not None:
            self.split.setSizes(self._split_saved)
            self._split_saved = None

    def _export_strip(self) -> None:
        from .export import save_image_interactive

        save_image_interactive(self, "grid")

    def _export_animation(self, kind: str) -> None:
        from .export import export_animation_interactive

        export_animation_interactive(self, kind)

    def restore(self) -> None:
        name = settings.get("explorer/tool", "latent", str)
        if name in [t.name for t in self.tools]:
            self.tabbar.setCurrentIndex([t.name for t in self.tools].index(name))
