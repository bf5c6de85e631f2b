"""The explorer's keyboard: Ctrl+Z and its kin, the one-key shortcuts a tool takes first (R, B, K, P, the
Translate and Enhance tools' keys) and Alt+key for each tool's tab. Kept apart from panel.py, which installs
them once, so the whole key map reads in one place."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut

TAB_KEYS = "1234567890-=T"  # Alt+key shows the tool of that tab: the digit row, on past 0; Alt+T for Text


def tab_tip(tool, i: int) -> str:
    """A tool tab's tooltip: its title and Alt key (tabs past the last key have none)."""
    return f"{tool.title} (Alt+{TAB_KEYS[i]})" if i < len(TAB_KEYS) else tool.title


def install_shortcuts(panel) -> None:
    """The explorer panel ``panel``'s shortcuts, live while the focus is inside it."""
    ctx = Qt.ShortcutContext.WidgetWithChildrenShortcut

    def sc(keys: str, slot) -> None:
        s = QShortcut(QKeySequence(keys), panel)
        s.setContext(ctx)
        s.activated.connect(slot)

    def key(keys: str, owner: str = "", slot=None) -> None:
        """A one-key shortcut: the current tool's, if it takes the key, else ``slot`` of tool ``owner``
        while that tool applies (R on a Pix2Pix model is a new real input, not a new seed)."""

        def fire() -> None:
            if not panel.current_tool.on_key(keys) and slot is not None and not panel.off_reason(owner):
                slot()

        sc(keys, fire)

    sc("Ctrl+Z", panel.undo)
    sc("Ctrl+Shift+Z", panel.redo)
    sc("Ctrl+Y", panel.redo)
    key("R", "latent", panel.latent_tool.randomize)
    key("B", "arithmetic", lambda: panel.tool("arithmetic").bookmark_current())
    key("K", "interpolate", panel.interpolate_tool.add_current)
    key("P", "interpolate", panel.interpolate_tool.toggle_play)
    for k in ("E", "O", "I", "Delete", "[", "]"):  # the Translate tool's pen, file, invert, clear, pen size
        key(k)
    for k in ("N", "U", "M", "H"):  # the Enhance tool's next image, explorer's image, magnifier, difference map
        key(k)
    sc("Ctrl+M", panel.scores.evaluate)
    for i in range(min(len(panel.tools), len(TAB_KEYS))):  # the tenth: Alt+0, then Alt+- and Alt+=
        sc(f"Alt+{TAB_KEYS[i]}", lambda i=i: panel.set_tool(panel.tools[i].name))
