"""Look and feel: a dark Fusion palette, pyqtgraph colours to match, and how each metric is named and drawn."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

BG = "#1e2127"
PANEL = "#262a31"
BASE = "#1a1d22"
TEXT = "#d8dee9"
MUTED = "#8a93a3"
ACCENT = "#4c9aff"
WARN = "#e5a50a"
ERROR = "#e5534b"
OK = "#57ab5a"


@dataclass(frozen=True)
class MetricStyle:
    label: str
    plot: str  # which plot it is drawn in
    color: str
    help: str
    sparse: bool = False  # a few points far apart (evaluations): drawn unsmoothed, with markers
    stepped: bool = False  # a setting the run moves through (ProGAN's resolution and α): as logged, in steps


PLOTS = ("Losses", "Loss terms", "Discriminator", "Wasserstein", "Resolution", "Fade-in α", "Attention", "Quality",
         "Domain FID", "Scores", "Modes", "Modes KL", "Other")
PLOT_HELP = {
    "Losses": "D and G losses (plus L_I for InfoGAN and the gradient penalty for WGAN-GP)",
    "Loss terms": "The parts of G's objective in the image-to-image families, before their weights: the GAN term, "
                  "L1 to the target (Pix2Pix), cycle and identity (CycleGAN), reconstruction, KL and cycle (UNIT)",
    "Discriminator": "D(x) on real and D(G(z)) on fake batches; 0.5 each is the equilibrium of the original GAN",
    "Wasserstein": "E[critic(x)] − E[critic(G(z))]: the critic's estimate of the Wasserstein distance",
    "Resolution": "ProGAN: the side G and D train at (px). It doubles at each new level: 4, 8, 16, 32 …",
    "Fade-in α": "ProGAN: the weight of the newest level while it fades in (0 → 1), blended over the level below; "
                 "1 between fade-ins, while a level trains on its own",
    "Attention": "SAGAN: γ of each self-attention layer (output = γ·attention + input). It starts at 0; leaving 0 "
                 "means the network uses attention",
    "Augmentation": "ADA (--augment ada): p, the probability of each augmentation step, and r_t = E[sign(D(real))], "
                    "how sure D is of the reals. p rises while r_t is above its target (0.6: D overfits) and falls "
                    "below it",
    "Quality": "pixel-statistics distance between fakes and real data (a cheap proxy; lower is better)",
    "Domain FID": "Fréchet distance of fakes to real images in the features of GAN Studio's own classifier for "
                  "this dataset (lower is better), next to the real-vs-real floor: how close two real samples get. "
                  "Not comparable to Inception FID.",
    "Scores": "From the same evaluations: precision (fakes that look real), recall (data the fakes cover), and "
              "for cGAN / InfoGAN the accuracy of the asked-for label or the matched categorical code",
    "Modes": "Stacked digits (three digits as R, G, B): how many of the 1,000 numbers 000-999 the evaluation's fakes "
             "show, each channel read by the digit classifier, next to as many real stacked images (the floor)",
    "Modes KL": "KL(generated ‖ uniform) over the 1,000 numbers: 0 when every number is drawn as often; a collapsed "
                "generator's is large. The floor is real stacked images' (sampling noise alone)",
    "Other": "",
}
METRICS: dict[str, MetricStyle] = {
    "loss_d": MetricStyle("D loss", "Losses", "#4c9aff", "discriminator / critic loss"),
    "loss_g": MetricStyle("G loss", "Losses", "#f47067", "generator loss"),
    "loss_info": MetricStyle("info loss L_I", "Losses", "#c297ff", "InfoGAN mutual-information loss"),
    "gp": MetricStyle("gradient penalty", "Losses", "#e0823d", "WGAN-GP penalty term (before λ)"),
    "loss_gan": MetricStyle("GAN term", "Loss terms", "#f47067", "G's adversarial term alone"),
    "loss_l1": MetricStyle("L1 to target", "Loss terms", "#57ab5a", "Pix2Pix: mean |y − G(x)| (before λ = 100)"),
    "loss_cycle": MetricStyle("cycle", "Loss terms", "#4c9aff", "mean |F(G(a)) − a| + |G(F(b)) − b| (before λ)"),
    "loss_idt": MetricStyle("identity", "Loss terms", "#e5a50a", "CycleGAN: |G(b) − b| + |F(a) − a| (before 0.5·λ)"),
    "loss_recon": MetricStyle("reconstruction", "Loss terms", "#57ab5a", "UNIT: each VAE's |x − G(E(x))|"),
    "loss_kl": MetricStyle("KL", "Loss terms", "#c297ff", "UNIT: E[μ²] of both encoders' codes"),
    "loss_kl_cycle": MetricStyle("KL (cycle)", "Loss terms", "#e275ad", "UNIT: E[μ²] of the translations' codes"),
    "d_real": MetricStyle("D(x)", "Discriminator", "#57ab5a", "mean D output on real images"),
    "d_fake": MetricStyle("D(G(z))", "Discriminator", "#e5a50a", "mean D output on generated images"),
    "d_acc": MetricStyle("D accuracy", "Discriminator", "#96d0ff", "share of real and fake D classifies right"),
    "info_acc": MetricStyle("Q code accuracy", "Discriminator", "#c297ff", "Q recovers the categorical code"),
    "drift": MetricStyle("drift E[D(x)²]", "Losses", "#e5a50a", "ProGAN: keeps the critic's scores near 0 (× 0.001)"),
    "resolution": MetricStyle("resolution (px)", "Resolution", "#57ab5a", "the side G and D train at", stepped=True),
    "alpha": MetricStyle("fade-in α", "Fade-in α", "#c297ff", "the newest level's weight while it fades in",
                         stepped=True),
    "wdist": MetricStyle("Wasserstein estimate", "Wasserstein", "#39c5cf", "critic(x) − critic(G(z))"),
    "gamma_g1": MetricStyle("γ G layer 1", "Attention", "#6cb6ff", "G's first (coarser) attention layer"),
    "gamma_g2": MetricStyle("γ G layer 2", "Attention", "#b083f0", "G's second (finer) attention layer"),
    "gamma_d": MetricStyle("γ D", "Attention", "#e5a50a", "D's attention layer"),
    "ada_p": MetricStyle("augmentation p", "Augmentation", "#e275ad", "ADA: each step's probability"),
    "ada_rt": MetricStyle("overfitting r_t", "Augmentation", "#768390", "ADA: E[sign(D(real))], target 0.6"),
    "pix_dist": MetricStyle("pixel-stat distance", "Quality", "#dcbdfb", "lower is better"),
    "eval_fid": MetricStyle("domain FID", "Domain FID", "#f69d50", "lower is better", True),
    "eval_fid_floor": MetricStyle("real-vs-real floor", "Domain FID", "#768390", "two real halves", True),
    "eval_precision": MetricStyle("precision", "Scores", "#57ab5a", "share of fakes that look real", True),
    "eval_recall": MetricStyle("recall", "Scores", "#4c9aff", "share of the data the fakes cover", True),
    "eval_label_accuracy": MetricStyle("label accuracy", "Scores", "#f47067", "cGAN: the asked-for class", True),
    "eval_code_accuracy": MetricStyle("code accuracy", "Scores", "#c297ff", "InfoGAN: matched code → class", True),
    "eval_code_correlation": MetricStyle("best code |r|", "Scores", "#e5a50a", "InfoGAN: continuous code vs factor",
                                         True),
    "eval_modes": MetricStyle("modes covered", "Modes", "#57ab5a", "stacked digits: numbers 000-999 drawn", True),
    "eval_modes_floor": MetricStyle("real floor", "Modes", "#768390", "real stacked images, as many", True),
    "eval_modes_kl": MetricStyle("KL to uniform", "Modes KL", "#f69d50", "stacked digits: lower is better", True),
    "eval_modes_kl_floor": MetricStyle("real floor", "Modes KL", "#768390", "real stacked images, as many", True),
    "r1": MetricStyle("R1 penalty", "Losses", "#96d0ff", "E‖∇D(x)‖² on reals (before γ/2)"),
    "r2": MetricStyle("R2 penalty", "Losses", "#dcbdfb", "E‖∇D(G(z))‖² on fakes (before γ/2)"),
    "feature_matching": MetricStyle("feature matching", "Loss terms", "#39c5cf", "‖E f(x) − E f(G(z))‖² (before λ)"),
}
# Shown in the status bar or the scores details, not as curves.
HIDDEN = frozenset({"img_per_s", "eval_kid", "eval_is", "eval_coverage", "eval_seconds"})
EXTRA_COLORS = ("#ff938a", "#8ddb8c", "#f69d50", "#6cb6ff", "#b083f0", "#e275ad")


def metric_style(key: str) -> MetricStyle:
    if key in METRICS:
        return METRICS[key]
    color = EXTRA_COLORS[sum(map(ord, key)) % len(EXTRA_COLORS)]
    return MetricStyle(key, "Other", color, "")


def apply(app: QApplication) -> None:
    """Dark Fusion theme for the whole app, and pyqtgraph defaults that match it."""
    import pyqtgraph as pg

    app.setStyle("Fusion")
    pal = QPalette()
    roles = {
        QPalette.ColorRole.Window: BG, QPalette.ColorRole.WindowText: TEXT, QPalette.ColorRole.Base: BASE,
        QPalette.ColorRole.AlternateBase: PANEL, QPalette.ColorRole.ToolTipBase: PANEL,
        QPalette.ColorRole.ToolTipText: TEXT, QPalette.ColorRole.Text: TEXT, QPalette.ColorRole.Button: PANEL,
        QPalette.ColorRole.ButtonText: TEXT, QPalette.ColorRole.BrightText: "#ffffff",
        QPalette.ColorRole.Highlight: ACCENT, QPalette.ColorRole.HighlightedText: "#ffffff",
        QPalette.ColorRole.Link: ACCENT, QPalette.ColorRole.PlaceholderText: MUTED,
    }
    for role, color in roles.items():
        pal.setColor(role, QColor(color))
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText, QPalette.ColorRole.WindowText):
        pal.setColor(QPalette.ColorGroup.Disabled, role, QColor("#5c6370"))
    app.setPalette(pal)
    app.setStyleSheet(STYLESHEET)
    pg.setConfigOptions(background=BASE, foreground=MUTED, antialias=True)


STYLESHEET = f"""
QToolBar {{ background: {PANEL}; border: none; border-bottom: 1px solid #14161a; spacing: 4px; padding: 4px; }}
QToolButton {{ padding: 4px 8px; border-radius: 4px; }}
QToolButton:hover {{ background: #323842; }}
QToolButton:checked {{ background: #2d4a6e; }}
QStatusBar {{ background: {PANEL}; color: {MUTED}; }}
QStatusBar QLabel {{ padding: 0 8px; }}
QTabWidget::pane {{ border: none; }}
QTabBar::tab {{ background: transparent; color: {MUTED}; padding: 6px 16px; border: none;
               border-bottom: 2px solid transparent; }}
QTabBar::tab:selected {{ color: {TEXT}; border-bottom: 2px solid {ACCENT}; }}
QTreeWidget, QListWidget {{ background: {PANEL}; border: none; }}
QTreeWidget::item {{ padding: 4px 2px; }}
QLineEdit[invalid="true"], QComboBox[invalid="true"] {{ border: 1px solid {ERROR}; }}
QLabel#heading {{ font-size: 15px; font-weight: 600; color: {TEXT}; }}
QLabel#muted {{ color: {MUTED}; }}
QLabel#error {{ color: {ERROR}; }}
QPushButton#primary {{ background: {ACCENT}; color: white; border: none; border-radius: 4px; padding: 6px 16px;
                       font-weight: 600; }}
QPushButton#primary:disabled {{ background: #3a4454; color: #7d8590; }}
QProgressBar {{ background: {BASE}; border: none; border-radius: 3px; height: 6px; text-align: center; }}
QProgressBar::chunk {{ background: {ACCENT}; border-radius: 3px; }}
QSplitter::handle {{ background: #14161a; }}
"""


def show_transport(button, playing: bool, play_text: str = "", pause_text: str = "") -> None:
    """A play/pause button shows the style's media icon, not a symbol character (a font without ⏸ drew an empty
    box), with optional words beside it; its accessible name says what a click does."""
    from PySide6.QtWidgets import QStyle

    icon = QStyle.StandardPixmap.SP_MediaPause if playing else QStyle.StandardPixmap.SP_MediaPlay
    button.setIcon(button.style().standardIcon(icon))
    button.setText(pause_text if playing else play_text)
    button.setAccessibleName("Pause" if playing else "Play")
