"""Help: the keyboard shortcuts (F1, non-modal) and About."""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QFont, QGuiApplication
from PySide6.QtWidgets import (QAbstractItemView, QDialog, QDialogButtonBox, QHeaderView, QLineEdit, QMessageBox,
                               QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

SHORTCUTS = (
    ("Space", "Pause / resume training"), ("D", "One discriminator update (while paused)"),
    ("G", "One generator update (while paused)"),
    ("Shift+A / Shift+B", "One update of domain A's / B's discriminator alone (CycleGAN, UNIT; while paused)"), ("Ctrl+.", "Stop (writes a checkpoint)"),
    ("Ctrl+S", "Save a checkpoint now"), ("Ctrl+N", "New run"), ("Ctrl+Shift+N", "Quick start: DCGAN on digits"),
    ("Ctrl+O", "Open a run folder (live if it is still training)"), ("Ctrl+Shift+R", "Continue a stopped run"),
    ("Ctrl+E", "Export the progression as GIF"), ("Ctrl+Shift+E", "Save the shown grid (explorer: the sample) as PNG"),
    ("← / →, Home / End", "Scrub snapshots (grid focused)"), ("L", "Log-scale curves"), ("Ctrl+0", "Fit curves"),
    ("Ctrl+L", "Show / hide the log"), ("Ctrl+B", "Show / hide the run list"), ("F11", "Full screen"),
    ("Explorer: Alt+1 … Alt+6", "Latent · InfoGAN codes · cGAN classes · Arithmetic · Interpolation · Checkpoints"),
    ("Explorer: Alt+7 … Alt+0", "Attention (SAGAN) · BigGAN · Translate (Pix2Pix, CycleGAN, UNIT) · Enhance (SRGAN)"),
    ("Explorer: Alt+- · Alt+=", "Resolution (ProGAN: every toRGB output, the fade-in's α) · Styles (StyleGAN)"),
    ("Explorer: Alt+T", "Text (TediGAN on a StyleGAN of the digits): draw digits from words, edit one with words"),
    ("Text tool: Enter / Ctrl+Enter · E · R", "Draw now · switch Draw / Edit with words · a new seed"),
    ("Explorer: Ctrl+Z / Ctrl+Shift+Z", "Undo / redo an edit (a slider drag is one step; Styles: seed B, ψ, the pad, "
                                        "mixing, noise, a projection)"),
    ("Explorer: R · B · K · P", "New seed · bookmark into the group · add keyframe · play the path"),
    ("Explorer: Ctrl+C", "Copy the current sample (enlarged) to the clipboard"),
    ("Explorer: Ctrl+Shift+S / Ctrl+Shift+O", "Save / load the latent (JSON; on a StyleGAN with the Styles tool's "
                                              "settings)"),
    ("Explorer: Ctrl+I", "Invert an image: find the latent that draws it, then edit from there"),
    ("Explorer: Ctrl+M", "Measure the checkpoint: domain FID, precision/recall, label/code accuracy"),
    ("Playground: Space · D · G · S · R", "Play / pause · step D · step G · step both · reset the game"),
    ("Playground: Ctrl+E / Ctrl+Shift+E", "Record a GIF (again: stop and save) / save the view as PNG"),
    ("F1", "This list"), ("Ctrl+Q", "Quit (running runs stop with a checkpoint)"),
)


class ShortcutsDialog(QDialog):
    """The shortcuts in a two-column table that scrolls: never taller than 85% of the screen it opens on, with a
    filter box (type "explorer" or "Ctrl+S"); Escape or Close shuts it."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.setModal(False)
        self.filter = QLineEdit(placeholderText="Filter: a key or a word (Escape closes)")
        self.filter.setClearButtonEnabled(True)
        self.table = QTableWidget(len(SHORTCUTS), 2)
        self.table.setHorizontalHeaderLabels(["Keys", "Does"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setWordWrap(True)
        bold = QFont(self.font())
        bold.setBold(True)
        for row, (keys, text) in enumerate(SHORTCUTS):
            key_item, text_item = QTableWidgetItem(keys), QTableWidgetItem(text)
            key_item.setFont(bold)
            text_item.setToolTip(text)
            self.table.setItem(row, 0, key_item)
            self.table.setItem(row, 1, text_item)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.resizeRowsToContents()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(self.filter)
        lay.addWidget(self.table, 1)
        lay.addWidget(buttons)
        self.filter.textChanged.connect(self._filter)
        screen = (parent.screen() if parent is not None else None) or QGuiApplication.primaryScreen()
        avail = screen.availableGeometry() if screen is not None else QRect(0, 0, 1280, 800)
        self.resize(min(900, int(avail.width() * 0.9)), min(720, int(avail.height() * 0.85)))

    def _filter(self, text: str) -> None:
        words = text.lower().split()
        for row, (keys, does) in enumerate(SHORTCUTS):
            hay = f"{keys} {does}".lower()
            self.table.setRowHidden(row, not all(w in hay for w in words))


def show_shortcuts(parent: QWidget) -> ShortcutsDialog:
    box = ShortcutsDialog(parent)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.show()
    return box


def show_about(parent: QWidget) -> None:
    from .. import __version__

    QMessageBox.about(parent, "About GAN Studio",
                      f"<b>GAN Studio {__version__}</b><br>Train GANs, watch them learn, take their generators "
                      "apart.<br>Runs headless too: <code>ganstudio train --help</code>")
