"""The Text tool's controls: Draw from words | Edit with words, the prompt box (it completes the words the text model
knows, and a red line under it says what is wrong with a prompt), the number of digits and their seed, the
optimisation's steps and weights, the words it knows, and the settings kept between sessions. No state of the tool
lives here: ``text.py`` reads these widgets and listens to their signals."""

from __future__ import annotations

import re

from PySide6.QtCore import QStringListModel, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (QButtonGroup, QCompleter, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton,
                               QSpinBox, QVBoxLayout, QWidget)
from superqt import QLabeledSlider

from ... import settings, theme
from trainers.text import W_WEIGHT

from ..common import DragSlider, WrapLabel, muted_label

DEFAULT_PROMPT = "a thick slanted seven"
KEY = "explorer/text_"  # the settings this tool keeps between sessions


def prompt_error(prompt: str) -> str:
    """Why ``prompt`` cannot be drawn ("" when it can): the engine's own check, without loading anything."""
    from trainers.errors import ConfigError
    from trainers.text import captions as cap

    if not prompt.strip():
        return "Type what to draw, e.g. “a thick slanted seven”"
    try:
        cap.encode([prompt], strict=True)
    except ConfigError as exc:
        return str(exc)
    return ""


def short_error(message: str) -> str:
    """The engine's message without its list of every known word (the hint under the prompt lists them)."""
    head, sep, _ = message.partition(": the text model knows")
    return f"{head}: use the words listed below" if sep else message


def word_hint() -> str:
    """The words the text model knows, grouped by what they say (``captions.WORDS``), as rich text."""
    from trainers.text import captions as cap

    names = {"width": "stroke", "slant": "slant", "scale": "size", "aspect": "shape"}
    rows = ["<b>digit</b> zero … nine, or 0 … 9"]
    for attr in cap.ATTRIBUTES:
        groups = [", ".join(p for p in phrases if " " not in p) for (a, _v), phrases in cap.WORDS.items()
                  if a == attr]
        rows.append(f"<b>{names[attr]}</b> " + " · ".join(groups))
    return "<br>".join(rows)


class PromptEdit(QLineEdit):
    """A line edit that offers the known words for the word being typed (a popup; Tab or Enter takes one)."""

    def __init__(self, words: list[str]):
        super().__init__()
        self.completer_ = QCompleter(self)
        self.completer_.setModel(QStringListModel(sorted(words), self.completer_))
        self.completer_.setWidget(self)
        self.completer_.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer_.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.completer_.activated.connect(self._take)
        self.textEdited.connect(self._offer)

    def word_before_cursor(self) -> str:
        m = re.search(r"[A-Za-z]+$", self.text()[:self.cursorPosition()])
        return m.group(0) if m else ""

    def keyPressEvent(self, event: QKeyEvent) -> None:
        popup = self.completer_.popup()
        if popup.isVisible() and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Tab,
                                                 Qt.Key.Key_Escape, Qt.Key.Key_Backtab):
            event.ignore()  # the completer takes it (Enter or Tab: the word; Escape: no word)
            return
        super().keyPressEvent(event)

    def _offer(self, _text: str) -> None:
        prefix = self.word_before_cursor()
        c = self.completer_
        if len(prefix) < 2:
            c.popup().hide()
            return
        c.setCompletionPrefix(prefix)
        if c.completionCount() == 0 or (c.completionCount() == 1 and c.currentCompletion().lower() == prefix.lower()):
            c.popup().hide()
            return
        c.popup().setCurrentIndex(c.completionModel().index(0, 0))
        rect = self.cursorRect()
        rect.setWidth(max(120, c.popup().sizeHintForColumn(0) + 24))
        c.complete(rect)

    def _take(self, word: str) -> None:
        pos = self.cursorPosition()
        start = pos - len(self.word_before_cursor())
        text = self.text()
        self.setText(text[:start] + word + text[pos:])
        self.setCursorPosition(start + len(word))


class TextControls(QWidget):
    """The controls column (module docstring)."""

    def __init__(self):
        super().__init__()
        from trainers.text import captions as cap

        self.draw_btn = QPushButton("Draw from words")
        self.draw_btn.setToolTip("n new digits for the prompt (E switches)")
        self.edit_btn = QPushButton("Edit with words")
        self.edit_btn.setToolTip("Change the current sample (the Styles tool's, else the explorer's seed) as the "
                                 "prompt asks, keeping the rest (E switches)")
        self.modes = QButtonGroup(self)
        for i, b in enumerate((self.draw_btn, self.edit_btn)):
            b.setCheckable(True)
            self.modes.addButton(b, i)
        self.prompt = PromptEdit(cap.known_words())
        self.prompt.setPlaceholderText("e.g. a thick slanted seven")
        self.prompt.setToolTip("What to draw: a digit and how it looks. Redraws as you type; Enter or Ctrl+Return at "
                               "once")
        self.go_btn = QPushButton("Draw (Ctrl+Enter)")
        self.error_line = WrapLabel("", "error")
        self.error_line.setStyleSheet(f"color: {theme.ERROR}")
        self.error_line.setVisible(False)
        self.n = QSpinBox()
        self.n.setRange(1, 32)
        self.n.setToolTip("How many digits to draw")
        self.seed = QSpinBox()
        self.seed.setRange(0, 2 ** 31 - 1)
        self.seed.setToolTip("The random styles the drawing starts from (R: a new one)")
        self.dice = QPushButton("Random")
        self.dice.setToolTip("A new seed (R)")
        self.steps = QLabeledSlider(Qt.Orientation.Horizontal)
        self.steps.setRange(0, 200)
        self.steps.setToolTip("Optimisation steps (Adam on W+): 0 shows the text mapper's start alone")
        self.w_weight = DragSlider(0.0, 5.0, W_WEIGHT, decimals=2)
        self.w_weight.setToolTip("λ_w: how strongly W+ is kept near where it started, (W+ − W₀)² / σ_w²")
        self.image_weight = DragSlider(0.0, 10.0, 2.0)
        self.image_weight.setToolTip("λ_img (editing): how strongly the picture is kept as it was, mean pixel "
                                     "(G(W+) − G(W₀))²; lower lets the words change more")
        self.n_label, self.seed_label, self.image_label = QLabel("Digits"), QLabel("Seed"), QLabel("Image weight")
        self.hint = QLabel(word_hint())
        self.hint.setObjectName("muted")
        self.hint.setWordWrap(True)
        self.hint.setTextFormat(Qt.TextFormat.RichText)
        self.about = muted_label("")

        modes = QHBoxLayout()
        modes.setSpacing(4)
        modes.addWidget(self.draw_btn)
        modes.addWidget(self.edit_btn)
        seed_row = QHBoxLayout()
        seed_row.addWidget(self.seed, 1)
        seed_row.addWidget(self.dice)
        form = QFormLayout()
        form.addRow(self.n_label, self.n)
        form.addRow(self.seed_label, seed_row)
        form.addRow("Steps", self.steps)
        form.addRow("w weight", self.w_weight)
        form.addRow(self.image_label, self.image_weight)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(modes)
        lay.addWidget(QLabel("Prompt"))
        lay.addWidget(self.prompt)
        lay.addWidget(self.error_line)
        lay.addWidget(self.go_btn)
        lay.addLayout(form)
        lay.addWidget(QLabel("Words it knows"))
        lay.addWidget(self.hint)
        lay.addWidget(self.about)
        self.restore()

    @property
    def mode(self) -> str:
        return "edit" if self.edit_btn.isChecked() else "draw"

    def settings_widgets(self) -> tuple[QWidget, ...]:
        """What changes the result when it changes (each one draws again after the debounce)."""
        return self.n, self.seed, self.steps, self.w_weight, self.image_weight

    def set_enabled(self, on: bool) -> None:
        for w in (self.draw_btn, self.edit_btn, self.prompt, self.go_btn, self.dice, *self.settings_widgets()):
            w.setEnabled(on)

    def show_mode(self, mode: str) -> None:
        """Check ``mode``'s button; show the image weight for an edit, the digits and seed for a drawing."""
        edit = mode == "edit"
        (self.edit_btn if edit else self.draw_btn).setChecked(True)
        for w in (self.image_label, self.image_weight):
            w.setVisible(edit)
        for w in (self.n_label, self.n, self.seed_label, self.seed, self.dice):
            w.setVisible(not edit)
        self.go_btn.setText("Edit (Ctrl+Enter)" if edit else "Draw (Ctrl+Enter)")

    def show_error(self, message: str) -> None:
        """A red line under the prompt ("" hides it); the whole message in its tooltip."""
        self.error_line.setText(short_error(message))
        self.error_line.setToolTip(message)
        self.error_line.setVisible(bool(message))

    def restore(self) -> None:
        """The last prompt, mode and settings (kept between sessions, as the other tools keep theirs)."""
        self.prompt.setText(settings.get(KEY + "prompt", DEFAULT_PROMPT, str))
        self.n.setValue(settings.get(KEY + "n", 8, int))
        self.steps.setValue(settings.get(KEY + "steps", 40, int))
        self.w_weight.setValue(settings.get(KEY + "w_weight", W_WEIGHT, float))
        self.image_weight.setValue(settings.get(KEY + "image_weight", 2.0, float))
        self.show_mode(settings.get(KEY + "mode", "draw", str))

    def save(self) -> None:
        for k, v in (("prompt", self.prompt.text()), ("n", self.n.value()), ("steps", self.steps.value()),
                     ("w_weight", float(self.w_weight.value())), ("image_weight", float(self.image_weight.value())),
                     ("mode", self.mode)):
            settings.put(KEY + k, v)
