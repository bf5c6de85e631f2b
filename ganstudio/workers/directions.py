"""Find directions off the GUI thread (the Latent tool's Find directions): ``trainers.directions_file.find_directions``
with progress and Cancel, then stored beside the checkpoint. A cancelled job writes nothing: the file is written
only after the last measure, and not at all once Cancel was pressed."""

from __future__ import annotations

from .oneshot import Cancelled, OneShotThread


class DirectionsThread(OneShotThread):
    """``sig_result(str)``: the path the directions were stored in."""

    WHAT = "find directions"

    def __init__(self, checkpoint: str, n: int = 6000, starts: int = 200, parent=None, reader=None):
        super().__init__(parent)
        self.checkpoint, self.n, self.starts = checkpoint, n, starts
        self.reader = reader  # (data, classifier, calibration) to use instead of the checkpoint's own (tests)

    def compute(self) -> str:
        from trainers.directions_file import find_directions, store_directions
        from trainers.generator import load_generator

        gen = load_generator(self.checkpoint)
        ds = find_directions(gen, n=self.n, n_measure=self.starts, progress=self.progress, cancelled=self.cancelled,
                             reader=self.reader)
        if self.cancelled():
            raise Cancelled
        return str(store_directions(ds, gen))
