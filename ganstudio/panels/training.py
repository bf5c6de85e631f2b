"""The training tab: a header with the run and its progress, the message bar, the live sample grid beside
the curves, and the run's log underneath. A welcome page stands in until a run exists."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QProgressBar, QPushButton,
                               QSplitter, QStackedWidget, QVBoxLayout, QWidget)

from .curves import CurvesPanel
from .modes import ModesView
from .growth import GrowingSamplesPanel
from .messages import LogView, MessageBar


class WelcomePage(QWidget):
    sig_new = Signal()
    sig_quick = Signal()
    sig_open = Signal()
    sig_open_path = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        title = QLabel("Watch a GAN learn")
        title.setStyleSheet("font-size: 26px; font-weight: 600;")
        blurb = QLabel("Train a GAN on the built-in handwritten digits (no download), watch its samples sharpen "
                       "and its losses settle, step D and G one update at a time, and export the progression "
                       "as a GIF. Runs from the command line (ganstudio train) can be opened and watched live.")
        blurb.setWordWrap(True)
        blurb.setObjectName("muted")
        blurb.setMaximumWidth(620)
        self.quick_btn = QPushButton("Quick start: DCGAN on digits")
        self.quick_btn.setObjectName("primary")
        self.quick_btn.setToolTip("5000 steps of DCGAN with the DCGAN authors' MNIST nets (width 32), the paper's "
                                  "recipe with G at 1e-3 and batch 64. On a 2-core CPU digits take shape in under a "
                                  "minute: by step 350 (about 40 s) more than half of a fixed grid is read with ≥ 90% "
                                  "confidence by the digit classifier, by step 650–750 (75–95 s) 80% of it")
        self.new_btn = QPushButton("New run…   Ctrl+N")
        self.open_btn = QPushButton("Open run folder…   Ctrl+O")
        self.quick_btn.clicked.connect(self.sig_quick)
        self.new_btn.clicked.connect(self.sig_new)
        self.open_btn.clicked.connect(self.sig_open)
        self.recent = QListWidget()
        self.recent.setMaximumWidth(620)
        self.recent.setMaximumHeight(180)
        self.recent.itemActivated.connect(lambda item: self.sig_open_path.emit(item.data(Qt.ItemDataRole.UserRole)))
        self.recent_label = QLabel("Recent runs")
        self.recent_label.setObjectName("heading")
        col = QVBoxLayout()
        col.addStretch(2)
        col.addWidget(title)
        col.addWidget(blurb)
        col.addSpacing(16)
        for b in (self.quick_btn, self.new_btn, self.open_btn):
            b.setMinimumWidth(300)
            b.setMinimumHeight(34)
            col.addWidget(b, 0, Qt.AlignmentFlag.AlignLeft)
        col.addSpacing(20)
        col.addWidget(self.recent_label)
        col.addWidget(self.recent)
        col.addStretch(3)
        row = QHBoxLayout(self)
        row.addStretch(1)
        row.addLayout(col, 3)
        row.addStretch(1)

    def set_recent(self, paths: list[str]) -> None:
        self.recent.clear()
        for p in paths:
            item = QListWidgetItem(p)
            item.setData(Qt.ItemDataRole.UserRole, p)
            self.recent.addItem(item)
        self.recent.setVisible(bool(paths))
        self.recent_label.setVisible(bool(paths))


class TrainingView(QStackedWidget):
    """Page 0: welcome. Page 1: the run."""

    def __init__(self, smoothing: float, log_y: bool, parent: QWidget | None = None,
                 hidden_plots: list[str] = (), x_mode: str = "step"):
        super().__init__(parent)
        self.welcome = WelcomePage()
        self.title = QLabel("")
        self.title.setObjectName("heading")
        self.subtitle = QLabel("")
        self.subtitle.setObjectName("muted")
        self.subtitle.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.progress = QProgressBar()
        self.progress.setTextVisible(False)
        self.progress.setFixedHeight(6)
        self.message_bar = MessageBar()
        self.samples = GrowingSamplesPanel()  # the grid, and a growing run's resolution and α above it
        self.curves = CurvesPanel(smoothing=smoothing, log_y=log_y, hidden=hidden_plots, x_mode=x_mode)
        self.log = LogView()
        self.split = QSplitter(Qt.Orientation.Horizontal)
        self.split.addWidget(self.samples)
        self.split.addWidget(self.curves)
        self.split.setStretchFactor(0, 2)
        self.split.setStretchFactor(1, 3)
        self.modes = ModesView()  # a stacked set's mode count, beside the curves once an evaluation has one
        self.modes.hide()
        self.split.addWidget(self.modes)
        self.vsplit = QSplitter(Qt.Orientation.Vertical)
        self.vsplit.addWidget(self.split)
        self.vsplit.addWidget(self.log)
        self.vsplit.setStretchFactor(0, 5)
        self.vsplit.setStretchFactor(1, 1)
        self.log.hide()
        page = QWidget()
        head = QVBoxLayout()
        head.setContentsMargins(12, 8, 12, 0)
        head.setSpacing(2)
        head.addWidget(self.title)
        head.addWidget(self.subtitle)
        head.addWidget(self.progress)
        lay = QVBoxLayout(page)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(head)
        lay.addWidget(self.message_bar)
        lay.addWidget(self.vsplit, 1)
        self.addWidget(self.welcome)
        self.addWidget(page)
        self.message_bar.sig_show_log.connect(lambda: self.set_log_visible(True))

    def show_run(self, on: bool) -> None:
        self.setCurrentIndex(1 if on else 0)

    def set_log_visible(self, on: bool) -> None:
        self.log.setVisible(on)
