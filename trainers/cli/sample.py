"""`ganstudio sample`: a grid from a checkpoint; translating models show input | output | target, upscaling ones LR | bicubic | SRGAN (| SRResNet | HR).
`--out DIR/` or `--out x.npz` writes the samples as files instead, for FID tools (``trainers/samplefiles.py``)."""

from __future__ import annotations

import argparse
from pathlib import Path

NAME = "sample"
HELP = "render a grid of samples from a checkpoint, or write them as files (a folder of PNGs, a .npz)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("ckpt", help="a .safetensors checkpoint or a run folder")
    p.add_argument("--n", type=int, default=64, help="how many samples (a grid: up to 4096; files: up to 1,000,000)")
    p.add_argument("--out", default="samples.png",
                   help="a grid image: .png (default samples.png), .jpg or .webp. Samples as files, for FID tools "
                        "(torch-fidelity, clean-fid, pytorch-fid, the TF evaluator): a folder (DIR/, an existing "
                        "folder, or a name with no suffix) gets one PNG per sample, 000000.png ... (grey models "
                        "stay grey), into an empty or new folder; x.npz gets one uint8 array (N, H, W, 3) under "
                        "arr_0 (grey repeated into 3 channels). Up to 4096, file i is tile i of the grid of the "
                        "same --n and --seed")
    p.add_argument("--quiet", action="store_true", help="no progress bar (samples as files)")
    p.add_argument("--label", help="class index or name (conditional models)")
    p.add_argument("--code", action="append", default=[], metavar="NAME=VALUE", help="fix an InfoGAN code")
    p.add_argument("--direction", action="append", default=[], metavar="NAME=STEPS",
                   help="move every sample STEPS σ along a named direction stored beside the checkpoint (`ganstudio "
                        "directions CKPT` finds them), e.g. --direction width=2; repeatable (a grid only)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--nrow", type=int, help="images per row (default: square)")
    p.add_argument("--truncation", type=float, metavar="PSI",
                   help="draw z from a normal truncated to ±PSI (BigGAN's trick: smaller is cleaner but less varied)")
    p.add_argument("--input", action="append", default=[], metavar="IMAGE",
                   help="translating models (pix2pix): translate this image file (repeatable); without it, --n "
                        "held-out inputs of the model's paired set, as input | output | true target")


# --out suffix → the format written (the bytes follow the name the user gave)
IMAGE_FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".webp": "WEBP"}


def run(args) -> int:
    from ..errors import ConfigError
    from ..generator import load_generator
    from ..images import save_png, scatter_image, to_uint8_grid
    from ..samplefiles import MAX_SAMPLES, output_kind

    import math

    files = output_kind(args.out)
    if files is not None and not 1 <= args.n <= MAX_SAMPLES:
        raise ConfigError(f"--n must be in 1..{MAX_SAMPLES} for samples as files, got {args.n}")
    if files is None and not 1 <= args.n <= 4096:
        raise ConfigError(f"--n must be in 1..4096 for a grid, got {args.n} (for more, write files: --out DIR/ "
                          "or --out samples.npz)")
    if args.nrow is not None and not 1 <= args.nrow <= 4096:
        raise ConfigError(f"--nrow must be in 1..4096, got {args.nrow}")
    if not 0 <= args.seed < 2 ** 63:
        raise ConfigError(f"--seed must be in 0..2**63-1, got {args.seed}")
    if args.truncation is not None and not (math.isfinite(args.truncation) and args.truncation >= 0):
        raise ConfigError(f"--truncation must be a number ≥ 0 (e.g. 0.5; leave it out for untruncated z), "
                          f"got {args.truncation}")
    fmt = IMAGE_FORMATS.get(Path(args.out).suffix.lower())
    if fmt is None and files is None:
        raise ConfigError(f"--out {args.out}: give a .png, .jpg or .webp file name (a grid), or a folder (end it "
                          "with /) or a .npz file name (samples as files)")
    codes = {}
    for item in args.code:
        name, sep, value = item.partition("=")
        try:
            codes[name.strip()] = float(value)
        except ValueError:
            sep = ""
        if not sep:
            raise ConfigError(f"--code {item!r}: write NAME=VALUE, e.g. --code c1=0.5")
        if not math.isfinite(codes[name.strip()]):
            raise ConfigError(f"--code {item!r}: the value must be a finite number")
    gen = load_generator(args.ckpt)
    if args.direction and (files is not None or gen.translates or gen.can("pair-samples")):
        raise ConfigError("--direction moves the samples of a grid drawn from noise: give --out FILE.png, with a "
                          "model that draws one image per z")
    if files is not None:
        if args.input:
            raise ConfigError("--input translates your own images into a grid: give --out FILE.png with it (a "
                              "folder or .npz is for models that draw from noise)")
        return _files(gen, args, codes)
    if gen.can("superres"):
        return _upscale(gen, args, fmt)
    if gen.translates:
        return _translate(gen, args, fmt)
    if args.input:
        raise ConfigError(f"--input is for models that translate images (pix2pix); this one is "
                          f"{gen.meta['model']['family']}")
    latent = gen.latent(args.n, args.seed, args.label, codes, truncation=args.truncation)
    pairs = gen.can("pair-samples")  # each z draws a pair: A next to B
    if pairs:
        import torch

        with torch.no_grad():
            a, b = gen.G.body.pair(gen.layout.flatten(latent, torch.float32).to(gen.device))
        images = torch.stack([a.float().cpu(), b.float().cpu()], 1).flatten(0, 1)
    elif args.direction:
        from ..directions_file import parse_moves, render_moved, stored_directions

        ds = stored_directions(gen)
        if ds is None:
            raise ConfigError(f"{gen.path.name}: no directions stored yet; find them first with `ganstudio directions "
                              f"{args.ckpt}`")
        images = render_moved(gen, latent, parse_moves(ds, args.direction))
    else:
        images = gen.render(latent)
    if images.dim() == 4:
        nrow = (args.nrow or max(1, int(round(args.n ** 0.5)))) * (2 if pairs else 1)
        array = to_uint8_grid(images, nrow)
    else:
        array = scatter_image(images.numpy())
    try:
        path = save_png(array, args.out, fmt)
    except OSError as exc:
        raise ConfigError(f"cannot write {args.out} ({exc.strerror or exc}); choose another --out") from None
    print(f"wrote {path} ({array.shape[1]}x{array.shape[0]} px, {args.n} samples, step {gen.meta['step']})")
    return 0


def _files(gen, args, codes: dict) -> int:
    """``sample --out DIR/`` or ``--out x.npz``: every sample as a file, a tqdm bar on stderr unless --quiet."""
    import sys

    from ..samplefiles import write_samples

    bar = None

    def progress(_stage: str, done: int, total: int) -> None:
        nonlocal bar
        if bar is None:  # made at the first report: after the checks, so that an error line stands alone
            from tqdm import tqdm

            bar = tqdm(total=total, unit="img", desc="writing samples", file=sys.stderr, dynamic_ncols=True,
                       leave=False)
        bar.update(done - bar.n)

    try:
        done = write_samples(gen, args.out, args.n, args.seed, args.label, codes, truncation=args.truncation,
                             progress=None if args.quiet else progress)
    finally:
        if bar is not None:
            bar.close()
    print(f"wrote {done.describe()}, step {gen.meta['step']}")
    return 0


def _translate(gen, args, fmt) -> int:
    """``sample`` for a translating model: each input next to its translation (and, for held-out pairs, the
    true target)."""

    from ..metrics.translation import held_out

    c, size = gen.layout.of_kind("image")[0].shape[:2]
    if args.input:
        x = _read_inputs(args.input, size, c)
        parts, what = [x, gen.translate(x)], "input | output"
    else:
        x, y, _, _ = held_out(gen.meta, args.n)
        parts, what = [x, gen.translate(x), y], "input | output | true target"
    path, array = _save_strips(parts, args, fmt)
    print(f"wrote {path} ({array.shape[1]}x{array.shape[0]} px, {len(x)} translations as {what}, "
          f"step {gen.meta['step']})")
    return 0


def _save_strips(parts: list, args, fmt):
    """Write each input's images (``parts``: one batch per column kind) side by side, about √N inputs to a row, to
    ``--out``; (path, the uint8 grid), or a ConfigError when the file cannot be written."""
    import torch

    from ..errors import ConfigError
    from ..images import save_png, to_uint8_grid

    images = torch.stack(parts, 1).flatten(0, 1)
    per_row = args.nrow or max(1, int(round(len(parts[0]) ** 0.5)))
    array = to_uint8_grid(images, len(parts) * per_row)
    try:
        return save_png(array, args.out, fmt), array
    except OSError as exc:
        raise ConfigError(f"cannot write {args.out} ({exc.strerror or exc}); choose another --out") from None


def _read_inputs(files: list[str], size: int, channels: int):
    """``--input`` image files as a batch in model range (N, C, size, size), or a ConfigError naming the file."""
    import numpy as np
    import torch

    from ..data.real import image_errors, read_image
    from ..errors import ConfigError

    arrays = []
    for f in files:
        try:
            arrays.append(read_image(f, size, channels))
        except FileNotFoundError:
            raise ConfigError(f"--input {f}: no such file") from None
        except image_errors() as exc:
            raise ConfigError(f"--input {f}: not a readable image ({type(exc).__name__}); give a PNG or "
                              "JPEG file") from None
    return torch.from_numpy(np.stack(arrays)).float() / 127.5 - 1


def _upscale(gen, args, fmt) -> int:
    """``sample`` for a super-resolution model: each low-resolution input (shown ×f, nearest) | bicubic | SRGAN,
    and for held-out images (no --input) also the run's SRResNet and the true high-resolution image."""
    import torch.nn.functional as F

    from ..metrics.superres import held_out, upscale_all
    from ..images import bicubic

    c, size = gen.layout.of_kind("image")[0].shape[:2]
    scale = int(gen.meta["config"]["scale"])
    if args.input:
        low = _read_inputs(args.input, size, c)  # at the model's input size: this is what gets upscaled
        parts, what = [F.interpolate(low, scale_factor=scale, mode="nearest"), bicubic(low, scale),
                       gen.translate(low)], f"input ({size} px, shown ×{scale}) | bicubic | SRGAN"
    else:
        hr, _, _, _ = held_out(gen.meta, args.n)
        low, outs = upscale_all(gen, hr)
        parts = [F.interpolate(low, scale_factor=scale, mode="nearest"), outs["bicubic"]]
        what = "input | bicubic | "
        if "srresnet" in outs:
            parts.append(outs["srresnet"])
            what += "SRResNet | "
        parts += [outs["srgan"], hr]
        what += "SRGAN | true image"
    path, array = _save_strips(parts, args, fmt)
    print(f"wrote {path} ({array.shape[1]}x{array.shape[0]} px, {len(low)} upscales ×{scale} as {what}, "
          f"step {gen.meta['step']})")
    return 0
