"""The training configuration: one dataclass, resolved against the model's recipe and validated.

Every field left ``None`` takes the model family's default (``trainers.models.MODELS[...].defaults``).
A resolved config holds no ``None`` that matters and is what ``config.json`` and checkpoints store.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

from .errors import ConfigError


@dataclass
class TrainConfig:
    model: str = "dcgan"
    data: str = "digits"
    out: str = "runs/run"
    steps: int = 5000
    data_root: str | None = None
    download: bool = False
    data_limit: int | None = None  # use only the first N samples
    batch_size: int | None = None
    image_size: int | None = None  # default: the dataset's own side
    channels: int | None = None  # default: the dataset's own
    z_dim: int | None = None
    width: int | None = None  # base channel count / hidden width
    lr_g: float | None = None
    lr_d: float | None = None
    beta1: float | None = None
    beta2: float | None = None
    n_critic: int | None = None  # D updates per G update
    clip: float | None = None  # WGAN weight clipping
    gp_weight: float | None = None  # WGAN-GP λ
    g_loss: str | None = None  # "nonsaturating" | "minimax" for BCE families
    cat_codes: int | None = None  # InfoGAN: size of the categorical code
    cont_codes: int | None = None  # InfoGAN: number of continuous codes
    info_weight: float | None = None  # InfoGAN λ
    cont_weight: float | None = None  # weight of the continuous part of L_I
    seed: int = 0
    deterministic: bool = False
    device: str = "auto"
    precision: str = "auto"  # "auto" (bf16 autocast on CUDA GPUs that have it, else fp32) | "fp32" | "bf16"
    compile: str = "auto"  # torch.compile the step: "auto" (CUDA without a CUDA graph, no penalty) | "on" | "off"
    cuda_graph: str = "auto"  # replay the whole step as one CUDA graph: "auto" (CUDA, one process) | "off"
    sample_every: int = 250
    checkpoint_every: int = 1000
    keep_every: bool = True  # keep step_XXXXXXX checkpoints besides last/best
    log_window_s: float = 0.1  # stats are averaged and yielded about this often
    eval_every: int | None = None  # domain scores every N steps (0: off; default 1000 on labelled image data)
    eval_samples: int | None = None  # fakes and real images per set in those evaluations (default 2000)
    tensorboard: bool = False

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "TrainConfig":
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(d) - known)
        if unknown:
            raise ConfigError(f"unknown config keys: {', '.join(unknown)}")
        return cls(**d)


EVAL_EVERY = 1000  # default evaluation interval on labelled image datasets
EVAL_SAMPLES = 2000

# Fields that define the networks: a resumed run or a loaded checkpoint must agree on these.
ARCH_FIELDS = ("model", "image_size", "channels", "z_dim", "width", "cat_codes", "cont_codes")
# Fields a resumed run must keep to continue the same trajectory.
RECIPE_FIELDS = ("data", "data_limit", "batch_size", "lr_g", "lr_d", "beta1", "beta2", "n_critic", "clip",
                 "gp_weight", "g_loss", "info_weight", "cont_weight")


def resolve(cfg: TrainConfig) -> TrainConfig:
    """Fill defaults from the model recipe and the dataset, then validate. Raises ConfigError with one line."""
    from .data import native_shape
    from .errors import DataError
    from .models import CONV_SIZES, MODELS, arch_for

    if cfg.model not in MODELS:
        raise ConfigError(f"unknown model {cfg.model!r}: choose one of {', '.join(MODELS)}")
    spec = MODELS[cfg.model]
    try:
        info = native_shape(cfg.data)
    except DataError as exc:
        raise ConfigError(str(exc)) from None
    r = dataclasses.replace(cfg)
    for key, value in spec.defaults.items():
        if getattr(r, key) is None:
            setattr(r, key, value)
    if r.width is None:
        r.width = 64
    if r.g_loss is None:
        r.g_loss = "nonsaturating"
    for key in ("clip", "gp_weight", "cat_codes", "cont_codes", "info_weight", "cont_weight"):
        if getattr(r, key) is None:
            setattr(r, key, 0 if key in ("cat_codes", "cont_codes") else 0.0)

    is_image = info.kind == "image"
    if is_image:
        r.image_size = r.image_size or info.size
        r.channels = r.channels or info.channels
    else:
        r.image_size, r.channels = 0, 0
        if arch_for(spec, False) == "conv":
            raise ConfigError(f"{cfg.model} makes images; the 2D set {cfg.data!r} needs gan, wgan, wgan-gp, lsgan "
                              "or hinge")
        if spec.info:
            raise ConfigError("infogan needs an image dataset")
    if spec.needs_labels and info.classes == 0 and info.kind == "points":
        raise ConfigError(f"{cfg.model} is conditional and needs class labels; {cfg.data!r} has none")
    if spec.needs_labels and info.kind == "image" and cfg.data not in _labelled():
        raise ConfigError(f"{cfg.model} is conditional and needs class labels; a folder of images has none")

    labelled_images = is_image and (cfg.data in _labelled())
    if r.eval_every is None:
        r.eval_every = EVAL_EVERY if labelled_images else 0
    if r.eval_samples is None:
        r.eval_samples = EVAL_SAMPLES
    _check_int(r, "eval_every", 0)
    _check_int(r, "eval_samples", 50, 100_000)
    if r.eval_every and not labelled_images:
        raise ConfigError(f"--eval-every: domain scores need a labelled image dataset (digits, mnist, ...), "
                          f"not {cfg.data!r}; use --eval-every 0")
    _check_int(r, "steps", 1)
    _check_int(r, "batch_size", 1, 65536)
    _check_int(r, "n_critic", 1, 100)
    _check_int(r, "z_dim", 1, 4096)
    _check_int(r, "width", 4, 1024)
    _check_int(r, "sample_every", 1)
    _check_int(r, "checkpoint_every", 1)
    _check_int(r, "seed", 0, 2 ** 63 - 1)
    if r.data_limit is not None:
        _check_int(r, "data_limit", 1)
    for key in ("lr_g", "lr_d"):
        v = getattr(r, key)
        if not (isinstance(v, (int, float)) and math.isfinite(v) and 0 < v <= 1):
            raise ConfigError(f"--{key.replace('_', '-')} must be a learning rate in (0, 1], got {v}")
    for key in ("beta1", "beta2"):
        v = getattr(r, key)
        if not (isinstance(v, (int, float)) and 0 <= v < 1):
            raise ConfigError(f"--{key} must be in [0, 1), got {v}")
    for key in ("clip", "gp_weight", "info_weight", "cont_weight"):
        v = getattr(r, key)
        if not (isinstance(v, (int, float)) and math.isfinite(v) and 0 <= v <= 1e4):
            raise ConfigError(f"--{key.replace('_', '-')} must be a non-negative number, got {v}")
    if not (isinstance(r.log_window_s, (int, float)) and 0 <= r.log_window_s <= 60):
        raise ConfigError(f"log_window_s must be in [0, 60] seconds, got {r.log_window_s}")
    if r.g_loss not in ("nonsaturating", "minimax"):
        raise ConfigError(f"--g-loss must be nonsaturating or minimax, got {r.g_loss!r}")
    if spec.info:
        _check_int(r, "cat_codes", 0, 1000)
        _check_int(r, "cont_codes", 0, 64)
        if r.cat_codes == 1 or r.cat_codes + r.cont_codes == 0:
            raise ConfigError("infogan needs a categorical code of 2+ values and/or at least one continuous code")
    if is_image:
        if r.channels not in (1, 3):
            raise ConfigError(f"--channels must be 1 or 3, got {r.channels}")
        if arch_for(spec, True) == "conv" and r.image_size not in CONV_SIZES:
            raise ConfigError(f"{cfg.model} makes {', '.join(map(str, CONV_SIZES))} px images, not "
                              f"{r.image_size}: pass --image-size with one of those")
        if arch_for(spec, True) == "mlp" and not 8 <= r.image_size <= 64:
            raise ConfigError(f"{cfg.model} (an MLP) makes images of 8 to 64 px, not {r.image_size}")
    if r.precision not in ("auto", "fp32", "bf16"):
        raise ConfigError(f"--precision must be auto, fp32 or bf16, got {r.precision!r}")
    if r.compile not in ("auto", "on", "off"):
        raise ConfigError(f"--compile must be auto, on or off, got {r.compile!r}")
    if r.cuda_graph not in ("auto", "off"):
        raise ConfigError(f"--cuda-graph must be auto or off, got {r.cuda_graph!r}")
    if r.device not in ("auto", "cpu", "cuda", "mps") and not r.device.startswith("cuda:"):
        raise ConfigError(f"--device must be auto, cpu, cuda, cuda:N or mps, got {r.device!r}")
    return r


def _labelled() -> set[str]:
    from .data import DATASETS

    return {n for n, d in DATASETS.items() if d.classes > 0}


def _check_int(r: TrainConfig, key: str, lo: int, hi: int | None = None) -> None:
    v = getattr(r, key)
    if isinstance(v, bool) or not isinstance(v, int) or v < lo or (hi is not None and v > hi):
        rng = f"≥ {lo}" if hi is None else f"in [{lo}, {hi}]"
        raise ConfigError(f"--{key.replace('_', '-')} must be an integer {rng}, got {v}")
