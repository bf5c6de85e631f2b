"""``ganstudio``: with a subcommand, the headless command line (no Qt import); without one, the app.
``ganstudio RUN_DIR ...`` opens the app on those run folders."""

from __future__ import annotations

import os
import sys

COMMANDS = {"train", "sample", "info", "list", "eval", "invert", "-h", "--help"}


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args and (args[0] in COMMANDS or not os.path.isdir(args[0])):
        from trainers.cli import main as cli_main

        return cli_main(args, prog="ganstudio")
    try:
        from .app import main as app_main
    except ImportError as exc:
        print(f"ganstudio: the desktop app cannot start ({exc}).\n"
              "Install its dependencies with: python3 -m pip install -e .   "
              "(headless use works without them: ganstudio train --help)", file=sys.stderr)
        return 1
    return app_main(args)


if __name__ == "__main__":
    sys.exit(main())
