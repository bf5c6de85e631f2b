"""The run list on the side: every run trained here or opened, its state and step; a tick overlays its
curves on the selected run's."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QBrush, QColor
from PySide6.QtWidgets import QHeaderView, QLabel, QMenu, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from .. import theme

PAUSE_REASON = {"nan": "NaN", "oom": "out of memory", "user": "paused"}
STATE_LABEL = {
    "preparing": ("preparing", theme.ACCENT), "training": ("training", theme.OK), "paused": ("paused", theme.WARN),
    "stopping": ("stopping", theme.WARN), "completed": ("done", theme.MUTED), "stopped": ("stopped", theme.MUTED),
    "failed": ("failed", theme.ERROR), "watching": ("live", theme.OK), "idle": ("", theme.MUTED),
}


class RunsPanel(QWidget):
    sig_selected = Signal(object)
    """The session the user selected (or None)."""
    sig_overlays_changed = Signal(list)
    """Sessions whose box is ticked (curves drawn dashed over the selected run's)."""
    sig_action = Signal(str, object)
    """(action, session) from the context menu: "continue", "reveal", "remove"."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Run", "State", "Step"])
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.tree.header().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.header().setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.header().setStretchLastSection(False)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree.customContextMenuRequested.connect(self._menu)
        self.tree.currentItemChanged.connect(self._on_current)
        self.tree.itemChanged.connect(self._on_item_changed)
        title = QLabel("Runs")
        title.setObjectName("heading")
        hint = QLabel("Tick a run to overlay its curves")
        hint.setObjectName("muted")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(8, 8, 0, 8)
        lay.addWidget(title)
        lay.addWidget(self.tree, 1)
        lay.addWidget(hint)
        self._items: dict[int, QTreeWidgetItem] = {}

    def add(self, session, select: bool = True) -> None:
        item = self._items.get(id(session))
        if item is None:
            self.tree.blockSignals(True)
            item = QTreeWidgetItem(self.tree)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setData(0, Qt.ItemDataRole.UserRole, session)
            item.setCheckState(0, Qt.CheckState.Unchecked)
            self._items[id(session)] = item
            self.tree.blockSignals(False)
        self.update_session(session)
        if select:
            self.tree.setCurrentItem(item)

    def remove(self, session) -> None:
        item = self._items.pop(id(session), None)
        if item is not None:
            self.tree.takeTopLevelItem(self.tree.indexOfTopLevelItem(item))

    def sessions(self) -> list:
        return [self.tree.topLevelItem(i).data(0, Qt.ItemDataRole.UserRole) for i in range(self.tree.topLevelItemCount())]

    def select(self, session) -> None:
        item = self._items.get(id(session))
        if item is not None:
            self.tree.setCurrentItem(item)

    def set_overlay(self, session, on: bool) -> None:
        item = self._items.get(id(session))
        if item is not None:
            item.setCheckState(0, Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)

    def overlays(self) -> list:
        return [s for s in self.sessions() if id(s) in self._items
                and self._items[id(s)].checkState(0) == Qt.CheckState.Checked]

    def update_session(self, session) -> None:
        item = self._items.get(id(session))
        if item is None:
            return
        self.tree.blockSignals(True)
        label, color = STATE_LABEL.get(session.state, (session.state, theme.MUTED))
        if session.state == "idle" and session.data.step > 0:
            label = "stopped"  # a folder nobody writes any more, short of its planned steps
        if session.state == "paused" and session.pause_reason in ("nan", "oom"):
            label, color = f"paused ({PAUSE_REASON[session.pause_reason]})", theme.ERROR
        item.setText(0, session.data.name)
        item.setToolTip(0, f"{session.title()}\n{session.run_dir}")
        item.setText(1, label)
        item.setForeground(1, QBrush(QColor(color)))
        d = session.data
        item.setText(2, f"{d.step:,}" if d.step or d.series else "")
        item.setTextAlignment(2, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.tree.blockSignals(False)

    def _on_current(self, current: QTreeWidgetItem | None, _prev) -> None:
        self.sig_selected.emit(current.data(0, Qt.ItemDataRole.UserRole) if current else None)

    def _on_item_changed(self, _item, column: int) -> None:
        if column == 0:
            self.sig_overlays_changed.emit(self.overlays())

    def _menu(self, pos) -> None:
        item = self.tree.itemAt(pos)
        if item is None:
            return
        session = item.data(0, Qt.ItemDataRole.UserRole)
        menu = QMenu(self)
        for key, text, enabled in (
                ("continue", "Continue training…", not session.is_training),
                ("reveal", "Show folder", True),
                ("remove", "Remove from list", not session.is_training)):
            act = QAction(text, menu)
            act.setEnabled(enabled)
            act.triggered.connect(lambda _=False, k=key: self.sig_action.emit(k, session))
            menu.addAction(act)
        menu.exec(self.tree.viewport().mapToGlobal(pos))
