"""Checkpoints: one safetensors file + a JSON sidecar, written atomically, read without unpickling.

The safetensors header carries the whole JSON description under the metadata key ``ganstudio``, so the
``.safetensors`` file alone is authoritative and one ``os.replace`` commits it: a crash mid-write leaves
the previous checkpoint intact. The ``.json`` sidecar is the same description for people and scripts.

Tensor keys: ``<module>/<state-dict key>`` (G/, D/, Q/), ``optim/<name>/<param index>/<state key>``,
``rng/<name>``, ``sampler/<name>``.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import time
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import save_file

from .atomic import atomic_write
from .errors import CheckpointError
from .runfolder import CKPT_SUFFIX, LAST, checkpoint_path

FORMAT = "ganstudio-checkpoint"
VERSION = 1
META_KEY = "ganstudio"
CRC_KEY = "ganstudio.crc32"  # {tensor key: CRC-32 of its bytes}: safetensors itself has no checksum
# Bounds of the network-defining fields a checkpoint may ask for: beyond them it is crafted or damaged, and
# building its model would only exhaust memory.
ARCH_BOUNDS = {"image_size": 4096, "channels": 4, "z_dim": 65536, "width": 65536, "cat_codes": 1000,
               "cont_codes": 64}


@dataclass
class Checkpoint:
    path: Path
    meta: dict
    tensors: dict[str, torch.Tensor]

    @property
    def step(self) -> int:
        return int(self.meta["step"])

    def group(self, prefix: str) -> dict[str, torch.Tensor]:
        """Tensors under ``prefix/`` with the prefix removed."""
        p = prefix + "/"
        return {k[len(p):]: v for k, v in self.tensors.items() if k.startswith(p)}


def save_checkpoint(path: Path, *, modules: dict[str, torch.nn.Module], optimizers: dict[str, torch.optim.Optimizer],
                    extra_tensors: dict[str, torch.Tensor], meta: dict) -> Path:
    """Write ``path`` (.safetensors) and its ``.json`` sidecar atomically. ``meta`` must be JSON-serialisable."""
    return write_checkpoint(path, *snapshot_checkpoint(modules=modules, optimizers=optimizers,
                                                       extra_tensors=extra_tensors, meta=meta))


def snapshot_checkpoint(*, modules: dict[str, torch.nn.Module], optimizers: dict[str, torch.optim.Optimizer],
                        extra_tensors: dict[str, torch.Tensor], meta: dict) -> tuple[dict[str, torch.Tensor], dict]:
    """Everything a checkpoint holds, copied to the CPU now: training may go on while ``write_checkpoint``
    writes the copy (in another thread)."""
    tensors: dict[str, torch.Tensor] = {}
    for name, mod in modules.items():
        for k, v in mod.state_dict().items():
            tensors[f"{name}/{k}"] = _cpu_copy(v)
    optim_meta = {}
    for name, opt in optimizers.items():
        sd = opt.state_dict()
        scalars: dict[str, dict] = {}
        for idx, st in sd["state"].items():
            for k, v in st.items():
                if torch.is_tensor(v):
                    tensors[f"optim/{name}/{idx}/{k}"] = _cpu_copy(v)
                else:
                    scalars.setdefault(str(idx), {})[k] = v
        optim_meta[name] = {"param_groups": sd["param_groups"], "scalars": scalars}
    np_state = np.random.get_state()
    tensors["rng/torch"] = torch.get_rng_state()
    tensors["rng/numpy"] = torch.from_numpy(np.asarray(np_state[1], dtype=np.int64))
    if torch.cuda.is_available():
        for i, s in enumerate(torch.cuda.get_rng_state_all()):
            tensors[f"rng/cuda{i}"] = s
    for k, v in extra_tensors.items():
        tensors[k] = _cpu_copy(v)
    full = dict(meta)
    full.update({
        "format": FORMAT,
        "version": VERSION,
        "saved_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "optimizers": optim_meta,
        "rng": {"python": _py_state_to_json(random.getstate()), "numpy": [np_state[0], int(np_state[2]),
                                                                          int(np_state[3]), float(np_state[4])]},
    })
    return tensors, full


def _cpu_copy(v: torch.Tensor) -> torch.Tensor:
    """A contiguous CPU copy that later in-place updates of ``v`` cannot reach (one copy, not two)."""
    return v.detach().to("cpu", memory_format=torch.contiguous_format, copy=True)


def crc32(t: torch.Tensor) -> int:
    """CRC-32 of a CPU tensor's bytes (any dtype)."""
    flat = t.detach().contiguous().reshape(-1)
    return zlib.crc32(flat.view(torch.uint8).numpy().tobytes()) if flat.numel() else 0


def _header(tensors: dict[str, torch.Tensor], meta: dict) -> dict[str, str]:
    return {META_KEY: json.dumps(meta, sort_keys=True),
            CRC_KEY: json.dumps({k: crc32(v) for k, v in tensors.items()}, sort_keys=True)}


def write_checkpoint(path: Path, tensors: dict[str, torch.Tensor], full: dict) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, lambda tmp: save_file(tensors, str(tmp), metadata=_header(tensors, full)))
    atomic_write(path.with_suffix(".json"), lambda tmp: tmp.write_text(json.dumps(full, indent=1, sort_keys=True)))
    return path


def copy_checkpoint(src: Path, dst: Path) -> None:
    """Atomically copy a checkpoint (both files) to another name, e.g. last → best."""
    for a, b in ((src, dst), (src.with_suffix(".json"), dst.with_suffix(".json"))):
        atomic_write(b, lambda tmp, a=a: shutil.copyfile(a, tmp))


def link_checkpoint(src: Path, dst: Path) -> None:
    """Keep the current content of a checkpoint under another name at no cost: a hard link (``last`` is later
    replaced by rename, so the link keeps this version), or a copy where links are not possible."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    for a, b in ((src, dst), (src.with_suffix(".json"), dst.with_suffix(".json"))):
        b.unlink(missing_ok=True)
        try:
            os.link(a, b)
        except OSError:
            atomic_write(b, lambda tmp, a=a: shutil.copyfile(a, tmp))


def promote_checkpoint(src: Path, dst: Path) -> None:
    """Move a checkpoint (both files) over another, each by one atomic rename: e.g. a candidate → best."""
    os.replace(src.with_suffix(".json"), dst.with_suffix(".json"))
    os.replace(src, dst)


def resolve_checkpoint_path(path: str | Path) -> Path:
    """Accept a .safetensors file, its .json sidecar, or a run folder (→ checkpoints/last.safetensors)."""
    p = Path(path).expanduser()
    if p.is_dir():
        for cand in (checkpoint_path(p), p / f"{LAST}{CKPT_SUFFIX}"):
            if cand.exists():
                return cand
        raise CheckpointError(f"{p}: a folder without checkpoints/last.safetensors; is it a GAN Studio run folder?")
    if p.suffix == ".json" and p.with_suffix(".safetensors").exists():
        return p.with_suffix(".safetensors")
    if not p.exists():
        raise CheckpointError(f"{p}: no such file")
    return p


def read_meta(path: str | Path) -> tuple[Path, dict]:
    """The checkpoint's description (from its safetensors header) without loading any tensor."""
    p = resolve_checkpoint_path(path)
    try:
        with safe_open(str(p), framework="pt") as f:
            header = f.metadata() or {}
    except (SafetensorError, OSError, ValueError) as exc:
        raise CheckpointError(_not_safetensors(p, exc)) from None
    if META_KEY not in header:
        raise CheckpointError(f"{p}: a safetensors file, but not a GAN Studio checkpoint (no '{META_KEY}' metadata)")
    try:
        meta = json.loads(header[META_KEY])
    except (ValueError, RecursionError) as exc:
        raise CheckpointError(f"{p}: its GAN Studio metadata is not valid JSON ({exc}); the file is damaged") from None
    check_meta(p, meta)
    return p, meta


def check_meta(p: Path, meta) -> None:
    """Refuse a description that is damaged or crafted, naming what is wrong: everything later code reads
    from it has the type and range it expects."""
    def bad(what: str) -> CheckpointError:
        return CheckpointError(f"{p}: {what}; the file is damaged or foreign: use another checkpoint")

    if not isinstance(meta, dict):
        raise bad(f"its metadata is a JSON {type(meta).__name__}, not an object")
    if meta.get("format") != FORMAT:
        raise CheckpointError(f"{p}: metadata format is {meta.get('format')!r}, expected {FORMAT!r}")
    version = meta.get("version", 0)
    if not isinstance(version, int) or isinstance(version, bool) or version < 0:
        raise bad(f"its format version is {version!r}, not a whole number")
    if version > VERSION:
        raise CheckpointError(f"{p}: written by a newer GAN Studio (format v{version}); update GAN Studio")
    for key, kind in (("config", dict), ("step", int), ("model", dict), ("data", dict)):
        if key not in meta:
            raise bad(f"its metadata lacks '{key}'")
        if not isinstance(meta[key], kind) or isinstance(meta[key], bool):
            raise bad(f"its '{key}' is {json.dumps(meta[key])[:40]}, not {'a whole number' if kind is int else 'an object'}")
    if meta["step"] < 0:
        raise bad(f"its step is {meta['step']}")
    shape = meta["data"].get("shape")
    if not (isinstance(shape, list) and 1 <= len(shape) <= 3
            and all(isinstance(n, int) and not isinstance(n, bool) and 0 < n <= 4096 for n in shape)):
        raise bad(f"its data shape is {json.dumps(shape)[:40]} (1 to 3 whole numbers expected)")
    for where, key in ((meta["model"], "family"), (meta["config"], "model")):
        if not isinstance(where.get(key), str):
            raise bad(f"its {'model' if where is meta['model'] else 'config'} {key} is {json.dumps(where.get(key))[:40]}")
    for key, top in ARCH_BOUNDS.items():
        v = meta["config"].get(key)
        if v is not None and (not isinstance(v, int) or isinstance(v, bool) or not 0 <= v <= top):
            raise bad(f"its config asks for {key}={json.dumps(v)[:40]} (a whole number 0–{top} expected)")


def newest_readable(run_dir: str | Path) -> tuple[Path, int] | None:
    """The checkpoint of a run folder with the highest step whose header reads (``last`` or a kept step's):
    what a message may promise is kept after a failure."""
    from .runfolder import step_checkpoints

    best = None
    for path in [checkpoint_path(run_dir)] + [p for _, p in step_checkpoints(run_dir)]:
        if not path.is_file():
            continue
        try:
            _, meta = read_meta(path)
            step = int(meta["step"])
        except (CheckpointError, TypeError, ValueError):
            continue
        if best is None or step > best[1]:
            best = (path, step)
    return best


def read_checkpoint(path: str | Path, prefixes: tuple[str, ...] | None = None) -> Checkpoint:
    """Load a checkpoint's metadata and tensors (all, or only those under ``prefixes``) onto the CPU."""
    p, meta = read_meta(path)
    tensors = {}
    try:
        with safe_open(str(p), framework="pt") as f:
            crcs = (f.metadata() or {}).get(CRC_KEY)
            for k in f.keys():
                if prefixes is None or k.split("/", 1)[0] in prefixes:
                    tensors[k] = f.get_tensor(k)
    except (SafetensorError, OSError, ValueError, RuntimeError, MemoryError) as exc:
        raise CheckpointError(_not_safetensors(p, exc)) from None
    _verify(p, tensors, crcs)
    return Checkpoint(p, meta, tensors)


def _verify(p: Path, tensors: dict[str, torch.Tensor], crcs: str | None) -> None:
    """Check the tensors against the CRC-32s written with them (checkpoints from before had none)."""
    if crcs is None:
        return
    try:
        want = json.loads(crcs)
        damaged = sorted(k for k, v in tensors.items() if want[k] != crc32(v))
    except (ValueError, KeyError, TypeError, RecursionError):
        raise CheckpointError(f"{p}: its checksums are unreadable; the file is damaged: use another checkpoint") from None
    if damaged:
        raise CheckpointError(f"{p}: the data of {', '.join(damaged[:3])}{' ...' if len(damaged) > 3 else ''} does "
                              "not match its checksum; the file is damaged: use another checkpoint (a step_*)")


def _not_safetensors(p: Path, exc: Exception) -> str:
    head, size = b"", 0
    try:
        with open(p, "rb") as fh:
            head = fh.read(8)
        size = p.stat().st_size
    except OSError:
        pass
    # A safetensors file starts with its header's length (u64, little-endian): a damaged one still has a
    # plausible length there, while a pickle's opcodes (0x80 0x02 ...) or a zip's "PK.." read as a huge one.
    plausible = len(head) == 8 and int.from_bytes(head, "little") + 8 <= size
    if not plausible and (head[:2] == b"PK" or head[:1] == b"\x80"):
        return (f"{p}: a PyTorch pickle (.pt/.pth), not a GAN Studio checkpoint; GAN Studio never unpickles files. "
                "Export the weights to safetensors first")
    return f"{p}: not a readable safetensors checkpoint ({exc}); it may be truncated or corrupt: use another one"


def load_modules(ckpt: Checkpoint, modules: dict[str, torch.nn.Module]) -> None:
    """Copy weights into ``modules``, refusing any difference in keys or shapes with a message naming both."""
    for name, mod in modules.items():
        saved = ckpt.group(name)
        if not saved:
            raise CheckpointError(f"{ckpt.path}: holds no weights for {name}")
        want = mod.state_dict()
        missing = sorted(set(want) - set(saved))
        extra = sorted(set(saved) - set(want))
        if missing or extra:
            raise CheckpointError(f"{ckpt.path}: {name} does not match this model's architecture "
                                  f"(missing {missing[:3]}, unexpected {extra[:3]})")
        for k, v in want.items():
            if tuple(v.shape) != tuple(saved[k].shape):
                raise CheckpointError(f"{ckpt.path}: {name}.{k} has shape {list(saved[k].shape)} in the checkpoint "
                                      f"but {list(v.shape)} in this model; was it trained with other settings?")
        nonfinite = [k for k, v in saved.items() if v.is_floating_point() and not bool(torch.isfinite(v).all())]
        if nonfinite:
            raise CheckpointError(f"{ckpt.path}: {name}.{nonfinite[0]} holds NaN/Inf values (the run had diverged "
                                  "when this was saved); use an earlier checkpoint")
        mod.load_state_dict(saved)


RUNTIME_OPTIMIZER_KEYS = ("fused", "foreach", "capturable", "differentiable")


def load_optimizers(ckpt: Checkpoint, optimizers: dict[str, torch.optim.Optimizer], device: torch.device) -> None:
    for name, opt in optimizers.items():
        om = ckpt.meta["optimizers"].get(name)
        if om is None:
            raise CheckpointError(f"{ckpt.path}: no state for optimizer {name}")
        state: dict[int, dict] = {}
        for k, v in ckpt.group(f"optim/{name}").items():
            idx, key = k.split("/", 1)
            state.setdefault(int(idx), {})[key] = v.to(device) if key != "step" else v
        for idx, sc in om["scalars"].items():
            state.setdefault(int(idx), {}).update(sc)
        groups = [dict(g) for g in om["param_groups"]]
        for saved, current in zip(groups, opt.param_groups):
            for key in RUNTIME_OPTIMIZER_KEYS:  # how this machine runs the optimizer, not what it computes
                if key in current:
                    saved[key] = current[key]
        try:
            opt.load_state_dict({"state": state, "param_groups": groups})
        except (ValueError, KeyError) as exc:
            raise CheckpointError(f"{ckpt.path}: optimizer {name} state does not fit this model ({exc})") from None
        for group in opt.param_groups:  # moments in the parameters' memory format (channels_last), for fused kernels
            for p in group["params"]:
                for key, v in opt.state.get(p, {}).items():
                    if torch.is_tensor(v) and v.shape == p.shape and v.stride() != p.stride():
                        opt.state[p][key] = torch.empty_like(p, dtype=v.dtype).copy_(v)


def restore_global_rng(ckpt: Checkpoint) -> None:
    torch.set_rng_state(ckpt.tensors["rng/torch"])
    rng = ckpt.meta["rng"]
    random.setstate(_py_state_from_json(rng["python"]))
    kind, pos, has_gauss, cached = rng["numpy"]
    np.random.set_state((kind, ckpt.tensors["rng/numpy"].numpy().astype(np.uint32), pos, has_gauss, cached))
    if torch.cuda.is_available():
        states = [ckpt.tensors[k] for k in sorted(ckpt.tensors) if k.startswith("rng/cuda")]
        if len(states) == torch.cuda.device_count():
            torch.cuda.set_rng_state_all(states)


def _py_state_to_json(state) -> list:
    return [state[0], list(state[1]), state[2]]


def _py_state_from_json(s: list):
    return (s[0], tuple(s[1]), s[2])


def export_generator(src: str | Path, dst: str | Path, half: bool = False, also: tuple[str, ...] = ()) -> Path:
    """Write a generator-only checkpoint (G's weights + the description, no D, optimizer or RNG state): what the
    app bundles and what someone shares to let others sample a model. It samples and explores like any other
    checkpoint, but cannot resume training (``generator_only`` in its metadata says so). ``half`` stores
    floating-point weights as float16 (half the size; they load back into float32 modules). ``also`` names other
    modules to keep (Pix2Pix's D, whose per-patch verdicts the explorer shows)."""
    ckpt = read_checkpoint(src, prefixes=("G", "G_ema", *also))
    if not ckpt.group("G"):
        raise CheckpointError(f"{ckpt.path}: holds no generator weights")
    if ckpt.group("G_ema"):  # a run that keeps an EMA samples from it: that is the generator to share
        ckpt.tensors = {**{k: v for k, v in ckpt.tensors.items() if not k.startswith(("G/", "G_ema/"))},
                        **{f"G/{k}": v for k, v in ckpt.group("G_ema").items()}}
    meta = {k: v for k, v in ckpt.meta.items() if k not in ("optimizers", "rng", "sampler")}
    meta.update(generator_only=True, exported_from=str(ckpt.path.name))
    dst = Path(dst)
    dst.parent.mkdir(parents=True, exist_ok=True)
    tensors = {k: (v.half() if half and v.is_floating_point() else v).contiguous() for k, v in ckpt.tensors.items()}
    atomic_write(dst, lambda tmp: save_file(tensors, str(tmp), metadata=_header(tensors, meta)))
    atomic_write(dst.with_suffix(".json"), lambda tmp: tmp.write_text(json.dumps(meta, indent=1, sort_keys=True)))
    return dst
