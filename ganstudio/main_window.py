"""The main window's chrome: runs on the side, the Training / Explorer / Playground tabs in the middle,
actions in menus, toolbar and shortcuts (built in ``main_window_actions.py``), live status at the bottom, and the
window's settings. The runs themselves, and how their events reach the panels, are the switchboard's
(``switchboard.py``)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, Qt, QTimer, Signal
from PySide6.QtWidgets import QApplication, QFileDialog, QMainWindow, QSplitter, QStyle

from . import settings
from .explorer.panel import ExplorerPanel
from .panels.help import show_about, show_shortcuts
from .panels.runs import RunsPanel
from .panels.status import RunStatus
from .panels.training import TrainingView
from .playground.panel import PlaygroundPanel
from .session import RunSession
from .switchboard import Switchboard
from .tabs import StillTabWidget
from .main_window_actions import WindowActions


class MainWindow(WindowActions, QMainWindow):
    sig_session_added = Signal(object)
    """A session (trained here or opened) joined the run list."""

    def __init__(self):
        super().__init__()
        self.setWindowTitle("GAN Studio")
        self._two_ds = False  # the selected run is trained here by a family with D_A and D_B (Step D_A / D_B)
        smoothing = settings.get("plots/smoothing", 0.6, float)
        log_y = settings.get("plots/log_y", False, bool)
        self.runs = RunsPanel()
        hidden = settings.get_json("plots/hidden", [])
        self.view = TrainingView(min(max(smoothing, 0.0), 0.99), log_y,
                                 hidden_plots=[h for h in hidden if isinstance(h, str)] if isinstance(hidden, list) else [],
                                 x_mode=settings.get("plots/x_axis", "step", str))
        self.tabs = StillTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.view, "Training")
        self.explorer = ExplorerPanel()
        self.tabs.addTab(self.explorer, "Explorer")
        self.tabs.setTabToolTip(1, "Sample any checkpoint of the selected run: seed, class, InfoGAN codes")
        self.playground = PlaygroundPanel()
        self.tabs.addTab(self.playground, "Playground")
        self.tabs.setTabToolTip(2, "The adversarial game on 2D toy data: D's heatmap, G's points and gradients, live")
        self.board = Switchboard(self)
        self.board.sig_sync.connect(self._sync)
        self.board.sig_session_added.connect(self.sig_session_added)
        self.playground.sig_playing.connect(lambda _on: self._sync())
        self.playground.sig_recording.connect(lambda _on: self._sync())
        self.side_split = QSplitter(Qt.Orientation.Horizontal)
        self.side_split.addWidget(self.runs)
        self.side_split.addWidget(self.tabs)
        self.side_split.setStretchFactor(1, 1)
        self.side_split.setSizes([250, 1030])
        self.setCentralWidget(self.side_split)
        self._build_actions()
        self._build_status()
        self._connect()
        self._restore_settings()
        self.board.load_known_runs()
        self._status_timer = QTimer(self)
        self._status_timer.setInterval(1000)
        self._status_timer.timeout.connect(self._update_status)
        self._status_timer.start()
        self._sync()

    # -- building ------------------------------------------------------------------------------------------
    def _build_status(self) -> None:
        self.status = RunStatus(self.statusBar())

    def _connect(self) -> None:
        v = self.view
        v.welcome.sig_new.connect(self.new_run)
        v.welcome.sig_quick.connect(self.quick_start)
        v.welcome.sig_open.connect(self.open_run_dialog)
        v.welcome.sig_open_path.connect(self.open_run)
        v.samples.sig_export_gif.connect(self.export_gif)
        v.samples.sig_export_png.connect(self.export_png)
        v.curves.sig_settings_changed.connect(self._on_plot_settings)
        v.curves.sig_view_changed.connect(self._on_plot_view)
        self.tabs.currentChanged.connect(self._on_tab)
        self.playground.sig_state.connect(lambda _text: self._update_status())

    # -- the runs (kept by the switchboard) ---------------------------------------------------------------
    @property
    def sessions(self) -> list[RunSession]:
        return self.board.sessions

    @property
    def current(self) -> RunSession | None:
        """The selected run."""
        return self.board.current

    def start_run(self, config: dict, run_dir: str, resume: bool = False) -> RunSession:
        """Train ``config`` into ``run_dir`` on a background thread and show it."""
        return self.board.start_run(config, run_dir, resume)

    def open_run(self, path: str) -> RunSession | None:
        """Show a run folder (written by this app, ``ganstudio train`` or ``torchrun``), following it live."""
        return self.board.open_run(path)

    def select_session(self, session: RunSession | None) -> None:
        self.board.select_session(session)

    def session_for(self, run_dir: str) -> RunSession | None:
        return self.board.session_for(run_dir)

    def _on_tab(self, index: int) -> None:
        if self.tabs.widget(index) is self.explorer:  # load generators only when someone looks
            self.explorer.set_run(self.current.run_dir if self.current else None)
        if self.tabs.widget(index) is not self.playground and self.playground.playing:
            self.playground.set_playing(False)  # a hidden game would only spend the CPU
        self._sync()

    # -- actions -------------------------------------------------------------------------------------------
    def new_run(self) -> None:
        from .panels.new_run import NewRunDialog

        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)  # the first use loads torch
        try:
            dialog = NewRunDialog(self)
        finally:
            QApplication.restoreOverrideCursor()
        if dialog.exec():
            self.start_run(dialog.config(), dialog.run_dir())

    def quick_start(self) -> None:
        """Train what `ganstudio train` trains with no flags (``trainers.config.quick_start``: DCGAN on digits with
        the recipe its family tuned there) into a new folder of the runs folder."""
        from trainers.config import TrainConfig, quick_start, resolve
        from trainers.runfolder import new_run_dir

        config = quick_start()
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)  # resolving loads the families (torch)
        try:
            r = resolve(TrainConfig(**config))
        finally:
            QApplication.restoreOverrideCursor()
        self.start_run(config, str(new_run_dir(settings.runs_root(), r.model, r.data, r.data_b)))

    def open_run_dialog(self) -> None:
        start = settings.get("paths/last_open", settings.runs_root(), str)
        folder = QFileDialog.getExistingDirectory(self, "Open run folder", start)
        if folder:
            settings.put("paths/last_open", str(Path(folder).parent))
            self.open_run(folder)

    def continue_run(self, session: RunSession | None = None) -> None:
        self.board.continue_run(session)

    def toggle_pause(self) -> None:
        if self.tabs.currentWidget() is self.playground:
            self.playground.toggle_play()
            return
        self.board.toggle_pause()

    def stop_run(self) -> None:
        self.board.stop_run()

    def _command(self, cmd: str) -> None:
        if self.tabs.currentWidget() is self.playground and cmd in ("step_d", "step_g", "step_d_a", "step_d_b"):
            if cmd in ("step_d", "step_g"):  # the game has one D: D_A and D_B are a training run's
                (self.playground.step_d if cmd == "step_d" else self.playground.step_g)()
            return
        self.board.command(cmd)

    def export_gif(self) -> None:
        from .panels.export_dialog import export_gif_interactive

        if self.tabs.currentWidget() is self.playground:
            self.playground.gif_button.toggle()  # first press records, the second stops and saves
            return
        if self.tabs.currentWidget() is self.explorer:
            from .explorer.export import export_animation_interactive

            if self.explorer.current_tool.name == "interpolate":
                export_animation_interactive(self.explorer, "gif")
            else:
                self.statusBar().showMessage("In the explorer, Ctrl+E exports the Interpolation tool's path", 5000)
            return
        if self.current is not None:
            export_gif_interactive(self, self.current.data)

    def export_png(self) -> None:
        from .panels.export_dialog import export_png_interactive

        if self.tabs.currentWidget() is self.playground:
            self.playground.export_png_dialog()
            return
        if self.tabs.currentWidget() is self.explorer:
            from .explorer.export import save_image_interactive

            save_image_interactive(self.explorer, "sample")
        elif self.current is not None:
            export_png_interactive(self, self.current.data, self.view.samples)

    def show_shortcuts(self):
        return show_shortcuts(self)

    def show_about(self) -> None:
        show_about(self)

    def _toggle_log(self) -> None:
        self.view.set_log_visible(self.actions_["log"].isChecked())

    def _toggle_side(self) -> None:
        self.runs.setVisible(self.actions_["side"].isChecked())

    def _toggle_full(self) -> None:
        self.showFullScreen() if self.actions_["full"].isChecked() else self.showNormal()

    # -- status --------------------------------------------------------------------------------------------
    def _sync(self) -> None:
        """Enable what makes sense for the selected run; refresh the header and status bar."""
        s = self.current
        a = self.actions_
        training = s is not None and s.state in ("training", "paused")
        paused = s is not None and s.state == "paused"
        a["pause"].setEnabled(training)
        a["pause"].setText("Resume" if paused else "Pause")
        a["pause"].setIcon(self.style().standardIcon(
            QStyle.StandardPixmap.SP_MediaPlay if paused else QStyle.StandardPixmap.SP_MediaPause))
        a["stop"].setEnabled(s is not None and s.state in ("preparing", "training", "paused"))
        a["step_d"].setEnabled(paused)
        a["step_g"].setEnabled(paused)
        self._two_ds = s is not None and s.is_training and {"D_A", "D_B"} <= set(s.players)
        for k in ("step_d_a", "step_d_b"):  # only where the family has a discriminator per domain
            a[k].setVisible(self._two_ds)
            a[k].setEnabled(paused and self._two_ds)
        a["save"].setEnabled(training)
        a["continue"].setEnabled(s is not None and not s.is_training and s.state != "watching")
        has_snaps = s is not None and len(s.data.snapshots) > 1
        a["gif"].setEnabled(has_snaps)
        a["png"].setEnabled(s is not None and bool(s.data.snapshots))
        self._retarget_actions()
        self.setWindowTitle(f"{s.data.name} — GAN Studio" if s else "GAN Studio")
        v = self.view
        if s is None:
            v.welcome.set_recent(settings.recent_runs())
        else:
            d = s.data
            v.title.setText(s.title())
            bits = [d.run_dir]
            if d.model_info.get("title"):
                bits.insert(0, d.model_info["title"])
            v.subtitle.setText("  ·  ".join(bits))
            if s.state == "preparing":  # loading data and building models: a busy bar, not an empty one
                v.progress.setRange(0, 0)
            else:
                v.progress.setRange(0, max(d.total_steps, 1))
                v.progress.setValue(min(d.step, max(d.total_steps, 1)))
        self._update_status()

    def _update_status(self) -> None:
        """Each tab its own status: the playground's game on its tab, the selected run on the others."""
        if self.tabs.currentWidget() is self.playground:
            self.status.show_text(self.playground.status.text() or "Playground")
        else:
            self.status.show_session(self.current)

    def _on_plot_settings(self, smoothing: float, log_y: bool) -> None:
        settings.put("plots/smoothing", smoothing)
        settings.put("plots/log_y", log_y)

    def _on_plot_view(self) -> None:
        settings.put_json("plots/hidden", sorted(self.view.curves.hidden_plots))
        settings.put("plots/x_axis", self.view.curves.x_mode)

    # -- persistence and shutdown --------------------------------------------------------------------------
    def _restore_settings(self) -> None:
        self.explorer.restore()
        geo = settings.get("window/geometry")
        if isinstance(geo, (QByteArray, bytes)):
            self.restoreGeometry(geo)
        else:
            self.resize(1280, 800)
        state = settings.get("window/state")
        if isinstance(state, (QByteArray, bytes)):
            self.restoreState(state)
        for key, split in (("window/side_split", self.side_split), ("window/view_split", self.view.split),
                           ("window/log_split", self.view.vsplit)):
            value = settings.get(key)
            if isinstance(value, (QByteArray, bytes)):
                split.restoreState(value)

    def _save_settings(self) -> None:
        settings.put("window/geometry", self.saveGeometry())
        settings.put("window/state", self.saveState())
        settings.put("window/side_split", self.side_split.saveState())
        settings.put("window/view_split", self.view.split.saveState())
        settings.put("window/log_split", self.view.vsplit.saveState())

    def closeEvent(self, event) -> None:
        if self.board.stop_before_closing():  # runs write their final checkpoint; the last one closes us
            event.ignore()
            return
        self._save_settings()
        self._status_timer.stop()
        self.explorer.shutdown()
        self.board.shutdown()
        event.accept()
