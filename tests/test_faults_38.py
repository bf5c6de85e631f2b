"""Issue 38's faults: a checkpoint that names a folder, two writers in one run folder, a folder where metrics.jsonl
should be, a truncated digits cache. Each test failed before its fix (a read of the named folder, a second run
that trained, an IsADirectoryError traceback, a BadZipFile traceback)."""

import json
import os
import socket
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from tests.conftest import tiny_config
from tests.test_cli import TINY, cli
from trainers.errors import ConfigError, DataError
from trainers.loop import train
from trainers.runlock import LOCK, RunInUse, RunLock, read_lock


# -- 1: stored dataset names are names ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def folder_run(tmp_path_factory):
    """A run trained on a folder of 40 small images; the folder then moves out of its stored place."""
    base = tmp_path_factory.mktemp("f38")
    folder = base / "some" / "folder"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for i in range(40):
        Image.fromarray((rng.random((16, 16)) * 255).astype(np.uint8)).save(folder / f"{i}.png")
    out = base / "run"
    r = cli("train", "--model", "gan", "--data", str(folder), "--image-size", "16", "--steps", "2", "--out", out,
            *TINY)
    assert r.returncode == 0, r.stderr
    return out / "checkpoints" / "last.safetensors", folder


def test_eval_never_opens_a_folder_stored_in_a_checkpoint(folder_run, monkeypatch):
    import trainers.data as data

    ckpt, folder = folder_run
    opened = []
    monkeypatch.setattr(data, "load_dataset", lambda name, **kw: opened.append(name))
    r = cli("eval", ckpt)
    assert r.returncode != 0 and "never opens a folder named only inside a checkpoint" in r.stderr
    assert "--data-root" in r.stderr and "Traceback" not in r.stderr
    assert opened == []  # refused before any file of the folder was read


def test_eval_opens_the_folder_the_user_names(folder_run):
    from trainers.data.stored import approved

    ckpt, folder = folder_run
    cfg = {"data": str(folder), "data_root": "/elsewhere"}
    assert approved(cfg, str(folder.parent))["data"] == str(folder)  # named by a folder above it
    moved = approved({"data": "../../x/folder"}, str(folder))
    assert moved["data"] == str(folder) and moved["data_root"] == str(folder)  # the images are where the user says
    assert approved({"data": "digits", "data_root": "/etc"}, None) == {"data": "digits", "data_root": None}
    with pytest.raises(DataError, match="--data-root"):
        approved({"data": "digits-plain", "data_b": "../../b"}, str(folder))  # a pair outside the named root


# -- 2: two writers, one run -------------------------------------------------------------------------------------
def test_a_second_run_in_a_folder_in_use_is_refused_naming_the_holder(tmp_path):
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        run = tmp_path / "run"
        run.mkdir()
        (run / LOCK).write_text(json.dumps({"pid": holder.pid, "host": socket.gethostname(), "started": 0}))
        (run / "metrics.jsonl").write_text('{"step": 1}\n')
        with pytest.raises(RunInUse) as err:
            train(tiny_config(tmp_path))
        assert f"process {holder.pid} on {socket.gethostname()}" in str(err.value)
        assert (run / "metrics.jsonl").read_text() == '{"step": 1}\n'  # nothing written
        assert read_lock(run)["pid"] == holder.pid  # the holder keeps its lock
        r = cli("train", "--model", "gan", "--steps", "2", "--out", run, *TINY)
        assert r.returncode != 0 and "is in use" in r.stderr and "Traceback" not in r.stderr
    finally:
        holder.kill()
        holder.wait()


def test_a_stale_lock_is_taken_over_with_a_note_and_released_at_the_end(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    run = tmp_path / "run"
    run.mkdir()
    (run / LOCK).write_text(json.dumps({"pid": dead.pid, "host": socket.gethostname(), "started": 0}))
    events = list(train(tiny_config(tmp_path)))
    notes = [e.text for e in events if type(e).__name__ == "Message" and e.level == "warning"]
    assert any(f"lock left by process {dead.pid}" in n and "taken over" in n for n in notes), notes
    assert not (run / LOCK).exists()  # a finished run frees its folder


def test_two_runs_of_one_process_in_one_folder(tmp_path):
    first = train(tiny_config(tmp_path, steps=40))
    next(first)
    assert read_lock(tmp_path / "run")["pid"] == os.getpid()
    with pytest.raises(RunInUse, match="is in use"):
        train(tiny_config(tmp_path), resume=True)
    first.close()
    assert not (tmp_path / "run" / LOCK).exists()
    lock = RunLock(tmp_path / "run").acquire()  # free again
    assert lock.note == ""
    lock.release()


def test_a_lock_from_another_host_is_never_taken_over(tmp_path):
    (tmp_path / LOCK).write_text(json.dumps({"pid": 1, "host": "elsewhere.example", "started": 0}))
    with pytest.raises(RunInUse, match=f"delete {tmp_path / LOCK}"):
        RunLock(tmp_path).acquire()


# -- 3: metrics.jsonl that is a directory ------------------------------------------------------------------------
def test_a_folder_named_metrics_jsonl_gets_one_line_and_is_left_alone(tmp_path):
    bad = tmp_path / "run" / "metrics.jsonl"
    bad.mkdir(parents=True)
    (bad / "keep.txt").write_text("mine")
    with pytest.raises(ConfigError, match="metrics.jsonl is a folder"):
        list(train(tiny_config(tmp_path)))
    assert (bad / "keep.txt").read_text() == "mine"
    r = cli("train", "--model", "gan", "--steps", "2", "--out", tmp_path / "run", *TINY)
    assert r.returncode != 0 and "metrics.jsonl is a folder" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "run" / LOCK).exists()  # the refused run let its lock go


# -- 4: a truncated digits cache ---------------------------------------------------------------------------------
def test_a_truncated_digits_cache_is_redrawn_with_a_note(tmp_path):
    from trainers.data import digits, load_dataset

    first = digits.load(300, seed=5)
    path = digits.cache_path(300, seed=5)
    path.write_bytes(path.read_bytes()[:1000])  # cut short, as by a full disk or a killed writer
    again = digits.load(300, seed=5)
    assert np.array_equal(again.images, first.images)
    assert "damaged" in again.note and "drawn again" in again.note
    assert digits.load(300, seed=5).note == ""  # rewritten whole
    path.write_bytes(b"PK\x03\x04 not a zip at all")
    data = load_dataset("digits", limit=300, seed=5)
    assert any("digits cache" in n and "damaged" in n for n in data.notes)
    assert len(data) == 300


# -- 6: the first Quick start's wait for the digits ---------------------------------------------------------------
def test_digits_drawn_by_one_thread_are_waited_for_by_another_with_its_progress(monkeypatch):
    import threading
    import time

    from trainers.data import digits

    calls = []
    real_generate = digits.generate

    def counted(n, seed=0, chunk=4096, progress=None):
        calls.append(n)
        return real_generate(n, seed, chunk=256, progress=lambda d, t: (time.sleep(0.05), progress(d, t)))

    monkeypatch.setattr(digits, "generate", counted)
    heard = []
    first = threading.Thread(target=digits.load, args=(3000, 11))
    first.start()
    time.sleep(0.1)
    second = digits.load(3000, 11, progress=lambda d, t: heard.append((d, t)))
    first.join()
    assert calls == [3000]  # drawn once, then read from the cache
    assert len(second.images) == 3000 and heard and all(t == 3000 for _, t in heard)


def test_the_app_draws_the_digits_in_the_background_when_they_are_not_cached():
    from ganstudio.workers.prefetch import prefetch_digits
    from trainers.data import digits

    thread = prefetch_digits(1500)
    assert thread is not None
    thread.join(60)
    assert digits.cache_path(1500).exists() and prefetch_digits(1500) is None  # cached: nothing to do


def test_a_busy_cpu_is_named_in_the_status_line():
    from ganstudio.workers.training import busy_note

    assert busy_note(5.2, 2) == " · slower now: other programs keep the CPU busy (load 5.2 on 2 cores)"
    assert busy_note(1.9, 2) == ""
