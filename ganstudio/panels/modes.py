"""The Modes view: a stacked set's 1,000 modes (the numbers 000–999 its three channels spell) as ten 10 × 10 grids,
a cell filled once the evaluation's fakes show its number, shaded by how often; the count and KL to uniform beside
it, next to the real floor. Reads an evaluation result (``trainers/metrics/modes.py``: ``metrics["modes"]``); a pure
view, with no thread of its own: the training window hands it each stored result, the explorer its checkpoint's."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from .. import theme

EMPTY = QColor("#2d323b")  # a mode no fake shows
OVER = QColor(theme.WARN)  # a mode drawn more than 3× its fair share


class ModesMap(QWidget):
    """Ten 10 × 10 grids (hundreds digit: which grid; tens: row; ones: column); ``set_counts`` fills them."""

    CELL, GAP, GRID_GAP, TITLE = 9, 1, 12, 14

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.counts = np.zeros(1000, np.int64)
        self.setMouseTracking(True)
        self.setMinimumSize(self.sizeHint())

    def sizeHint(self) -> QSize:
        grid = 10 * (self.CELL + self.GAP)
        return QSize(5 * grid + 4 * self.GRID_GAP + 2, 2 * (grid + self.TITLE) + self.GRID_GAP + 2)

    def set_counts(self, counts) -> None:
        self.counts = np.asarray(counts, np.int64).reshape(-1)[:1000] if counts is not None else np.zeros(1000, np.int64)
        self.update()

    @property
    def filled(self) -> int:
        """Cells filled: the modes covered."""
        return int((self.counts > 0).sum())

    def _origin(self, hundreds: int) -> QPoint:
        grid = 10 * (self.CELL + self.GAP)
        return QPoint(1 + (hundreds % 5) * (grid + self.GRID_GAP),
                      1 + (hundreds // 5) * (grid + self.TITLE + self.GRID_GAP) + self.TITLE)

    def cell_at(self, pos: QPoint) -> int | None:
        """The number whose cell is under ``pos``, or None."""
        step = self.CELL + self.GAP
        for h in range(10):
            o = self._origin(h)
            col, row = (pos.x() - o.x()) // step, (pos.y() - o.y()) // step
            if 0 <= col < 10 and 0 <= row < 10 and pos.x() >= o.x() and pos.y() >= o.y():
                return h * 100 + row * 10 + col
        return None

    def paintEvent(self, _event) -> None:  # noqa: N802 (Qt's name)
        p = QPainter(self)
        total = max(int(self.counts.sum()), 1)
        fair = total / 1000
        ok = QColor(theme.OK)
        font = QFont(self.font())
        font.setPointSizeF(max(7.0, font.pointSizeF() - 1.5))
        p.setFont(font)
        step = self.CELL + self.GAP
        for h in range(10):
            o = self._origin(h)
            covered = int((self.counts[h * 100:(h + 1) * 100] > 0).sum())
            p.setPen(QColor(theme.MUTED))
            p.drawText(QRect(o.x(), o.y() - self.TITLE, 10 * step, self.TITLE - 2),
                       Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom, f"{h}xx")
            p.drawText(QRect(o.x(), o.y() - self.TITLE, 10 * step - 2, self.TITLE - 2),
                       Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignBottom, f"{covered}")
            p.setPen(Qt.PenStyle.NoPen)
            for k in range(100):
                c = int(self.counts[h * 100 + k])
                if c == 0:
                    color = EMPTY
                elif c > 3 * fair:
                    color = OVER
                else:  # from a faint green (one sample) to full green (its fair share or more)
                    color = QColor(ok)
                    color.setAlphaF(0.35 + 0.65 * min(1.0, c / max(fair, 1e-9)))
                p.setBrush(color)
                p.drawRect(o.x() + (k % 10) * step, o.y() + (k // 10) * step, self.CELL, self.CELL)
        p.end()

    def mouseMoveEvent(self, event) -> None:  # noqa: N802
        k = self.cell_at(event.position().toPoint())
        self.setToolTip("" if k is None else f"{k:03d}: {int(self.counts[k]):,} sample"
                        f"{'' if self.counts[k] == 1 else 's'}")


class ModesView(QWidget):
    """The map with its figures: modes covered and KL(generated ‖ uniform) of the fakes, and the real floor."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.result: dict | None = None
        self.map = ModesMap()
        self.count = QLabel("–")
        self.count.setObjectName("modesCount")
        big = QFont(self.count.font())
        big.setPointSizeF(big.pointSizeF() * 2.2)
        big.setBold(True)
        self.count.setFont(big)
        self.kl = QLabel("")
        self.split = QLabel("")  # the KL split: digits uneven within the channels, channels tied together
        self.split.setToolTip("KL to uniform splits exactly in two: each channel's own KL over its ten digits (a "
                              "channel drawing some digits more than others), plus the channels' total correlation "
                              "(each channel draws every digit, but not independently of the others)")
        self.floor = QLabel("")
        self.about = QLabel("")
        for lab in (self.split, self.floor, self.about):
            lab.setObjectName("muted")
            lab.setWordWrap(True)
        legend = QLabel(f"<span style='color:{theme.OK}'>■</span> drawn (fainter: rarer) &nbsp; "
                        f"<span style='color:{OVER.name()}'>■</span> over 3× its share &nbsp; "
                        f"<span style='color:{EMPTY.name()}'>■</span> missing")
        legend.setObjectName("muted")
        side = QVBoxLayout()
        title = QLabel("Modes")
        title.setObjectName("muted")
        for w in (title, self.count, self.kl, self.split, self.floor, legend, self.about):
            side.addWidget(w)
        side.addStretch(1)
        lay = QHBoxLayout(self)
        lay.addWidget(self.map)
        lay.addLayout(side, 1)
        self.show_result(None)

    def show_result(self, result: dict | None) -> bool:
        """Show an evaluation result's mode count; False (the view says why) when it has none."""
        m = (result or {}).get("metrics", {})
        if "modes" not in m:
            self.result = None
            self.map.set_counts(None)
            self.count.setText("–")
            self.kl.setText("")
            self.split.setText("")
            self.floor.setText("")
            self.about.setText("No mode count yet: modes are counted for runs on a stacked set (digits-stacked, "
                               "mnist-stacked) at each evaluation, or by `ganstudio eval`.")
            return False
        self.result = result
        modes, kl = m["modes"], m["modes_kl"]
        self.map.set_counts(modes.get("counts"))
        self.count.setText(f"{modes['value']:,} / {modes['of']:,}")
        self.kl.setText(f"KL to uniform {kl['value']:.3f}")
        parts = kl.get("parts")
        if parts is None and modes.get("counts"):  # a count stored before the split: work it out from the counts
            from trainers.metrics.modes import kl_parts  # here, not at the top: the window opens before torch loads

            parts = kl_parts(modes["counts"])
        self.split.setText("" if parts is None else
                           f"of it: channels tied {parts['tied']:.3f} · digits uneven within a channel "
                           f"{sum(parts[c] for c in 'RGB'):.3f} (R {parts['R']:.3f}, G {parts['G']:.3f}, "
                           f"B {parts['B']:.3f})")
        self.floor.setText(f"real stacked images: {modes['floor']:,} modes, KL {kl['floor']:.3f} (the floor)")
        step = (result.get("checkpoint") or {}).get("step")
        self.about.setText(f"{modes['samples']:,} fakes, each channel read by the digit classifier"
                           + (f" · step {step:,}" if isinstance(step, int) else ""))
        return True

    def follow(self, run_dir: str | Path | None) -> None:
        """The training window's hand-over: show ``run_dir``'s latest mode count when it has a newer one, and stay
        hidden for a run without any (a run not on a stacked set)."""
        if run_dir is None:
            self._following = None
            self.setVisible(False)
            return
        newest = max((p.name for p in (Path(run_dir) / "eval").glob("step_*.json")), default=None)
        if (str(run_dir), newest) == getattr(self, "_following", None):
            return
        self._following = (str(run_dir), newest)
        self.setVisible(self.show_run(run_dir))

    def show_run(self, run_dir: str | Path) -> bool:
        """The latest stored evaluation of a run folder that counted modes (``eval/step_XXXXXXX.json``)."""
        return self.show_result(latest_count(run_dir))


def latest_count(run_dir: str | Path) -> dict | None:
    """The stored evaluation of the highest step in ``run_dir/eval`` that has a mode count; None without one."""
    folder = Path(run_dir) / "eval"
    for path in sorted(folder.glob("step_*.json"), reverse=True):
        try:
            result = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if isinstance(result, dict) and "modes" in result.get("metrics", {}):
            return result
    return None
