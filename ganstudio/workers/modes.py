"""The mode-count thread: a stacked set's 1,000 modes counted for one checkpoint
(``trainers.metrics.checkpoint.count_modes``) off the GUI thread, for the explorer's Modes tool, and kept beside its
run as ``eval/modes_step_XXXXXXX.json`` (never over the step's full evaluation). Signals, cancelling and errors as
the evaluation thread's; a cancelled count keeps nothing."""

from __future__ import annotations

from .evaluate import EvalThread
from .oneshot import Cancelled

QUICK_SAMPLES = 2000  # the app's quick count
PAPER_SAMPLES = 26000  # the papers' (``trainers.metrics.modes.SAMPLES``)
STORE_KIND = "modes"  # eval/modes_step_XXXXXXX.json


class ModesThread(EvalThread):
    """Counts one checkpoint's modes; cancel() stops it between chunks. ``sig_result`` carries (result, where it was
    stored or "")."""

    WHAT = "count modes"

    def __init__(self, checkpoint: str, samples: int = QUICK_SAMPLES, parent=None, data_root: str | None = None,
                 seed: int = 0):
        super().__init__(checkpoint, samples, parent, data_root)
        self.seed = int(seed)

    def compute(self):
        from trainers.metrics.checkpoint import count_modes
        from trainers.metrics.evaluate import store_result

        result = count_modes(self.checkpoint, samples=self.samples, seed=self.seed, data_root=self.data_root,
                             progress=self.progress, cancelled=self.cancelled)
        if self.cancelled():  # cancelled after the last chunk: keep nothing
            raise Cancelled
        return result, str(store_result(self.checkpoint, result, STORE_KIND) or "")
