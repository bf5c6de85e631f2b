"""`ganstudio list`: the models and datasets, without importing torch."""

from __future__ import annotations

import argparse

NAME = "list"
HELP = "models and datasets"


def add_arguments(p: argparse.ArgumentParser) -> None:
    pass


def run(args) -> int:
    from ..catalog import DATASETS, FAMILY_TITLES, default_data_root  # no torch: this answers at once

    from ..registry import FAMILIES  # the families registered so far: plug-ins imported by a script or test

    print("models:")
    for name, title in {**FAMILY_TITLES, **{n: f.title for n, f in FAMILIES.items()}}.items():
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
