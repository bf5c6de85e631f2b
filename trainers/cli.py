"""Command line: ``ganstudio train|sample|info|list`` and ``python -m trainers ...``. Never imports Qt."""

from __future__ import annotations

import argparse
import gc
import json
import os
import signal
import sys
import time
from pathlib import Path

from .config import TrainConfig
from .errors import ConfigError, GanStudioError

EXIT_USAGE = 2


def _parser(prog: str) -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog=prog, description="GAN Studio: train GANs and take their generators apart.",
        epilog=f"`{prog}` alone opens the desktop app; `{prog} RUN_DIR ...` opens those run folders in it."
        if prog == "ganstudio" else None)
    sub = ap.add_subparsers(dest="command", metavar="{train,sample,info,eval,invert,text,list}")

    t = sub.add_parser("train", help="train a model headless, with a progress bar")
    t.add_argument("--resume", action="store_true", help="continue the run in --out from its last checkpoint")
    t.add_argument("--quiet", action="store_true", help="no progress bar")
    _add_config_options(t)

    s = sub.add_parser("sample", help="render a grid of samples from a checkpoint")
    s.add_argument("ckpt", help="a .safetensors checkpoint or a run folder")
    s.add_argument("--n", type=int, default=64)
    s.add_argument("--out", default="samples.png", help="image to write: .png (default samples.png), .jpg or .webp")
    s.add_argument("--label", help="class index or name (conditional models)")
    s.add_argument("--code", action="append", default=[], metavar="NAME=VALUE", help="fix an InfoGAN code")
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--nrow", type=int, help="images per row (default: square)")
    s.add_argument("--truncation", type=float, metavar="PSI",
                   help="draw z from a normal truncated to ±PSI (BigGAN's trick: smaller is cleaner but less varied)")
    s.add_argument("--input", action="append", default=[], metavar="IMAGE",
                   help="translating models (pix2pix): translate this image file (repeatable); without it, --n "
                        "held-out inputs of the model's paired set, as input | output | true target")

    i = sub.add_parser("info", help="what a checkpoint holds: family, size, classes, codes, step, dataset")
    i.add_argument("ckpt")
    i.add_argument("--json", action="store_true")

    e = sub.add_parser("eval", help="domain FID, KID, precision/recall, IS, class coverage, label and code "
                       "accuracy of a checkpoint, next to the real-vs-real floor")
    e.add_argument("ckpt", help="a .safetensors checkpoint or a run folder (→ its last checkpoint)")
    e.add_argument("--json", action="store_true", help="print the result as JSON (schema ganstudio-eval/1)")
    e.add_argument("--n", type=int, help="fakes and real images per set (default 5000, 2000 per ψ with "
                   "--truncation-sweep; capped at half the dataset)")
    e.add_argument("--data-root", help="where the model's dataset lives, if not where it was trained")
    e.add_argument("--device", default="auto", help="auto (cuda > mps > cpu), cpu, cuda, cuda:N or mps")
    e.add_argument("--quiet", action="store_true", help="no progress bars")
    e.add_argument("--truncation-sweep", action="store_true",
                   help="BigGAN's truncation curve: label accuracy, precision, recall and domain FID with z truncated "
                        "to ±ψ for ψ from untruncated to 0 (default --n 2000 per ψ)")

    v = sub.add_parser("invert", help="find the latent a generator draws an image from; write it as a latent file "
                       "the explorer opens (Ctrl+Shift+O)")
    v.add_argument("ckpt", help="a .safetensors checkpoint or a run folder")
    v.add_argument("image", help="a PNG or JPEG (centre-cropped and resized to the model's size)")
    v.add_argument("--out", required=True, help="latent file to write (.json)")
    v.add_argument("--recon", help="also write the reconstruction beside the target as a PNG")
    v.add_argument("--steps", type=int, default=300, help="optimisation steps (default 300)")
    v.add_argument("--restarts", type=int, default=8, help="random starts optimised side by side (default 8)")
    v.add_argument("--seed", type=int, default=0)
    v.add_argument("--quiet", action="store_true", help="no progress bar")

    x = sub.add_parser("text", help="TediGAN on a StyleGAN of the digits: draw digits from words, or edit one with "
                       "words (the text model is trained on first use, a few minutes, and kept beside the checkpoint)")
    x.add_argument("ckpt", help="a stylegan checkpoint trained on digits, or its run folder")
    x.add_argument("prompt", nargs="?", help='what to draw, e.g. "a thick slanted seven"')
    x.add_argument("--out", default="text.png", help="image to write (default text.png)")
    x.add_argument("--n", type=int, default=8, help="images to draw (default 8)")
    x.add_argument("--seed", type=int, default=0)
    x.add_argument("--steps", type=int, default=40, help="instance-level optimisation steps (default 40; 0: the "
                   "text mapper's start alone)")
    x.add_argument("--edit", metavar="IMAGE", help="edit this image (projected into W+ first) instead of drawing")
    x.add_argument("--edit-seed", type=int, metavar="S", help="edit the generator's sample of seed S")
    x.add_argument("--image-weight", type=float, default=2.0, help="edits: how strongly the image is kept "
                   "(default 2)")
    x.add_argument("--trajectory", action="store_true", help="write the optimisation's path, one row per image")
    x.add_argument("--train", action="store_true", help="train the text model again, even if there is one")
    x.add_argument("--eval", action="store_true", help="measure the text model: attribute accuracy of drawings on "
                   "held-out captions, retrieval, edits")
    x.add_argument("--json", action="store_true", help="with --eval: print the figures as JSON")
    x.add_argument("--quiet", action="store_true", help="no progress bars")

    sub.add_parser("list", help="models and datasets")
    return ap


def _add_config_options(p: argparse.ArgumentParser) -> None:
    """One option per TrainConfig field (``config.cli_options``): its help, type, choices and default are the
    config's own, so the command line, the New Run dialog and the trainer cannot disagree. Options left out
    are None here and take the config's default (or, with --resume, what the run was trained with)."""
    from .config import cli_options

    for flag, f in cli_options():
        meta = f.metadata
        helptext = meta["help"]
        if f.default not in (None, False) and "default" not in helptext:
            helptext += f" (default {f.default})"
        if meta["kind"] is None:  # a bool field: a flag
            p.add_argument(flag, dest=f.name, action="store_true", default=None, help=helptext)
            continue
        p.add_argument(flag, dest=f.name, type=meta["kind"], choices=meta["choices"], default=None,
                       help=helptext,
                       metavar=meta["metavar"] or {int: "N", float: "X"}.get(meta["kind"]))


def main(argv: list[str] | None = None, prog: str = "ganstudio") -> int:
    ap = _parser(prog)
    args = ap.parse_args(argv)
    if args.command is None:
        ap.print_help()
        return EXIT_USAGE
    try:
        return {"train": _train, "sample": _sample, "info": _info, "eval": _eval, "invert": _invert, "text": _text,
                "list": _list}[args.command](args)
    except GanStudioError as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # `ganstudio list | head`: the reader has all it wanted
        if args.command != "list":
            raise
        sys.stdout = open(os.devnull, "w")  # nothing more to say, and no complaint at exit
        return 0


def train_config(args) -> TrainConfig:
    """The TrainConfig ``ganstudio train`` options ask for: the options given, every other field None or its
    default, so the family settles the rest exactly as it does for New Run (``config.resolve``). Without --out a new
    folder under ./runs, named as Quick start and New Run name theirs."""
    from .config import ARCH_FIELDS, RECIPE_FIELDS, RESUME_SETTABLE, cli_options
    from .distributed import env_rank, env_world_size

    given = {f.name: getattr(args, f.name) for _, f in cli_options() if getattr(args, f.name) is not None}
    if args.resume:  # options left out mean "as the run was"
        if "out" not in given:
            raise ConfigError("--resume continues the run in --out: name its folder, e.g. --out runs/dcgan-digits-1")
        given = {**{k: None for k in ARCH_FIELDS + RECIPE_FIELDS + RESUME_SETTABLE}, **given}
    if "out" not in given and env_world_size() > 1:
        raise ConfigError("under torchrun every process must write the same run: name its folder with --out")
    if "out" not in given:
        given["out"] = str(default_out(TrainConfig(**given)))
        if env_rank() == 0:
            print(f"run folder: {given['out']} (--out names another)", file=sys.stderr)
    return TrainConfig(**given)


def _train(args) -> int:
    from .distributed import env_rank
    from .loop import train

    run = train(train_config(args), resume=args.resume)
    # under torchrun, rank 0 speaks for the run; the others only report errors
    from .console import Console, RankErrors

    status = _drive(run, Console(args.quiet) if env_rank() == 0 else RankErrors(run))
    # free the run now: under torchrun its DDP wrappers hold Gloo's process group, and one freed during interpreter
    # shutdown aborted a worker after a finished run ("terminate called without an active exception", 3 runs in 60
    # of a 3-step ProGAN; none in 80 since). The run and its generator hold each other: only the cycle collector
    # frees them
    del run
    gc.collect()
    return status


def default_out(cfg: TrainConfig, root: str = "runs") -> Path:
    """Where a run without --out goes: ``runs/<model>-<data>-N``, the data being what the family trains on (under
    torchrun --out is required: each process would pick its own free N)."""
    from .config import resolve
    from .runfolder import new_run_dir

    r = resolve(cfg)
    return new_run_dir(root, r.model, r.data, r.data_b)


def _drive(run, show) -> int:
    """Run a training generator to its end from the command line; ``show`` prints what is worth printing.

    Exit status: 0, or 1 after an error or a NaN/out-of-memory pause (nobody is here to resume it: the run
    stops, and a NaN model is not saved), or 128 + the signal after Ctrl+C (130), SIGTERM (143: what `timeout`,
    docker, systemd and SLURM send) or SIGHUP (129: the terminal closed): the run stops with a final
    checkpoint; a second signal quits at once."""
    from .events import Command, Finished, Message, Paused

    interrupted: list[tuple[float, int]] = []
    handler = _stop_handler(interrupted)
    old_handlers = {sig: signal.signal(sig, handler) for sig in STOP_SIGNALS}
    status = 0
    stop_sent = False
    try:
        event = next(run)
        while True:
            cmd = None
            show(event)
            if isinstance(event, Finished):
                return status
            if isinstance(event, Message) and event.level == "error":
                status = 1
            elif isinstance(event, Paused) and event.reason != "user":
                status, cmd = 1, Command.STOP
            if interrupted and not stop_sent:
                signum = interrupted[0][1]
                what = "interrupted" if signum == signal.SIGINT else f"{signal.Signals(signum).name} received"
                show.note(f"{what}: writing a final checkpoint (Ctrl+C again to quit at once) ...")
                cmd, status = Command.STOP, 128 + signum
            stop_sent = stop_sent or cmd is Command.STOP
            event = run.send(cmd)
    except KeyboardInterrupt:
        return 128 + (interrupted[0][1] if interrupted else signal.SIGINT)
    finally:
        run.close()  # the run's own cleanup (queued writes, the evaluator, leaving the process group) now
        for sig, old in old_handlers.items():
            signal.signal(sig, old)
        show.close()


# Signals that stop a run the way Ctrl+C does: a final checkpoint, then exit 128 + signal.
STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))


def _stop_handler(interrupted: list[tuple[float, int]]):
    """First stop signal: note it (the loop stops with a final checkpoint); a second one: give up at once.

    Under torchrun a terminal's Ctrl+C (or a job scheduler's SIGTERM) reaches each worker twice, directly and
    forwarded by torchrun, so a repeat within 2 s counts as the same one.
    """
    from .distributed import env_world_size

    def on_signal(signum, frame):
        now = time.monotonic()
        if interrupted and not (env_world_size() > 1 and now - interrupted[0][0] < 2.0):
            raise KeyboardInterrupt
        if not interrupted:
            interrupted.append((now, signum))

    return on_signal


# --out suffix → the format written (the bytes follow the name the user gave)
IMAGE_FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".webp": "WEBP"}


def _sample(args) -> int:
    from .errors import ConfigError
    from .generator import load_generator
    from .images import save_png, scatter_image, to_uint8_grid

    import math

    if not 1 <= args.n <= 4096:
        raise ConfigError(f"--n must be in 1..4096, got {args.n}")
    if args.nrow is not None and not 1 <= args.nrow <= 4096:
        raise ConfigError(f"--nrow must be in 1..4096, got {args.nrow}")
    if not 0 <= args.seed < 2 ** 63:
        raise ConfigError(f"--seed must be in 0..2**63-1, got {args.seed}")
    if args.truncation is not None and not (math.isfinite(args.truncation) and args.truncation >= 0):
        raise ConfigError(f"--truncation must be a number ≥ 0 (e.g. 0.5; leave it out for untruncated z), "
                          f"got {args.truncation}")
    fmt = IMAGE_FORMATS.get(Path(args.out).suffix.lower())
    if fmt is None:
        raise ConfigError(f"--out {args.out}: give a .png, .jpg or .webp file name")
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
    if gen.meta["model"].get("family") == "srgan":
        return _upscale(gen, args, fmt)
    if gen.translates:
        return _translate(gen, args, fmt)
    if args.input:
        raise ConfigError(f"--input is for models that translate images (pix2pix); this one is "
                          f"{gen.meta['model']['family']}")
    latent = gen.latent(args.n, args.seed, args.label, codes, truncation=args.truncation)
    pairs = gen.meta["model"]["family"] == "cogan"  # each z draws a pair: A next to B
    if pairs:
        import torch

        with torch.no_grad():
            a, b = gen.G.body.pair(gen.layout.flatten(latent, torch.float32).to(gen.device))
        images = torch.stack([a.float().cpu(), b.float().cpu()], 1).flatten(0, 1)
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


def _translate(gen, args, fmt) -> int:
    """``sample`` for a translating model: each input next to its translation (and, for held-out pairs, the
    true target)."""

    from .metrics.translation import held_out

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

    from .errors import ConfigError
    from .images import save_png, to_uint8_grid

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

    from .data.real import image_errors, read_image
    from .errors import ConfigError

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

    from .metrics.superres import held_out, upscale_all
    from .models.srgan import bicubic

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


def _info(args) -> int:
    from .checkpoints import read_meta
    from .generator import describe

    path, meta = read_meta(args.ckpt)
    d = describe(meta)
    if args.json:
        print(json.dumps({"path": str(path), **d}, indent=1))
        return 0
    print(f"{path}")
    print(f"  family   {d['family']} — {d['title']}")
    if d["kind"] == "image":
        print(f"  image    {d['image_size']}x{d['image_size']} px, {d['channels']} channel(s)")
    else:
        print("  output   2D points")
    print(f"  z        {d['z_dim']} dims")
    print(f"  classes  {', '.join(d['classes']) if d['classes'] else '-'}")
    codes = [f"{c['name']} (categorical, {c['categories']} values)" if c["kind"] == "categorical"
             else f"{c['name']} (continuous, {c['range'][0]:g}..{c['range'][1]:g})" for c in d["codes"]]
    print(f"  codes    {', '.join(codes) if codes else '-'}")
    print(f"  inputs   {' ‖ '.join(_input_text(p) for p in d['inputs'])}")
    print(f"  step     {d['step']}")
    print(f"  dataset  {d['dataset']} ({d['dataset_fingerprint']})")
    return 0


def _input_text(part: dict) -> str:
    """One part of the generator-input descriptor in words, e.g. "z (100, normal)"."""
    kind = part["kind"]
    if kind == "categorical":
        what = "categorical " + "+".join(str(c) for c in part["categories"])
    elif kind == "image":
        what = "image " + "x".join(str(v) for v in part.get("shape", []))
    else:
        what = f"{kind} {part.get('size', '')}".strip()
    return f"{part['name']} ({what})"


def _eval(args) -> int:
    from .errors import ConfigError
    from .metrics.evaluate import evaluate_checkpoint
    from .metrics.report import table
    from .runtime import pick_device

    if args.n is None:
        args.n = 2000 if args.truncation_sweep else 5000
    if not 50 <= args.n <= 100_000:
        raise ConfigError(f"--n must be in 50..100000, got {args.n}")
    bars: dict = {}

    def progress(stage: str, done: int, total: int) -> None:
        if args.quiet:
            return
        from tqdm import tqdm

        bar = bars.get(stage)
        if bar is None:
            for old in bars.values():
                old.close()
            bar = bars[stage] = tqdm(total=total, desc=stage, unit="img" if "images" in stage else "step",
                                     dynamic_ncols=True, file=sys.stderr, leave=False)
        bar.update(done - bar.n)

    device = pick_device(args.device)
    try:
        if args.truncation_sweep:
            from .metrics.evaluate import sweep_checkpoint

            result = sweep_checkpoint(args.ckpt, samples=args.n, device=device, data_root=args.data_root,
                                      progress=progress)
        else:
            result = evaluate_checkpoint(args.ckpt, samples=args.n, device=device, data_root=args.data_root,
                                         progress=progress)
    finally:
        for bar in bars.values():
            bar.close()
    from .checkpoints import resolve_checkpoint_path
    from .metrics.evaluate import store_result

    if args.truncation_sweep:
        from .metrics.report import sweep_table

        stored = store_result(resolve_checkpoint_path(args.ckpt), result, "truncation")
        print(json.dumps(result, indent=1) if args.json else sweep_table(result))
        if stored is not None and not args.quiet:
            print(f"stored in {stored}", file=sys.stderr)
        return 0

    # beside its run (eval/step_XXXXXXX.json), where the app's scores line and `best` read evaluations
    stored = store_result(resolve_checkpoint_path(args.ckpt), result)
    if args.json:
        print(json.dumps(result, indent=1))
    else:
        print(table(result))
    if stored is not None and not args.quiet:
        print(f"stored in {stored}", file=sys.stderr)
    return 0


def _invert(args) -> int:
    import torch

    from .atomic import atomic_write_text
    from .errors import ConfigError
    from .generator import load_generator
    from .images import save_png, to_uint8_grid
    from .invert import invert, inversion_file, load_target

    gen = load_generator(args.ckpt)
    target = load_target(args.image, tuple(gen.meta["data"]["shape"]))
    bar = None
    if not args.quiet:
        from tqdm import tqdm

        bar = tqdm(total=args.steps + max(1, args.steps // 5), unit="step", desc="inverting", file=sys.stderr,
                   dynamic_ncols=True, leave=False)
    try:
        inv = invert(gen, target, steps=args.steps, restarts=args.restarts, seed=args.seed,
                     progress=(lambda d, n: bar.update(d - bar.n)) if bar is not None else None)
    finally:
        if bar is not None:
            bar.close()
    try:
        atomic_write_text(args.out, json.dumps(inversion_file(gen, inv), indent=1))
        if args.recon:
            save_png(to_uint8_grid(torch.stack([target, inv.recon]), 2), args.recon)
    except OSError as exc:
        raise ConfigError(f"cannot write {exc.filename or args.out} ({exc.strerror or exc}); choose a writable "
                          "folder") from None
    what = [f"class {gen.class_names[inv.label]}" if inv.label is not None else ""]
    what += [f"codes {', '.join(map(str, inv.cat + tuple(round(c, 2) for c in inv.cont)))}" if inv.cat or inv.cont
             else ""]
    print(f"wrote {args.out}: mean squared error {inv.mse:.4f} (best random start {inv.start_mse:.4f})"
          + "".join(f" · {w}" for w in what if w))
    return 0


def _text(args) -> int:
    import numpy as np
    import torch

    from .errors import ConfigError
    from .generator import load_generator
    from .images import save_png, to_uint8_grid
    from .text import captions as cap
    from .text import tedigan as td

    gen = load_generator(args.ckpt)
    if gen.meta["model"]["family"] != "stylegan":
        raise ConfigError(f"{gen.path.name} is a {gen.meta['model']['family']} model: text needs a stylegan "
                          "checkpoint trained on digits (e.g. assets/models/stylegan-digits)")
    if not args.prompt and not args.eval and not args.train:
        raise ConfigError('give a prompt, e.g. ganstudio text CKPT "a thick slanted seven" (or --train / --eval)')
    if args.edit is not None and args.edit_seed is not None:
        raise ConfigError("--edit and --edit-seed both name what to edit: give one")
    if args.prompt:
        cap.encode([args.prompt], strict=True)  # an unknown word is said now, not after minutes of training
    found = None if args.train else td.find_text_model(gen)
    if found is not None:
        model = td.load_text_model(found, gen)
    else:
        data = td.training_data(gen)
        bar = None
        if not args.quiet:
            from tqdm import tqdm

            total = sum(td.STEPS.values())
            bar = tqdm(total=total, unit="step", desc="training the text model", file=sys.stderr, dynamic_ncols=True,
                       leave=False)
            done = {}

            def progress(part: str, k: int, n: int) -> None:
                done[part] = k
                bar.set_postfix_str(part)
                bar.update(sum(done.values()) - bar.n)
        try:
            model = td.train_text_model(gen, data, progress=progress if bar is not None else None)
        finally:
            if bar is not None:
                bar.close()
        path = td.store_text_model(model, gen)
        print(f"trained the text model in {model.info['seconds']:.0f} s; kept in {path}", file=sys.stderr)
    if args.eval:
        from .metrics.features import get_extractor
        from .metrics.text import evaluate_text, table

        data = td.training_data(gen)
        result = evaluate_text(model, gen, data, get_extractor(data), steps=args.steps)
        print(json.dumps(result, indent=1) if args.json else "\n".join(table(result)))
    if not args.prompt:
        return 0
    keep = max(1, args.steps // 6) if args.trajectory and args.steps else 0
    if args.edit is not None or args.edit_seed is not None:
        body = td.style_body(gen)
        if args.edit is not None:
            from .invert import load_target
            from .projection import project

            target = load_target(args.edit, tuple(gen.meta["data"]["shape"]))
            ws0 = project(gen, target, space="w+", steps=200).ws
        else:
            z = gen.latent(1, seed=args.edit_seed)["z"]
            with torch.no_grad():
                ws0 = body.ws(z)[0]
        r = td.edit(model, gen, args.prompt, ws0, steps=args.steps, image_weight=args.image_weight, keep_every=keep)
        images = torch.cat([r.start, r.images]) if not keep else None
        nrow = 2
    else:
        r = td.generate(model, gen, args.prompt, n=args.n, seed=args.seed, steps=args.steps, keep_every=keep)
        images, nrow = r.images, min(8, args.n)
    if keep:
        cols = len(r.trajectory)
        images = torch.stack([img for _, img in r.trajectory], 1).flatten(0, 1)
        nrow = cols
    try:
        save_png(to_uint8_grid(images, nrow), args.out)
    except OSError as exc:
        raise ConfigError(f"cannot write {args.out} ({exc.strerror or exc}); choose a writable folder") from None
    sims = r.similarity
    print(f"wrote {args.out}: {args.prompt!r} read as {cap.describe(r.said[0])}; similarity "
          f"{np.mean(sims[0]):.3f} → {np.mean(sims[-1]):.3f} over {len(sims) - 1} steps")
    return 0


def _list(args) -> int:
    from .catalog import DATASETS, FAMILY_TITLES, default_data_root  # no torch: this answers at once

    print("models:")
    for name, title in FAMILY_TITLES.items():
        print(f"  {name:<10} {title}")
    print("on a trained model:")
    print(f"  {'text':<10} TediGAN on a stylegan checkpoint of digits: draw and edit digits from words "
          "(ganstudio text CKPT \"a thick slanted seven\")")
    print("datasets:")
    for name, info in DATASETS.items():
        where = "embedded" if info.embedded else f"needs --data-root (default {default_data_root()})"
        print(f"  {name:<14} {info.about} [{where}]")
    print("  <folder>       any folder of images (png, jpg, ...), resized and centre-cropped")
    return 0
