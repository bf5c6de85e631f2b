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

        return app_main(args)
    except ImportError as exc:  # PySide6 absent, or a system library Qt links missing (libEGL on a bare box)
        if "PySide6" not in str(exc) and "shared object" not in str(exc):
            raise
        print(f"ganstudio: the desktop app cannot start ({exc}).\n" + _install_hint(str(exc)), file=sys.stderr)
        return 1


def _install_hint(error: str) -> str:
    """A system library Qt could not load gets its apt-get line; anything else, pip's."""
    import re

    lib = re.search(r"(lib[\w+.-]*\.so(?:\.\d+)*): cannot open shared object file", error)
    if lib:
        from .qtlibs import APT_LINE, package_of

        return (f"Qt needs the system library {lib.group(1)}: sudo apt-get install -y {package_of(lib.group(1))}\n"
                f"(everything a bare Linux box needs: sudo apt-get install -y {APT_LINE})\n"
                "The command line works without it: ganstudio train --help")
    return ("Install its dependencies with: python3 -m pip install -e .   "
            "(headless use works without them: ganstudio train --help)")


if __name__ == "__main__":
    sys.exit(main())
