"""The training tab's curves on their own: a million points, plots that appear late, evaluations and other
sparse series, legends that name every curve without covering the data."""

import numpy as np
import pytest

from ganstudio.rundata import RunData

pytestmark = pytest.mark.usefixtures("no_thread_leaks")


def test_curves_take_a_million_points(qtbot):
    from ganstudio.panels.curves import CurvesPanel

    panel = CurvesPanel(smoothing=0.9)
    qtbot.addWidget(panel)
    panel.show()
    run = RunData("big", "/tmp/big")
    run.add_record({"step": 0, "loss_d": 1.0})
    n = 1_000_000
    run.series["loss_d"].extend(np.arange(1, n + 1, dtype=float), np.sin(np.arange(n) / 1e4))
    panel.set_runs(run)
    x, y = panel.curve_data("loss_d")
    assert len(x) == n + 1 and len(y) == n + 1 and np.isfinite(y).all()
    assert abs(y[-1] - np.sin((n - 1) / 1e4)) < 0.01  # smoothing lags little on a slow curve
    run.series["loss_d"].append(n + 1, 5.0)
    panel.mark_dirty()
    panel.refresh()
    x, y = panel.curve_data("loss_d")
    assert len(x) == n + 2 and y[-1] == pytest.approx(0.9 * y[-2] + 0.1 * 5.0, rel=1e-6)


def test_curves_follow_new_steps_whichever_plot_appears_first(qtbot):
    from ganstudio.panels.curves import CurvesPanel, nice_ceiling

    panel = CurvesPanel(smoothing=0.0)
    qtbot.addWidget(panel)
    panel.show()
    run = RunData("r", "/tmp/r")
    panel.set_runs(run)
    for step in range(1, 400):
        record = {"step": step, "d_real": 0.5, "loss_d": 1.0 / step}  # the Discriminator plot is created first
        if step >= 50:
            record["pix_dist"] = 1.0 / step  # a third plot arrives later and re-stacks the layout
        run.add_record(record)
        if step % 50 == 0:
            panel.mark_dirty()
            panel.refresh()
    panel.mark_dirty()
    panel.refresh()
    assert panel.plot_names() == ["Discriminator", "Losses", "Quality"]
    for plot in panel._plots.values():  # all x-linked to the top plot and showing the newest step
        lo, hi = plot.vb.viewRange()[0]
        assert lo <= 1 and 399 <= hi <= 1000
    assert [nice_ceiling(v) for v in (0.3, 7, 10, 11, 499, 501)] == [0.5, 10, 10, 20, 500, 1000]


def _curves_panel(qtbot, **kwargs):
    from ganstudio.panels.curves import CurvesPanel

    panel = CurvesPanel(**kwargs)
    qtbot.addWidget(panel)
    panel.resize(600, 700)
    panel.show()
    return panel


def _losses_until(run, last, every=10):
    for step in range(0, last + 1, every):
        run.add_record({"step": step, "time": step / 10, "wall": 1_700_000_000 + step / 10,
                        "loss_d": 1.0 + np.sin(step / 50), "loss_g": 2.0})


def test_the_first_evaluation_keeps_every_plot_covering_all_steps(qtbot):
    """An evaluation point (one point, its own new plot) used to auto-range that plot's x axis to a 1-step
    window, and the link dragged the whole stack there."""
    panel = _curves_panel(qtbot, smoothing=0.6)
    run = RunData("r", "/tmp/r")
    _losses_until(run, 1000)
    panel.set_runs(run)
    run.add_record({"step": 1000, "eval": True, "eval_fid": 40.0, "eval_fid_floor": 4.0,
                    "eval_precision": 0.5, "eval_recall": 0.4})
    panel.mark_dirty()  # drawn as in the app: by the timer, one plot per tick
    qtbot.waitUntil(lambda: "Scores" in panel.plot_names() and not panel._dirty and not panel._queue)
    qtbot.wait(100)  # let the splitter lay the new plots out; the links run on their resize
    assert {"Losses", "Domain FID", "Scores"} <= set(panel.visible_plots())
    for name in panel.visible_plots():
        lo, hi = panel.plot(name).vb.viewRange()[0]
        assert lo <= 0 and 1000 <= hi <= 2100, (name, lo, hi)
        assert (lo, hi) == pytest.approx(panel.plot("Losses").vb.viewRange()[0], abs=1)


def test_sparse_series_are_drawn_as_measured_points(qtbot):
    panel = _curves_panel(qtbot, smoothing=0.9)
    run = RunData("r", "/tmp/r")
    for step in range(0, 2001, 10):
        record = {"step": step, "loss_d": 1.0 + (step % 20) / 10}
        if step % 500 == 0:  # the pixel-statistics proxy comes with each sample grid: 5 points
            record["pix_dist"] = 10.0 - step / 250
        run.add_record(record)
    run.add_record({"step": 1000, "eval": True, "eval_fid": 30.0, "eval_fid_floor": 3.0})
    run.add_record({"step": 2000, "eval": True, "eval_fid": 10.0, "eval_fid_floor": 3.0})
    panel.set_runs(run)
    x, y = panel.curve_data("pix_dist")
    np.testing.assert_array_equal(x, [0, 500, 1000, 1500, 2000])
    np.testing.assert_array_equal(y, [10, 8, 6, 4, 2])  # unsmoothed
    assert panel.is_sparse("pix_dist") and panel.is_sparse("eval_fid") and not panel.is_sparse("loss_d")
    item = panel._curves[(id(run), "pix_dist")].item
    assert item.opts["symbol"] == "o" and item.opts["pen"] is not None  # points joined by a line
    assert not np.array_equal(panel.curve_data("loss_d")[1], run.series["loss_d"].y)  # dense: smoothed


def test_legends_sit_above_the_data_and_name_every_curve_and_overlay(qtbot):
    panel = _curves_panel(qtbot)
    a, b = RunData("run-a", "/tmp/a"), RunData("run-b", "/tmp/b")
    for run in (a, b):
        _losses_until(run, 200)
        run.add_record({"step": 200, "eval": True, "eval_precision": 0.5, "eval_recall": 0.4,
                        "eval_label_accuracy": 0.9, "eval_code_accuracy": 0.8, "eval_code_correlation": 0.3})
    panel.set_runs(a, [b])
    losses = panel.legend_text("Losses")
    assert "D loss" in losses and "G loss" in losses and "run-b" in losses
    scores = panel.legend_text("Scores")
    for label in ("precision", "recall", "label accuracy", "code accuracy", "best code |r|"):
        assert label in scores
    plot = panel.plot("Losses")
    assert plot.legend is None  # nothing drawn over the data
    assert "D loss" in plot.titleLabel.item.toHtml()
