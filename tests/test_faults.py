"""Issue 18's faults (items 2, 4, 5, 6, 8, 10, 11, 12): full disks, dead runs, crafted checkpoints, options a
resume used to ignore, damaged metrics lines, links out of a run folder, orphans and file modes. Each test
failed before its fix."""

import json
import stat
import struct

import pytest
import torch

from tests.conftest import tiny_config
from tests.test_cli import TINY, cli
from trainers import checkpoints as ck
from trainers.errors import CheckpointError, ConfigError, GanStudioError
from trainers.loop import train
from trainers.runfolder import RunWriter, checkpoint_path, metrics_path, read_metrics


def finished(run):
    events = list(run)
    return events, events[-1]


# -- 2 and 10: a disk that fills -------------------------------------------------------------------------------
def test_a_full_disk_while_logging_tries_a_last_save_and_says_what_is_kept(tmp_path, monkeypatch):
    real_log = RunWriter.log_metrics

    def full_after_step_6(self, record):
        if record["step"] >= 6:
            raise __import__("trainers.runfolder", fromlist=["x"]).RunWriteError(
                f"could not append to {self.metrics_path} (No space left on device)")
        return real_log(self, record)

    monkeypatch.setattr(RunWriter, "log_metrics", full_after_step_6)
    with pytest.raises(GanStudioError) as err:
        list(train(tiny_config(tmp_path, steps=12, checkpoint_every=4)))
    msg = str(err.value)
    assert "metrics.jsonl (No space left on device)" in msg and "free disk space" in msg
    import re

    step = int(re.search(r"a last checkpoint of step (\d+) was written", msg).group(1))
    assert step >= 6 and f"(step {step}) is kept" in msg  # the first failed log (its window's end) and after
    assert ck.read_meta(checkpoint_path(tmp_path / "run"))[1]["step"] == step  # the last save attempt landed


def test_the_kept_checkpoint_is_read_from_disk_not_from_memory(tmp_path):
    """Item 10: a step checkpoint on disk is named even when this process never wrote `last`."""
    list(train(tiny_config(tmp_path, steps=8, checkpoint_every=4)))
    run = train(tiny_config(tmp_path, steps=12), resume=True)
    run.last_good = None
    checkpoint_path(tmp_path / "run").unlink()  # `last` lost; step_0000008 remains
    assert "step_0000008.safetensors (step 8) is kept" in run.kept_note()
    run.close()


# -- 4: a new run in a dead run's folder ---------------------------------------------------------------------
def test_a_new_run_does_not_continue_the_curve_of_a_run_that_died_before_its_first_checkpoint(tmp_path):
    folder = tmp_path / "run"
    (folder / "samples").mkdir(parents=True)
    metrics_path(folder).write_text("".join(json.dumps({"step": s, "loss_d": 1.0}) + "\n" for s in range(1, 6)))
    (folder / "samples" / "step_0000300.png").write_bytes(b"stale")
    events, end = finished(train(tiny_config(tmp_path, steps=4)))
    assert [r["step"] for r in read_metrics(folder)] == sorted({r["step"] for r in read_metrics(folder)})
    assert max(r["step"] for r in read_metrics(folder)) == 4
    assert not (folder / "samples" / "step_0000300.png").exists()
    assert any("ended before its first checkpoint" in getattr(e, "text", "") for e in events)


# -- 5: crafted checkpoints ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def good_ckpt(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("good")
    list(train(tiny_config(tmp, steps=4)))
    return checkpoint_path(tmp / "run")


def rewrite_header(src, dst, edit):
    """Copy a safetensors file with its JSON header changed by ``edit(header) -> header``."""
    raw = src.read_bytes()
    n = struct.unpack("<Q", raw[:8])[0]
    header = edit(json.loads(raw[8:8 + n]))
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    dst.write_bytes(struct.pack("<Q", len(text)) + text + raw[8 + n:])
    return dst


def edit_meta(change):
    def edit(header):
        meta = json.loads(header["__metadata__"]["ganstudio"])
        header["__metadata__"]["ganstudio"] = json.dumps(change(meta))
        return header
    return edit


@pytest.mark.parametrize("change, says", [
    (lambda m: {k: v for k, v in m.items() if k != "data"}, "lacks 'data'"),
    (lambda m: {**m, "config": [1, 2]}, "'config' is [1, 2]"),
    (lambda m: [1, 2], "a JSON list"),
    (lambda m: {**m, "version": "x"}, "version is 'x'"),
    (lambda m: {**m, "step": "ten"}, "'step' is \"ten\""),
    (lambda m: {**m, "config": {**m["config"], "image_size": 100000}}, "image_size=100000"),
    (lambda m: {**m, "data": {}}, "data shape is null"),
    (lambda m: {**m, "model": {}}, "model family is null"),
    (lambda m: {**m, "config": {**m["config"], "model": [1], "arch": None}}, "config model is [1]"),
])
def test_a_crafted_header_is_one_clear_error(good_ckpt, tmp_path, change, says):
    bad = rewrite_header(good_ckpt, tmp_path / "bad.safetensors", edit_meta(change))
    with pytest.raises(CheckpointError, match="damaged or foreign") as err:
        ck.read_checkpoint(bad)
    assert says in str(err.value)
    r = cli("sample", bad, "--n", "4", "--out", tmp_path / "s.png")
    assert r.returncode == 2 and "Traceback" not in r.stderr and says in r.stderr


def test_a_tensor_shape_beyond_the_file_is_refused(good_ckpt, tmp_path):
    def huge(header):
        key = next(k for k in header if k.startswith("G/"))
        header[key]["shape"] = [1, 100000, 100000]
        return header
    bad = rewrite_header(good_ckpt, tmp_path / "huge.safetensors", huge)
    r = cli("sample", bad, "--n", "4", "--out", tmp_path / "s.png")
    assert r.returncode == 2 and "Traceback" not in r.stderr and "corrupt" in r.stderr


def test_flipped_data_bytes_and_nan_weights_are_refused(good_ckpt, tmp_path):
    raw = bytearray(good_ckpt.read_bytes())
    raw[-5] ^= 0xFF  # a byte of the last tensor's data
    flipped = tmp_path / "flipped.safetensors"
    flipped.write_bytes(bytes(raw))
    with pytest.raises(CheckpointError, match="does not match its checksum"):
        ck.read_checkpoint(flipped)

    from trainers.generator import load_generator

    c = ck.read_checkpoint(good_ckpt)
    key = next(k for k, v in c.tensors.items() if k.startswith("G/") and v.is_floating_point() and v.dim() > 1)
    c.tensors[key] = torch.full_like(c.tensors[key], float("nan"))
    nan = tmp_path / "nan.safetensors"
    ck.write_checkpoint(nan, c.tensors, c.meta)
    with pytest.raises(CheckpointError, match="NaN/Inf values"):
        load_generator(nan)


# -- 6: options --resume used to ignore ----------------------------------------------------------------------
def test_resume_applies_intervals_and_refuses_another_seed(tmp_path):
    out = tmp_path / "r"
    assert cli("train", "--model", "gan", "--steps", "5", "--out", out, *TINY).returncode == 0
    r = cli("train", "--steps", "8", "--out", out, "--resume", "--seed", "7", "--quiet")
    assert r.returncode == 2 and "trained with seed=0, not 7" in r.stderr
    r = cli("train", "--steps", "8", "--out", out, "--resume", "--checkpoint-every", "1", "--sample-every", "1")
    assert r.returncode == 0, r.stderr
    assert "--checkpoint-every 1 from here on (the run had 5)" in r.stderr
    assert "--sample-every 1 from here on (the run had 5)" in r.stderr
    assert {6, 7} <= {int(p.stem[5:]) for p in (out / "checkpoints").glob("step_*.safetensors")}
    assert {6, 7, 8} <= {int(p.stem[5:]) for p in (out / "samples").glob("step_*.png")}


# -- 8: a damaged metrics line --------------------------------------------------------------------------------
def test_resume_survives_damaged_metrics_lines(tmp_path):
    list(train(tiny_config(tmp_path, steps=4)))
    path = metrics_path(tmp_path / "run")
    path.write_text(path.read_text() + '[1, 2]\n{"step": "x"}\n"text"\n{"step": 3, "eval_fid": "bad"\n\x00\xff\n')
    events, end = finished(train(tiny_config(tmp_path, steps=8), resume=True))
    assert end.reason == "completed" and end.step == 8
    assert [r["step"] for r in read_metrics(tmp_path / "run")][-1] == 8


# -- 11: links out of the run folder --------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["metrics.jsonl", "samples", "checkpoints", "eval", "checkpoints/.pending"])
def test_a_run_never_writes_through_a_planted_link(tmp_path, name):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    target = elsewhere / name.replace("/", "_")
    if name.endswith(".jsonl"):
        target.write_text("")
    else:
        target.mkdir()
    (tmp_path / "run" / name).parent.mkdir(parents=True)
    (tmp_path / "run" / name).symlink_to(target)
    with pytest.raises(ConfigError, match=f"{name.split('/')[-1]} is a symbolic link"):
        train(tiny_config(tmp_path, steps=2))
    assert [p.stat().st_size for p in elsewhere.rglob("*") if p.is_file()] in ([], [0])
    assert not any(p.is_file() for p in target.rglob("*")) if target.is_dir() else True


def test_eval_results_are_not_written_through_a_linked_checkpoint(good_ckpt, tmp_path):
    from trainers.metrics.evaluate import store_result

    other = good_ckpt.parent.parent
    mine = tmp_path / "mine"
    (mine / "checkpoints").mkdir(parents=True)
    (mine / "config.json").write_text("{}")
    link = mine / "checkpoints" / "last.safetensors"
    link.symlink_to(good_ckpt)
    assert store_result(link, {"checkpoint": {"step": 4}}) is None
    assert not (other / "eval").exists()


# -- 12: orphans and file modes -------------------------------------------------------------------------------
def test_orphan_temporaries_are_tidied_and_every_file_gets_one_mode(tmp_path):
    """Every file gets the mode a plain open() gives under this process's umask (0644 under the usual 022)."""
    from trainers.atomic import FILE_MODE

    folder = tmp_path / "run"
    (folder / "samples").mkdir(parents=True)
    orphan = folder / "samples" / ".step_0000004.png.999-1.tmp"
    orphan.write_bytes(b"half")
    planted = folder / ".config.json.123-4.tmp"
    planted.symlink_to(tmp_path / "elsewhere.txt")
    list(train(tiny_config(tmp_path, steps=4)))
    assert not orphan.exists() and not planted.is_symlink() and not (tmp_path / "elsewhere.txt").exists()
    modes = {p.relative_to(folder).as_posix(): stat.S_IMODE(p.stat().st_mode)
             for p in folder.rglob("*") if p.is_file()}
    assert {"checkpoints/last.safetensors", "samples/step_0000004.png", "metrics.jsonl"} <= set(modes)
    assert FILE_MODE == 0o666 & ~int(open("/proc/self/status").read().split("Umask:")[1].split()[0], 8)
    assert set(modes.values()) == {FILE_MODE}, modes

    from ganstudio.export import export_gif
    from ganstudio.rundata import Snapshot

    gif = tmp_path / "p.gif"
    snaps = [Snapshot(s, p) for s, p in sorted((int(p.stem[5:]), p) for p in (folder / "samples").glob("*.png"))]
    export_gif(snaps, gif)
    assert stat.S_IMODE(gif.stat().st_mode) == FILE_MODE


def test_a_run_stored_with_arch_null_loads_as_its_family_was_then(tmp_path):
    """cgan runs saved before cgan had variants stored arch null: they are MLPs, not today's conv default."""
    from trainers.generator import load_generator

    list(train(tiny_config(tmp_path, model="cgan", arch="mlp", steps=2)))
    null = rewrite_header(checkpoint_path(tmp_path / "run"), tmp_path / "null.safetensors",
                          edit_meta(lambda m: {**m, "config": {**m["config"], "arch": None}}))
    assert type(load_generator(null).G.body).__name__ == "MLPGenerator"
