"""Shared fixtures. Tests never touch the user's cache: GANSTUDIO_CACHE points into a temp folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# The app's tests run without a display (pytest-qt creates the QApplication on first use).
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

SHARED_MNIST = Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist"


@pytest.fixture(scope="session", autouse=True)
def _private_cache(tmp_path_factory):
    cache = tmp_path_factory.mktemp("ganstudio-cache")
    old = os.environ.get("GANSTUDIO_CACHE")
    os.environ["GANSTUDIO_CACHE"] = str(cache)
    yield cache
    if old is None:
        os.environ.pop("GANSTUDIO_CACHE", None)
    else:
        os.environ["GANSTUDIO_CACHE"] = old


def tiny_config(tmp_path: Path, **overrides):
    """A run small enough for a 2-core CPU in a second or two."""
    from trainers.config import TrainConfig

    base = dict(model="gan", data="digits", data_limit=512, steps=8, out=str(tmp_path / "run"), batch_size=32,
                width=8, sample_every=4, checkpoint_every=4, log_window_s=0.01)
    base.update(overrides)
    return TrainConfig(**base)


@pytest.fixture(scope="session", autouse=True)
def _private_settings(tmp_path_factory):
    """The app's QSettings go to a temp INI file, never the user's; runs default into a temp folder."""
    folder = tmp_path_factory.mktemp("ganstudio-settings")
    old = os.environ.get("GANSTUDIO_CONFIG_DIR")
    os.environ["GANSTUDIO_CONFIG_DIR"] = str(folder)
    yield folder
    if old is None:
        os.environ.pop("GANSTUDIO_CONFIG_DIR", None)
    else:
        os.environ["GANSTUDIO_CONFIG_DIR"] = old


@pytest.fixture
def mnist_root():
    if not (SHARED_MNIST / "MNIST" / "raw").is_dir():
        pytest.skip("real MNIST not present at ../shared/data/mnist")
    return str(SHARED_MNIST)
