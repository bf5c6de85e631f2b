"""The BigGAN tool's truncation curve, drawn the way the BigGAN paper draws quality against variety: label
accuracy and precision (quality) with recall (variety) on one plot, domain FID with its real-vs-real floor on
the other, both against ψ from untruncated ("off") down to 0. It reads a stored sweep of the checkpoint's step
(``ganstudio eval --truncation-sweep``) or computes one in ``workers/truncation.py`` and stores it beside the run."""

from __future__ import annotations

import html
from pathlib import Path

import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QSpinBox, QVBoxLayout, QWidget

from ... import theme
from ...panels.curve_parts import PlotBox
from ...panels.eval_progress import EvalProgress
from ...workers.oneshot import failure_line
from ...workers.truncation import SWEEP_SAMPLES, SweepThread
from ..common import WrapLabel

OFF_GAP = 0.5  # untruncated z sits this far beyond the largest ψ swept, at the left end of the axis
SERIES = {  # key in a sweep row → (legend label, colour (the curves panel's), which plot)
    "label_accuracy": ("label accuracy", theme.metric_style("eval_label_accuracy").color, "scores"),
    "precision": ("precision", theme.metric_style("eval_precision").color, "scores"),
    "recall": ("recall", theme.metric_style("eval_recall").color, "scores"),
    "fid": ("domain FID", theme.metric_style("eval_fid").color, "fid"),
    "fid_floor": ("real-vs-real floor", theme.metric_style("eval_fid_floor").color, "fid"),
}
TITLES = {"scores": ("Quality and variety", "Label accuracy (the asked-for class, per the dataset's classifier) and "
                     "precision measure quality; recall measures variety"),
          "fid": ("Domain FID", "Fréchet distance to real images in the classifier's features, lower is better; the "
                  "dashed floor is two real halves")}


def off_x(rows: list[dict]) -> float:
    """Where the untruncated row is drawn on the ψ axis."""
    psis = [r["psi"] for r in rows if r.get("psi") is not None]
    return (max(psis) if psis else 1.0) + OFF_GAP


def curve_points(rows: list[dict], key: str) -> tuple[list[float], list[float]]:
    """(ψ positions, values) of one score over the sweep's rows, untruncated at ``off_x``; rows without the
    score (label accuracy of an unconditional model) are left out."""
    at = off_x(rows)
    pts = sorted((at if r.get("psi") is None else float(r["psi"]), float(r[key]))
                 for r in rows if isinstance(r.get(key), (int, float)))
    return [p[0] for p in pts], [p[1] for p in pts]


def _legend(kind: str) -> str:
    name = TITLES[kind][0]
    parts = [f"<b style='color:{theme.TEXT}'>{name}</b>"]
    for label, color, plot in SERIES.values():
        if plot == kind:
            mark = "╌" if label.startswith("real") else "●"
            parts.append(f"<span style='color:{color}'>{mark}&nbsp;{html.escape(label)}</span>")
    return "&nbsp;&nbsp; ".join(parts)


class TruncationCurve(QWidget):
    """The curve of the explorer's checkpoint, or a button that computes it; a marker follows the current ψ."""

    sig_message = Signal(str, str)
    """(level, text) for the explorer's message line."""

    def __init__(self):
        super().__init__()
        self.checkpoint: str | None = None
        self.step: int | None = None
        self.result: dict | None = None
        self.psi: float | None = None
        self._failure = ""
        self._origin = ""  # where the shown result came from, for the status line
        self.status = WrapLabel("")
        self.samples = QSpinBox()
        self.samples.setRange(100, 10000)
        self.samples.setSingleStep(100)
        self.samples.setValue(SWEEP_SAMPLES)
        self.samples.setSuffix(" per ψ")
        self.samples.setToolTip("Generated samples scored at each ψ (and real images per half); more is steadier "
                                "and slower")
        self.compute_btn = QPushButton("Compute truncation curve")
        self.compute_btn.setToolTip("Score this checkpoint at ψ = off, 2, 1.5, 1, 0.75, 0.5, 0.25 and 0 (as "
                                    "`ganstudio eval --truncation-sweep`) and keep the result beside the run")
        self.progress = EvalProgress()
        self.readout = WrapLabel("")
        self.plots: dict[str, PlotBox] = {}
        self.items: dict[str, pg.PlotDataItem] = {}
        self.markers: list[pg.InfiniteLine] = []
        for kind in ("scores", "fid"):
            box = self.plots[kind] = PlotBox(pg.PlotItem())
            plot = box.plotItem
            plot.invertX(True)  # ψ from untruncated (left) to 0 (right): the way the paper reads the trade-off
            plot.showGrid(x=True, y=True, alpha=0.15)
            plot.setMenuEnabled(False)
            plot.getViewBox().setMouseEnabled(x=False, y=False)
            plot.hideButtons()
            plot.getAxis("left").setWidth(40)
            plot.setTitle(" ", size="9pt", justify="left")  # shows the title row the legend is written into
            plot.setToolTip(TITLES[kind][1])
            box.set_legend(_legend(kind))
            marker = pg.InfiniteLine(angle=90, movable=False,
                                     pen=pg.mkPen(theme.TEXT, width=1, style=Qt.PenStyle.DashLine))
            marker.setZValue(-1)
            plot.addItem(marker)
            self.markers.append(marker)
        self.plots["scores"].plotItem.setYRange(0, 1.02, padding=0)
        self.plots["fid"].plotItem.setXLink(self.plots["scores"].plotItem)
        self.plots["fid"].plotItem.setLabel("bottom", "truncation ψ  (← more variety · more typical →)")
        for key, (label, color, kind) in SERIES.items():
            floor = key == "fid_floor"
            pen = pg.mkPen(color, width=1.2 if floor else 1.8, style=Qt.PenStyle.DashLine if floor else
                           Qt.PenStyle.SolidLine)
            self.items[key] = self.plots[kind].plotItem.plot(
                pen=pen, name=label, symbol=None if floor else "o", symbolSize=6, symbolPen=None,
                symbolBrush=pg.mkBrush(color))
        row = QHBoxLayout()
        row.addWidget(self.compute_btn)
        row.addWidget(self.samples)
        row.addStretch(1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.status)
        lay.addLayout(row)
        lay.addWidget(self.progress)
        lay.addWidget(self.plots["scores"], 3)
        lay.addWidget(self.plots["fid"], 2)
        lay.addWidget(self.readout)
        lay.addStretch(0)  # takes the room only while the plots are hidden (no curve yet)
        self.compute_btn.clicked.connect(self._on_button)
        self.progress.sig_stage.connect(self._on_stage)
        self.progress.sig_finished.connect(self._draw)
        self._sync()

    # -- public --------------------------------------------------------------------------------------------
    def set_checkpoint(self, checkpoint: str | None, step: int | None) -> None:
        """Show the curve stored for this checkpoint's step, or the way to compute it."""
        from trainers.metrics.evaluate import stored_sweep

        if checkpoint == self.checkpoint and step == self.step:
            return
        self.cancel()
        self.checkpoint, self.step = checkpoint, step
        self.result = stored_sweep(checkpoint, step) if checkpoint and isinstance(step, int) else None
        samples = ((self.result or {}).get("protocol") or {}).get("samples")
        if isinstance(samples, int):
            self.samples.setValue(samples)  # Recompute starts from what the stored curve used
        self._origin = "stored with the run" if self.result is not None else ""
        self._failure = ""
        self._draw()

    def show_sweep(self, result: dict | None, origin: str = "") -> None:
        """Draw a sweep's rows (``trainers.metrics.evaluate.truncation_sweep``)."""
        self.result, self._origin = result, origin
        self._draw()

    def set_psi(self, psi: float | None) -> None:
        """Move the marker to the explorer's current ψ (None: untruncated) and read the scores there."""
        self.psi = psi
        self._place_marker()

    def compute(self) -> None:
        if not self.checkpoint or self.busy:
            return
        self._failure = ""
        self.progress.start(SweepThread(self.checkpoint, self.samples.value(), parent=self), self._on_result,
                            self._on_failed)
        self._sync()

    def cancel(self) -> None:
        """Stop a sweep in progress and wait for its thread."""
        self.progress.cancel()

    @property
    def busy(self) -> bool:
        return self.progress.busy

    # -- drawing -------------------------------------------------------------------------------------------
    def _draw(self) -> None:
        rows = (self.result or {}).get("rows") or []
        for key, item in self.items.items():
            xs, ys = curve_points(rows, key)
            item.setData(xs, ys)
        if rows:
            at = off_x(rows)
            ticks = sorted({(at if r.get("psi") is None else float(r["psi"])) for r in rows})
            labels = [(x, "off" if x == at and any(r.get("psi") is None for r in rows) else f"{x:g}")
                      for x in ticks]
            for box in self.plots.values():
                box.plotItem.getAxis("bottom").setTicks([labels, []])
                box.plotItem.setXRange(0, at, padding=0.06)
            self.plots["fid"].plotItem.enableAutoRange(axis="y")
        for box in self.plots.values():
            box.setVisible(bool(rows))
        self._place_marker()
        self._sync()

    def _place_marker(self) -> None:
        rows = (self.result or {}).get("rows") or []
        if not rows:
            self.readout.setText("")
            return
        at = off_x(rows)
        x = at if self.psi is None else min(float(self.psi), at)
        for m in self.markers:
            m.setPos(x)
        near = min(rows, key=lambda r: abs((at if r.get("psi") is None else float(r["psi"])) - x))
        where = "untruncated" if near.get("psi") is None else f"ψ {near['psi']:g}"
        bits = [f"{SERIES[k][0]} {near[k]:.2f}" for k in ("label_accuracy", "precision", "recall")
                if isinstance(near.get(k), (int, float))]
        if isinstance(near.get("fid"), (int, float)):
            floor = near.get("fid_floor")
            bits.append(f"domain FID {near['fid']:.2f}" + (f" (floor {floor:.2f})" if isinstance(floor, (int, float))
                                                          else ""))
        now = "off" if self.psi is None else f"{self.psi:.2f}"
        self.readout.setText(f"Dashed line: the current ψ ({now}). Measured at {where}: " + " · ".join(bits))

    def _sync(self) -> None:
        busy = self.busy
        self.compute_btn.setText("Cancel" if busy else ("Recompute" if self.result else "Compute truncation curve"))
        self.compute_btn.setEnabled(bool(self.checkpoint))
        self.samples.setEnabled(not busy)
        if busy:
            return
        if self._failure:
            self.status.setText(failure_line("compute the curve", self._failure))
        elif self.result is not None:
            self.status.setText(self._describe(self.result))
        elif self.checkpoint:
            self.status.setText(f"No truncation curve for step {self.step:,} yet. Compute scores this checkpoint at "
                                "8 values of ψ with the dataset's own classifier (a few minutes on a CPU; "
                                "`ganstudio eval RUN --truncation-sweep` does the same) and keeps it beside the run.")
        else:
            self.status.setText("")

    def _describe(self, result: dict) -> str:
        proto = result.get("protocol") or {}
        bits = [f"step {result.get('checkpoint', {}).get('step', self.step):,}"]
        if proto.get("samples"):
            bits.append(f"{proto['samples']:,} samples per ψ")
        if proto.get("dataset"):
            bits.append(f"against {proto['dataset']}")
        if self._origin:
            bits.append(self._origin)
        return "Truncation curve · " + " · ".join(bits)

    # -- the thread ----------------------------------------------------------------------------------------
    def _on_button(self) -> None:
        if self.busy:
            self.cancel()
        else:
            self.compute()

    def _on_stage(self, stage: str) -> None:
        self.status.setText(f"Computing the truncation curve: {stage.split(':')[0]}")

    def _on_result(self, checkpoint: str, result: dict, stored: str) -> None:
        if checkpoint != self.checkpoint:
            return
        self._origin = (f"kept in {Path(stored).parent.name}/{Path(stored).name}" if stored else
                        "not kept: the checkpoint is not in a writable run folder")
        self.result = result

    def _on_failed(self, checkpoint: str, reason: str) -> None:
        if checkpoint == self.checkpoint:
            self._failure = reason
            self.sig_message.emit("error", f"Truncation curve: {reason}")
