"""``python -m trainers ...`` (what torchrun launches): the same command line as ``ganstudio``."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main(prog="python -m trainers"))
