"""The New Run dialog's Remedies row (issue 40): it offers exactly the switches against mode collapse the engine lets
the chosen family take (``checks.remedies_offered``, which the command line's check reads too), the values reach
``config()`` and resolve, a bad number is flagged on its field in the form's words, and the setup is remembered."""

import pytest

pytestmark = pytest.mark.usefixtures("no_thread_leaks")

SWITCHES = ("pack", "mbstd", "mbdisc", "r1", "r2", "feature_matching")


def choose(dialog, model):
    dialog.model.setCurrentIndex(dialog.model.findData(model))


def shown(dialog) -> set[str]:
    return {k for k, w in dialog.remedies.widgets().items() if w.isVisibleTo(dialog)}


def losses(dialog) -> list[str]:
    return [dialog.remedies.loss.itemData(i) for i in range(dialog.remedies.loss.count())]


def test_the_row_offers_what_each_family_takes(dialog):
    choose(dialog, "dcgan")
    assert dialog.remedies.isVisibleTo(dialog)
    assert shown(dialog) == {"loss", *SWITCHES}
    assert losses(dialog) == ["family", "bce", "ls", "hinge", "rpgan"]
    assert dialog.remedies.loss.itemText(0) == "its own (bce)"
    choose(dialog, "cgan")  # its D reads each sample's class: no packing
    assert shown(dialog) == {"loss", *SWITCHES} - {"pack"}
    choose(dialog, "progan")  # its own loop: the logistic loss and R1 only
    assert shown(dialog) == {"loss", "r1"} and losses(dialog) == ["family", "bce"]
    choose(dialog, "r3gan")  # its own γ of R1 and R2 as the placeholder
    assert [dialog.remedies.r1.placeholderText(), dialog.remedies.r2.placeholderText()] == ["10 (recipe)"] * 2
    choose(dialog, "stylegan")
    assert not dialog.remedies.isVisibleTo(dialog)
    assert {k: dialog.config()[k] for k in ("pack", "mbstd", "loss")} == {"pack": 1, "mbstd": False, "loss": "family"}


def test_switches_reach_the_config_and_resolve(dialog):
    from trainers.config import TrainConfig, resolve

    choose(dialog, "dcgan")
    rem = dialog.remedies
    assert {k: dialog.config()[k] for k in ("loss", *SWITCHES)} == {
        "loss": "family", "pack": 1, "mbstd": False, "mbdisc": 0, "r1": None, "r2": None, "feature_matching": 0.0}
    rem.loss.setCurrentIndex(rem.loss.findData("rpgan"))
    rem.pack.setValue(2)
    rem.mbstd.setChecked(True)
    rem.mbdisc.setValue(8)
    rem.r1.setText("0.05")
    rem.r2.setText("1e-1")
    rem.feature_matching.setText("1")
    cfg = dialog.config()
    assert {k: cfg[k] for k in ("loss", *SWITCHES)} == {
        "loss": "rpgan", "pack": 2, "mbstd": True, "mbdisc": 8, "r1": 0.05, "r2": 0.1, "feature_matching": 1.0}
    assert dialog.validate(), dialog.error_text()
    r = resolve(TrainConfig(**cfg))
    assert (r.loss, r.pack, r.mbstd, r.mbdisc, r.r1, r.r2) == ("rpgan", 2, True, 8, 0.05, 0.1)
    choose(dialog, "progan")  # what progan does not take stays out of its config; what it takes goes in
    rem.loss.setCurrentIndex(rem.loss.findData("bce"))
    cfg = dialog.config()
    assert (cfg["loss"], cfg["pack"], cfg["mbstd"], cfg["mbdisc"], cfg["r1"], cfg["r2"]) == ("bce", 1, False, 0,
                                                                                            0.05, None)
    assert dialog.validate(), dialog.error_text()


def test_bad_values_are_flagged_in_the_forms_words(dialog):
    choose(dialog, "dcgan")
    rem = dialog.remedies
    rem.r1.setText("abc")
    assert not dialog.validate() and rem.r1.property("invalid") == "true"
    assert "R1 γ: 'abc' is not a number" in dialog.error_text()
    rem.r1.setText("-1")  # the engine's own check, its flag named as the field
    assert not dialog.validate() and rem.r1.property("invalid") == "true"
    assert "R1 γ must be a non-negative number" in dialog.error_text() and "--r1" not in dialog.error_text()
    rem.r1.setText("")
    dialog.fields["batch_size"].setText("63")
    rem.pack.setValue(2)  # the batch must split into packs
    assert not dialog.validate() and rem.pack.property("invalid") == "true"
    assert "the batch (63) must be a multiple of it" in dialog.error_text()
    dialog.fields["batch_size"].setText("64")
    assert dialog.validate(), dialog.error_text()
    assert rem.pack.property("invalid") == "false"


def test_offered_is_what_the_engine_accepts():
    """For every family, each switch the dialog would offer resolves alone and each one it hides is refused."""
    from trainers import ConfigError
    from trainers.checks import remedies_offered
    from trainers.config import TrainConfig, resolve
    from trainers.models import MODELS

    on = {"pack": 2, "mbstd": True, "mbdisc": 4, "r1": 0.1, "r2": 0.1, "feature_matching": 1.0}
    checked = 0
    for name, spec in MODELS.items():
        base = dict(model=name, image_size=32) if spec.image_sizes and 28 not in spec.image_sizes else dict(model=name)
        try:
            resolve(TrainConfig(**base))
        except ConfigError:
            continue  # a family that needs more than a model name (a second domain, its own data)
        offer = remedies_offered(spec)
        for key, value in on.items():
            if key in spec.defaults:
                continue  # r3gan's own γ
            cfg = TrainConfig(**base, **{key: value})
            if key in offer:
                resolve(cfg)
            else:
                with pytest.raises(ConfigError):
                    resolve(cfg)
            checked += 1
        for loss in ("bce", "ls", "hinge", "rpgan"):
            cfg = TrainConfig(**base, loss=loss)
            if f"loss:{loss}" in offer:
                resolve(cfg)
            else:
                with pytest.raises(ConfigError):
                    resolve(cfg)
    assert checked >= 60  # most families were tried, not skipped


def test_the_remedies_are_remembered(qtbot, fresh_settings, tmp_path):
    from ganstudio.panels.new_run import NewRunDialog

    d = NewRunDialog(runs_root=str(tmp_path / "runs"))
    qtbot.addWidget(d)
    d.show()
    choose(d, "hinge")
    d.remedies.loss.setCurrentIndex(d.remedies.loss.findData("rpgan"))
    d.remedies.mbstd.setChecked(True)
    d.remedies.r1.setText("0.5")
    d._accept()
    again = NewRunDialog(runs_root=str(tmp_path / "runs"))
    qtbot.addWidget(again)
    again.show()
    cfg = again.config()
    assert (again.model.currentData(), cfg["loss"], cfg["mbstd"], cfg["r1"]) == ("hinge", "rpgan", True, 0.5)
