"""The fast training path: device-resident sampler vs the plain loader, one G pass per step, the speed options."""

from __future__ import annotations

import collections

import numpy as np
import pytest
import torch

from tests.conftest import tiny_config
from trainers import train
from trainers.algos import build_algorithm
from trainers.config import resolve
from trainers.data import BatchSampler, load_dataset
from trainers.distributed import DistInfo
from trainers.errors import ConfigError
from trainers.events import Finished, Message
from trainers.runtime import Speed
from trainers.tvshim import import_torchvision


@pytest.fixture(scope="module")
def digits():
    return load_dataset("digits", limit=1000)


def test_device_sampler_serves_what_the_plain_loader_serves(digits):
    """One epoch of our sampler = one epoch of DataLoader(shuffle) over ToTensor + Normalize(0.5, 0.5) images:
    every image once, the same pixel values in [-1, 1], labels paired, the tail that does not fill a batch dropped."""
    tv = import_torchvision()
    transform = tv.transforms.Compose([tv.transforms.ToTensor(), tv.transforms.Normalize((0.5,), (0.5,))])
    from PIL import Image

    class PILDigits(torch.utils.data.Dataset):
        def __len__(self):
            return len(digits)

        def __getitem__(self, i):
            return transform(Image.fromarray(digits.x[i, 0].numpy(), mode="L")), int(digits.labels[i])

    batch = 64
    loader = torch.utils.data.DataLoader(PILDigits(), batch_size=batch, shuffle=True, drop_last=True,
                                         generator=torch.Generator().manual_seed(0))
    ref_x, ref_y = zip(*loader)
    ref_x, ref_y = torch.cat(ref_x), torch.cat(ref_y)
    sampler = BatchSampler(digits, batch, seed=0, device=torch.device("cpu"))
    ours = [sampler.draw() for _ in range(len(digits) // batch)]
    x, y = torch.cat([b["x"] for b in ours]), torch.cat([b["label"] for b in ours])
    assert x.shape == ref_x.shape == (len(digits) // batch * batch, 1, 28, 28)
    assert float(x.min()) >= -1.0 and float(x.max()) <= 1.0
    # same values: our uint8 → [-1, 1] equals torchvision's PIL → ToTensor → Normalize to float rounding
    index_of = {bytes(digits.x[i].numpy()): i for i in range(len(digits))}
    ours_idx = [index_of[bytes(((v + 1) * 127.5).round().to(torch.uint8).numpy())] for v in x]
    assert len(set(ours_idx)) == len(ours_idx)  # without replacement within the epoch
    ref_full = torch.stack([transform(Image.fromarray(digits.x[i, 0].numpy(), mode="L")) for i in ours_idx])
    assert torch.allclose(x, ref_full, atol=1e-6)
    assert torch.equal(y, digits.labels[ours_idx])
    # the same distribution: class frequencies of one epoch agree with the loader's to within the dropped tail
    ours_counts = collections.Counter(y.tolist())
    ref_counts = collections.Counter(ref_y.tolist())
    assert sum(abs(ours_counts[c] - ref_counts[c]) for c in range(10)) <= 2 * (len(digits) % batch)
    # mean and spread of the pixels match the loader's over an epoch
    assert abs(float(x.mean()) - float(ref_x.mean())) < 5e-3
    assert abs(float(x.std()) - float(ref_x.std())) < 5e-3
    # the next epoch is a fresh permutation, again without repeats
    second = torch.cat([sampler.draw()["x"] for _ in range(len(digits) // batch)])
    assert sampler.epoch == 1 and not torch.equal(second, x)


def test_sharded_sampler_splits_the_global_batch(digits):
    """Under torchrun every rank walks the same permutation; rank r takes the r-th slice of each global batch."""
    cpu = torch.device("cpu")
    whole = BatchSampler(digits, 64, seed=3, device=cpu)
    ranks = [BatchSampler(digits, 64, seed=3, device=cpu, dist=DistInfo(r, 2, r, 2, "gloo")) for r in (0, 1)]
    for _ in range(20):  # crosses an epoch boundary (1000 // 64 = 15 batches)
        b = whole.draw()
        x, y = b["x"], b["label"]
        parts = [s.draw() for s in ranks]
        assert torch.equal(torch.cat([p["x"] for p in parts]), x)
        assert torch.equal(torch.cat([p["label"] for p in parts]), y)
    assert whole.epoch == ranks[0].epoch == 1


def test_generator_runs_once_per_iteration(tmp_path, digits):
    """The fakes D rejects are the fakes G learns from: one G pass per iteration, n_critic for WGAN."""
    for model, passes in (("dcgan", 1), ("infogan", 1), ("wgan", 5)):
        cfg = resolve(tiny_config(tmp_path, model=model, batch_size=16))
        algo = build_algorithm(cfg, digits, torch.device("cpu"))
        calls = []
        algo.G.register_forward_hook(lambda m, i, o: calls.append(o.requires_grad))
        sampler = BatchSampler(digits, 16, 0, torch.device("cpu"))
        stats = algo.train_step(sampler.draw(algo.batches_per_step), 1)
        assert len(calls) == passes, model
        assert calls[-1] is True  # the last one keeps its graph for G's update
        assert all(torch.isfinite(v) for v in stats.values())
        assert all(p.requires_grad for p in algo.D.parameters())  # unfrozen again after G's update


def test_speed_choices_on_cpu(tmp_path):
    cpu = torch.device("cpu")
    dc = resolve(tiny_config(tmp_path, model="dcgan"))
    s = Speed.choose(dc, cpu, conv=True)
    assert s.amp_dtype is None and s.memory_format == torch.channels_last and not s.compile and not s.fused
    assert not s.graph and s.optimizer_options(cpu) == {}  # CUDA graphs are for CUDA
    gp = resolve(tiny_config(tmp_path, model="wgan-gp"))
    assert Speed.choose(gp, cpu, conv=True).memory_format == torch.contiguous_format
    assert Speed.choose(gp, cpu, conv=True).compile is False
    dc.precision, dc.compile = "bf16", "on"
    s = Speed.choose(dc, cpu, conv=True)
    assert s.amp_dtype == torch.bfloat16 and s.compile
    gp.compile = "on"
    assert Speed.choose(gp, cpu, conv=True).compile is False  # double backward stays eager
    assert Speed.choose(dc, cpu, conv=False).memory_format == torch.contiguous_format
    with pytest.raises(ConfigError, match="--precision"):
        dc.precision = "fp8"
        resolve(dc)
    with pytest.raises(ConfigError, match="--cuda-graph must be auto or off"):
        resolve(tiny_config(tmp_path, model="dcgan", cuda_graph="yes"))


def test_speed_choices_on_cuda(tmp_path):
    """What a CUDA run gets (decided without touching a GPU): one process replays a captured graph and skips
    compile; under torchrun compile takes over; a gradient penalty or spectral norm keeps both off."""
    cuda = torch.device("cuda")
    dc = resolve(tiny_config(tmp_path, model="dcgan", precision="fp32"))
    s = Speed.choose(dc, cuda, conv=True)
    assert s.graph and not s.compile and s.fused and "CUDA graph" in s.describe()
    assert s.optimizer_options(cuda) == {"fused": True, "capturable": True}
    s = Speed.choose(dc, cuda, conv=True, distributed=True)
    assert not s.graph and s.compile and s.optimizer_options(cuda) == {"fused": True}
    dc.cuda_graph = "off"
    assert Speed.choose(dc, cuda, conv=True).compile
    for model in ("wgan-gp", "hinge"):
        s = Speed.choose(resolve(tiny_config(tmp_path, model=model, precision="fp32")), cuda, conv=True)
        assert not s.graph and not s.compile, model
    wgan = Speed.choose(resolve(tiny_config(tmp_path, model="wgan", precision="fp32")), cuda, conv=True)
    assert wgan.graph and wgan.optimizer_options(cuda, "rmsprop") == {"foreach": True, "capturable": True}


def test_bf16_autocast_trains_and_keeps_fp32_weights(tmp_path):
    run = train(tiny_config(tmp_path, model="dcgan", steps=4, precision="bf16", width=8))
    events = list(run)
    assert isinstance(events[-1], Finished) and events[-1].reason == "completed"
    assert any(isinstance(e, Message) and "bf16 autocast" in e.text for e in events)
    assert all(p.dtype == torch.float32 for p in run.algo.G.parameters())
    stats = [e for e in events if type(e).__name__ == "Stats"]
    assert stats and all(np.isfinite(v) for e in stats for v in e.values.values())


def test_compile_failure_falls_back_to_eager(tmp_path, monkeypatch):
    """A compiler that breaks at the first step costs one warning, not the run."""

    def broken_compile(module, **kw):
        def call(*a, **k):
            raise RuntimeError("no C++ compiler found")
        return call

    monkeypatch.setattr(torch, "compile", broken_compile)
    run = train(tiny_config(tmp_path, model="dcgan", steps=3, compile="on", width=8))
    events = list(run)
    warn = [e for e in events if isinstance(e, Message) and "torch.compile failed" in e.text]
    assert len(warn) == 1 and "no C++ compiler" in warn[0].text
    assert isinstance(events[-1], Finished) and events[-1].step == 3
    assert run.algo.speed.compile is False


def test_checkpoint_of_a_channels_last_run_resumes_into_contiguous_moments(tmp_path):
    """Adam's moments come back in the parameters' memory format (fused kernels want them alike)."""
    opts = dict(model="dcgan", width=8, batch_size=16, checkpoint_every=2, sample_every=1000)
    list(train(tiny_config(tmp_path, steps=2, **opts)))
    run = train(tiny_config(tmp_path, steps=3, **opts), resume=True)
    for p in run.algo.G.parameters():
        if p.dim() == 4:
            assert p.is_contiguous(memory_format=torch.channels_last)
            for v in run.algo.opt_g.state[p].values():
                if torch.is_tensor(v) and v.shape == p.shape:
                    assert v.stride() == p.stride()
    assert list(run)[-1].step == 3
