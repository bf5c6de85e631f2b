"""The status bar of the selected run: state, step, img/s, ETA, device, memory."""

from __future__ import annotations

import os
import sys
import time

from PySide6.QtWidgets import QLabel, QStatusBar

from .runs import PAUSE_REASON


def memory_text() -> str:
    """Resident memory of this process (and GPU memory in use when torch is on CUDA)."""
    rss = None
    try:
        with open("/proc/self/statm") as f:
            rss = int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError, AttributeError):
        try:
            import resource

            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            rss = peak if sys.platform == "darwin" else peak * 1024
        except Exception:
            rss = None
    text = f"RAM {rss / 2**30:.2f} GB" if rss else ""
    cuda = getattr(sys.modules.get("torch"), "cuda", None)  # torch may still be importing on another thread
    try:
        if cuda is not None and cuda.is_initialized():
            text += f" · GPU {cuda.memory_allocated() / 2**30:.2f} GB"
    except Exception:
        pass
    return text


def fmt_duration(s: float) -> str:
    s = int(s)
    if s >= 3600:
        return f"{s // 3600}h {s % 3600 // 60:02d}m"
    if s >= 60:
        return f"{s // 60}m {s % 60:02d}s"
    return f"{s}s"




class RunStatus:
    """Permanent labels in the window's status bar, refreshed from a RunSession (or cleared)."""

    def __init__(self, bar: QStatusBar):
        self.state, self.step, self.rate, self.eta, self.device, self.memory, self.fid = (QLabel("") for _ in range(7))
        self.fid.setToolTip("The latest domain FID of this run (lower is better) and its real-vs-real floor; the "
                            "Domain FID plot has them all")
        bar.addWidget(self.state)
        for w in (self.fid, self.step, self.rate, self.eta, self.device, self.memory):
            bar.addPermanentWidget(w)

    def show_text(self, text: str) -> None:
        """A tab of its own (the playground): its one line, and none of a training run's figures."""
        for w in (self.step, self.rate, self.eta, self.device, self.fid):
            w.setText("")
        self.state.setText(text)
        self.memory.setText(memory_text())

    def show_session(self, s) -> None:
        if s is None:
            for w in (self.state, self.step, self.rate, self.eta, self.device, self.fid):
                w.setText("")
            self.memory.setText(memory_text())
            return
        d = s.data
        label = {"watching": "watching live", "idle": "opened", "completed": "done"}.get(s.state, s.state)
        if s.state == "paused" and s.pause_reason in ("nan", "oom"):
            label = f"paused: {PAUSE_REASON[s.pause_reason]}"
        text = s.status_line or label.capitalize()
        if s.state == "preparing" and s.started_at:  # the slow first start: show that time is passing
            text += f"  {fmt_duration(time.monotonic() - s.started_at)}"
        self.state.setText(text)
        total = f" / {d.total_steps:,}" if d.total_steps else ""
        self.step.setText(f"step {d.step:,}{total}")
        ips = d.latest.get("img_per_s")
        self.rate.setText(f"{ips:,.0f} img/s" if ips and s.state in ("training", "watching") else "")
        eta = s.eta_s()
        self.eta.setText(f"ETA {fmt_duration(eta)}" if eta is not None else "")
        self.device.setText(d.device or str(d.config.get("device", "")))
        fid, floor = d.latest.get("eval_fid"), d.latest.get("eval_fid_floor")
        self.fid.setText(f"FID {fid:.2f} (floor {floor:.2f})" if fid is not None and floor is not None else "")
        self.memory.setText(memory_text())
