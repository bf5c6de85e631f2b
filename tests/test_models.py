"""Every model's output shapes at each size; the architectural promises of each family."""

import pytest
import torch
from torch import nn

from trainers.config import TrainConfig, resolve
from trainers.errors import ConfigError
from trainers.models import MODELS, build_networks

CONV = [m for m, s in MODELS.items() if s.arch in ("conv", "auto")]
# Pix2Pix and SRGAN: tests/test_pix2pix.py, test_srgan.py; the growing D of ProGAN (and StyleGAN's, the same) takes
# a level, not a label: tests/test_progan.py, test_stylegan.py
NOISE = [m for m, s in MODELS.items() if not s.options.get("translation") and m not in ("progan", "stylegan")]


def _nets(model, shape, classes=10, **kw):
    spec = MODELS[model]
    cfg = dict(z_dim=spec.defaults["z_dim"], width=8, cat_codes=spec.defaults.get("cat_codes", 0),
               cont_codes=spec.defaults.get("cont_codes", 0))
    cfg.update(kw)
    return build_networks(spec, sample_shape=shape, num_classes=classes, **cfg)


def _latent(G, n):
    return G.layout.sample(n, torch.Generator().manual_seed(0), torch.device("cpu"))


@pytest.mark.parametrize("model", NOISE)
@pytest.mark.parametrize("size,channels", [(28, 1), (32, 3), (64, 3), (64, 1)])
def test_image_shapes(model, size, channels):
    nets = _nets(model, (channels, size, size))
    G, D = nets["G"], nets["D"]
    lat = _latent(G, 3)
    x = G.generate(lat)
    assert x.shape == (3, channels, size, size)
    assert x.min() >= -1 and x.max() <= 1  # tanh output
    out = D(x, lat.get("label"))
    assert out.shape == (3,)
    if MODELS[model].info:
        logits, cont = nets["Q"](D.features(x))
        assert [l.shape for l in logits] == [(3, 10)] and cont.shape == (3, 2)


@pytest.mark.parametrize("model", ["gan", "wgan", "wgan-gp", "lsgan", "hinge"])
def test_point_models_are_mlps(model):
    nets = _nets(model, (2,), classes=0)
    lat = _latent(nets["G"], 5)
    pts = nets["G"].generate(lat)
    assert pts.shape == (5, 2)
    assert nets["D"](pts).shape == (5,)
    assert not any(isinstance(m, nn.Conv2d) for m in nets["D"].modules())


def test_wgan_gp_critic_has_no_batchnorm_and_hinge_is_spectral():
    d = _nets("wgan-gp", (1, 28, 28))["D"]
    assert not any(isinstance(m, nn.BatchNorm2d) for m in d.modules())
    assert any(isinstance(m, nn.GroupNorm) for m in d.modules())
    h = _nets("hinge", (1, 28, 28))["D"]
    convs = [m for m in h.modules() if isinstance(m, nn.Conv2d)]
    assert convs and all(hasattr(m, "weight_orig") for m in convs)  # spectral_norm parametrisation


def test_conditional_generators_depend_on_the_label():
    for model in ("cgan", "cdcgan", "cgan-proj"):
        G = _nets(model, (1, 28, 28))["G"].eval()
        lat = _latent(G, 2)
        a = G.generate({**lat, "label": torch.tensor([0, 0])})
        b = G.generate({**lat, "label": torch.tensor([7, 7])})
        assert (a - b).abs().max() > 1e-4, model


def test_projection_discriminator_depends_on_the_label():
    D = _nets("cgan-proj", (1, 28, 28))["D"]
    x = torch.randn(2, 1, 28, 28)
    assert (D(x, torch.tensor([0, 0])) - D(x, torch.tensor([3, 3]))).abs().max() > 0


def test_infogan_generator_depends_on_codes():
    G = _nets("infogan", (1, 28, 28))["G"].eval()
    lat = _latent(G, 2)
    lat2 = {**lat, "cont": lat["cont"] + 1.0}
    assert (G.generate(lat) - G.generate(lat2)).abs().max() > 1e-4


def test_sizes_the_model_cannot_make_are_refused():
    with pytest.raises(ConfigError, match="28, 32, 64"):
        resolve(TrainConfig(model="dcgan", arch="conv", image_size=48))
    with pytest.raises(ConfigError, match="MNIST nets make 28, 32 or 64 px images, not 48"):
        resolve(TrainConfig(model="dcgan", image_size=48))  # on digits its recipe's nets
    with pytest.raises(ConfigError, match="needs class labels"):
        resolve(TrainConfig(model="cgan", data="ring"))
    with pytest.raises(ConfigError, match="makes images"):
        resolve(TrainConfig(model="dcgan", data="spiral"))


def test_infogan_uses_the_papers_nets_and_keeps_the_dcgan_variant():
    """Default: the paper's MNIST nets (fully connected first layers in G, a 1024-unit trunk shared by D and Q);
    ``--arch dcgan`` rebuilds what earlier runs were trained with, and a stored config without ``arch`` (written
    before the variants existed) means that."""
    from trainers.models.dcgan import ConvGenerator
    from trainers.models.infogan import PaperGenerator, PaperTrunk

    paper = _nets("infogan", (1, 28, 28))
    assert isinstance(paper["G"].body, PaperGenerator) and isinstance(paper["D"].trunk, PaperTrunk)
    assert isinstance(paper["G"].body.fc[0], nn.Linear) and paper["G"].body.fc[0].out_features == 16 * 8
    assert paper["Q"].net[0].in_features == paper["D"].trunk.out_dim == 16 * 8
    old = _nets("infogan", (1, 28, 28), arch="dcgan")
    assert isinstance(old["G"].body, ConvGenerator)
    assert resolve(TrainConfig(model="infogan")).arch == "infogan"
    assert TrainConfig.from_stored({"model": "infogan"}).arch == "dcgan"
    assert TrainConfig.from_stored({"model": "dcgan"}).arch == "conv"  # DCGAN runs from before --arch mnist
    with pytest.raises(ConfigError, match="--arch must be one of infogan, dcgan"):
        resolve(TrainConfig(model="infogan", arch="resnet"))
    with pytest.raises(ConfigError, match="--arch must be one of conv, mnist for dcgan"):
        resolve(TrainConfig(model="dcgan", arch="infogan"))
    with pytest.raises(ConfigError, match="one network design"):
        resolve(TrainConfig(model="wgan-gp", arch="infogan"))


def test_dcgan_offers_its_authors_mnist_nets():
    """``--arch mnist``: dcgan_code's MNIST nets (fully connected first layers, LeakyReLU 0.2), the ones InfoGAN's
    paper reused with LeakyReLU 0.1; 28, 32 or 64 px only."""
    from trainers.models.dcgan import FCGenerator, FCTrunk

    nets = _nets("dcgan", (1, 28, 28), arch="mnist")
    G, D = nets["G"], nets["D"]
    assert isinstance(G.body, FCGenerator) and isinstance(D.trunk, FCTrunk)
    assert [m.negative_slope for m in D.modules() if isinstance(m, nn.LeakyReLU)] == [0.2] * 3
    assert [m.negative_slope for m in _nets("infogan", (1, 28, 28))["D"].modules()
            if isinstance(m, nn.LeakyReLU)] == [0.1] * 3
    x = G.generate(_latent(G, 3))
    assert x.shape == (3, 1, 28, 28) and D(x).shape == (3,)
    assert resolve(TrainConfig(model="dcgan", arch="mnist", width=32)).arch == "mnist"
    assert resolve(TrainConfig(model="dcgan")).arch == "mnist"  # its recipe on digits (Quick start's)
    assert resolve(TrainConfig(model="dcgan", data="digits-rgb")).arch == "conv"  # the paper's nets elsewhere
