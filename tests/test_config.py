"""Defaults come from the model's recipe; every invalid value is one clear ConfigError."""

import pytest

from trainers.config import TrainConfig, resolve
from trainers.errors import ConfigError


def test_recipe_defaults():
    w = resolve(TrainConfig(model="wgan"))
    assert (w.lr_d, w.n_critic, w.clip, w.batch_size) == (5e-5, 5, 0.01, 64)
    gp = resolve(TrainConfig(model="wgan-gp"))
    assert (gp.gp_weight, gp.beta1, gp.beta2, gp.n_critic) == (10.0, 0.0, 0.9, 5)
    info = resolve(TrainConfig(model="infogan"))
    assert (info.batch_size, info.lr_g, info.lr_d, info.beta1, info.cat_codes) == (128, 1e-3, 2e-4, 0.5, 10)
    d = resolve(TrainConfig(model="dcgan", data="digits-rgb"))
    assert (d.image_size, d.channels) == (32, 3)
    assert resolve(TrainConfig(model="dcgan", lr_g=1e-3)).lr_g == 1e-3  # explicit value wins


@pytest.mark.parametrize("field,value,match", [
    ("batch_size", 0, "batch-size"),
    ("lr_g", -1e-4, "lr-g"),
    ("lr_d", 5.0, "lr-d"),
    ("lr_d", float("nan"), "lr-d"),
    ("beta1", 1.0, "beta1"),
    ("n_critic", 0, "n-critic"),
    ("steps", 0, "steps"),
    ("model", "stylegan9", "unknown model"),
    ("data", "/no/such/folder", "unknown dataset"),
    ("device", "tpu", "--device"),
    ("channels", 2, "channels"),
    ("g_loss", "sideways", "g-loss"),
])
def test_invalid_values(field, value, match):
    with pytest.raises(ConfigError, match=match):
        resolve(TrainConfig(**{field: value}))


def test_roundtrip_and_unknown_keys():
    cfg = resolve(TrainConfig(model="lsgan"))
    assert TrainConfig.from_dict(cfg.to_dict()) == cfg
    with pytest.raises(ConfigError, match="unknown config keys: bogus"):
        TrainConfig.from_dict({**cfg.to_dict(), "bogus": 1})


@pytest.mark.parametrize("model,extra", [("stylegan", dict(image_size=32)), ("pix2pix", dict(data="digits-edges")),
                                         ("cyclegan", dict(data="digits", data_b="digits-thick"))])
def test_n_critic_is_refused_where_d_is_updated_once(model, extra):
    cfg = dict(model=model, steps=10, **extra)
    with pytest.raises(ConfigError, match=f"--n-critic 3: {model} updates D once per G update"):
        resolve(TrainConfig(n_critic=3, **cfg))
    assert resolve(TrainConfig(n_critic=1, **cfg)).n_critic == 1  # 1 says what it does anyway
    assert resolve(TrainConfig(model="progan", image_size=32, n_critic=3)).n_critic == 3  # ProGAN repeats D's update
    assert resolve(TrainConfig(model="sagan", n_critic=3)).n_critic == 3  # as do the adversarial families
