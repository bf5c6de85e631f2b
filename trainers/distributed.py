"""Data-parallel training under ``torchrun``: process group, device per rank, and the collective decisions.

``torchrun --nproc_per_node=N -m trainers train ...`` starts N copies of the same command with RANK,
WORLD_SIZE, LOCAL_RANK (and MASTER_ADDR/PORT) in their environment. Every rank builds the same models from
the same seed, takes its share of each global batch (``--batch-size`` is the global batch, split evenly),
and DistributedDataParallel averages the gradients, so N processes follow the run one process would follow
with the same global batch (BatchNorm statistics aside: they are per rank on CPU; SyncBatchNorm on CUDA).
Only rank 0 writes the run folder, so the app can watch a multi-process run like any other.

Ranks must agree on when to stop; a NaN, a Ctrl+C or the end of the run are decided together at step
boundaries every rank reaches (``Sync.decide``), never on one rank's clock.
"""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass

import torch

from .errors import ConfigError


@dataclass(frozen=True)
class DistInfo:
    rank: int
    world: int
    local_rank: int
    local_world: int
    backend: str

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def env_rank() -> int:
    try:
        return int(os.environ.get("RANK", "0"))
    except ValueError:
        return 0


def env_world_size() -> int:
    try:
        return int(os.environ.get("WORLD_SIZE", "1"))
    except ValueError:
        return 1


def init_from_env(device_pref: str) -> DistInfo | None:
    """Join the process group torchrun described, or return None for a single process."""
    world = env_world_size()
    if world <= 1:
        return None
    import torch.distributed as dist

    if not dist.is_available():
        raise ConfigError("this torch build has no torch.distributed: run a single process")
    rank, local_rank = int(os.environ.get("RANK", "0")), int(os.environ.get("LOCAL_RANK", "0"))
    local_world = int(os.environ.get("LOCAL_WORLD_SIZE", str(world)))
    use_cuda = device_pref.startswith("cuda") or (device_pref == "auto" and torch.cuda.is_available())
    if use_cuda:
        if not torch.cuda.is_available():
            raise ConfigError(f"--device {device_pref}: torch sees no CUDA GPU; use --device cpu with torchrun")
        if local_rank >= torch.cuda.device_count():
            raise ConfigError(f"torchrun started {local_world} processes on this node but only "
                              f"{torch.cuda.device_count()} GPU(s) are visible: lower --nproc_per_node")
        torch.cuda.set_device(local_rank)
    elif device_pref not in ("auto", "cpu"):
        raise ConfigError(f"--device {device_pref}: multi-process runs use cpu (gloo) or cuda (NCCL)")
    backend = "nccl" if use_cuda else "gloo"
    if not dist.is_initialized():
        dist.init_process_group(backend, timeout=datetime.timedelta(minutes=30))
    if not use_cuda and "GANSTUDIO_THREADS" not in os.environ:
        # torchrun sets OMP_NUM_THREADS=1; share the cores between the processes instead
        torch.set_num_threads(max(1, (os.cpu_count() or 1) // local_world))
    return DistInfo(rank, world, local_rank, local_world, backend)


def device_for(info: DistInfo) -> torch.device:
    return torch.device("cuda", info.local_rank) if info.backend == "nccl" else torch.device("cpu")


def shard(n_global: int, info: DistInfo | None) -> slice:
    """This rank's part of a global batch of ``n_global``."""
    if info is None:
        return slice(0, n_global)
    n = n_global // info.world
    return slice(info.rank * n, (info.rank + 1) * n)


def check_batch(batch_size: int, info: DistInfo | None) -> None:
    if info is not None and batch_size % info.world:
        raise ConfigError(f"--batch-size {batch_size} is the global batch and must split evenly over the "
                          f"{info.world} processes: use a multiple of {info.world}")


def wrap(module: torch.nn.Module, info: DistInfo | None, unused: bool = False) -> torch.nn.Module:
    """DistributedDataParallel around ``module`` (buffers stay per rank: D runs twice before each backward).
    ``unused``: some parameters take no part in a step (ProGAN's levels not yet grown)."""
    if info is None:
        return module
    from torch.nn.parallel import DistributedDataParallel as DDP

    import inspect

    import warnings

    # A 1×1 conv weight (BigGAN's skips) in channels_last has strides its gradient does not copy, though the
    # memory order is the same; DDP then warns on every rank that performance "may" suffer. Nothing to act on.
    warnings.filterwarnings("ignore", message="Grad strides do not match bucket view strides")
    ids = [info.local_rank] if info.backend == "nccl" else None
    if "forward_sync_buffers" in inspect.signature(DDP.__init__).parameters:
        return DDP(module, device_ids=ids, forward_sync_buffers=False,  # still syncs them once, at init
                   find_unused_parameters=unused)
    return DDP(module, device_ids=ids, broadcast_buffers=False, find_unused_parameters=unused)


def sync_batchnorm(module: torch.nn.Module, info: DistInfo | None) -> torch.nn.Module:
    """On CUDA, BatchNorm over the global batch, as one process would compute it (gloo has no SyncBatchNorm)."""
    if info is None or info.backend != "nccl":
        return module
    return torch.nn.SyncBatchNorm.convert_sync_batchnorm(module)


class Sync:
    """Step boundaries every rank agrees on, and what happens at them.

    The next boundary is ``interval`` steps on; rank 0 proposes an interval that makes a boundary about every
    ``window_s`` seconds, and the collective takes the largest proposal so all ranks keep the same schedule.
    """

    def __init__(self, info: DistInfo, device: torch.device, window_s: float):
        self.info, self.device, self.window_s = info, device, max(window_s, 0.05)
        self.next = 1
        self.interval = 1

    def due(self, step: int) -> bool:
        return step >= self.next

    def decide(self, step: int, *, bad: bool, stop: bool, seconds_per_step: float) -> tuple[bool, bool]:
        """All ranks at ``step``: (any rank saw NaN/Inf, any rank asked to stop). Sets the next boundary."""
        import torch.distributed as dist

        propose = 1
        if self.info.is_main and seconds_per_step > 0:
            propose = int(min(1000, max(1, self.window_s / seconds_per_step)))
        flags = torch.tensor([float(bad), float(stop), float(propose)], device=self.device)
        dist.all_reduce(flags, op=dist.ReduceOp.MAX)
        bad_any, stop_any, interval = bool(flags[0] > 0), bool(flags[1] > 0), int(flags[2])
        self.interval = max(1, interval)
        self.next = step + self.interval
        return bad_any, stop_any

    def mean(self, values: dict[str, float]) -> dict[str, float]:
        """Window means averaged over the ranks (every rank logs the same keys at the same boundary)."""
        import torch.distributed as dist

        keys = sorted(values)
        if not keys:
            return values
        t = torch.tensor([values[k] for k in keys], dtype=torch.float64, device=self.device)
        dist.all_reduce(t)
        return {k: float(v) / self.info.world for k, v in zip(keys, t.tolist())}

    def barrier(self) -> None:
        import torch.distributed as dist

        dist.barrier()


def shutdown(info: DistInfo | None) -> None:
    if info is None:
        return
    import torch.distributed as dist

    if dist.is_initialized():
        dist.destroy_process_group()
