"""A family added from this one file, with a capability and a setting of its own: the command line lists it, the
engine trains and resumes it bit for bit, New Run offers it with its own row, and an explorer tool that needs its
capability registers itself and turns on for its checkpoints only. Nothing else in the tree is edited for it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import open_ckpt, resumed_like_straight, tiny_config

pytestmark = pytest.mark.usefixtures("no_thread_leaks")

CAPABILITY = "mirror"


def mirror_networks(cfg, sample_shape, inputs):
    """DCGAN's conv nets, G's images mirrored left to right (what the family "can" do, for the test)."""
    import torch
    from torch import nn

    from trainers.models.blocks import Discriminator, Generator
    from trainers.models.dcgan import ConvGenerator, ConvTrunk

    class Mirrored(ConvGenerator):
        def forward(self, h: torch.Tensor) -> torch.Tensor:
            return torch.flip(super().forward(h), dims=(-1,))

    c, s, _ = sample_shape
    body: nn.Module = Mirrored(inputs.in_dim, s, c, cfg.width)
    return {"G": Generator(body, inputs), "D": Discriminator(ConvTrunk(s, c, cfg.width))}


@pytest.fixture
def mirror_family():
    from trainers.models.dcgan import z_only
    from trainers.registry import ADAM, CAPABILITIES, Family, register, unregister

    CAPABILITIES[CAPABILITY] = "draws mirrored images (a test family)"
    fam = register(Family("mirror", "Mirror: DCGAN drawn left to right (a test family)", algorithm="adversarial",
                          networks=mirror_networks, inputs=z_only, defaults=dict(ADAM, mixing=0.5),
                          capabilities=frozenset({CAPABILITY}), fields={"mixing": "Mirror share"},
                          options={"loss": "bce"}))
    yield fam
    unregister(fam.name)
    CAPABILITIES.pop(CAPABILITY, None)


def test_it_is_listed_and_resumes_bit_exactly(mirror_family, tmp_path, capsys):
    from trainers.cli import main

    assert main(["list"]) == 0
    assert "mirror     Mirror: DCGAN drawn left to right" in capsys.readouterr().out
    tensors = resumed_like_straight(tmp_path, 6, model="mirror", data="digits", width=8, data_limit=256)
    assert "G/body.net.0.weight" in tensors


def test_new_run_offers_it_with_its_own_row(mirror_family, dialog):
    dialog.model.setCurrentIndex(dialog.model.findData("mirror"))
    row = dialog.family["Mirror"]
    assert row.isVisibleTo(dialog) and not dialog.stylegan.isVisibleTo(dialog)  # its row, not StyleGAN's
    assert row.mixing.placeholderText() == "0.5 (recipe)"
    row.mixing.setText("0.25")
    assert dialog.config()["mixing"] == 0.25 and dialog.validate(), dialog.error_text()
    dialog.model.setCurrentIndex(dialog.model.findData("stylegan"))
    assert not row.isVisibleTo(dialog) and dialog.stylegan.isVisibleTo(dialog)


def test_a_tool_that_needs_its_capability_turns_on_for_it_alone(mirror_family, qtbot, tmp_path, fresh_settings,
                                                                 monkeypatch):
    from ganstudio.explorer import common
    from ganstudio.explorer.common import Tool
    from ganstudio.explorer.panel import ExplorerPanel
    from trainers.loop import train

    class MirrorTool(Tool):
        name, title, needs = "mirror-tool", "Mirror", CAPABILITY

    try:
        monkeypatch.setenv("GANSTUDIO_MODELS", str(tmp_path / "no-models"))
        ex = ExplorerPanel()
        qtbot.addWidget(ex)
        ex.resize(1100, 700)
        ex.show()
        names = [t.name for t in ex.tools]
        assert names[-1] == "mirror-tool" and names[0] == "latent"  # registered by itself, after the built-in ones
        tool = ex.tools[-1]
        ckpts = {}
        for model in ("mirror", "dcgan"):
            list(train(tiny_config(tmp_path / model, model=model, data="digits", width=8, steps=2, data_limit=128,
                                   checkpoint_every=2, sample_every=2)))
            ckpts[model] = Path(tmp_path / model / "run" / "checkpoints" / "last.safetensors")
        open_ckpt(qtbot, ex, ckpts["mirror"])
        assert ex.ctx.can(CAPABILITY) and tool.why_off(ex.ctx) == ""
        open_ckpt(qtbot, ex, ckpts["dcgan"])
        assert not ex.ctx.can(CAPABILITY) and "draws mirrored images" in tool.why_off(ex.ctx)
        ex.shutdown()
    finally:
        common.TOOL_TYPES.remove(MirrorTool)
