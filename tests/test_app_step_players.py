"""Step D_A / Step D_B in the app (issue 20): a paused CycleGAN run offers one update of each domain's discriminator
alone; the update lands on that D's weights only (read back from checkpoints saved before and after) and the log
names the player. A one-D family (DCGAN) never shows them, and the playground keeps its own transport."""

from pathlib import Path

import pytest
import torch

from trainers.checkpoints import read_checkpoint

from .conftest import app_config

pytestmark = pytest.mark.usefixtures("no_thread_leaks")
TWO_DS = ("step_d_a", "step_d_b")


def weights(run_dir, net: str) -> dict[str, torch.Tensor]:
    tensors = read_checkpoint(run_dir / "checkpoints" / "last.safetensors").tensors
    return {k: v.clone() for k, v in tensors.items() if k.startswith(f"{net}/")}


def same(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def saved(qtbot, window, session) -> dict[str, dict[str, torch.Tensor]]:
    """Save checkpoints/last now (the toolbar's Save) and read D_A, D_B and G back from it."""
    with qtbot.waitSignal(session.sig_checkpoint, timeout=30_000):
        window.actions_["save"].trigger()
    return {net: weights(Path(session.run_dir), net) for net in ("D_A", "D_B", "G")}


def step(qtbot, window, session, key: str, player: str) -> None:
    """Press a step action and wait until the log says the update of ``player`` was done."""
    n = len(session.log)
    window.actions_[key].trigger()
    qtbot.waitUntil(lambda: any(e.text.startswith(f"Stepped {player} at") for e in session.log[n:]), timeout=30_000)


def paused_run(window, qtbot, tmp_path, **overrides):
    cfg = app_config(tmp_path, steps=100_000, sample_every=1000, checkpoint_every=100_000, **overrides)
    session = window.start_run(cfg, cfg["out"])
    qtbot.waitUntil(lambda: session.data.step >= 2, timeout=120_000)
    window.toggle_pause()
    qtbot.waitUntil(lambda: session.state == "paused", timeout=30_000)
    return session


def test_a_paused_cyclegan_steps_each_discriminator_alone(window, qtbot, tmp_path):
    a = window.actions_
    session = paused_run(window, qtbot, tmp_path, model="cyclegan", data="digits-plain", data_b="digits-bold",
                         width=8, batch_size=4, data_limit=64)
    assert session.players == ("D", "D_A", "D_B", "G")
    for k in TWO_DS:
        assert a[k].isVisible() and a[k].isEnabled()
    assert "domain A (is this a real A?)" in a["step_d_a"].toolTip() and "(Shift+A)" in a["step_d_a"].toolTip()
    assert "domain B (is this a real B?)" in a["step_d_b"].toolTip() and "(Shift+B)" in a["step_d_b"].toolTip()
    assert "both discriminators, D_A and D_B" in a["step_d"].toolTip()
    from PySide6.QtWidgets import QMenu, QToolBar

    run_menu = next(m for m in window.menuBar().findChildren(QMenu) if m.title() == "&Run")
    toolbar = window.findChild(QToolBar, "training_toolbar")
    for k in TWO_DS:
        assert a[k] in run_menu.actions() and a[k] in toolbar.actions()
    frozen = session.data.step

    before = saved(qtbot, window, session)
    step(qtbot, window, session, "step_d_a", "D_A")
    assert f"Stepped D_A at step {frozen:,}: loss_d" in window.statusBar().currentMessage()
    after_a = saved(qtbot, window, session)  # the save then confirms itself there
    assert not same(before["D_A"], after_a["D_A"])  # D_A learned
    assert same(before["D_B"], after_a["D_B"]) and same(before["G"], after_a["G"])  # nothing else did

    step(qtbot, window, session, "step_d_b", "D_B")
    after_b = saved(qtbot, window, session)
    assert not same(after_a["D_B"], after_b["D_B"])
    assert same(after_a["D_A"], after_b["D_A"]) and same(after_a["G"], after_b["G"])

    step(qtbot, window, session, "step_d", "D")  # Step D: both
    after_d = saved(qtbot, window, session)
    assert not same(after_b["D_A"], after_d["D_A"]) and not same(after_b["D_B"], after_d["D_B"])
    assert session.data.step == frozen  # discriminator steps are not training steps

    window.toggle_pause()  # training again: the single steps are off, still shown
    qtbot.waitUntil(lambda: session.state == "training", timeout=30_000)
    assert a["step_d_a"].isVisible() and not a["step_d_a"].isEnabled()
    window.stop_run()
    with qtbot.waitSignal(session.sig_finished, timeout=60_000):
        pass
    assert not a["step_d_a"].isVisible()  # an ended run cannot be stepped


def test_a_dcgan_run_has_no_step_d_a_or_d_b(window, qtbot, tmp_path):
    a = window.actions_
    session = paused_run(window, qtbot, tmp_path, model="dcgan", data_limit=64, batch_size=16)
    assert session.players == ("D", "G")
    assert a["step_d"].isEnabled() and a["step_g"].isEnabled()
    for k in TWO_DS:
        assert not a[k].isVisible() and not a[k].isEnabled()
    n = len(session.log)
    window._command("step_d_a")  # the shortcut of a hidden action cannot fire; a direct call is refused with words
    assert "D_A alone is for CycleGAN and UNIT" in window.statusBar().currentMessage()
    assert "dcgan steps D and G by hand" in window.statusBar().currentMessage()
    qtbot.wait(300)
    assert not any(e.text.startswith("Stepped") for e in session.log[n:])
    assert "one discriminator update" in a["step_d"].toolTip()  # Step D's own words for a one-D family
    window.stop_run()
    with qtbot.waitSignal(session.sig_finished, timeout=60_000):
        pass


def test_the_playground_hides_d_a_and_d_b(window, qtbot, tmp_path):
    a = window.actions_
    window.tabs.setCurrentWidget(window.playground)
    for k in TWO_DS:
        assert not a[k].isVisible() and not a[k].isEnabled()
    assert a["step_d"].isEnabled() and "playground" in a["step_d"].toolTip()


def test_single_updates_are_named_in_the_order_asked_and_refusals_are_passed_over(qtbot):
    """The stats of D_A alone, D_B alone and both look alike: the session names them by what was asked, in order;
    a G update's stats are told apart, so an ask the engine refused is skipped, and a pause forgets the rest."""
    from trainers import events as ev

    from ganstudio.session import RunSession

    s = RunSession("/tmp/nowhere-run")

    class Thread:
        def command(self, cmd):
            pass

    s.thread, s.state = Thread(), "paused"
    d_stats = {"loss_d": 0.5, "d_real": 0.6, "d_fake": 0.4, "manual": 1.0}
    for cmd in ("step_d_b", "step_d_a", "step_g", "step_d"):
        s.command(cmd)
    s._on_event(ev.Stats(3, 1.0, d_stats))
    s._on_event(ev.Stats(3, 1.1, d_stats))
    s._on_event(ev.Stats(4, 1.2, {"loss_g": 2.0, "manual": 1.0}))
    s._on_event(ev.Stats(4, 1.3, d_stats))
    assert [e.text.split(" at ")[0] for e in s.log] == ["Stepped D_B", "Stepped D_A", "Stepped G", "Stepped D"]
    s.command("step_d_a")  # refused by the engine (say, a NaN pause): no stats come for it
    s.command("step_g")
    s._on_event(ev.Stats(5, 1.4, {"loss_g": 2.0, "manual": 1.0}))
    assert s.log[-1].text.startswith("Stepped G at step 5")
    s.command("step_d_a")
    s._on_event(ev.Paused(5, "user"))
    s._on_event(ev.Stats(5, 1.5, d_stats))  # nothing asked since the pause: named by its stats
    assert s.log[-1].text.startswith("Stepped D at step 5")
    s.thread = None
