"""How each tool sits in the explorer panel: its controls in a scroll area at their natural height, its view in
another, a "domain A only" note under the view's heading for pair models, and the panel's style for tabs of tools
that do not apply; and the tabs' order (a tool registers itself, ``common.TOOL_TYPES``; a plug-in's comes last).
Kept apart from panel.py so the panel reads as wiring, not widget plumbing."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QScrollArea, QVBoxLayout, QWidget

from .. import theme
from .common import TOOL_TYPES, Tool, WrapLabel
from .model import Context

OFF_COLOR = "#4d5564"  # a tool that does not apply: dimmer than the theme's muted unselected tabs


def controls_page(tool: Tool) -> QScrollArea:
    """``tool``'s controls at their natural height, spare room below; they scroll on short windows."""
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
    return scroll


def view_page(tool: Tool) -> QScrollArea:
    """``tool``'s view: a view larger than the room left (BigGAN's mode bar, the attention maps side by side)
    scrolls instead of raising the whole window's minimum size."""
    view_scroll = QScrollArea()
    view_scroll.setWidgetResizable(True)
    view_scroll.setFrameShape(QScrollArea.Shape.NoFrame)
    view_scroll.setWidget(tool.view)
    return view_scroll


def add_domain_note(tool: Tool) -> QLabel:
    """A muted line under the heading of ``tool``'s view (every view starts with its heading), shown while a
    pair model is open: the tools' grids draw G's first domain only."""
    note = WrapLabel("")
    note.setVisible(False)
    lay = tool.view.layout()
    if isinstance(lay, QVBoxLayout):
        lay.insertWidget(1, note)
    return note


def show_domain_notes(notes: dict[str, QLabel], off: dict[str, str], ctx: Context) -> None:
    """Say, under each tool's heading that applies, which domain its grid shows while a pair model is open."""
    a, b = ctx.domains
    for name, note in notes.items():
        note.setVisible(ctx.pairs and not off.get(name))
        note.setText(f"Domain A ({a}) only: each z here is drawn by G's first head. The current sample shows "
                     f"its pair, A | B ({b})." if ctx.pairs else "")


def panel_style() -> str:
    """Checked buttons in the accent colour, tabs of tools that do not apply dimmed, tabs narrow enough that
    fourteen tools fit a 1280 px window."""
    return (f"QPushButton:checked {{ background: {theme.ACCENT}; color: white; "
            f"border: 1px solid {theme.ACCENT}; border-radius: 3px; }}"
            f"QTabBar::tab:disabled {{ color: {OFF_COLOR}; }}"
            "QTabBar::tab { padding: 6px 6px; }")  # fourteen tools fit a 1280 px window


TOOL_ORDER = ("latent", "infogan", "cgan", "arithmetic", "interpolate", "checkpoints", "attention", "biggan",
              "translate", "enhance", "resolution", "styles", "text")  # the tabs' order; a plug-in tool comes after


def tool_types() -> list[type[Tool]]:
    """The registered tool classes (``common.TOOL_TYPES``: the imports above register the built-in ones), in the
    tabs' order."""
    rank = {name: i for i, name in enumerate(TOOL_ORDER)}
    return sorted(TOOL_TYPES, key=lambda cls: rank.get(cls.name, len(rank)))
