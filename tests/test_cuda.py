"""The CUDA fast path: no host syncs inside the step, bf16 + torch.compile agree with fp32 eager, the
device-resident and the streamed sampler serve the CPU's batches, a GPU run's checkpoint opens on the CPU.

Skipped where there is no CUDA GPU (CI); run on a GPU machine with ``pytest tests/test_cuda.py``.
"""

from __future__ import annotations

import pytest
import torch

from tests.conftest import tiny_config
from trainers import train
from trainers.algos import build_algorithm, runner
from trainers.config import resolve
from trainers.data import BatchSampler, load_dataset
from trainers.data import samplers
from trainers.events import Finished
from trainers.generator import load_generator

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
CUDA = torch.device("cuda")


@pytest.fixture(scope="module")
def digits():
    return load_dataset("digits", limit=1000)


def _step(algo, sampler):
    """One training step on the sampler's next batches."""
    return algo.train_step(sampler.draw(algo.batches_per_step), 0)


def _algo(tmp_path, digits, seed=0, model="dcgan", **overrides):
    cfg = resolve(tiny_config(tmp_path, model=model, batch_size=128, width=32, device="cuda", **overrides))
    torch.manual_seed(seed)
    return build_algorithm(cfg, digits, CUDA)


def test_cuda_step_makes_no_host_sync(tmp_path, digits):
    """The default CUDA step (bf16 autocast, fused Adam, replayed CUDA graph) and the sampler across an epoch's
    end: nothing in the step waits for the GPU (torch's sync debug mode raises on a synchronising call)."""
    algo = _algo(tmp_path, digits)
    assert algo.speed.amp_dtype == torch.bfloat16 and algo.speed.fused and algo.speed.graph
    sampler = BatchSampler(digits, 128, seed=0, device=CUDA)
    for _ in range(runner.GRAPH_WARMUP_STEPS + 2):  # compile, capture happen here
        _step(algo, sampler)
    torch.cuda.synchronize()
    epoch = sampler.epoch
    torch.cuda.set_sync_debug_mode("error")
    try:
        window = [_step(algo, sampler) for _ in range(8)]  # 7 batches per epoch: crosses one
    finally:
        torch.cuda.set_sync_debug_mode("default")
    assert sampler.epoch == epoch + 1
    assert algo._graph is not None and algo.speed_note is None  # captured, no fallback
    values = torch.stack([torch.stack(list(s.values())) for s in window])
    assert values.device.type == "cuda" and bool(torch.isfinite(values).all())


def test_cuda_fast_step_agrees_with_fp32_eager(tmp_path, digits):
    """Same networks, same batches, same noise: the fast step's losses are fp32 eager's up to bf16 rounding."""
    losses = []
    for opts in ({}, {"precision": "fp32", "compile": "off"}):
        algo = _algo(tmp_path, digits, seed=3, **opts)
        sampler = BatchSampler(digits, 128, seed=0, device=CUDA)
        stats = [_step(algo, sampler) for _ in range(3)]
        losses.append(torch.tensor([[float(s["loss_d"]), float(s["loss_g"])] for s in stats]))
    fast, exact = losses
    assert torch.allclose(fast, exact, rtol=0.05, atol=0.02), (fast, exact)


@pytest.mark.parametrize("resident", [True, False])
def test_cuda_sampler_serves_the_cpu_batches(digits, monkeypatch, resident):
    """On the GPU, resident or gathered on the CPU and copied (a set too big for the card), the batches are
    the CPU sampler's, bit for bit, across an epoch boundary."""
    monkeypatch.setattr(samplers, "_fits_on", lambda device, nbytes: resident)
    gpu = BatchSampler(digits, 96, seed=5, device=CUDA)
    cpu = BatchSampler(digits, 96, seed=5, device=torch.device("cpu"))
    assert gpu.resident is resident and gpu.x.is_cuda is resident
    for _ in range(14):
        (xg, yg), (xc, yc) = ((b["x"], b["label"]) for b in (gpu.draw(), cpu.draw()))
        assert xg.is_cuda and yg.is_cuda
        # the same images: one grey level is 0.0078; the GPU's division may differ in the last bit
        assert torch.allclose(xg.cpu(), xc, rtol=0, atol=1e-6) and torch.equal(yg.cpu(), yc)
    assert gpu.epoch == cpu.epoch == 1


def test_cuda_run_checkpoint_opens_on_the_cpu(tmp_path):
    """A GPU run (bf16, compiled) writes a checkpoint that the explorer opens on a CPU-only machine, and the
    generator draws the same images there as on the GPU in fp32."""
    run = train(tiny_config(tmp_path, model="dcgan", width=16, steps=12, batch_size=64, device="cuda"))
    events = list(run)
    assert isinstance(events[-1], Finished) and events[-1].reason == "completed"
    ckpt = events[-1].checkpoint
    on_cpu, on_gpu = load_generator(ckpt, "cpu"), load_generator(ckpt, "cuda")
    lat_cpu = on_cpu.latent(16, seed=1)
    lat_gpu = {k: v.to("cuda") for k, v in lat_cpu.items()}
    a = on_cpu.render(lat_cpu)
    b = on_gpu.render(lat_gpu).cpu()
    assert a.shape == (16, 1, 28, 28) and torch.isfinite(a).all()
    assert torch.allclose(a, b, atol=1e-2), (a - b).abs().max()  # cuDNN's TF32 convolutions


@pytest.fixture
def deterministic(monkeypatch):
    """Deterministic kernels, so that two ways of running the same step can be compared closely."""
    monkeypatch.setattr(torch.backends.cudnn, "deterministic", True)
    monkeypatch.setattr(torch.backends.cudnn, "benchmark", False)
    was = torch.are_deterministic_algorithms_enabled()
    torch.use_deterministic_algorithms(True, warn_only=True)
    yield
    torch.use_deterministic_algorithms(was)


def _fp32(tmp_path, digits, seed, **overrides):
    return _algo(tmp_path, digits, seed=seed, precision="fp32", compile="off", **overrides)


def _losses(algo, sampler, n):
    return torch.tensor([[float(s["loss_d"]), float(s["loss_g"])] for s in (_step(algo, sampler)
                                                                             for _ in range(n))])


@pytest.mark.parametrize("model", ["dcgan", "wgan", "infogan"])
def test_cuda_graph_replays_the_eager_step(tmp_path, digits, model, deterministic):
    """The captured iteration (n_critic D updates, WGAN's clipping, InfoGAN's Q, both optimizer steps) is the
    eager one: same losses step by step, same weights after a dozen steps."""
    runs = []
    for graph in ("auto", "off"):
        algo = _fp32(tmp_path, digits, seed=4, model=model, cuda_graph=graph)
        assert algo.speed.graph is (graph == "auto")
        sampler = BatchSampler(digits, 128, seed=0, device=CUDA)
        runs.append((_losses(algo, sampler, 12), algo))
    (lg, graphed), (le, eager) = runs
    assert graphed._graph is not None and graphed.speed_note is None  # captured, no fallback
    assert torch.allclose(lg, le, rtol=1e-5, atol=1e-6), (lg, le)
    for a, b in zip(graphed.G.parameters(), eager.G.parameters()):
        assert torch.allclose(a, b, rtol=1e-5, atol=1e-6)


def test_cuda_graph_recaptures_after_a_reload(tmp_path, digits, deterministic):
    """Reloading weights and optimizer state (Resume after NaN) gives the optimizer new state tensors; the
    next step captures again and continues exactly as from the saved state."""
    import copy

    algo = _fp32(tmp_path, digits, seed=2)
    sampler = BatchSampler(digits, 128, seed=0, device=CUDA)
    _losses(algo, sampler, 6)
    saved = (copy.deepcopy({k: m.state_dict() for k, m in algo.modules.items()}),
             copy.deepcopy({k: o.state_dict() for k, o in algo.optimizers.items()}),
             algo.rng_state()["noise"].clone(), sampler.state())
    first = _losses(algo, sampler, 4)
    modules, optims, noise, (tensors, meta) = saved
    for k, m in algo.modules.items():
        m.load_state_dict(modules[k])
    for k, o in algo.optimizers.items():
        o.load_state_dict(optims[k])
    algo.forget_graph()
    algo.load_rng_state({"noise": noise})
    sampler.load_state(tensors, meta)
    again = _losses(algo, sampler, 4)
    assert torch.allclose(first, again, rtol=1e-5, atol=1e-6), (first, again)


def test_cuda_graph_capture_failure_falls_back(tmp_path, digits, monkeypatch):
    def broken(*a, **k):
        raise RuntimeError("operation not permitted when stream is capturing")

    monkeypatch.setattr(runner, "StepGraph", broken)
    algo = _fp32(tmp_path, digits, seed=0)
    sampler = BatchSampler(digits, 128, seed=0, device=CUDA)
    losses = _losses(algo, sampler, 6)
    assert torch.isfinite(losses).all()
    assert not algo.speed.graph and "CUDA graph capture failed" in algo.speed_note


def test_cuda_graph_survives_manual_steps_in_between(tmp_path, digits, deterministic):
    """The app's Step D / Step G while paused run eagerly between replays (new gradient tensors, the same
    weights and optimizer state): the graphed run goes on exactly as an eager one does."""
    runs = []
    for graph in ("auto", "off"):
        algo = _fp32(tmp_path, digits, seed=6, cuda_graph=graph)
        sampler = BatchSampler(digits, 128, seed=0, device=CUDA)
        before = _losses(algo, sampler, 6)
        batch = sampler.draw()
        real, labels = batch["x"], batch.get("label")
        manual = [float(algo.d_step(real, labels)["loss_d"]), float(algo.g_step(128)["loss_g"])]
        after = _losses(algo, sampler, 4)
        runs.append((before, torch.tensor(manual), after))
    for graphed, eager in zip(*runs):
        assert torch.allclose(graphed, eager, rtol=1e-5, atol=1e-6), (graphed, eager)
