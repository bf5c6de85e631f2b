"""The explorer tab: take a generator apart. Pick a model (a checkpoint of the selected run, live while it
trains, or a bundled one), then a tool: Latent, InfoGAN codes, cGAN classes, Vector arithmetic,
Interpolation, Checkpoints. The current sample shows large on the left of the view, the tool's grid beside it.

The explorer holds one ``ExplorerState`` (Qt-free, immutable) and its undo ``History``; tools propose edits
and describe what to draw; the render thread draws the latest request only (see workers/render.py)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (QComboBox, QHBoxLayout, QLabel, QMenu, QScrollArea, QSplitter,
                               QStackedWidget, QTabBar, QToolButton, QVBoxLayout, QWidget)
from superqt import QElidingLabel

from .. import settings
from ..bundled import bundled_models
from ..latent import ExplorerState, History, Space, fresh_state
from ..workers.render import Output, RenderRequest, RenderThread, file_stamp
from .arithmetic import ArithmeticTool
from .explore_common import Context, Tool, titled
from .explore_tools import CganTool, InfoGanTool, LatentTool
from .interpolate import CheckpointTool, InterpolateTool
from .samples import ImageCanvas, to_qimage

CKPT_RE = re.compile(r"^(last|best|step_\d+)\.safetensors$")


def list_checkpoints(run_dir: str | None) -> list[Path]:
    """best, last, then kept steps newest first."""
    if not run_dir:
        return []
    folder = Path(run_dir) / "checkpoints"
    try:
        found = [p for p in folder.iterdir() if CKPT_RE.match(p.name)]
    except OSError:
        return []
    order = {"best": 0, "last": 1}
    return sorted(found, key=lambda p: (order.get(p.stem, 2), -int(p.stem[5:]) if p.stem.startswith("step_") else 0))


class ExplorerPanel(QWidget):
    sig_state_changed = Signal()
    """The state or the model changed (undo availability, captions)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.state = ExplorerState()
        self.history = History()
        self.ctx: Context | None = None
        self._run_dir: str | None = None
        self._thread: RenderThread | None = None
        self._latest_id = 0
        self.shown_id = 0  # request id of the picture on the main canvas
        self.done_id = 0  # the newest request the render thread finished
        self.images: dict[str, np.ndarray] = {}
        self._owner: dict[str, Tool] = {}

        self.source = QComboBox()
        self.source.setMinimumWidth(200)
        self.source.setToolTip("The generator to explore: this run's checkpoints (last is live while it trains) "
                               "or a model that ships with GAN Studio")
        self.refresh_btn = QToolButton()
        self.refresh_btn.setText("↻")
        self.refresh_btn.setToolTip("Look for new checkpoints")
        self.about = QElidingLabel("")
        self.about.setObjectName("muted")
        self.undo_btn = QToolButton()
        self.undo_btn.setText("↶ Undo")
        self.undo_btn.setToolTip("Undo the last explorer edit (Ctrl+Z)")
        self.redo_btn = QToolButton()
        self.redo_btn.setText("↷ Redo")
        self.redo_btn.setToolTip("Redo (Ctrl+Shift+Z)")
        self.export_btn = QToolButton()
        self.export_btn.setText("Export")
        self.export_btn.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)

        self.tools: list[Tool] = [LatentTool(self._get_state), InfoGanTool(self._get_state),
                                  CganTool(self._get_state), ArithmeticTool(self._get_state),
                                  InterpolateTool(self._get_state), CheckpointTool(self._get_state)]
        self.tabbar = QTabBar()
        self.tabbar.setExpanding(False)
        self.tabbar.setDrawBase(False)
        self.controls = QStackedWidget()
        self.views = QStackedWidget()
        for i, tool in enumerate(self.tools):
            self.tabbar.addTab(tool.title)
            self.tabbar.setTabToolTip(i, f"{tool.title} (Alt+{i + 1})")
            scroll = QScrollArea()
            scroll.setWidgetResizable(True)
            scroll.setFrameShape(QScrollArea.Shape.NoFrame)
            scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
            holder = QWidget()  # the tool at its natural height, spare room below
            hl = QVBoxLayout(holder)
            hl.setContentsMargins(0, 0, 2, 0)
            hl.addWidget(tool)
            hl.addStretch(1)
            scroll.setWidget(holder)
            self.controls.addWidget(scroll)
            self.views.addWidget(tool.view)
            tool.sig_edit.connect(self.apply_edit)
            tool.sig_drag_end.connect(self.history.break_merge)
            tool.sig_refresh.connect(self.render)
            tool.sig_message.connect(self.show_message)
        # room for the tools plus a vertical scroll bar, which shows up on short windows: without it the
        # tools' right edge (Randomize, slider values) would be cut off instead
        self.controls.setFixedWidth(292 + scroll.verticalScrollBar().sizeHint().width())

        self.canvas = ImageCanvas()
        self.canvas.setMinimumSize(108, 108)  # keeps the window's minimum width under 800 px
        self.canvas.placeholder = "Pick a model above"
        self.sample_caption = QElidingLabel("")
        self.sample_caption.setObjectName("muted")
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self._msg_timer = QTimer(self)
        self._msg_timer.setSingleShot(True)
        self._msg_timer.timeout.connect(lambda: self.message.setText(""))

        from .scores import ScoresBar

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
        body = QHBoxLayout()
        body.addWidget(self.controls)
        body.addWidget(self.split, 1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 6, 4, 6)
        lay.addLayout(head)
        lay.addWidget(self.scores)
        lay.addWidget(self.tabbar)
        lay.addLayout(body, 1)

        from .explorer_export import build_export_menu

        self.export_menu: QMenu = build_export_menu(self)
        self.export_btn.setMenu(self.export_menu)
        self._shortcuts()
        self.source.currentIndexChanged.connect(self._on_source)
        self.refresh_btn.clicked.connect(self.reload_checkpoints)
        self.tabbar.currentChanged.connect(self._on_tab)
        self.undo_btn.clicked.connect(self.undo)
        self.redo_btn.clicked.connect(self.redo)
        self.checkpoints_tool.sig_pick.connect(self.pick_checkpoint)
        self.interpolate_tool.sig_export.connect(self._export_animation)
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        from .. import theme

        self.setStyleSheet(f"QPushButton:checked {{ background: {theme.ACCENT}; color: white; "
                           f"border: 1px solid {theme.ACCENT}; border-radius: 3px; }}")
        self._sync_history()
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
    def current_tool(self) -> Tool:
        return self.tools[self.tabbar.currentIndex()]

    def set_tool(self, name: str) -> bool:
        i = [t.name for t in self.tools].index(name)
        if not self.tabbar.isTabEnabled(i):
            return False
        self.tabbar.setCurrentIndex(i)
        return True

    def set_run(self, run_dir: str | None) -> None:
        if run_dir != self._run_dir or not self._filled:
            self._run_dir = run_dir
            self._filled = True
            self._fill_sources(prefer_run=True)

    def reload_checkpoints(self) -> None:
        self._fill_sources()

    def open_checkpoint(self, path: str) -> None:
        i = self.source.findData(str(path))
        if i < 0:
            self.source.addItem(Path(path).name, str(path))
            i = self.source.count() - 1
        self.source.setCurrentIndex(i)

    def pick_checkpoint(self, path: str) -> None:
        """Explore another checkpoint of the same folder (the Checkpoints tool's scrubber)."""
        self.open_checkpoint(path)

    def current_image(self):
        return self.canvas.image()

    def grid_image(self) -> np.ndarray | None:
        names = [n for n, t in self._owner.items() if t is self.current_tool and n in self.images]
        if not names:
            return None
        if names[0] == "frames":
            from .interpolate import _strip

            return _strip(self.images["frames"])
        return self.images[names[0]]

    def shutdown(self) -> None:
        self.interpolate_tool.set_playing(False)
        self.scores.cancel()
        if self._thread is not None:
            self._thread.stop()
            self._thread = None

    # -- state and history ---------------------------------------------------------------------------------
    def _get_state(self) -> ExplorerState:
        return self.state

    def apply_edit(self, new: ExplorerState, key: str = "") -> None:
        if new == self.state:
            return
        self.history.record(self.state, key or None)
        self.state = new
        self._after_change(sync=False)

    def set_state(self, new: ExplorerState, record: bool = True) -> None:
        """Replace the whole state (a loaded latent): one undo step."""
        if record and new != self.state:
            self.history.record(self.state, None)
        self.state = new
        self._after_change(sync=True)

    def undo(self) -> None:
        prev = self.history.undo(self.state)
        if prev is not None:
            self.state = prev
            self._after_change(sync=True)

    def redo(self) -> None:
        nxt = self.history.redo(self.state)
        if nxt is not None:
            self.state = nxt
            self._after_change(sync=True)

    def _after_change(self, sync: bool) -> None:
        if (sync or self.current_tool.resync) and self.ctx is not None:
            self.current_tool.show_state(self.state)
        self._sync_history()
        self._sync_caption()
        self.render()
        self.sig_state_changed.emit()

    def _sync_history(self) -> None:
        self.undo_btn.setEnabled(self.history.can_undo)
        self.redo_btn.setEnabled(self.history.can_redo)

    def _sync_caption(self) -> None:
        if self.ctx is None:
            self.sample_caption.setText("")
            return
        st, sp = self.state, self.ctx.space
        bits = [f"seed {st.seed}", f"ψ {st.truncation:.2f}"]
        if any(st.offsets):
            bits.append("PC " + " ".join(f"{v:+.1f}" for v in st.offsets if v))
        if sp.classes:
            cls = self.ctx.class_name(st.label)
            bits.append(f"class {cls}" if st.label_b is None else
                        f"class {cls}→{self.ctx.class_name(st.label_b)} t={st.blend:.2f}")
        for name, v in zip(sp.code_names, list(st.cat) + list(st.cont)):
            bits.append(f"{name} {v:g}" if isinstance(v, int) else f"{name} {v:+.2f}")
        self.sample_caption.setText(" · ".join(bits))

    # -- rendering -----------------------------------------------------------------------------------------
    def render(self) -> None:
        path = self.source.currentData()
        if not path:
            return
        outputs: list[Output] = []
        self._owner = {}
        if self.ctx is not None and self.ctx.checkpoint == path:
            outputs.append(Output.of("main", self.state.vector(self.ctx.space, self.ctx.directions), cols=1, pad=0))
            tool = self.current_tool
            if not self.tabbar.isTabEnabled(self.tabbar.currentIndex()):
                tool = self.latent_tool
            for out in tool.outputs(self.state):
                outputs.append(out)
                self._owner[out.name] = tool
        if self._thread is None:
            self._thread = RenderThread(self)
            self._thread.sig_model.connect(self._on_model)
            self._thread.sig_rendered.connect(self._on_rendered)
            self._thread.sig_failed.connect(self._on_failed)
            self._thread.sig_done.connect(self._on_done)
        self._latest_id = self._thread.request(RenderRequest(path, file_stamp(path), tuple(outputs)))

    def _on_model(self, rid: int, info: dict) -> None:
        if info.get("checkpoint") != self.source.currentData():
            return
        space = Space.from_info(info)
        same_layout = self.ctx is not None and self.ctx.space == space
        ctx = Context(info, space, info["checkpoint"], file_stamp(info["checkpoint"]))
        self.ctx = ctx
        if not same_layout:
            seed = self.state.seed
            self.state = fresh_state(space, seed, ctx.seed_z(seed)[0])
            self.history.clear()
        self.message.setText("")
        for tool in self.tools:  # every tool knows the new model before any tab can switch
            tool.set_context(ctx)
        was = self.tabbar.currentIndex()
        self.tabbar.blockSignals(True)
        for i, tool in enumerate(self.tools):
            why = tool.unavailable(ctx)
            self.tabbar.setTabEnabled(i, not why)
            self.tabbar.setTabToolTip(i, f"{tool.title} (Alt+{i + 1})" + (f": off, {why}" if why else ""))
        self.tabbar.setCurrentIndex(was if self.tabbar.isTabEnabled(was) else 0)
        self.tabbar.blockSignals(False)
        self.controls.setCurrentIndex(self.tabbar.currentIndex())
        self.views.setCurrentIndex(self.tabbar.currentIndex())
        self.current_tool.show_state(self.state)
        bits = [info.get("title", "").split(" (")[0] or info.get("family", ""), f"step {info.get('step', 0):,}",
                f"trained on {info.get('dataset', '?')}", f"model {info.get('hash', '')[:8]}"]
        self.about.setText(" · ".join(b for b in bits if b))
        self.about.setToolTip(f"{info.get('title', '')}\n{info['checkpoint']}")
        self.scores.show_checkpoint(info["checkpoint"], info.get("step"), info.get("kind") == "image")
        self._sync_history()
        self._sync_caption()
        self.render()
        self.sig_state_changed.emit()

    def _on_rendered(self, rid: int, name: str, image, info: dict) -> None:
        if self.ctx is None or info.get("checkpoint") != self.ctx.checkpoint:
            return  # drawn for a model no longer shown
        self.images[name] = image
        if name == "main":
            self.canvas.set_image(to_qimage(image))
            self.shown_id = rid
            if self.message.objectName() == "error":
                self.message.setText("")
            return
        tool = self._owner.get(name)
        if tool is not None:
            tool.take(name, image)

    def _on_done(self, rid: int) -> None:
        self.done_id = max(self.done_id, rid)

    @property
    def settled(self) -> bool:
        """Nothing asked for is still on its way (tests and benchmarks wait on this)."""
        return self._thread is not None and self.done_id >= self._latest_id

    def _on_failed(self, rid: int, message: str) -> None:
        if rid >= self.shown_id:
            self.show_message("error", message)
            if self.ctx is None:
                self.canvas.set_image(None)
                self.canvas.placeholder = "This checkpoint cannot be explored"

    def show_message(self, level: str, text: str) -> None:
        from .. import theme

        color = {"error": theme.ERROR, "warning": theme.WARN}.get(level, theme.MUTED)
        self.message.setObjectName(level)
        self.message.setStyleSheet(f"color: {color}")
        self.message.setText(("⚠ " if level in ("error", "warning") else "") + text)
        self._msg_timer.start(12000 if level == "error" else 6000)

    # -- internals -----------------------------------------------------------------------------------------
    def _fill_sources(self, prefer_run: bool = False) -> None:
        keep = self.source.currentData()
        self.source.blockSignals(True)
        self.source.clear()
        run_ckpts = list_checkpoints(self._run_dir)
        if run_ckpts:
            name = Path(self._run_dir).name
            for p in run_ckpts:
                self.source.addItem(f"{name} · {p.stem}", str(p))
        models = bundled_models()
        if models:
            if run_ckpts:
                self.source.insertSeparator(self.source.count())
            for m in models:
                self.source.addItem(f"{m.title} (bundled)", str(m.checkpoint))
        if keep and self.source.findData(keep) < 0 and Path(keep).exists() and not prefer_run:
            self.source.addItem(Path(keep).name, keep)
        want = keep
        if prefer_run and run_ckpts:
            want = str(next((p for p in run_ckpts if p.stem == "last"), run_ckpts[0]))
        elif not want:
            want = settings.get("explorer/source", "", str)
        i = self.source.findData(want) if want else -1
        self.source.setCurrentIndex(i if i >= 0 else 0)
        self.source.blockSignals(False)
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
            self.ctx = Context(self.ctx.info, self.ctx.space, "", 0.0)  # keep the layout, wait for sig_model
        if self._thread is not None:
            self._thread.forget()
        settings.put("explorer/source", path)
        self.render()

    def _on_tab(self, i: int) -> None:
        self.controls.setCurrentIndex(i)
        self.views.setCurrentIndex(i)
        settings.put("explorer/tool", self.tools[i].name)
        if self.ctx is not None:
            self.tools[i].show_state(self.state)
        self.render()

    def _export_animation(self, kind: str) -> None:
        from .explorer_export import export_animation_interactive

        export_animation_interactive(self, kind)

    def _shortcuts(self) -> None:
        ctx = Qt.ShortcutContext.WidgetWithChildrenShortcut

        def sc(keys: str, slot) -> None:
            s = QShortcut(QKeySequence(keys), self)
            s.setContext(ctx)
            s.activated.connect(slot)

        sc("Ctrl+Z", self.undo)
        sc("Ctrl+Shift+Z", self.redo)
        sc("Ctrl+Y", self.redo)
        sc("R", self.latent_tool.randomize)
        sc("B", lambda: self.tool("arithmetic").bookmark_current())
        sc("K", self.interpolate_tool.add_current)
        sc("P", self.interpolate_tool.toggle_play)
        sc("Ctrl+M", self.scores.evaluate)
        for i in range(len(self.tools)):
            sc(f"Alt+{i + 1}", lambda i=i: self.set_tool(self.tools[i].name))

    def restore(self) -> None:
        name = settings.get("explorer/tool", "latent", str)
        if name in [t.name for t in self.tools]:
            self.tabbar.setCurrentIndex([t.name for t in self.tools].index(name))
