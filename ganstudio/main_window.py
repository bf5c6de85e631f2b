"""The main window: runs on the side, the training view in the middle, actions in menus, toolbar and
shortcuts, live status at the bottom. It owns the sessions and routes the selected one to the views."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QAction, QDesktopServices, QKeySequence
from PySide6.QtWidgets import (QApplication, QFileDialog, QInputDialog, QMainWindow,
                               QSplitter, QStyle, QToolBar, QWidget)

from . import settings
from .explorer.panel import ExplorerPanel
from .panels.help import show_about, show_shortcuts
from .panels.playground import PlaygroundPanel
from .panels.runs import RunsPanel
from .panels.status import RunStatus
from .panels.training import TrainingView
from .rundata import looks_like_run
from .tabs import StillTabWidget
from .session import RunSession

class MainWindow(QMainWindow):
    sig_session_added = Signal(object)
    """A session (trained here or opened) joined the run list."""

    def __init__(self):
        super().__init__()
        self.setWindowTitle("GAN Studio")
        self.sessions: list[RunSession] = []
        self.current: RunSession | None = None
        self._closing = False
        self._synced: dict[int, tuple] = {}
        self._pending_sync: set[RunSession] = set()
        self._sync_timer = QTimer(self)
        self._sync_timer.setSingleShot(True)
        self._sync_timer.setInterval(250)
        self._sync_timer.timeout.connect(self._flush_pending)

        smoothing = settings.get("plots/smoothing", 0.6, float)
        log_y = settings.get("plots/log_y", False, bool)
        self.runs = RunsPanel()
        self.view = TrainingView(min(max(smoothing, 0.0), 0.99), log_y)
        self.tabs = StillTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.view, "Training")
        self.explorer = ExplorerPanel()
        self.tabs.addTab(self.explorer, "Explorer")
        self.tabs.setTabToolTip(1, "Sample any checkpoint of the selected run: seed, class, InfoGAN codes")
        self.playground = PlaygroundPanel()
        self.tabs.addTab(self.playground, "Playground")
        self.tabs.setTabToolTip(2, "The adversarial game on 2D toy data: D's heatmap, G's points and gradients, live")
        self.playground.sig_playing.connect(lambda _on: self._sync())
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
        self._load_known_runs()
        self._status_timer = QTimer(self)
        self._status_timer.setInterval(1000)
        self._status_timer.timeout.connect(self._update_status)
        self._status_timer.start()
        self._sync()

    # -- building ------------------------------------------------------------------------------------------
    def _act(self, text: str, slot, shortcut: str | None = None, tip: str = "", icon=None,
             checkable: bool = False) -> QAction:
        act = QAction(text, self)
        if shortcut:
            act.setShortcut(QKeySequence(shortcut))
            act.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        if tip:
            act.setToolTip(f"{tip} ({shortcut})" if shortcut else tip)
            act.setStatusTip(tip)
        if icon is not None:
            act.setIcon(self.style().standardIcon(icon))
        act.setCheckable(checkable)
        act.triggered.connect(slot)
        self.addAction(act)
        return act

    def _build_actions(self) -> None:
        SP = QStyle.StandardPixmap
        a = self.actions_ = {}
        a["new"] = self._act("New run…", self.new_run, "Ctrl+N", "Set up and start a training run", SP.SP_FileIcon)
        a["quick"] = self._act("Quick start: DCGAN on digits", self.quick_start, "Ctrl+Shift+N",
                               "Start DCGAN on the embedded digits with its recipe")
        a["open"] = self._act("Open run…", self.open_run_dialog, "Ctrl+O",
                              "Open a run folder; it updates live while another process trains it",
                              SP.SP_DialogOpenButton)
        a["pause"] = self._act("Pause", self.toggle_pause, "Space", "Pause or resume training", SP.SP_MediaPause)
        a["stop"] = self._act("Stop", self.stop_run, "Ctrl+.", "Stop training; a final checkpoint is written",
                              SP.SP_MediaStop)
        a["step_d"] = self._act("Step D", lambda: self._command("step_d"), "D",
                                "While paused: one discriminator update", SP.SP_MediaSeekForward)
        a["step_g"] = self._act("Step G", lambda: self._command("step_g"), "G",
                                "While paused: one generator update", SP.SP_MediaSkipForward)
        a["save"] = self._act("Save checkpoint", lambda: self._command("save"), "Ctrl+S",
                              "Write checkpoints/last now", SP.SP_DialogSaveButton)
        a["continue"] = self._act("Continue training…", self.continue_run, "Ctrl+Shift+R",
                                  "Resume a stopped or finished run from its last checkpoint")
        a["gif"] = self._act("Export GIF…", self.export_gif, "Ctrl+E", "The progression of samples as a GIF")
        a["png"] = self._act("Save grid as PNG…", self.export_png, "Ctrl+Shift+E", "The grid shown, as PNG")
        a["log_y"] = self._act("Log-scale curves", self.view.curves.toggle_log, "L", "Logarithmic y axes")
        a["fit"] = self._act("Fit curves", self.view.curves.fit, "Ctrl+0", "Zoom the curves to fit")
        a["log"] = self._act("Show log", self._toggle_log, "Ctrl+L", "Everything the run reported",
                             checkable=True)
        a["side"] = self._act("Show run list", self._toggle_side, "Ctrl+B", checkable=True)
        a["side"].setChecked(True)
        a["full"] = self._act("Full screen", self._toggle_full, "F11", checkable=True)
        a["keys"] = self._act("Keyboard shortcuts", self.show_shortcuts, "F1")
        a["about"] = self._act("About GAN Studio", self.show_about)
        a["quit"] = self._act("Quit", self.close, "Ctrl+Q")

        mb = self.menuBar()
        m = mb.addMenu("&File")
        for k in ("new", "quick", "open", None, "gif", "png", None, "quit"):
            m.addSeparator() if k is None else m.addAction(a[k])
        self.recent_menu = m.addMenu("Open recent")
        m.insertMenu(a["gif"], self.recent_menu)
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        m = mb.addMenu("&Run")
        for k in ("pause", "stop", None, "step_d", "step_g", None, "save", "continue"):
            m.addSeparator() if k is None else m.addAction(a[k])
        m = mb.addMenu("&View")
        for k in ("log_y", "fit", None, "log", "side", "full"):
            m.addSeparator() if k is None else m.addAction(a[k])
        m = mb.addMenu("&Help")
        m.addAction(a["keys"])
        m.addAction(a["about"])

        tb = QToolBar("Training")
        tb.setObjectName("training_toolbar")
        tb.setMovable(False)
        tb.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        for k in ("new", "open", None, "pause", "stop", "step_d", "step_g", "save", None, "gif"):
            tb.addSeparator() if k is None else tb.addAction(a[k])
        for w in tb.findChildren(QWidget):
            w.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.addToolBar(tb)

    def _build_status(self) -> None:
        self.status = RunStatus(self.statusBar())

    def _connect(self) -> None:
        self.runs.sig_selected.connect(self.select_session)
        self.runs.sig_overlays_changed.connect(self._on_overlays)
        self.runs.sig_action.connect(self._on_run_action)
        v = self.view
        v.welcome.sig_new.connect(self.new_run)
        v.welcome.sig_quick.connect(self.quick_start)
        v.welcome.sig_open.connect(self.open_run_dialog)
        v.welcome.sig_open_path.connect(self.open_run)
        v.samples.sig_export_gif.connect(self.export_gif)
        v.samples.sig_export_png.connect(self.export_png)
        v.curves.sig_settings_changed.connect(self._on_plot_settings)
        self.tabs.currentChanged.connect(self._on_tab)

    # -- sessions ------------------------------------------------------------------------------------------
    def _adopt(self, session: RunSession, select: bool = True) -> RunSession:
        self.sessions.append(session)
        session.sig_changed.connect(self._on_session_changed)
        session.sig_data.connect(self._on_session_data)
        session.sig_image.connect(self._on_session_image)
        session.sig_message.connect(self._on_session_message)
        session.sig_finished.connect(self._on_session_finished)
        session.sig_checkpoint.connect(self._on_checkpoint_saved)
        session.sig_scores.connect(self.explorer.scores.recheck)
        self.runs.add(session, select=select)
        self.sig_session_added.emit(session)
        return session

    def session_for(self, run_dir: str) -> RunSession | None:
        path = str(Path(run_dir).expanduser().resolve())
        return next((s for s in self.sessions if s.run_dir == path), None)

    def start_run(self, config: dict, run_dir: str, resume: bool = False) -> RunSession:
        """Train ``config`` into ``run_dir`` on a background thread and show it."""
        session = self.session_for(run_dir)
        if session is None:
            session = self._adopt(RunSession(run_dir, self), select=False)
        session.shutdown()
        session.start_training(config, resume=resume)
        settings.remember_run(run_dir)
        self.runs.select(session)
        self.select_session(session)
        return session

    def open_run(self, path: str) -> RunSession | None:
        """Show a run folder (written by this app, ``ganstudio train`` or ``torchrun``), following it live."""
        path = str(Path(path).expanduser())
        if not looks_like_run(path):
            self._flash("warning", f"{path} is not a GAN Studio run folder (it has no config.json or metrics.jsonl): "
                        "choose the folder given to --out")
            return None
        session = self.session_for(path)
        if session is None:
            session = self._adopt(RunSession(path, self), select=False)
        if not session.is_training and session._tail is None:
            session.watch()
        settings.remember_run(path)
        self.runs.select(session)
        return session

    def select_session(self, session: RunSession | None) -> None:
        if session is self.current and session is not None:
            return
        self.current = session
        if session is not None and not session.is_training and session._tail is None:
            session.watch()
        v = self.view
        v.show_run(session is not None)
        v.message_bar.dismiss()
        if session is not None:
            v.samples.set_run(session.data)
            v.curves.set_runs(session.data, [s.data for s in self.runs.overlays()])
            v.log.set_entries(session.log)
            last = next((e for e in reversed(session.log) if e.level in ("warning", "error")), None)
            if last is not None and session.state in ("paused", "failed"):
                v.message_bar.show_message(last.level, last.text)
        else:
            v.samples.set_run(None)
            v.curves.set_runs(None)
        if self.tabs.currentWidget() is self.explorer:
            self.explorer.set_run(session.run_dir if session else None)
        self._sync()

    def _on_tab(self, index: int) -> None:
        if self.tabs.widget(index) is self.explorer:  # load generators only when someone looks
            self.explorer.set_run(self.current.run_dir if self.current else None)
        if self.tabs.widget(index) is not self.playground and self.playground.playing:
            self.playground.set_playing(False)  # a hidden game would only spend the CPU
        self._sync()

    def _on_overlays(self, overlays: list) -> None:
        for s in overlays:
            if not s.is_training and s._tail is None:
                s.watch()
        if self.current is not None:
            self.view.curves.set_runs(self.current.data, [s.data for s in overlays])

    def _on_session_changed(self) -> None:
        """State changes show at once; step counts are batched to ~4 Hz (each relayout costs the GUI thread
        time that training, on a small laptop, would otherwise get)."""
        session = self.sender()
        if not isinstance(session, RunSession):
            return
        key = (session.state, session.pause_reason, session.status_line)
        if self._synced.get(id(session)) != key:
            self._synced[id(session)] = key
            self._flush_session(session)
        else:
            self._pending_sync.add(session)
            if not self._sync_timer.isActive():
                self._sync_timer.start()

    def _flush_session(self, session: RunSession) -> None:
        self.runs.update_session(session)
        if session is self.current:
            self._sync()

    def _flush_pending(self) -> None:
        pending, self._pending_sync = self._pending_sync, set()
        for session in pending:
            if session in self.sessions:
                self._flush_session(session)

    def _on_session_data(self) -> None:
        session = self.sender()
        if session is self.current or session in self.runs.overlays():
            self.view.curves.mark_dirty()
        if session is self.current:
            self.view.samples.refresh()

    def _on_session_image(self, step: int, image) -> None:
        if self.sender() is self.current:
            self.view.samples.show_live(step, image)

    def _on_session_message(self, level: str, text: str) -> None:
        session = self.sender()
        name = session.data.name if isinstance(session, RunSession) else ""
        if session is self.current:
            entry = session.log[-1]
            self.view.log.add(entry.level, entry.text, entry.step, entry.when)
        if level in ("warning", "error"):
            if session is not self.current:
                text = f"{name}: {text}"
            self.view.message_bar.show_message(level, text)
        else:
            self.statusBar().showMessage(f"{name}: {text}", 6000)

    def _on_checkpoint_saved(self) -> None:
        if self.sender() is self.current and self.tabs.currentWidget() is self.explorer:
            self.explorer.reload_checkpoints()

    def _on_session_finished(self) -> None:
        if self._closing and not any(s.is_training for s in self.sessions):
            QTimer.singleShot(0, self.close)

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
        root = Path(settings.runs_root()).expanduser()
        n = 1
        while (root / f"dcgan-digits-{n}").exists():
            n += 1
        self.start_run({"model": "dcgan", "data": "digits", "steps": 5000, "sample_every": 100},
                       str(root / f"dcgan-digits-{n}"))

    def open_run_dialog(self) -> None:
        start = settings.get("paths/last_open", settings.runs_root(), str)
        folder = QFileDialog.getExistingDirectory(self, "Open run folder", start)
        if folder:
            settings.put("paths/last_open", str(Path(folder).parent))
            self.open_run(folder)

    def continue_run(self, session: RunSession | None = None) -> None:
        session = session if isinstance(session, RunSession) else self.current
        if session is None or session.is_training:
            return
        ckpt = Path(session.run_dir) / "checkpoints" / "last.safetensors"
        if not ckpt.exists():
            self._flash("warning", f"{session.data.name} has no checkpoint to continue from (checkpoints/last)")
            return
        if session.state == "watching":
            self._flash("warning", f"{session.data.name} is being written by another process right now; "
                        "continue it there, or wait until it ends")
            return
        cfg = {k: v for k, v in session.data.config.items() if k in _config_fields()}
        done = session.data.step
        default = max(int(cfg.get("steps") or 0), done) + 2000
        steps, ok = QInputDialog.getInt(self, "Continue training", f"{session.data.name} is at step {done:,}.\n"
                                        "Train until step:", default, done + 1, 10**9, 500)
        if ok:
            cfg.update(steps=steps)
            self.start_run(cfg, session.run_dir, resume=True)

    def toggle_pause(self) -> None:
        if self.tabs.currentWidget() is self.playground:
            self.playground.toggle_play()
            return
        s = self.current
        if s is None:
            return
        if s.state == "paused":
            s.command("resume")
        elif s.state == "training":
            s.command("pause")

    def stop_run(self) -> None:
        if self.current is not None:
            self.current.command("stop")

    def _command(self, cmd: str) -> None:
        if self.tabs.currentWidget() is self.playground and cmd in ("step_d", "step_g"):
            (self.playground.step_d if cmd == "step_d" else self.playground.step_g)()
            return
        s = self.current
        if s is None:
            return
        if cmd in ("step_d", "step_g") and s.state != "paused":
            self.statusBar().showMessage("Pause first (Space): single steps are for a paused run", 4000)
            return
        s.command(cmd)

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

    def _on_run_action(self, action: str, session: RunSession) -> None:
        if action == "continue":
            self.continue_run(session)
        elif action == "reveal":
            QDesktopServices.openUrl(QUrl.fromLocalFile(session.run_dir))
        elif action == "remove" and not session.is_training:
            session.shutdown()
            self.runs.remove(session)
            self.sessions.remove(session)
            settings.forget_run(session.run_dir)
            if session is self.current:
                self.current = None
                nxt = self.runs.sessions()
                self.select_session(nxt[0] if nxt else None)
            session.deleteLater()
        self.view.welcome.set_recent(settings.recent_runs())

    def show_shortcuts(self) -> None:
        show_shortcuts(self)

    def show_about(self) -> None:
        show_about(self)

    def _toggle_log(self) -> None:
        self.view.set_log_visible(self.actions_["log"].isChecked())

    def _toggle_side(self) -> None:
        self.runs.setVisible(self.actions_["side"].isChecked())

    def _toggle_full(self) -> None:
        self.showFullScreen() if self.actions_["full"].isChecked() else self.showNormal()

    def _flash(self, level: str, text: str) -> None:
        """A non-modal message: the bar over the run view, or the status bar while the welcome page shows."""
        self.view.message_bar.show_message(level, text)
        if self.current is None:
            self.statusBar().showMessage(text, 15000)

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        for path in settings.recent_runs():
            act = self.recent_menu.addAction(path)
            act.triggered.connect(lambda _=False, p=path: self.open_run(p))
        self.recent_menu.setEnabled(True)
        if not self.recent_menu.actions():
            self.recent_menu.addAction("(none yet)").setEnabled(False)

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
        a["save"].setEnabled(training)
        a["continue"].setEnabled(s is not None and not s.is_training and s.state != "watching")
        has_snaps = s is not None and len(s.data.snapshots) > 1
        a["gif"].setEnabled(has_snaps)
        a["png"].setEnabled(s is not None and bool(s.data.snapshots))
        if self.tabs.currentWidget() is self.playground:  # the transport keys drive the game there
            playing = self.playground.playing
            for k in ("pause", "step_d", "step_g", "gif", "png"):
                a[k].setEnabled(True)
            a["pause"].setText("Pause" if playing else "Play")
            a["pause"].setIcon(self.style().standardIcon(
                QStyle.StandardPixmap.SP_MediaPause if playing else QStyle.StandardPixmap.SP_MediaPlay))
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
            v.progress.setRange(0, max(d.total_steps, 1))
            v.progress.setValue(min(d.step, max(d.total_steps, 1)))
        self._update_status()

    def _update_status(self) -> None:
        self.status.show_session(self.current)

    def _on_plot_settings(self, smoothing: float, log_y: bool) -> None:
        settings.put("plots/smoothing", smoothing)
        settings.put("plots/log_y", log_y)

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

    def _load_known_runs(self) -> None:
        """List recent runs and the runs folder's runs (not read until selected)."""
        seen = set()
        paths = list(settings.recent_runs())
        root = Path(settings.runs_root()).expanduser()
        if root.is_dir():
            try:
                found = sorted((p for p in root.iterdir() if p.is_dir() and looks_like_run(p)),
                               key=lambda p: p.stat().st_mtime, reverse=True)
                paths += [str(p) for p in found[:50]]
            except OSError:
                pass
        for p in paths:
            rp = str(Path(p).resolve())
            if rp in seen or not looks_like_run(rp):
                continue
            seen.add(rp)
            self._adopt(RunSession(rp, self), select=False)
        self.runs.tree.setCurrentItem(None)

    def closeEvent(self, event) -> None:
        training = [s for s in self.sessions if s.is_training]
        if training:
            # Stop every run (each writes its final checkpoint), then close for real when the last one ends.
            if not self._closing:
                self._closing = True
                for s in training:
                    s.command("stop")
                self.view.message_bar.show_message("info", "Stopping and saving before closing…")
                self.statusBar().showMessage("Stopping and saving before closing…")
            event.ignore()
            return
        self._save_settings()
        self._status_timer.stop()
        self.explorer.shutdown()
        for s in self.sessions:
            s.shutdown()
        event.accept()


def _config_fields() -> set[str]:
    import dataclasses

    from trainers.config import TrainConfig

    return {f.name for f in dataclasses.fields(TrainConfig)}
