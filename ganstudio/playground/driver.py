"""The playground's game driver: it holds the ``trainers.playground.Playground`` being played and steps it.

The networks are tiny, so the steps run on the GUI thread: while playing, a timer fires every ``FRAME_MS``
and each frame runs the asked-for steps inside a time budget (a frame never spends more than
``FRAME_BUDGET_S`` stepping), which keeps the window responsive; then it draws one snapshot on the canvas.
Scores (JS divergence, modes) are recomputed at most every ``SCORE_EVERY_S``; a game whose loss or weights
turn NaN/Inf pauses with a message; while recording, every other drawn frame is kept for a GIF.
"""

from __future__ import annotations

import time

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from trainers.errors import GanStudioError
from trainers.playconfig import EXTENT_2D, PlayConfig

FRAME_MS = 16  # ~60 frames per second while playing
FRAME_BUDGET_S = 0.030  # the most a frame spends stepping; the speed slider asks for steps, this caps them
SCORE_EVERY_S = 0.25  # JS divergence and modes are recomputed at most this often
GIF_MAX_FRAMES = 600


class GameDriver(QObject):
    sig_playing = Signal(bool)
    """The game started (True) or stopped (False) playing."""
    sig_say = Signal(str, bool)
    """(text, is an error): a one-line status (step, scores, frame rate) or why the game stopped."""
    sig_recording_full = Signal()
    """The recording reached ``GIF_MAX_FRAMES``: stop it and offer to save."""
    sig_recorded = Signal(int)
    """Frames recorded so far (the REC indicator counts them)."""

    def __init__(self, canvas, steps_per_frame, parent: QObject | None = None):
        """``canvas``: a ``PlaygroundCanvas``; ``steps_per_frame``: a callable, the speed asked for."""
        super().__init__(parent)
        self.canvas = canvas
        self.steps_per_frame = steps_per_frame
        self.game = None  # a trainers.playground.Playground once started
        self.playing = False
        self.recording: list[np.ndarray] | None = None
        self.recording_times: list[float] | None = None  # when each recorded frame was drawn (its GIF timing)
        self.clock = time.perf_counter
        self.frames_drawn = 0
        self._js_steps: list[int] = []
        self._js_values: list[float] = []
        self._scores: dict = {}
        self._last_score_t = 0.0
        self._frame_times: list[float] = []
        self.timer = QTimer(self)
        self.timer.setInterval(FRAME_MS)
        self.timer.timeout.connect(self._frame)
        # a resized or zoomed plane gets D's heatmap over what it now shows, also while paused
        self._reheat = QTimer(self, singleShot=True, interval=60)
        self._reheat.timeout.connect(lambda: None if self.playing else self.redraw())
        canvas.box.sigRangeChanged.connect(lambda *_: self._reheat.start())

    # -- starting and playing --------------------------------------------------------------------------------
    def start(self, config: PlayConfig) -> bool:
        """New networks for ``config`` (the same seed gives the same game). A config the game refuses (too few
        drawn points, ...) leaves an empty plane and says why; returns whether the game started."""
        from trainers.playground import Playground

        self._js_steps, self._js_values, self._scores = [], [], {}
        try:
            self.game = Playground(config)
        except GanStudioError as exc:
            self.game = None
            self.set_playing(False)
            self.canvas.clear_plane((-EXTENT_2D, EXTENT_2D, -EXTENT_2D, EXTENT_2D))
            self.canvas.show_drawn(list(config.points), config.dist == "drawn")
            self.sig_say.emit(str(exc), True)
            return False
        self.redraw(force_scores=True)
        return True

    def apply_live(self, lr_g: float, lr_d: float, d_steps: int) -> None:
        """Learning rates and D steps change the running game without starting it again."""
        c = self.game.config
        c.lr_g, c.lr_d, c.d_steps = lr_g, lr_d, d_steps
        for opt, lr in ((self.game.opt_g, c.lr_g), (self.game.opt_d, c.lr_d)):
            for group in opt.param_groups:
                group["lr"] = lr

    def toggle_play(self) -> None:
        self.set_playing(not self.playing)

    def set_playing(self, on: bool) -> None:
        on = on and self.game is not None
        self.playing = on
        if on:
            self._frame_times = []
            self.timer.start()
        else:
            self.timer.stop()
            self._say_state()
        self.sig_playing.emit(on)

    # -- stepping --------------------------------------------------------------------------------------------
    def step_d(self) -> None:
        self._single(lambda g: g.step_d())

    def step_g(self) -> None:
        self._single(lambda g: g.step_g())

    def step_both(self) -> None:
        self._single(lambda g: g.step())

    def _single(self, update) -> None:
        if self.game is None:
            return
        self.set_playing(False)
        update(self.game)
        self._after_steps()
        self.redraw(force_scores=True)

    def run_steps(self, n: int) -> None:
        """``n`` full steps (D steps then G), then one redraw: what a frame does while playing."""
        if self.game is None:
            return
        for _ in range(n):
            self.game.step()
        self._after_steps()
        self.redraw()

    def _frame(self) -> None:
        if self.game is None:
            self.set_playing(False)
            return
        t0 = time.perf_counter()
        for _ in range(self.steps_per_frame()):
            self.game.step()
            if time.perf_counter() - t0 > FRAME_BUDGET_S:
                break
        if not self._after_steps():
            return
        self.redraw()
        now = time.perf_counter()
        self._frame_times = [t for t in self._frame_times if now - t < 2.0] + [now]

    def _after_steps(self) -> bool:
        if self.game.diverged():
            self.set_playing(False)
            self.sig_say.emit(f"the game diverged at step {self.game.step_count} (a loss or weight is NaN/Inf): "
                              "lower the learning rates and press Reset (R)", True)
            return False
        return True

    # -- drawing ---------------------------------------------------------------------------------------------
    def redraw(self, force_scores: bool = False) -> None:
        g = self.game
        if g is None:
            return
        now = time.perf_counter()
        if force_scores or now - self._last_score_t >= SCORE_EVERY_S:
            self._last_score_t = now
            self._scores = g.scores()
            if not self._js_steps or self._js_steps[-1] != g.step_count:
                self._js_steps.append(g.step_count)
                self._js_values.append(self._scores["js"])
        self.canvas.show_snapshot(g.snapshot(view=self.canvas.visible_extent()), g.history, (self._js_steps, self._js_values))
        self.frames_drawn += 1
        if self.recording is not None:
            self._record_frame()
        self._say_state()

    def _record_frame(self) -> None:
        if len(self.recording) >= GIF_MAX_FRAMES:
            self.sig_recording_full.emit()
            return
        if self.frames_drawn % 2 == 0:  # every other frame: at most ~30 fps of a 60 fps view
            self.recording.append(self.canvas.to_array())
            if self.recording_times is not None:
                self.recording_times.append(self.clock())
            self.sig_recorded.emit(len(self.recording))

    def recording_fps(self) -> float:
        """The rate the recorded frames were really drawn at (a busy machine draws fewer than 60 a second), so
        the GIF plays at the speed the game was watched; 15 when unknown."""
        t = self.recording_times or []
        gaps = sorted(b - a for a, b in zip(t, t[1:]) if b > a)
        if not gaps:
            return 15.0
        # the median gap: a pause mid-recording (nothing drawn for a minute) must not slow the whole GIF down
        return float(min(max(1.0 / gaps[len(gaps) // 2], 1.0), 50.0))

    @property
    def fps(self) -> float:
        t = self._frame_times
        return (len(t) - 1) / (t[-1] - t[0]) if len(t) > 2 and t[-1] > t[0] else 0.0

    def _say_state(self) -> None:
        g = self.game
        if g is None:
            return
        s = self._scores
        parts = [f"step {g.step_count:,}", f"D updates {g.d_updates:,}"]
        if "js" in s:
            parts.append(f"JS divergence {s['js']:.3f} bits")
        if s.get("modes") is not None:
            parts.append(f"modes covered {s['modes']}/{s['modes_total']} ({s['quality']:.0%} of points on a mode)")
        if self.playing and self.fps:
            parts.append(f"{self.fps:.0f} fps")
        if self.recording is not None:
            parts.append(f"● recording: {len(self.recording)} frames")
        self.sig_say.emit(" · ".join(parts), False)
