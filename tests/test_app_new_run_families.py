"""The New Run dialog's ProGAN and StyleGAN rows: each shows only while its family is chosen, with the recipe's
values as placeholders; typed values reach ``config()`` as the right types; a bad value is flagged on its field,
in the form's words; progan or stylegan with digits (28 px) picks 32 px by itself, says so, and the config
resolves; "D steps per G step" is off for a family that updates D once; the pick is undone for a family that
makes 28 px, and the typed values are remembered."""

import pytest

pytestmark = pytest.mark.usefixtures("no_thread_leaks")


def choose(dialog, model):
    dialog.model.setCurrentIndex(dialog.model.findData(model))


def test_each_familys_row_shows_only_for_it(dialog):
    pg, sg = dialog.progan, dialog.stylegan
    for model, shown in (("dcgan", set()), ("progan", {"ProGAN"}), ("stylegan", {"StyleGAN"}), ("srgan", set())):
        choose(dialog, model)
        assert {row for row, w in dialog.family.items() if w.isVisibleTo(dialog)} == shown, model
        keys = ("phase_images", "phase_ratio", "mapping_depth", "mixing", "r1_gamma", "pl_weight")
        assert not any(k in dialog.config() for k in keys if k not in dialog._models[model].defaults)
    choose(dialog, "progan")
    assert pg.phase_images.placeholderText() == "16000 (recipe)"
    assert "real images per fade-in" in pg.phase_images.toolTip()
    assert pg.phase_ratio.placeholderText() == "1 (recipe)"
    assert "next side up" in pg.phase_ratio.toolTip()
    choose(dialog, "stylegan")
    assert [sg.mapping_depth.placeholderText(), sg.mixing.placeholderText(), sg.r1_gamma.placeholderText(),
            sg.pl_weight.placeholderText()] == ["4 (recipe)", "0.9 (recipe)", "1 (recipe)", "0 = off (recipe)"]
    assert "path-length regulariser" in sg.pl_weight.toolTip()


def test_d_steps_per_g_step_is_off_where_d_is_updated_once(dialog):
    d_steps = dialog.fields["n_critic"]
    choose(dialog, "progan")
    assert d_steps.isEnabled() and d_steps.placeholderText() == "1 (recipe)"
    d_steps.setText("2")
    assert dialog.config()["n_critic"] == 2
    choose(dialog, "stylegan")
    assert not d_steps.isEnabled() and d_steps.text() == ""
    assert d_steps.placeholderText() == "1 (fixed)"
    assert d_steps.toolTip() == "stylegan updates D once per G step: it has no such setting"
    assert dialog.config()["n_critic"] is None
    choose(dialog, "wgan-gp")
    assert d_steps.isEnabled() and d_steps.placeholderText() == "5 (recipe)"
    assert d_steps.toolTip().startswith("D steps per G step: ")  # the recipe field's own tooltip is back


def test_typed_values_reach_the_config_and_bad_ones_are_flagged(dialog):
    from trainers.config import TrainConfig, resolve

    choose(dialog, "stylegan")
    sg = dialog.stylegan
    cfg = dialog.config()
    assert {k: cfg[k] for k in ("mapping_depth", "mixing", "r1_gamma", "pl_weight")} == dict.fromkeys(
        ("mapping_depth", "mixing", "r1_gamma", "pl_weight"))
    assert dialog.validate(), dialog.error_text()
    sg.mapping_depth.setText("8")
    sg.mixing.setText("0.5")
    sg.r1_gamma.setText("10")
    sg.pl_weight.setText("2")
    cfg = dialog.config()
    got = [cfg[k] for k in ("mapping_depth", "mixing", "r1_gamma", "pl_weight")]
    assert got == [8, 0.5, 10.0, 2.0] and type(got[0]) is int and all(type(v) is float for v in got[1:])
    assert dialog.validate(), dialog.error_text()
    assert resolve(TrainConfig(**cfg)).mapping_depth == 8
    sg.mixing.setText("1.5")  # the engine's check, on the field, in the form's words
    assert not dialog.validate() and sg.mixing.property("invalid") == "true"
    assert "Style mixing must be a probability" in dialog.error_text()
    sg.mixing.setText("abc")
    assert not dialog.validate() and sg.mixing.property("invalid") == "true"
    assert "Style mixing: 'abc' is not a number" in dialog.error_text()
    sg.mixing.setText("")
    sg.mapping_depth.setText("2.5")
    assert not dialog.validate() and sg.mapping_depth.property("invalid") == "true"
    assert "Mapping layers: '2.5' is not a whole number" in dialog.error_text()
    sg.mapping_depth.setText("")
    assert dialog.validate(), dialog.error_text()
    assert sg.mixing.property("invalid") == "false"

    choose(dialog, "progan")  # stylegan's typed values stay in their hidden row, out of progan's config
    sg.mixing.setText("0.3")
    dialog.progan.phase_images.setText("1e3")
    cfg = dialog.config()
    assert cfg["phase_images"] == 1000 and type(cfg["phase_images"]) is int and "mixing" not in cfg
    assert dialog.validate(), dialog.error_text()
    dialog.progan.phase_images.setText("4")
    assert not dialog.validate() and dialog.progan.phase_images.property("invalid") == "true"
    assert "Images per phase 4 is less than one step's real images (64" in dialog.error_text()
    dialog.progan.phase_images.setText("")
    dialog.progan.phase_ratio.setText("2")
    assert dialog.validate(), dialog.error_text()
    assert dialog.config()["phase_ratio"] == 2.0
    dialog.progan.phase_ratio.setText("100")
    assert not dialog.validate() and dialog.progan.phase_ratio.property("invalid") == "true"
    assert "Lower sides × must be a number from 0.25 to 16" in dialog.error_text()


def test_progan_with_digits_picks_32_px_and_resolves(dialog):
    from trainers.config import TrainConfig, resolve

    assert dialog.config()["data"] == "digits" and dialog.image_size.currentData() is None
    choose(dialog, "progan")
    assert dialog.image_size.currentData() == 32
    assert "Image size set to 32 px: progan makes 16, 32, 64 px images, not digits at its own 28 px" in \
        dialog.model_about.text()
    cfg = dialog.config()
    assert cfg["image_size"] == 32 and resolve(TrainConfig(**cfg)).image_size == 32
    assert dialog.validate(), dialog.error_text()
    choose(dialog, "stylegan")
    assert dialog.image_size.currentData() == 32 and "stylegan makes" in dialog.model_about.text()
    assert dialog.validate(), dialog.error_text()
    choose(dialog, "dcgan")  # makes 28 px: the dialog's pick is undone
    assert dialog.image_size.currentData() is None and "Image size" not in dialog.model_about.text()
    dialog.image_size.setCurrentIndex(dialog.image_size.findData(64))  # the user's choice is kept
    choose(dialog, "progan")
    assert dialog.image_size.currentData() == 64 and "Image size" not in dialog.model_about.text()


def test_typed_values_are_remembered(qtbot, fresh_settings, tmp_path):
    from ganstudio.panels.new_run import NewRunDialog

    d = NewRunDialog(runs_root=str(tmp_path / "runs"))
    qtbot.addWidget(d)
    d.show()
    choose(d, "stylegan")
    d.stylegan.mixing.setText("0.25")
    d._accept()
    again = NewRunDialog(runs_root=str(tmp_path / "runs"))
    qtbot.addWidget(again)
    assert again.model.currentData() == "stylegan" and again.stylegan.mixing.text() == "0.25"
    assert again.config()["mixing"] == 0.25
