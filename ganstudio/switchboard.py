"""The session switchboard: every run the app knows (trained here, or a folder another process writes) is a
``RunSession``; this owns them, follows the selected one, starts, stops and resumes training, and wires each
session's signals to the panels: the run list, the training view (curves, grid, log, message bar), the
explorer and the status bar. The window (``main_window.py``) owns the chrome and calls in here."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QInputDialog

from trainers.runfolder import checkpoint_path

from . import settings
from .rundata import looks_like_run
from .session import STEPS, RunSession


class Switchboard(QObject):
    sig_session_added = Signal(object)
    """A session (trained here or opened) joined the run list."""
    sig_sync = Signal()
    """The selected run, or its state, changed: the window refreshes its actions, header and status."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.runs, self.view, self.explorer = window.runs, window.view, window.explorer
        self.sessions: list[RunSession] = []
        self.current: RunSession | None = None
        self._closing = False
        self._synced: dict[int, tuple] = {}
        self._pending_sync: set[RunSession] = set()
        self._sync_timer = QTimer(self)
        self._sync_timer.setSingleShot(True)
        self._sync_timer.setInterval(250)
        self._sync_timer.timeout.connect(self._flush_pending)
        self.runs.sig_selected.connect(self.select_session)
        self.runs.sig_overlays_changed.connect(self._on_overlays)
        self.runs.sig_action.connect(self._on_run_action)

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
            session = self._adopt(RunSession(run_dir, self.window), select=False)
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
            self.flash("warning", f"{path} is not a GAN Studio run folder (it has no config.json or metrics.jsonl): "
                       "choose the folder given to --out")
            return None
        session = self.session_for(path)
        if session is None:
            session = self._adopt(RunSession(path, self.window), select=False)
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
            v.modes.follow(session.run_dir)
            v.log.set_entries(session.log)
            last = next((e for e in reversed(session.log) if e.level in ("warning", "error")), None)
            if last is not None and session.state in ("paused", "failed"):
                v.message_bar.show_message(last.level, last.text)
        else:
            v.samples.set_run(None)
            v.curves.set_runs(None)
            v.modes.follow(None)
        if self.window.tabs.currentWidget() is self.explorer:
            self.explorer.set_run(session.run_dir if session else None)
        self.sig_sync.emit()

    def load_known_runs(self) -> None:
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
            session = RunSession(rp, self.window)
            session.peek()  # its step and whether it finished, for the list; the metrics load when selected
            self._adopt(session, select=False)
        self.runs.tree.setCurrentItem(None)

    # -- commands to the selected run ----------------------------------------------------------------------
    def continue_run(self, session: RunSession | None = None) -> None:
        session = session if isinstance(session, RunSession) else self.current
        if session is None or session.is_training:
            return
        ckpt = checkpoint_path(session.run_dir)
        if not ckpt.exists():
            self.flash("warning", f"{session.data.name} has no checkpoint to continue from (checkpoints/last)")
            return
        if session.state == "watching":
            self.flash("warning", f"{session.data.name} is being written by another process right now; "
                       "continue it there, or wait until it ends")
            return
        cfg = {k: v for k, v in session.data.config.items() if k in _config_fields()}
        done = session.data.step
        default = max(int(cfg.get("steps") or 0), done) + 2000
        steps, ok = QInputDialog.getInt(self.window, "Continue training", f"{session.data.name} is at step "
                                        f"{done:,}.\nTrain until step:", default, done + 1, 10**9, 500)
        if ok:
            cfg.update(steps=steps)
            self.start_run(cfg, session.run_dir, resume=True)

    def toggle_pause(self) -> None:
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

    def command(self, cmd: str) -> None:
        """"step_d", "step_g", "step_d_a", "step_d_b" (a paused run only; the last two where the family has a
        discriminator per domain) or "save" to the selected run."""
        s = self.current
        if s is None:
            return
        if cmd in STEPS:
            why = self._why_no_step(s, STEPS[cmd])
            if why:
                self.window.statusBar().showMessage(why, 6000)
                return
        s.command(cmd)

    @staticmethod
    def _why_no_step(s: RunSession, player: str) -> str:
        """Why ``s`` cannot take a single update of ``player`` now ("" when it can)."""
        if s.state != "paused":
            return "Pause first (Space): single steps are for a paused run"
        if s.pause_reason == "nan":
            return ("Paused on NaN weights: single steps are off until Resume (Space) reloads the last good "
                    "checkpoint")
        if player in ("D_A", "D_B") and player not in s.players:
            return (f"{s.data.model or 'this model'} steps {' and '.join(s.players) or 'D and G'} by hand; {player} "
                    "alone is for CycleGAN and UNIT, whose discriminators judge one domain each")
        return ""

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

    def flash(self, level: str, text: str) -> None:
        """A non-modal message: the bar over the run view, or the status bar while the welcome page shows."""
        self.view.message_bar.show_message(level, text)
        if self.current is None:
            self.window.statusBar().showMessage(text, 15000)

    # -- closing -------------------------------------------------------------------------------------------
    def stop_before_closing(self) -> bool:
        """True while runs are still training: each is stopped (writing its final checkpoint) and the window
        is closed again once the last one has ended."""
        training = [s for s in self.sessions if s.is_training]
        if not training:
            return False
        if not self._closing:
            self._closing = True
            for s in training:
                s.command("stop")
            self.view.message_bar.show_message("info", "Stopping and saving before closing…")
            self.window.statusBar().showMessage("Stopping and saving before closing…")
        return True

    def shutdown(self) -> None:
        for s in self.sessions:
            s.shutdown()

    # -- what the sessions report --------------------------------------------------------------------------
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
            self.sig_sync.emit()

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
            if "eval_modes" in session.data.latest:  # a stacked set's evaluation: its mode count (panels/modes.py)
                self.view.modes.follow(session.run_dir)

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
            self.window.statusBar().showMessage(f"{name}: {text}", 6000)

    def _on_checkpoint_saved(self) -> None:
        if self.sender() is self.current and self.window.tabs.currentWidget() is self.explorer:
            self.explorer.reload_checkpoints()

    def _on_session_finished(self) -> None:
        if self._closing and not any(s.is_training for s in self.sessions):
            QTimer.singleShot(0, self.window.close)


def _config_fields() -> set[str]:
    import dataclasses

    from trainers.config import TrainConfig

    return {f.name for f in dataclasses.fields(TrainConfig)}
