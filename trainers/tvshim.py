"""Import torchvision on a CPU-only torch paired with a CUDA torchvision wheel.

The torchvision wheel served in some environments is a CUDA build. On a CPU torch, ``import torchvision``
fails with ``RuntimeError: operator torchvision::nms does not exist`` because its Python side registers
fake kernels for C++ operators the CPU torch never defined. Declaring the two missing operator schemas
(``nms``, ``qnms``) lets the import go through; datasets, transforms and utils then work. Detection ops
stay unusable, which GAN Studio never needs. On a normal install the first import simply succeeds.
"""

from __future__ import annotations

import sys
import threading
from types import ModuleType

_FRAGMENT = None  # keeps the torch.library registration alive for the life of the process
_LOCK = threading.RLock()  # two threads importing at once would see each other's half-imported module

_SCHEMAS = (
    "nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor",
    "qnms(Tensor qdets, Tensor scores, float iou_threshold) -> Tensor",
)


def _declare_missing_ops() -> None:
    global _FRAGMENT
    if _FRAGMENT is not None:
        return
    import torch

    lib = torch.library.Library("torchvision", "FRAGMENT")
    for schema in _SCHEMAS:
        name = schema.split("(", 1)[0]
        if not _op_exists(name):
            lib.define(schema)
    _FRAGMENT = lib


def _op_exists(name: str) -> bool:
    import torch

    try:
        getattr(torch.ops.torchvision, name)
        return True
    except (AttributeError, RuntimeError):
        return False


def import_torchvision() -> ModuleType:
    """Return the ``torchvision`` module, applying the missing-operator shim only when it is needed. Safe to call
    from several threads: the first import runs under a lock."""
    with _LOCK:
        try:
            import torchvision

            return torchvision
        except RuntimeError as exc:
            if "torchvision::" not in str(exc) or "does not exist" not in str(exc):
                raise
        for mod in [m for m in sys.modules if m == "torchvision" or m.startswith("torchvision.")]:
            del sys.modules[mod]
        _declare_missing_ops()
        import torchvision

        return torchvision


def shim_applied() -> bool:
    """True when this process needed (and applied) the shim."""
    return _FRAGMENT is not None
