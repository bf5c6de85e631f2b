"""The app's Qt-free run model: smoothing, growing buffers, reading a metrics file that is still growing,
and the GIF export (decoded back)."""

import json

import numpy as np
import pytest
from PIL import Image

from ganstudio.export import ExportError, export_gif, pick_frames
from ganstudio.rundata import MetricsTail, RunData, Series, Snapshot, ema, list_samples


def naive_ema(x, a):
    b, out = 0.0, []
    for t, v in enumerate(x):
        b = a * b + (1 - a) * v
        out.append(b / (1 - a ** (t + 1)))
    return np.array(out)


@pytest.mark.parametrize("alpha", [0.0, 0.3, 0.9, 0.99, 0.999])
def test_ema_matches_the_recursion_and_continues_across_calls(alpha):
    x = np.random.default_rng(0).normal(size=1000)
    want = naive_ema(x, alpha)
    np.testing.assert_allclose(ema(x, alpha)[0], want, rtol=1e-9, atol=1e-12)
    y1, state = ema(x[:333], alpha)
    y2, _ = ema(x[333:], alpha, state)
    np.testing.assert_allclose(np.concatenate([y1, y2]), want, rtol=1e-9, atol=1e-12)


def test_ema_skips_nan_without_poisoning_the_curve():
    x = np.array([1.0, np.nan, 3.0, 3.0])
    y, _ = ema(x, 0.5)
    assert np.isfinite(y).all()
    np.testing.assert_allclose(y, naive_ema([1.0, 1.0, 3.0, 3.0], 0.5))


def test_series_grows_and_truncates():
    s = Series(capacity=2)
    for i in range(10):
        s.append(i, i * i)
    assert len(s) == 10 and s.y[-1] == 81
    s.truncate_after(4)
    assert list(s.x) == [0, 1, 2, 3, 4] and s.version == 1


def test_rundata_records_and_snapshots():
    d = RunData("r", "/tmp/r")
    d.add_record({"step": 10, "time": 1.5, "wall": 5.0, "loss_d": 0.7, "loss_g": None, "manual": 1.0})
    d.add_record({"step": 20, "loss_d": 0.6, "note": "text"})
    assert set(d.series) == {"loss_d", "loss_g"}
    assert list(d.series["loss_d"].y) == [0.7, 0.6] and np.isnan(d.series["loss_g"].y[0])
    assert d.step == 20 and d.time == 1.5
    for step in (0, 100, 50, 100):
        d.add_snapshot(step, f"/x/{step}.png")
    assert [s.step for s in d.snapshots] == [0, 50, 100]
    d.truncate_after(60)
    assert [s.step for s in d.snapshots] == [0, 50] and list(d.series["loss_d"].x) == [10, 20]


def test_metrics_tail_reads_complete_lines_in_chunks_and_restarts_on_truncation(tmp_path):
    path = tmp_path / "metrics.jsonl"
    tail = MetricsTail(path, chunk_bytes=64)
    assert tail.poll() == ([], False)  # not there yet
    with open(path, "w") as f:
        for i in range(20):
            f.write(json.dumps({"step": i, "loss_d": i / 10}) + "\n")
        f.write('{"step": 20, "lo')  # a line still being written
    got = []
    while tail.pending():
        records, reset = tail.poll()
        got += records
        assert not reset
    assert [r["step"] for r in got] == list(range(20))
    with open(path, "a") as f:
        f.write('ss_d": 2.0}\n')
    records, _ = tail.poll()
    assert records == [{"step": 20, "loss_d": 2.0}]
    path.write_text(json.dumps({"step": 5}) + "\n")  # a resumed run rewrote the file, shorter
    records, reset = tail.poll()
    assert reset and records == [{"step": 5}]


def test_list_samples_sorts_by_step(tmp_path):
    (tmp_path / "samples").mkdir()
    for step in (1000, 0, 250):
        (tmp_path / "samples" / f"step_{step:07d}.png").write_bytes(b"")
    (tmp_path / "samples" / "notes.txt").write_text("x")
    assert [s.step for s in list_samples(tmp_path)] == [0, 250, 1000]


def _snapshots(tmp_path, n, size=(20, 10)):
    out = []
    for i in range(n):
        p = tmp_path / f"step_{i:07d}.png"
        Image.new("RGB", size, (i * 20 % 256, 0, 0)).save(p)
        out.append(Snapshot(i * 10, str(p)))
    return out


def test_gif_export_decodes_back_with_frames_size_and_timing(tmp_path):
    snaps = _snapshots(tmp_path, 6)
    out = tmp_path / "prog.gif"
    n = export_gif(snaps, out, fps=10, scale=3, caption=True, hold_last_s=1.0)
    assert n == 6
    with Image.open(out) as im:
        assert im.n_frames == 6
        assert im.size == (60, 30 + 18)  # 3× nearest-neighbour plus the caption strip
        im.seek(0)
        assert im.info["duration"] == 100
        im.seek(5)
        assert im.info["duration"] == 1000
        assert im.convert("RGB").getpixel((1, 1)) == (100, 0, 0)  # the last snapshot's colour, crisp


def test_gif_export_spreads_frames_and_reports_bad_targets(tmp_path):
    snaps = _snapshots(tmp_path, 50)
    picked = pick_frames(snaps, 10)
    assert len(picked) == 10 and picked[0] is snaps[0] and picked[-1] is snaps[-1]
    with pytest.raises(ExportError, match="does not exist"):
        export_gif(snaps, tmp_path / "missing" / "x.gif")
    with pytest.raises(ExportError, match="no sample snapshots"):
        export_gif([], tmp_path / "x.gif")
    junk = tmp_path / "junk.png"
    junk.write_bytes(b"not a png")
    with pytest.raises(ExportError, match="none of the snapshots"):
        export_gif([Snapshot(0, str(junk))], tmp_path / "x.gif")
    assert export_gif([Snapshot(0, str(junk))] + snaps[:3], tmp_path / "ok.gif", caption=False) == 3


def test_last_step_reads_the_tail_of_the_metrics_or_the_checkpoint(tmp_path):
    import json

    from ganstudio.rundata import last_step

    run = tmp_path / "r"
    run.mkdir()
    assert last_step(run) is None
    (run / "checkpoints").mkdir()
    (run / "checkpoints" / "last.json").write_text(json.dumps({"step": 1500}))
    assert last_step(run) == 1500  # no metrics: the checkpoint says
    lines = [json.dumps({"step": s, "time": s / 10, "loss_d": 1.0}) for s in range(0, 3001, 10)]
    lines.append(json.dumps({"step": 2000, "eval": True, "eval_fid": 9.0}))  # a late evaluation of an earlier step
    (run / "metrics.jsonl").write_text("\n".join(lines) + "\n" + '{"step": 30')  # a half-written last line
    assert last_step(run, tail_bytes=300) == 3000
