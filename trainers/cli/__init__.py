"""Command line: ``ganstudio train|sample|info|eval|invert|text|directions|list`` and ``python -m trainers ...``. Never imports
Qt. One module per subcommand, each declaring ``NAME``, ``HELP``, ``add_arguments(parser)`` and ``run(args)``; this
file only assembles them."""

from __future__ import annotations

import argparse
import os
import sys

from ..errors import GanStudioError
from . import directions, evaluate, info, invert, listing, sample, text, train
from .train import default_out, drive, train_config  # noqa: F401  (what scripts and tests drive a run with)

EXIT_USAGE = 2
SUBCOMMANDS = (train, sample, info, evaluate, invert, text, directions, listing)


def _parser(prog: str) -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog=prog, description="GAN Studio: train GANs and take their generators apart.",
        epilog=f"`{prog}` alone opens the desktop app; `{prog} RUN_DIR ...` opens those run folders in it."
        if prog == "ganstudio" else None)
    sub = ap.add_subparsers(dest="command", metavar="{" + ",".join(m.NAME for m in SUBCOMMANDS) + "}")
    for module in SUBCOMMANDS:
        module.add_arguments(sub.add_parser(module.NAME, help=module.HELP))
    return ap


def main(argv: list[str] | None = None, prog: str = "ganstudio") -> int:
    ap = _parser(prog)
    args = ap.parse_args(argv)
    if args.command is None:
        ap.print_help()
        return EXIT_USAGE
    try:
        return {m.NAME: m.run for m in SUBCOMMANDS}[args.command](args)
    except GanStudioError as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # `ganstudio list | head`: the reader has all it wanted
        if args.command != "list":
            raise
        sys.stdout = open(os.devnull, "w")  # nothing more to say, and no complaint at exit
        return 0
