"""The training configuration: one dataclass, resolved against the model's recipe and validated.

Every field left ``None`` takes the model family's default (``trainers.models.MODELS[...].defaults``).
A resolved config holds no ``None`` that matters and is what ``config.json`` and checkpoints store.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from .checks import LOSS_CHOICES, MAX_DATA_LIMIT, check_values  # noqa: F401 (MAX_DATA_LIMIT: where readers look)
from .checks import check_int as _check_int
from .errors import ConfigError


def option(default, help: str | None = None, kind: type | None = None, *, cli: bool = True,
           choices: tuple | None = None, metavar: str | None = None):
    """A TrainConfig field with what the command line (and the New Run dialog) say about it.

    ``help`` is the one-line description both show; ``kind`` the value type (int, float, str; bool fields are
    flags); ``cli=False`` keeps a field off the command line (tests and the app set it directly)."""
    return field(default=default, metadata={"help": help, "kind": kind, "cli": cli, "choices": choices,
                                            "metavar": metavar})


@dataclass
class TrainConfig:
    """Every setting of a run. The single place defaults live: ``ganstudio train``'s options and the New Run
    dialog are built from these fields (``cli_options``)."""

    model: str = option("dcgan", "model family (see `list`), default dcgan", str)
    data: str | None = option(None, "dataset name (see `list`) or a folder of images (default: the model's own; digits "
                              "for most)", str)
    out: str = option("runs/run", "run folder to write (config.json, metrics.jsonl, samples/, ...; default: a new "
                      "runs/MODEL-DATA-N)", str)
    steps: int = option(5000, "generator updates to train (default 5000)", int)
    data_root: str | None = option(None, "where torchvision datasets live (MNIST/raw, cifar-10-batches-bin, ...)",
                                   str)
    data_b: str | None = option(None, "the second domain of a two-domain family (a dataset name or a folder)", str)
    download: bool = option(False, "download a missing torchvision dataset (needs internet)")
    data_limit: int | None = option(None, "use N samples (embedded sets are drawn at that size)", int)
    batch_size: int | None = option(None, "samples per D update (default: the model's recipe)", int)
    image_size: int | None = option(None, "image side; 28, 32 or 64 for conv models (default: the dataset's own, "
                                    "or the nearest side the model makes)", int)
    channels: int | None = option(None, "1 (grey) or 3 (RGB) (default: the dataset's; a folder's: 1 when every "
                                  "image is grey)", int, choices=(1, 3))
    crop: str | None = option(None, "how a folder's images that are not square become square: centre (cut the middle "
                       "square, default), pad (borders of the edge colour) or stretch", str,
                       choices=("centre", "pad", "stretch"))
    z_dim: int | None = option(None, "length of the noise vector z", int)
    width: int | None = option(None, "base channels (conv) / hidden width (MLP)", int)
    arch: str | None = option(None, "the family's network design, where it has several (infogan: infogan, the "
                              "paper's nets, or dcgan; stylegan: bilinear or nearest upsampling; progan: "
                              "pyramid or flat channels)", str)
    lr_g: float | None = option(None, "generator step size, e.g. 2e-4", float)
    lr_d: float | None = option(None, "discriminator / critic step size", float)
    beta1: float | None = option(None, "Adam β1 (momentum): 0.5 (DCGAN) or 0 (WGAN-GP)", float)
    beta2: float | None = option(None, "Adam β2 (second-moment decay): 0.999 or 0.9", float)
    n_critic: int | None = option(None, "D updates per G update (WGANs use 5)", int)
    clip: float | None = option(None, "WGAN weight clipping bound", float)
    gp_weight: float | None = option(None, "WGAN-GP λ", float)
    g_loss: str | None = option(None, "generator loss of the BCE families", str, choices=("nonsaturating", "minimax"))
    cat_codes: int | None = option(None, "InfoGAN: values of the categorical code", int)
    cont_codes: int | None = option(None, "InfoGAN: number of continuous codes", int)
    info_weight: float | None = option(None, "InfoGAN λ", float)
    cont_weight: float | None = option(None, "InfoGAN: weight of the continuous part of L_I", float, cli=False)
    lr_q: float | None = option(None, "InfoGAN: Q's step size (default: G's, as the common PyTorch InfoGANs train Q "
                                "with G; the official code used D's)", float)
    ortho_weight: float | None = option(None, "BigGAN: orthogonal regularisation of G's weights, β·Σ‖WWᵀ ⊙ (1 − I)‖² "
                                        "(the paper's 1e-4; 0: off)", float)
    l1_weight: float | None = option(None, "Pix2Pix: λ of the L1 term, λ·‖y − G(x)‖₁ (the paper's 100)",
                                     float)
    cycle_weight: float | None = option(None, "CycleGAN: λ of the cycle terms (the paper's 10; identity at 0.5·λ)",
                                        float)
    scale: int | None = option(None, "SRGAN: the upscaling factor, 2 or 4 (default 4: 7 → 28 px)", int, choices=(2, 4))
    pretrain_steps: int | None = option(None, "SRGAN: steps of the SRResNet phase (pixel MSE only) before the "
                                        "adversarial one (default 2000)", int)
    adv_weight: float | None = option(None, "SRGAN: weight of the adversarial term (the paper's 1e-3)", float)
    content: str | None = option(None, "SRGAN: the content loss: features (the deepest conv features of GAN Studio's "
                                 "classifier for the data, default), mse (pixels), or the path of a torchvision VGG19 "
                                 "weights file", str, metavar="features|mse|PATH")
    phase_images: int | None = option(None, "ProGAN: real images per fade-in and per stable phase (default 16000; the "
                                      "paper's 800k); with --phase-ratio, those of the full side", int)
    phase_ratio: float | None = option(None, "ProGAN: each side's phases last this many times as long as those of the "
                                       "next side up (default 1: all alike; 2: 16 px twice, 8 px 4×, 4 px 8× as long "
                                       "as 32 px; the small sides are cheap steps)", float)
    mapping_depth: int | None = option(None, "StyleGAN: dense layers of the mapping network z → w (default 4; the "
                                       "paper's 8)", int)
    mixing: float | None = option(None, "StyleGAN: probability of style mixing while training (the paper's 0.9)",
                                  float)
    r1_gamma: float | None = option(None, "StyleGAN: γ of the lazy R1 penalty on real images, every 16 steps "
                                    "(default 1; 0: off)", float)
    pl_weight: float | None = option(None, "StyleGAN: weight of the path-length regulariser (StyleGAN2's 2; "
                                     "default 0: off, it doubles G's step on a CPU)", float)
    augment: str | None = option(None, "augment what D sees, reals and fakes alike, for small sets: none (default), "
                                 "diffaugment (Zhao et al. 2020: colour, translation, cutout on every image) or ada "
                                 "(Karras et al. 2020: flips, rotations, scaling, colour, each with a probability p "
                                 "that rises while D overfits)", str, choices=("none", "diffaugment", "ada"))
    ada_target: float | None = option(None, "ADA: the target of the overfitting signal r_t = E[sign(D(real))] "
                                      "(the paper's 0.6); p rises while r_t is above it", float)
    # the remedies for mode collapse (``trainers/remedies.py``), for the families one G trains against one D with
    pack: int = option(1, "PacGAN (Lin et al. 2018): D judges k samples at once, concatenated on channels "
                       "(default 1: one)", int)
    mbstd: bool = option(False, "minibatch standard deviation (Karras et al. 2017, ProGAN): D's last features get "
                         "their spread over a group of 4 samples, so D sees a batch without variety")
    mbdisc: int = option(0, "minibatch discrimination (Salimans et al. 2016) with B kernels: D's last features get B "
                         "more, how closely each sample resembles the others of its batch (e.g. 16; the paper's 100; "
                         "default 0: off)", int, metavar="B")
    r1: float | None = option(None, "γ of the zero-centred penalty on real images, γ/2·E‖∇D(x)‖² (R1, Mescheder et al. "
                              "2018; default 0: off, r3gan's own)", float)
    r2: float | None = option(None, "γ of the same penalty on generated images, γ/2·E‖∇D(G(z))‖² (R2, as R3GAN; "
                              "default 0: off)", float)
    loss: str = option("family", "the adversarial loss: family (its own, default), bce, ls, hinge, or rpgan (relativistic "
                       "pairing, softplus(−(D(x) − D(G(z)))), Jolicoeur-Martineau 2019; R3GAN)", str,
                       choices=LOSS_CHOICES)
    feature_matching: float = option(0.0, "λ of feature matching in G's loss, ‖E f(x) − E f(G(z))‖², f D's last "
                                     "features (Salimans et al. 2016; 0: off)", float)
    ema: float | None = option(None, "keep an exponential moving average of G with this decay (e.g. 0.999) "
                               "and sample from it; 0: off", float)
    lr_decay: str | None = option(None, "learning-rate schedule: none; linear (constant until --decay-start, then "
                           "linearly to 0 at --steps, as CycleGAN); or anneal (R3GAN's: from --decay-start to --steps "
                           "on a half cosine, the lr to 1/4, γ of --r1/--r2 to 1/10, Adam β2 up to 0.99)", str,
                           choices=("none", "linear", "anneal"))
    decay_start: int | None = option(None, "the step after which the learning rates fall: to 0 at --steps with "
                                     "--lr-decay linear, to 1/4 with anneal (default: the family's, else half of "
                                     "--steps); SRGAN: ×0.1 (default 1000 steps into the adversarial phase). Kept "
                                     "when a run is resumed with more --steps; a resumed run may take a new decay "
                                     "that starts at or after its step", int)
    seed: int = option(0, "random seed: same seed, same run", int)
    deterministic: bool = option(False, "deterministic kernels (slower on GPU)")
    device: str = option("auto", "auto (cuda > mps > cpu), cpu, cuda, cuda:N or mps", str)
    precision: str = option("auto", "auto: bf16 autocast on CUDA GPUs that support it, fp32 elsewhere", str,
                            choices=("auto", "fp32", "bf16"))
    compile: str = option("auto", "torch.compile the training step (auto: on CUDA where no CUDA graph replays the "
                          "step, i.e. under torchrun; never with a gradient penalty)", str,
                          choices=("auto", "on", "off"))
    cuda_graph: str = option("auto", "capture the whole training step once and replay it as a CUDA graph (auto: "
                             "on CUDA, single process, except with a gradient penalty, spectral norm or a "
                             "learning-rate schedule)", str, choices=("auto", "off"))
    sample_every: int = option(100, "steps between sample-grid snapshots", int)
    checkpoint_every: int = option(1000, "steps between checkpoints (last/best/step_N)", int)
    keep_every: bool = option(True, "keep step_XXXXXXX checkpoints besides last/best", cli=False)
    log_window_s: float = option(0.1, "stats are averaged and yielded about this often (seconds)", float,
                                 cli=False)
    eval_every: int | None = option(None, "steps between domain scores (FID, precision/recall, label/code "
                                    "accuracy), computed in the background; they pick the `best` checkpoint "
                                    "(0: off; default 1000 on image data, off on 2D sets; a folder without classes is scored in features "
                                    "learnt on its own images)", int)
    eval_samples: int | None = option(None, "fakes and real images per evaluation (default 2000)", int)
    tensorboard: bool = option(False, "also write TensorBoard events (needs tensorboard)")

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "TrainConfig":
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(d) - known)
        if unknown:
            raise ConfigError(f"unknown config keys: {', '.join(unknown)}")
        return cls(**d)

    @classmethod
    def from_stored(cls, d: dict) -> "TrainConfig":
        """A config read back from a checkpoint or run folder (``stored_fields``)."""
        return cls.from_dict(stored_fields(d))


def stored_fields(d: dict) -> dict:
    """A stored config's fields as they read today. One written before its family had network variants (no
    ``arch``, or ``arch`` null) means the design the family was built with then (``Family.legacy_arch``)."""
    if "lr_q" not in d and (d.get("cat_codes") or d.get("cont_codes")):
        d = {**d, "lr_q": d.get("lr_d")}  # before lr_q, Q learned in D's optimizer at D's rate
    if "ortho_weight" not in d:
        d = {**d, "ortho_weight": 0.0}  # runs from before BigGAN had no orthogonal regularisation
    if "decay_start" not in d and isinstance(d.get("steps"), int):  # before it was stored: the old rules
        if d.get("lr_decay") == "linear":
            d = {**d, "decay_start": d["steps"] // 2}
        elif isinstance(d.get("pretrain_steps"), int):  # SRGAN: ×0.1 halfway through the adversarial phase
            d = {**d, "decay_start": d["pretrain_steps"] + (d["steps"] - d["pretrain_steps"]) // 2}
    for key in ("l1_weight", "cycle_weight"):  # nor, from before Pix2Pix and CycleGAN, these terms
        if key not in d:
            d = {**d, key: 0.0}
    if d.get("arch") is not None:
        return d
    from .models import MODELS

    family = MODELS.get(d.get("model")) if isinstance(d.get("model"), str) else None
    return {**d, "arch": family.legacy_arch if family is not None else None}


def default(key: str):
    """The default of a TrainConfig field (what a blank field in the New Run dialog means)."""
    return TrainConfig.__dataclass_fields__[key].default


def quick_start() -> dict:
    """What Quick start trains, and `ganstudio train` with no flags: every field at its default, so DCGAN on its own
    data (``digits``) with the recipe its family tuned there (``trainers/models/dcgan.py``, ``recipes``)."""
    return {"model": default("model"), "steps": default("steps")}


def cli_options() -> list[tuple[str, dataclasses.Field]]:
    """(``--flag-name``, field) of every field the command line offers, in declaration order."""
    return [("--" + f.name.replace("_", "-"), f) for f in dataclasses.fields(TrainConfig) if f.metadata.get("cli")]


EVAL_EVERY = 1000  # default evaluation interval on labelled image datasets
EVAL_SAMPLES = 2000

# Fields that define the networks: a resumed run or a loaded checkpoint must agree on these.
ARCH_FIELDS = ("model", "arch", "image_size", "channels", "z_dim", "width", "cat_codes", "cont_codes", "scale",
               "mapping_depth")
# Fields a resumed run must keep to continue the same trajectory.
RECIPE_FIELDS = ("data", "data_b", "data_limit", "batch_size", "lr_g", "lr_d", "beta1", "beta2", "n_critic", "clip",
                 "gp_weight", "g_loss", "info_weight", "cont_weight", "lr_q", "ortho_weight", "l1_weight", "cycle_weight",
                 "ema", "lr_decay", "seed", "pretrain_steps", "adv_weight", "content", "phase_images", "phase_ratio",
                 "mixing", "r1_gamma", "pl_weight", "decay_start", "crop", "augment", "ada_target", "pack", "mbstd",
                 "mbdisc", "r1", "r2", "loss", "feature_matching")
# Fields a resumed run takes from the command line when given (None: as the run was), saying so.
RESUME_SETTABLE = ("sample_every", "checkpoint_every")


def resolve(cfg: TrainConfig) -> TrainConfig:
    """Fill defaults from the model recipe and the dataset, then validate. Raises ConfigError with one line."""
    from .catalog import DATASETS as NAMED_DATASETS  # anything else is a folder
    from .data import native_shape
    from .errors import DataError
    from .models import MODELS

    if cfg.model not in MODELS:
        raise ConfigError(f"unknown model {cfg.model!r}: choose one of {', '.join(MODELS)}", field='model')
    spec = MODELS[cfg.model]
    r = dataclasses.replace(cfg)
    if r.data is None:  # the family's own data (and, for a two-domain family, its second domain)
        r.data = spec.data
    if r.data_b is None and spec.batches == "unpaired" and r.data == spec.data:
        r.data_b = spec.data_b
    cfg = dataclasses.replace(cfg, data=r.data)  # the messages below name the data trained on
    try:
        info = native_shape(r.data)
    except DataError as exc:
        raise ConfigError(str(exc), field='data') from None
    for key, value in spec.recipe_for(r.data, info).items():
        if getattr(r, key) is None:
            setattr(r, key, value)
    if r.width is None:
        r.width = 64
    if r.g_loss is None:
        r.g_loss = "nonsaturating"
    if r.lr_decay is None:
        r.lr_decay = "none"
    r.crop = r.crop or "centre"
    r.augment = r.augment or "none"
    if r.augment == "ada" and r.ada_target is None:
        r.ada_target = 0.6
    for key in ("clip", "gp_weight", "cat_codes", "cont_codes", "info_weight", "cont_weight", "ortho_weight",
                "l1_weight", "cycle_weight", "ema"):
        if getattr(r, key) is None:
            setattr(r, key, 0 if key in ("cat_codes", "cont_codes") else 0.0)
    if r.lr_q is None:
        r.lr_q = r.lr_g if spec.info else 0.0

    owners = {k: f.title.split(":")[0] for f in MODELS.values() for k in f.fields}  # a family's own settings
    for key, whose in owners.items():
        if getattr(cfg, key) is not None and key not in spec.defaults:
            raise ConfigError(f"--{key.replace('_', '-')} is {whose}'s; {cfg.model} does not use it: leave it out",
                              field=key)
    if spec.settle is not None:  # what a family derives from other settings (SRGAN: its lr drop)
        spec.settle(r)
    if r.lr_decay in ("linear", "anneal") and r.decay_start is None and isinstance(r.steps, int):
        r.decay_start = r.steps // 2  # stored: a resumed run with more --steps keeps it
    if cfg.decay_start is not None and r.lr_decay not in ("linear", "anneal") and spec.settle is None:
        raise ConfigError(f"--decay-start is where a learning-rate decay starts; {cfg.model} has none here: add "
                          "--lr-decay linear (or anneal), or leave --decay-start out", field='decay_start')
    if not spec.options.get("superres"):
        given = [k for k in ("scale", "pretrain_steps", "adv_weight", "content") if getattr(cfg, k) is not None]
        if given:
            flags = ", ".join("--" + k.replace("_", "-") for k in given)
            raise ConfigError(f"{flags}: super-resolution settings (srgan's); {cfg.model} does not use them, leave "
                              f"{'it' if len(given) == 1 else 'them'} out", field=given[0])
    is_image = info.kind == "image"
    # (a resolved points config stores 0: no image side)
    if is_image and cfg.image_size is not None and (isinstance(cfg.image_size, bool)
                                                    or not isinstance(cfg.image_size, int) or cfg.image_size < 1):
        raise ConfigError(f"--image-size must be a positive number of pixels, got {cfg.image_size}; leave it "
                          "out for the dataset's own size", field='image_size')
    if is_image:
        r.image_size = r.image_size or spec.size_for(r.data, info) or info.size
        r.channels = r.channels or info.channels
    else:
        r.image_size, r.channels = 0, 0
        if cfg.arch is None and spec.points_arch:
            r.arch = spec.points_arch
        if "points" not in spec.data_kinds:
            points_ok = ", ".join(n for n, f in MODELS.items() if "points" in f.data_kinds and not f.needs_labels)
            raise ConfigError(f"{cfg.model} makes images; the 2D set {cfg.data!r} needs {points_ok}", field='data')
    if spec.needs_labels and info.classes == 0 and info.kind == "points":
        raise ConfigError(f"{cfg.model} is conditional and needs class labels; {cfg.data!r} has none", field='data')
    if spec.needs_labels and info.kind == "image" and info.classes == 0:
        raise ConfigError(f"{cfg.model} is conditional and needs class labels; this folder of images has none: put "
                          "each class's images in a sub-folder named after it (root/<class>/*.png)", field='data')
    if spec.batches == "unpaired":
        if not r.data_b:
            raise ConfigError(f"{cfg.model} learns from two domains: pass the second with --data-b", field='data_b')
        try:
            info_b = native_shape(r.data_b)
        except DataError as exc:
            raise ConfigError(f"--data-b: {exc}", field='data_b') from None
        if info_b.kind != info.kind:
            what = {"image": "images", "points": "a 2D set"}
            raise ConfigError(f"--data-b: the first domain is {what[info.kind]}, {r.data_b!r} is {what[info_b.kind]}: "
                              f"give a second domain of the same kind", field='data_b')
        if r.data_b == r.data:
            raise ConfigError(f"--data-b: the second domain is the first one ({r.data!r}); {cfg.model} learns between "
                              "two different domains, e.g. --data digits-plain --data-b digits-bold", field='data_b')
    elif r.data_b and spec.batches == "pairs" and cfg.data not in NAMED_DATASETS:
        pass  # a folder of inputs and a folder of targets, paired by file name (the family's check says more)
    elif r.data_b:
        two = ", ".join(n for n, f in MODELS.items() if f.batches == "unpaired")
        raise ConfigError(f"--data-b is the second domain of the two-domain families ({two}); {cfg.model} learns from "
                          "one dataset: leave --data-b out", field='data_b')

    # image sets are scored in features of a classifier of their labels, or (a folder without classes) of an encoder
    # learnt on the images themselves (trainers/metrics/selfsup.py)
    # image-to-image and two-domain families are scored by `ganstudio eval` on their own terms, not in training
    translates = bool(spec.options.get("translation")) or spec.batches == "unpaired"
    if r.eval_every is None:
        r.eval_every = EVAL_EVERY if is_image and not translates else 0
    if r.eval_samples is None:
        r.eval_samples = EVAL_SAMPLES
    _check_int(r, "eval_every", 0)
    _check_int(r, "eval_samples", 50, 100_000)
    if r.eval_every and translates:
        raise ConfigError(f"--eval-every: {cfg.model} is scored after training (`ganstudio eval RUN`: against the "
                          f"true translations, or the class agreement of its pairs); use --eval-every 0",
                          field='eval_every')
    if r.eval_every and not is_image:
        raise ConfigError(f"--eval-every: domain scores are for images, not the 2D set {cfg.data!r}; use "
                          "--eval-every 0", field='eval_every')
    check_values(r, cfg, spec, is_image)
    return r
