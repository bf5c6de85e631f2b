"""The training generator: events, commands, NaN handling, resume bit-exactness, and that it learns."""

import json

import numpy as np
import pytest
import torch

from trainers import checkpoints as ck
from trainers.errors import ConfigError, GanStudioError
from trainers.events import (CheckpointSaved, Command, Finished, Idle, Message, Paused, Resumed, RunStarted,
                             SampleGrid, Stats)
from trainers.loop import train

from .conftest import tiny_config


def drain(run, first=None):
    events = [first] if first is not None else []
    events += list(run)
    return events


def test_event_stream_and_run_folder(tmp_path):
    events = list(train(tiny_config(tmp_path, steps=8)))
    assert isinstance(events[0], RunStarted) and events[0].total_steps == 8
    assert isinstance(events[-1], Finished) and events[-1].reason == "completed" and events[-1].step == 8
    grids = [e for e in events if isinstance(e, SampleGrid)]
    assert [g.step for g in grids] == [0, 4, 8]
    assert grids[0].image.dtype == np.uint8 and grids[0].image.shape[2] == 3
    stats = [e for e in events if isinstance(e, Stats)]
    assert stats[-1].step == 8 and {"loss_d", "loss_g", "d_real", "d_fake", "img_per_s"} <= set(stats[-1].values)
    saved = [e for e in events if isinstance(e, CheckpointSaved)]
    assert [s.step for s in saved] == [4, 8] and "step" in saved[0].kinds
    run_dir = tmp_path / "run"
    lines = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
    assert [l["step"] for l in lines] == [s.step for s in stats]
    assert sorted(p.name for p in (run_dir / "samples").iterdir()) == [
        "step_0000000.png", "step_0000004.png", "step_0000008.png"]
    cps = {p.name for p in (run_dir / "checkpoints").glob("*.safetensors")}
    assert {"last.safetensors", "best.safetensors", "step_0000004.safetensors", "step_0000008.safetensors"} == cps
    assert json.loads((run_dir / "config.json").read_text())["model_info"]["family"] == "gan"


def test_pause_step_resume_stop(tmp_path):
    run = train(tiny_config(tmp_path, steps=10_000, checkpoint_every=10_000, sample_every=10_000))
    assert isinstance(next(run), RunStarted)
    next(run)  # the step-0 sample grid
    ev = run.send(Command.PAUSE)
    while not isinstance(ev, Paused):
        ev = next(run)
    step = ev.step
    idles = [next(run) for _ in range(3)]
    assert all(isinstance(e, Idle) and e.step == step for e in idles)  # paused: the step count stands still
    ev = run.send(Command.STEP_D)
    assert isinstance(ev, Stats) and ev.step == step and "loss_d" in ev.values and "loss_g" not in ev.values
    ev = next(run)
    assert isinstance(ev, SampleGrid)
    ev = run.send(Command.STEP_G)
    assert isinstance(ev, Stats) and ev.step == step + 1 and "loss_g" in ev.values
    next(run)  # its grid
    ev = run.send(Command.RESUME)
    assert isinstance(ev, Resumed)
    later = [next(run) for _ in range(5)]
    assert max(e.step for e in later) > step + 1  # training continues
    rest = drain(run, run.send(Command.STOP))
    fin = rest[-1]
    assert isinstance(fin, Finished) and fin.reason == "stopped"
    saved = ck.read_meta(fin.checkpoint)[1]
    assert saved["step"] == fin.step  # stop wrote a final checkpoint of the current step


def test_nan_pauses_and_keeps_the_last_good_checkpoint(tmp_path, monkeypatch):
    run = train(tiny_config(tmp_path, steps=40, checkpoint_every=4, log_window_s=0.0))
    real_step = run.algo.train_step

    def poisoned(batches, step):
        stats = real_step(batches, step)
        if run.step + 1 >= 6:  # from step 6 on, losses are NaN and G's weights blow up
            with torch.no_grad():
                for p in run.algo.G.parameters():
                    p.fill_(float("nan"))
            stats["loss_g"] = torch.tensor(float("nan"))
        return stats

    monkeypatch.setattr(run.algo, "train_step", poisoned)
    last = tmp_path / "run" / "checkpoints" / "last.safetensors"
    events = []
    for ev in run:
        events.append(ev)
        if isinstance(ev, Paused):
            break
    assert ev.reason == "nan"
    warning = [e for e in events if isinstance(e, Message) and e.level == "warning"][-1]
    assert "loss_g became NaN/Inf at step 6" in warning.text and "last.safetensors" in warning.text
    good = last.read_bytes()
    assert ck.read_meta(last)[1]["step"] == 4
    rest = drain(run, run.send(Command.STOP))
    assert isinstance(rest[-1], Finished) and rest[-1].checkpoint == str(last)
    assert last.read_bytes() == good  # the NaN model was never written over it
    g = ck.read_checkpoint(last, prefixes=("G",))
    assert all(torch.isfinite(t).all() for t in g.tensors.values())


def test_resume_after_nan_reloads_the_good_checkpoint(tmp_path, monkeypatch):
    run = train(tiny_config(tmp_path, steps=12, checkpoint_every=4, log_window_s=0.0))
    real_step = run.algo.train_step
    calls = {"n": 0}

    def once(batches, step):
        calls["n"] += 1
        stats = real_step(batches, step)
        if calls["n"] == 6:
            stats["loss_d"] = torch.tensor(float("inf"))
        return stats

    monkeypatch.setattr(run.algo, "train_step", once)
    for ev in run:
        if isinstance(ev, Paused):
            break
    ev = run.send(Command.RESUME)
    events = [ev] + list(run)
    info = [e for e in events if isinstance(e, Message) and "reloaded" in e.text]
    assert info and "step 4" in info[0].text
    assert isinstance(events[-1], Finished) and events[-1].reason == "completed" and events[-1].step == 12


@pytest.mark.parametrize("model", ["gan", "dcgan", "cgan", "cdcgan", "cgan-proj", "infogan", "wgan", "wgan-gp",
                                   "lsgan", "hinge", "sagan", "biggan", "dcgan+ema"])
def test_resume_is_bit_exact(tmp_path, model):
    model, *extras = model.split("+")  # an engine feature on top: the EMA of G
    opts = dict(model=model, width=8, batch_size=16, checkpoint_every=1000, sample_every=1000,
                **({"ema": 0.9} if "ema" in extras else {}))
    straight = list(train(tiny_config(tmp_path / "a", steps=6, **opts)))
    assert straight[-1].step == 6
    list(train(tiny_config(tmp_path / "b", steps=3, **opts)))
    resumed = list(train(tiny_config(tmp_path / "b", steps=6, **opts), resume=True))
    assert resumed[0].resumed and resumed[0].step == 3 and resumed[-1].step == 6
    a = ck.read_checkpoint(tmp_path / "a" / "run" / "checkpoints" / "last.safetensors").tensors
    b = ck.read_checkpoint(tmp_path / "b" / "run" / "checkpoints" / "last.safetensors").tensors
    assert a.keys() == b.keys()
    for k in a:
        assert torch.equal(a[k], b[k]), k


def test_run_folder_protection(tmp_path):
    list(train(tiny_config(tmp_path, steps=2)))
    with pytest.raises(ConfigError, match="already holds a run: add --resume"):
        train(tiny_config(tmp_path, steps=4))
    with pytest.raises(ConfigError, match="trained with model='gan'"):
        train(tiny_config(tmp_path, steps=4, model="lsgan"), resume=True)
    with pytest.raises(ConfigError, match="already at step 2"):
        train(tiny_config(tmp_path, steps=2), resume=True)
    with pytest.raises(ConfigError, match="holds no checkpoint"):
        train(tiny_config(tmp_path / "new", steps=2), resume=True)


def test_unwritable_output_is_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ConfigError, match="cannot write the run folder"):
        train(tiny_config(tmp_path, out=str(blocker / "run")))


def test_points_run_draws_scatter_plots(tmp_path):
    events = list(train(tiny_config(tmp_path, data="ring", data_limit=2000, steps=4)))
    grid = [e for e in events if isinstance(e, SampleGrid)][-1]
    assert grid.image.shape == (256, 256, 3)


def test_a_short_digits_run_learns(tmp_path):
    """After 300 MLP-GAN steps the samples' pixel statistics approach the data's, and D separates real from
    fake better than chance at some point (the adversarial game is on)."""
    cfg = tiny_config(tmp_path, data_limit=4000, steps=300, batch_size=64, width=32, sample_every=50,
                      checkpoint_every=1000, log_window_s=0.0)
    events = list(train(cfg))
    lines = [json.loads(l) for l in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()]
    proxy = [l["pix_dist"] for l in lines if "pix_dist" in l]
    assert len(proxy) >= 5
    assert proxy[-1] < 0.5 * proxy[0], proxy
    acc = np.array([l["d_acc"] for l in lines])
    assert acc.max() > 0.7
    assert isinstance(events[-1], Finished)


def test_resume_warns_when_the_data_changed(tmp_path, monkeypatch):
    from trainers.data import ArrayData

    list(train(tiny_config(tmp_path, steps=2)))
    monkeypatch.setattr(ArrayData, "fingerprint", lambda self: "something-else")
    events = list(train(tiny_config(tmp_path, steps=3), resume=True))
    texts = [e.text for e in events if isinstance(e, Message)]
    assert any("dataset differs" in t for t in texts)
    assert events[-1].step == 3


def test_checkpoint_writes_do_not_stall_the_step_loop(tmp_path, monkeypatch):
    """While the step-10 checkpoint is held on its way to disk, training goes on; CheckpointSaved comes only
    once the file is there, and the end of the run waits for every queued write."""
    import threading

    release = threading.Event()
    real_write = ck.write_checkpoint

    def held_write(path, tensors, full):
        assert release.wait(timeout=120), "the test never released the write"
        return real_write(path, tensors, full)

    monkeypatch.setattr(ck, "write_checkpoint", held_write)
    cfg = tiny_config(tmp_path, steps=30, checkpoint_every=10, sample_every=5, log_window_s=0.0)
    last = tmp_path / "run" / "checkpoints" / "last.safetensors"
    saved, stats_while_held = [], []
    for e in train(cfg):
        if isinstance(e, CheckpointSaved):
            assert release.is_set()
            _, meta = ck.read_meta(e.path)
            saved.append((e.step, meta["step"]))
        elif isinstance(e, Stats) and not release.is_set():
            stats_while_held.append(e.step)
            if e.step == 19:
                assert not last.exists() and saved == []
                release.set()
    assert stats_while_held == list(range(1, 20))  # nine steps past the checkpoint, none waited for it
    assert saved == [(10, 10), (20, 20), (30, 30)]
    assert ck.read_meta(last)[1]["step"] == 30
    samples = sorted(p.name for p in (tmp_path / "run" / "samples").glob("*.png"))
    assert samples == [f"step_{s:07d}.png" for s in range(0, 31, 5)]


def test_a_failed_background_write_ends_the_run_with_what_to_do(tmp_path, monkeypatch):
    calls = []
    real_write = ck.write_checkpoint

    def full_disk(path, tensors, full):
        calls.append(full["step"])
        if full["step"] >= 8:
            raise OSError(28, "No space left on device")
        return real_write(path, tensors, full)

    monkeypatch.setattr(ck, "write_checkpoint", full_disk)
    with pytest.raises(GanStudioError, match=r"step 8 .*No space left on device.*last good checkpoint .*"
                                             r"last\.safetensors \(step 4\) is kept"):
        list(train(tiny_config(tmp_path, steps=12)))
    assert ck.read_meta(tmp_path / "run" / "checkpoints" / "last.safetensors")[1]["step"] == 4


def test_img_per_s_and_elapsed_count_wall_time(tmp_path):
    """img/s and elapsed are wall time, all of it: here a consumer that spends 50 ms on every Stats event
    (as a slow display would) shows up in them, so img/s × time adds up to the images trained."""
    import time

    run = train(tiny_config(tmp_path, model="gan", steps=12, sample_every=1000, checkpoint_every=1000,
                            log_window_s=0.0))
    stats, event, t0 = [], next(run), time.perf_counter()
    while not isinstance(event, Finished):
        if isinstance(event, Stats):
            stats.append(event)
            time.sleep(0.05)
        event = run.send(None)
    wall = time.perf_counter() - t0
    assert len(stats) == 12
    # each window after the first holds the consumer's 50 ms from the window before
    assert stats[-1].time >= 11 * 0.05
    assert stats[-1].time <= wall
    seconds = sum(32 / s.values["img_per_s"] for s in stats)  # 32 images per window at each rate
    assert seconds == pytest.approx(stats[-1].time, rel=1e-3)
