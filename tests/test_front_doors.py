"""The command line and the app are two doors to one engine: `ganstudio train --model X` with no other flag builds
the run New Run builds for X with nothing changed, `ganstudio train` with no flag at all is Quick start, and what a
family needs (its data, its size, its recipe on a dataset) comes from the family itself."""

from __future__ import annotations

import pytest


def cli_config(*argv: str):
    """The TrainConfig `ganstudio train ARGV` trains (before the family settles it)."""
    from trainers.cli import _parser, train_config

    return train_config(_parser("ganstudio").parse_args(["train", *argv]))


def settled(cfg) -> dict:
    """A resolved config as config.json stores it, without the run folder."""
    from trainers.config import resolve

    return {k: v for k, v in resolve(cfg).to_dict().items() if k != "out"}


def test_every_family_settles_its_own_data_size_and_recipe():
    from trainers.catalog import DATASETS
    from trainers.config import TrainConfig, resolve
    from trainers.models import MODELS

    for name, family in MODELS.items():
        r = resolve(TrainConfig(model=name, out="x"))
        assert r.data == family.data and DATASETS[r.data].kind == "image", name
        assert r.image_size in family.image_sizes, name  # never "progan makes 16, 32, 64 px images, not 28"
        assert r.data_b == (family.data_b if family.can("two-domains") else None), name
        for key, value in family.recipe_for(r.data, DATASETS[r.data]).items():
            assert getattr(r, key) == value, (name, key)
    assert resolve(TrainConfig(model="progan", out="x")).image_size == 32
    assert resolve(TrainConfig(model="pix2pix", out="x")).data == "digits-edges"
    assert (resolve(TrainConfig(model="cyclegan", out="x")).data_b, resolve(TrainConfig(model="cogan", out="x")).data_b
            ) == ("digits-bold", "digits-negative")
    # a dataset the user names is theirs: a family that cannot use it still says so
    with pytest.raises(Exception, match="digits-edges|pairs"):
        resolve(TrainConfig(model="pix2pix", data="digits", out="x"))


def test_a_recipe_tuned_on_one_dataset_applies_there_only():
    from trainers.config import TrainConfig, resolve

    on_digits = resolve(TrainConfig(model="dcgan", out="x"))
    assert (on_digits.arch, on_digits.width, on_digits.lr_g, on_digits.lr_d, on_digits.batch_size) == (
        "mnist", 16, 2e-3, 2e-4, 64)
    elsewhere = resolve(TrainConfig(model="dcgan", data="digits-rgb", out="x"))
    assert (elsewhere.arch, elsewhere.width, elsewhere.lr_g, elsewhere.batch_size) == ("conv", 64, 2e-4, 128)
    mine = resolve(TrainConfig(model="dcgan", width=8, arch="conv", out="x"))  # what the user gives wins
    assert (mine.arch, mine.width, mine.lr_g) == ("conv", 8, 2e-3)


def test_train_with_no_flags_is_quick_start(tmp_path, monkeypatch):
    from trainers.config import TrainConfig, quick_start

    monkeypatch.chdir(tmp_path)
    cfg = cli_config()
    assert cfg.out == str(tmp_path.joinpath("runs", "dcgan-digits-1").relative_to(tmp_path))
    assert settled(cfg) == settled(TrainConfig(**quick_start(), out="elsewhere"))
    (tmp_path / "runs" / "dcgan-digits-1").mkdir(parents=True)
    assert cli_config().out.endswith("dcgan-digits-2")  # never an existing folder


def test_resume_without_out_is_one_clear_line(tmp_path, capsys):
    from trainers.cli import main

    assert main(["train", "--resume", "--steps", "5"]) == 2
    assert "--resume continues the run in --out" in capsys.readouterr().err


def test_new_run_with_nothing_changed_builds_what_the_command_line_builds(qtbot, fresh_settings, tmp_path):
    from ganstudio.panels.new_run import NewRunDialog
    from trainers.config import TrainConfig
    from trainers.models import MODELS

    for name in MODELS:  # a fresh dialog each: the user opens New Run and picks X
        dialog = NewRunDialog(runs_root=str(tmp_path / "runs"), data_root=str(tmp_path / "data"))
        qtbot.addWidget(dialog)
        dialog.show()
        dialog.fields["steps"].setText("20")
        dialog.model.setCurrentIndex(dialog.model.findData(name))
        app = dialog.config()
        assert dialog.validate(), (name, dialog.error_text())
        cli = cli_config("--model", name, "--steps", "20", "--out", app["out"])
        assert settled(TrainConfig(**app)) == settled(cli), name


def test_quick_start_trains_the_no_flag_config(window, qtbot, tmp_path, monkeypatch):
    from ganstudio import settings
    from trainers.config import TrainConfig, quick_start

    monkeypatch.setattr(settings, "runs_root", lambda: str(tmp_path / "runs"))
    started = []
    monkeypatch.setattr(window, "start_run", lambda config, run_dir, resume=False: started.append((config, run_dir)))
    window.quick_start()
    (config, run_dir), = started
    assert run_dir == str(tmp_path / "runs" / "dcgan-digits-1")
    assert settled(TrainConfig(**config, out=run_dir)) == settled(cli_config("--out", run_dir))
    assert config == quick_start()


def test_families_declare_known_data_and_capabilities():
    """Every family declares its data as dataset names the catalog knows, and capabilities from the known list."""
    from trainers.catalog import DATASETS
    from trainers.models import MODELS
    from trainers.registry import CAPABILITIES, LOOKS

    for name, family in MODELS.items():
        assert family.data in DATASETS and (family.data_b is None or family.data_b in DATASETS), name
        assert set(family.all_capabilities) <= set(CAPABILITIES), (name, family.all_capabilities)
        assert set(family.recipes) <= set(DATASETS) | set(LOOKS), name
