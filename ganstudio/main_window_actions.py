"""The main window's actions: each one (text, shortcut, tip, icon), the menus and the toolbar that show them,
the Open recent list, and how the transport actions speak for the Playground's game while its tab shows. A mixin
of ``MainWindow``, whose slots the actions call, kept apart from main_window.py so the action table reads whole."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QStyle, QToolBar, QWidget

from . import settings

PLAYGROUND_WORDS = {  # what the transport actions say while the Playground tab is shown: (text, tip)
    "pause": ("Play", "Play or pause the playground's game"),
    "step_d": ("Step D", "One discriminator update of the playground's game"),
    "step_g": ("Step G", "One generator update of the playground's game"),
    "gif": ("Record GIF", "Record the playground as an animated GIF; press again to stop and save it"),
    "png": ("Save view as PNG…", "The playground's view as a PNG image"),
    "stop": ("Stop", "Stop is for training runs: the playground pauses with Play/Pause (Space)"),
    "save": ("Save checkpoint", "Checkpoints are for training runs; the playground keeps no checkpoints"),
}

TWO_DS_STEP_D = "While paused: one update of both discriminators, D_A and D_B"  # Step D's tip for CycleGAN, UNIT


class WindowActions:
    """``MainWindow``'s actions: keeps ``actions_``, ``recent_menu`` and ``_training_words``; needs the window's
    slots, its ``view``, ``tabs``, ``playground`` and ``_two_ds``."""

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
        # a two-domain family (CycleGAN, UNIT) has a discriminator per domain, each steppable alone
        a["step_d_a"] = self._act("Step D_A", lambda: self._command("step_d_a"), "Shift+A",
                                  "While paused: one update of the discriminator of domain A (is this a real A?); "
                                  "D_B stays as it is", SP.SP_MediaSeekForward)
        a["step_d_b"] = self._act("Step D_B", lambda: self._command("step_d_b"), "Shift+B",
                                  "While paused: one update of the discriminator of domain B (is this a real B?); "
                                  "D_A stays as it is", SP.SP_MediaSeekForward)
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
        self._training_words = {k: (act.text(), act.toolTip(), act.statusTip()) for k, act in a.items()}

        mb = self.menuBar()
        m = mb.addMenu("&File")
        for k in ("new", "quick", "open", None, "gif", "png", None, "quit"):
            m.addSeparator() if k is None else m.addAction(a[k])
        self.recent_menu = m.addMenu("Open recent")
        m.insertMenu(a["gif"], self.recent_menu)
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        m = mb.addMenu("&Run")
        for k in ("pause", "stop", None, "step_d", "step_d_a", "step_d_b", "step_g", None, "save", "continue"):
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
        for k in ("new", "open", None, "pause", "stop", "step_d", "step_d_a", "step_d_b", "step_g", "save", None,
                  "gif"):
            tb.addSeparator() if k is None else tb.addAction(a[k])
        for w in tb.findChildren(QWidget):
            w.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.addToolBar(tb)

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        for path in settings.recent_runs():
            act = self.recent_menu.addAction(path)
            act.triggered.connect(lambda _=False, p=path: self.open_run(p))
        self.recent_menu.setEnabled(True)
        if not self.recent_menu.actions():
            self.recent_menu.addAction("(none yet)").setEnabled(False)

    def _retarget_actions(self) -> None:
        """On the Playground tab the transport acts on the game, and says so; what only a training run can do
        (stop, save, continue) is off there, so no key reaches a run in the background unseen."""
        a = self.actions_
        on_game = self.tabs.currentWidget() is self.playground
        for k, (text, tip, status) in self._training_words.items():
            if on_game and k in PLAYGROUND_WORDS:
                text, tip = PLAYGROUND_WORDS[k]
                status = tip
                shortcut = a[k].shortcut().toString()
                tip = f"{tip} ({shortcut})" if shortcut else tip
            if k == "pause" and not on_game:
                text = a[k].text()  # Pause / Resume, set by _sync
            if k == "step_d" and not on_game and self._two_ds:
                status = TWO_DS_STEP_D
                tip = f"{status} ({a[k].shortcut().toString()})"
            a[k].setText(text)
            a[k].setToolTip(tip)
            a[k].setStatusTip(status)
        if not on_game:
            return
        playing = self.playground.playing
        for k in ("pause", "step_d", "step_g", "gif", "png"):
            a[k].setEnabled(True)
        for k in ("stop", "save", "continue"):
            a[k].setEnabled(False)
        for k in ("step_d_a", "step_d_b"):  # the game has one D
            a[k].setVisible(False)
            a[k].setEnabled(False)
        a["pause"].setText("Pause" if playing else "Play")
        a["pause"].setIcon(self.style().standardIcon(
            QStyle.StandardPixmap.SP_MediaPause if playing else QStyle.StandardPixmap.SP_MediaPlay))
        if self.playground.recording is not None:
            a["gif"].setText("Stop && save GIF…")
