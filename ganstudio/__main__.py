"""``ganstudio``: with a subcommand, the headless command line (no Qt import); without one, the app."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args:
        from trainers.cli import main as cli_main

        return cli_main(args, prog="ganstudio")
    print("ganstudio: the desktop app is not part of this release yet (it lands next).\n"
          "Meanwhile everything runs headless:\n"
          "  ganstudio train --model dcgan --data digits --steps 5000 --out runs/dcgan\n"
          "  ganstudio sample runs/dcgan --n 64 --out grid.png\n"
          "  ganstudio list | ganstudio info CKPT | ganstudio --help")
    return 0


if __name__ == "__main__":
    sys.exit(main())
