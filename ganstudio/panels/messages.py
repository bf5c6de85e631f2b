"""Non-modal messages: a dismissable bar for warnings and errors (NaN pause, skipped files, OOM) and a log
of everything the run said, so nothing interrupts the user and nothing is lost."""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPlainTextEdit, QToolButton, QWidget

from .. import theme

COLORS = {"info": theme.ACCENT, "warning": theme.WARN, "error": theme.ERROR}


class MessageBar(QFrame):
    """One line at the top of the training view; stays until dismissed or replaced."""

    sig_show_log = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.level = ""
        self.icon = QLabel()
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.log_btn = QToolButton()
        self.log_btn.setText("Log")
        self.log_btn.setToolTip("Everything the run reported (Ctrl+L)")
        self.log_btn.clicked.connect(self.sig_show_log)
        self.close_btn = QToolButton()
        self.close_btn.setText("✕")
        self.close_btn.setToolTip("Dismiss")
        self.close_btn.clicked.connect(self.dismiss)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(10, 6, 6, 6)
        lay.addWidget(self.icon)
        lay.addWidget(self.text, 1)
        lay.addWidget(self.log_btn)
        lay.addWidget(self.close_btn)
        self.hide()

    def show_message(self, level: str, text: str) -> None:
        color = COLORS.get(level, theme.ACCENT)
        self.level = level
        self.icon.setText({"warning": "⚠", "error": "⛔"}.get(level, "ℹ"))
        self.icon.setStyleSheet(f"color: {color}; font-size: 15px;")
        self.setStyleSheet(f"MessageBar {{ background: #2a2e36; border-left: 4px solid {color}; }}")
        self.text.setText(text)
        self.show()

    def dismiss(self) -> None:
        self.level = ""
        self.hide()

    def message(self) -> str:
        return self.text.text() if self.isVisible() else ""


class LogView(QPlainTextEdit):
    """Read-only, timestamped."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setReadOnly(True)
        self.setMaximumBlockCount(5000)
        self.setPlaceholderText("Messages from the run appear here.")

    def set_entries(self, entries) -> None:
        self.clear()
        for e in entries:
            self.add(e.level, e.text, e.step, e.when)

    def add(self, level: str, text: str, step: int, when: float | None = None) -> None:
        stamp = time.strftime("%H:%M:%S", time.localtime(when or time.time()))
        tag = {"warning": "WARN ", "error": "ERROR"}.get(level, "info ")
        self.appendPlainText(f"{stamp}  {tag}  step {step:>7}  {text}")
