"""The torchvision shim: torchvision imports and its utils/datasets work, whatever build is installed."""

import subprocess
import sys


def test_import_and_make_grid():
    import torch

    from trainers.tvshim import import_torchvision

    tv = import_torchvision()
    grid = tv.utils.make_grid(torch.ones(4, 1, 8, 8), nrow=2, padding=1)
    assert grid.shape == (3, 19, 19)
    assert tv.datasets.MNIST.__name__ == "MNIST"
    assert import_torchvision() is tv  # idempotent


def test_fresh_process_reports_whether_the_shim_was_needed():
    code = ("import importlib.util, torch\n"
            "from trainers.tvshim import import_torchvision, shim_applied\n"
            "try:\n    import torchvision; needed = False\n"
            "except RuntimeError as e:\n    needed = 'does not exist' in str(e)\n"
            "import sys\n[sys.modules.pop(m) for m in list(sys.modules) if m.startswith('torchvision')]\n"
            "tv = import_torchvision()\n"
            "print(needed, shim_applied(), tv.transforms.ToTensor.__name__)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    needed, applied, name = out
    assert needed == applied  # applied exactly when the plain import failed
    assert name == "ToTensor"
