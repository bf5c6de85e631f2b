"""Help: the keyboard shortcuts (F1, non-modal) and About."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

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


def show_shortcuts(parent: QWidget) -> QMessageBox:
    rows = "".join(f"<tr><td style='padding:2px 16px 2px 0'><b>{k}</b></td><td>{t}</td></tr>" for k, t in SHORTCUTS)
    box = QMessageBox(parent)
    box.setWindowTitle("Keyboard shortcuts")
    box.setTextFormat(Qt.TextFormat.RichText)
    box.setText(f"<table>{rows}</table>")
    box.setModal(False)
    box.show()
    return box


def show_about(parent: QWidget) -> None:
    from .. import __version__

    QMessageBox.about(parent, "About GAN Studio",
                      f"<b>GAN Studio {__version__}</b><br>Train GANs, watch them learn, take their generators "
                      "apart.<br>Runs headless too: <code>ganstudio train --help</code>")
