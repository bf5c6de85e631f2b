"""The value checks of a resolved config (``config.resolve`` calls ``check_values`` last): each wrong value gets
one line that names its flag and what it may be."""

from __future__ import annotations

import math

from .errors import ConfigError

LOSS_CHOICES = ("family", "bce", "ls", "hinge", "rpgan")  # --loss: the family's own, or one of ``losses.LOSSES``
REMEDY_SWITCHES = ("pack", "mbstd", "mbdisc", "r1", "r2", "feature_matching")  # and --loss, offered as "loss:<name>"
MAX_DATA_LIMIT = 10_000_000  # --data-limit beyond this would only ask the embedded sets for terabytes


def check_values(r, cfg, spec, is_image: bool) -> None:
    """Raise ConfigError for the first value of the resolved config ``r`` out of range (``cfg``: as given)."""
    check_int(r, "steps", 1)
    if r.decay_start is not None:
        check_int(r, "decay_start", 0)
    check_int(r, "batch_size", 1, 65536)
    # recipe fields a family does not use (it declares no default for them) may stay None
    for key, lo, hi in (("n_critic", 1, 100), ("z_dim", 1, 4096)):
        if getattr(r, key) is not None or key in spec.defaults:
            check_int(r, key, lo, hi)
    if r.n_critic not in (None, 1) and not spec.repeats_d:
        raise ConfigError(f"--n-critic {r.n_critic}: {cfg.model} updates D once per G update and has no such setting; "
                          "leave it out (or 1)", field='n_critic')
    check_int(r, "width", 4, 1024)
    check_int(r, "sample_every", 1)
    check_int(r, "checkpoint_every", 1)
    check_int(r, "seed", 0, 2 ** 63 - 1)
    if r.data_limit is not None:
        check_int(r, "data_limit", 1, MAX_DATA_LIMIT)
    for key in ("lr_g", "lr_d"):
        v = getattr(r, key)
        if v is None and key not in spec.defaults:
            continue
        if not (isinstance(v, (int, float)) and math.isfinite(v) and 0 < v <= 1):
            raise ConfigError(f"--{key.replace('_', '-')} must be a learning rate in (0, 1], got {v}", field=key)
    for key in ("beta1", "beta2"):
        v = getattr(r, key)
        if v is None and key not in spec.defaults:
            continue
        if not (isinstance(v, (int, float)) and 0 <= v < 1):
            raise ConfigError(f"--{key} must be in [0, 1), got {v}", field=key)
    for key in ("clip", "gp_weight", "info_weight", "cont_weight", "ortho_weight", "l1_weight", "cycle_weight"):
        v = getattr(r, key)
        if not (isinstance(v, (int, float)) and math.isfinite(v) and 0 <= v <= 1e4):
            raise ConfigError(f"--{key.replace('_', '-')} must be a non-negative number, got {v}", field=key)
    if not (isinstance(r.log_window_s, (int, float)) and 0 <= r.log_window_s <= 60):
        raise ConfigError(f"log_window_s must be in [0, 60] seconds, got {r.log_window_s}")
    if r.g_loss not in ("nonsaturating", "minimax"):
        raise ConfigError(f"--g-loss must be nonsaturating or minimax, got {r.g_loss!r}", field='g_loss')
    if spec.info:
        check_int(r, "cat_codes", 0, 1000)
        check_int(r, "cont_codes", 0, 64)
        if not (isinstance(r.lr_q, (int, float)) and math.isfinite(r.lr_q) and 0 < r.lr_q <= 1):
            raise ConfigError(f"--lr-q must be a learning rate in (0, 1], got {r.lr_q}", field='lr_q')
    elif cfg.lr_q:
        raise ConfigError(f"--lr-q is InfoGAN's (the step size of its Q head); {cfg.model} has no Q: leave it out",
                          field='lr_q')
    if not (isinstance(r.ema, (int, float)) and 0 <= r.ema < 1):
        raise ConfigError(f"--ema must be a decay in [0, 1) (e.g. 0.999; 0 turns it off), got {r.ema}", field='ema')
    if r.lr_decay not in ("none", "linear", "anneal"):
        raise ConfigError(f"--lr-decay must be none, linear or anneal, got {r.lr_decay!r}", field='lr_decay')
    if spec.variants:
        if r.arch not in spec.variants:
            raise ConfigError(f"--arch must be one of {', '.join(spec.variants)} for {cfg.model}, got {r.arch!r}",
                              field='arch')
    elif r.arch is not None:
        raise ConfigError(f"--arch: {cfg.model} has one network design; leave --arch out", field='arch')
    if spec.check is not None:
        spec.check(r)
    if is_image:
        if r.channels not in (1, 3):
            raise ConfigError(f"--channels must be 1 or 3, got {r.channels}", field='channels')
        sizes = spec.image_sizes
        if r.image_size not in sizes:
            if isinstance(sizes, range):
                raise ConfigError(f"{cfg.model} (an MLP) makes images of {sizes.start} to {sizes.stop - 1} px, "
                                  f"not {r.image_size}", field='image_size')
            raise ConfigError(f"{cfg.model} makes {', '.join(map(str, sizes))} px images, not "
                              f"{r.image_size}: pass --image-size with one of those", field='image_size')
    if r.crop not in ("centre", "pad", "stretch"):
        raise ConfigError(f"--crop must be centre, pad or stretch, got {r.crop!r}", field='crop')
    if r.augment not in ("none", "diffaugment", "ada"):
        raise ConfigError(f"--augment must be none, diffaugment or ada, got {r.augment!r}", field='augment')
    if r.augment != "none" and not is_image:
        raise ConfigError(f"--augment {r.augment}: augmentation is for images, not the 2D set {r.data!r}",
                          field='augment')
    if r.augment != "none" and not spec.can("augment"):
        takes = "the families that draw images from noise against one D (see `ganstudio list`)"
        raise ConfigError(f"--augment {r.augment}: {cfg.model} takes no augmentation; it is for {takes}",
                          field='augment')
    if r.ada_target is not None:
        if r.augment != "ada":
            raise ConfigError("--ada-target is ADA's; add --augment ada or leave it out", field='ada_target')
        if not (isinstance(r.ada_target, (int, float)) and 0 < r.ada_target < 1):
            raise ConfigError(f"--ada-target must be in (0, 1) (the paper's 0.6), got {r.ada_target}",
                              field='ada_target')
    check_remedies(r, cfg, spec)
    if r.precision not in ("auto", "fp32", "bf16"):
        raise ConfigError(f"--precision must be auto, fp32 or bf16, got {r.precision!r}", field='precision')
    if r.compile not in ("auto", "on", "off"):
        raise ConfigError(f"--compile must be auto, on or off, got {r.compile!r}", field='compile')
    if r.cuda_graph not in ("auto", "off"):
        raise ConfigError(f"--cuda-graph must be auto or off, got {r.cuda_graph!r}", field='cuda_graph')
    if r.device not in ("auto", "cpu", "cuda", "mps") and not r.device.startswith("cuda:"):
        raise ConfigError(f"--device must be auto, cpu, cuda, cuda:N or mps, got {r.device!r}", field='device')


def check_remedies(r, cfg, spec) -> None:
    """--pack, --mbstd, --mbdisc, --r1, --r2, --loss, --feature-matching (``remedies.py``): for the families whose
    algorithm takes them (one G against one D), each within its range."""
    check_int(r, "pack", 1, 16)
    check_int(r, "mbdisc", 0, 1024)
    for key in ("r1", "r2", "feature_matching"):
        v = getattr(r, key)
        if v is not None and not (isinstance(v, (int, float)) and math.isfinite(v) and 0 <= v <= 1e4):
            raise ConfigError(f"--{key.replace('_', '-')} must be a non-negative number, got {v}", field=key)
    if r.loss not in LOSS_CHOICES:
        raise ConfigError(f"--loss must be family, bce, ls, hinge or rpgan, got {r.loss!r}", field='loss')
    used = [k for k, on in (("pack", r.pack > 1), ("mbstd", r.mbstd), ("mbdisc", r.mbdisc > 0),
                            ("r1", (r.r1 or 0) > 0 and "r1" not in spec.defaults),
                            ("r2", (r.r2 or 0) > 0 and "r2" not in spec.defaults), ("loss", r.loss != "family"),
                            ("feature_matching", r.feature_matching > 0)) if on]
    takes, offer = getattr(spec.algorithm_class, "remedies", False), remedies_offered(spec)
    if r.pack > 1 and takes is True and "pack" not in offer:
        raise ConfigError(f"--pack {r.pack}: {cfg.model}'s D reads a class or code of each sample; packing is for "
                          "unconditional families", field='pack')
    used = [k for k in used if (f"loss:{r.loss}" if k == "loss" else k) not in offer]
    if used and offer:
        allowed = ", ".join("--" + t.replace(":", " ").replace("_", "-") for t in sorted(offer))
        raise ConfigError(f"--{used[0].replace('_', '-')}{' ' + r.loss if used[0] == 'loss' else ''}: {cfg.model} "
                          f"trains its own way and takes only {allowed} of the remedies", field=used[0])
    if used:
        raise ConfigError(f"--{used[0].replace('_', '-')}: {cfg.model} trains its own way and takes none of the "
                          "remedies (--pack, --mbstd, --mbdisc, --r1, --r2, --loss, --feature-matching); they are for "
                          "the families one G trains against one D with (see `ganstudio list`)", field=used[0])
    if r.pack > 1:
        if r.batch_size % r.pack:
            raise ConfigError(f"--pack {r.pack}: the batch ({r.batch_size}) must be a multiple of it, as D judges "
                              f"{r.pack} samples at once", field='pack')


def remedies_offered(spec) -> frozenset[str]:
    """The remedies a family takes, asked of its algorithm (``remedies``: True for all, a set for some, none when
    absent): the switches of ``REMEDY_SWITCHES`` and ``loss:<name>`` for each --loss it trains with. Packing is only
    for unconditional families (a D that reads each sample's class or code cannot judge k at once). The command line's
    check and the New Run dialog's Remedies row both read it."""
    takes = getattr(spec.algorithm_class, "remedies", False)
    if takes is not True:
        return frozenset(takes or ())
    every = set(REMEDY_SWITCHES) | {f"loss:{name}" for name in LOSS_CHOICES if name != "family"}
    if spec.needs_labels or spec.can("codes"):
        every.discard("pack")
    return frozenset(every)


def check_int(r, key: str, lo: int, hi: int | None = None) -> None:
    v = getattr(r, key)
    if isinstance(v, bool) or not isinstance(v, int) or v < lo or (hi is not None and v > hi):
        rng = f"≥ {lo}" if hi is None else f"in [{lo}, {hi}]"
        raise ConfigError(f"--{key.replace('_', '-')} must be an integer {rng}, got {v}", field=key)
