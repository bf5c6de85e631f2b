"""The one-shot job base (``ganstudio/workers/oneshot.py``): a result comes once, a cancelled job says so and never
gives a result, a failure is one line, and no thread is left running."""

from __future__ import annotations

import threading

import pytest

from ganstudio.workers.oneshot import OneShotThread
from trainers.errors import ConfigError

pytestmark = pytest.mark.usefixtures("no_thread_leaks")


class Counting(OneShotThread):
    """Counts to ``n``, reporting each step; waits at ``hold`` (when set) until ``go`` is set."""

    WHAT = "count"

    def __init__(self, n: int = 5, hold: int | None = None, error: Exception | None = None):
        super().__init__()
        self.n, self.hold, self.error = n, hold, error
        self.go, self.held = threading.Event(), threading.Event()

    def compute(self):
        for i in range(self.n):
            if i == self.hold:
                self.held.set()
                self.go.wait(10)
            self.progress("count", i + 1, self.n)
        if self.error is not None:
            raise self.error
        return {"counted": self.n}


def record(thread: OneShotThread) -> dict[str, list]:
    seen: dict[str, list] = {"progress": [], "result": [], "failed": [], "cancelled": []}
    thread.sig_progress.connect(lambda *a: seen["progress"].append(a))
    thread.sig_result.connect(lambda r: seen["result"].append(r))
    thread.sig_failed.connect(lambda m: seen["failed"].append(m))
    thread.sig_cancelled.connect(lambda: seen["cancelled"].append(True))
    return seen


def run_to_end(qtbot, thread: OneShotThread) -> None:
    with qtbot.waitSignal(thread.finished, timeout=10_000):
        thread.start()
    thread.wait()
    qtbot.wait(20)  # queued signals emitted just before ``finished`` are delivered


def test_the_result_is_delivered_once_after_the_progress(qtbot):
    t = Counting(4)
    seen = record(t)
    run_to_end(qtbot, t)
    assert seen["result"] == [{"counted": 4}] and not seen["failed"] and not seen["cancelled"]
    assert seen["progress"] == [("count", k, 4) for k in range(1, 5)]


def test_cancelling_before_the_end_gives_sig_cancelled_and_no_result(qtbot):
    t = Counting(5, hold=2)
    seen = record(t)
    with qtbot.waitSignal(t.finished, timeout=10_000):
        t.start()
        assert t.held.wait(10)
        assert not t.cancelled()
        t.cancel()
        assert t.cancelled()  # what engines take as their ``cancelled=`` callback
        t.go.set()
    t.wait()
    qtbot.wait(20)
    assert seen["cancelled"] == [True] and not seen["result"] and not seen["failed"]
    assert [d for _, d, _ in seen["progress"]] == [1, 2]  # the report after cancel() ended the job


def test_a_job_cancelled_after_its_last_report_still_gives_no_result(qtbot):
    class Late(Counting):
        def compute(self):
            r = super().compute()
            self.cancel()  # as if the user pressed Cancel between the last report and the result
            return r

    t = Late(2)
    seen = record(t)
    run_to_end(qtbot, t)
    assert seen["cancelled"] == [True] and not seen["result"]


def test_an_exception_becomes_one_line(qtbot, capsys):
    t = Counting(2, error=RuntimeError("the disk\nis full"))
    seen = record(t)
    run_to_end(qtbot, t)
    assert seen["failed"] == ["could not count: RuntimeError: the disk is full"]
    assert not seen["result"] and not seen["cancelled"]
    assert "Traceback" in capsys.readouterr().err  # a bug: its traceback is printed for the report


def test_a_user_error_is_shown_as_it_is(qtbot, capsys):
    t = Counting(1, error=ConfigError("batch size must be at least 1"))
    seen = record(t)
    run_to_end(qtbot, t)
    assert seen["failed"] == ["batch size must be at least 1"] and not seen["result"]
    assert "Traceback" not in capsys.readouterr().err


def test_an_interrupted_error_not_asked_for_is_a_failure(qtbot, capsys):
    t = Counting(1, error=InterruptedError("interrupted system call"))
    seen = record(t)
    run_to_end(qtbot, t)
    assert seen["failed"] == ["could not count: InterruptedError: interrupted system call"]
    assert not seen["cancelled"]


def test_a_projection_stopped_early_keeps_its_best_so_far_and_a_cancelled_one_nothing(qtbot, tmp_path):
    """The Styles tool's Cancel button stops a projection early and keeps what it found (``stop_early``); closing
    the tool cancels it, and then no result comes."""
    import numpy as np
    from PIL import Image

    from ganstudio.workers.projection import ProjectThread
    from trainers.loop import train

    from .conftest import tiny_config

    list(train(tiny_config(tmp_path, model="stylegan", image_size=16, width=4, z_dim=8, batch_size=8, steps=2,
                           data_limit=64, checkpoint_every=2, sample_every=2)))
    ckpt = tmp_path / "run" / "checkpoints" / "last.safetensors"
    png = tmp_path / "target.png"
    Image.fromarray(np.full((16, 16), 200, np.uint8)).save(png)
    for how in ("stop_early", "cancel"):
        t = ProjectThread(str(ckpt), str(png), steps=2000)
        seen = record(t)
        t.sig_step.connect(lambda *_, t=t, how=how: getattr(t, how)())  # after the first step that comes back
        run_to_end(qtbot, t)
        assert not seen["failed"] and seen["progress"][0] == ("project", 1, 2000)
        if how == "stop_early":
            assert len(seen["result"]) == 1 and not seen["cancelled"]
            r = seen["result"][0]
            assert r.cancelled and 1 <= len(r.losses) < 2000 and r.ws.ndim == 2
        else:
            assert seen["cancelled"] == [True] and not seen["result"]


def test_a_cancelled_inversion_says_so_and_gives_no_latent(qtbot, tmp_path):
    import numpy as np
    from PIL import Image

    from ganstudio.workers.invert import InvertThread
    from trainers.loop import train

    from .conftest import tiny_config

    list(train(tiny_config(tmp_path, steps=2, data_limit=64, checkpoint_every=2, sample_every=2)))
    png = tmp_path / "target.png"
    Image.fromarray(np.full((28, 28), 200, np.uint8)).save(png)
    t = InvertThread(str(tmp_path / "run" / "checkpoints" / "last.safetensors"), str(png), steps=2000)
    seen = record(t)
    t.sig_progress.connect(lambda *_: t.cancel())  # after the first report that comes back
    run_to_end(qtbot, t)
    assert seen["cancelled"] == [True] and not seen["result"] and not seen["failed"]
    assert seen["progress"][0][0] == "invert"


def test_a_panel_says_could_not_once():
    from ganstudio.workers.oneshot import failure_line

    assert failure_line("evaluate", "the checkpoint is damaged") == "Could not evaluate: the checkpoint is damaged"
    assert failure_line("evaluate", "could not evaluate: ValueError: bad") == "Could not evaluate: ValueError: bad"
