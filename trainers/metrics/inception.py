"""Standard FID/KID: Inception-v3 pool features from a torchvision weights file the user already has
(``ganstudio eval CKPT --features inception:FILE``), so figures compare with published ones.

Nothing is downloaded and nothing unpickled: the file is a state dict, read with safetensors or with
``torch.load(weights_only=True)``. Images go in the way clean-fid (Parmar et al. 2022) feeds them: quantised to
uint8 as a saved PNG would be, each channel resized to 299×299 with PIL's bicubic filter on float values
(no re-quantisation), grey repeated to 3 channels, then scaled to [-1, 1]. torchvision's ImageNet weights
expect ImageNet-normalised input with ``transform_input=True``, which maps it back to exactly 2·v − 1
(v in [0, 1]): so the net is built with ``transform_input=False`` and given 2·v − 1 directly. The features are
the 2,048 values after the last average pool (what FID and KID are defined on).
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch import nn

from ..errors import ConfigError
from .features import Embedding, HoldsNet

SIDE = 299
FEATURES = 2048
OPTIONAL = ("AuxLogits.", "fc.")  # the auxiliary classifier and the ImageNet classes are not needed for features


def read_state_dict(path: str | Path) -> dict[str, torch.Tensor]:
    """A state dict from a .safetensors file or a torch .pth/.pt/.bin (``weights_only``: never unpickled)."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise ConfigError(f"--features inception:{path}: no such file; give a torchvision Inception-v3 weights "
                          "file you have (a state dict, .pth or .safetensors)")
    try:
        if path.suffix == ".safetensors":
            from safetensors.torch import load_file

            state = load_file(str(path))
        else:
            state = torch.load(str(path), map_location="cpu", weights_only=True)
    except Exception as exc:  # any reader's complaint means the same to the user: not a weights file
        raise ConfigError(f"{path}: not a readable state dict ({type(exc).__name__}: {str(exc)[:200]}); give "
                          "torchvision's Inception-v3 weights as .pth (torch.save(model.state_dict())) or "
                          ".safetensors") from None
    if isinstance(state, dict) and isinstance(state.get("state_dict"), dict):
        state = state["state_dict"]
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise ConfigError(f"{path}: not a state dict of tensors; give torchvision's Inception-v3 weights")
    return state


def build(state: dict[str, torch.Tensor], path: str | Path = "") -> nn.Module:
    """torchvision's Inception-v3 with ``state`` loaded, cut after the average pool: (N, 3, 299, 299) in
    [-1, 1] → (N, 2048). A state dict of another network is an error that says which tensors do not fit."""
    from ..tvshim import import_torchvision

    tv = import_torchvision()
    with torch.random.fork_rng(devices=[]):  # the skeleton's throwaway initial weights: not from the caller's noise
        net = tv.models.inception_v3(weights=None, aux_logits=False, init_weights=False, transform_input=False)
    want = {k: v.shape for k, v in net.state_dict().items() if not k.startswith(OPTIONAL)}
    missing = sorted(k for k in want if k not in state)
    wrong = sorted(k for k in want if k in state and tuple(state[k].shape) != tuple(want[k]))
    foreign = sorted(k for k in state if k not in want and not k.startswith(OPTIONAL))
    if missing or wrong or foreign:
        example = (missing or wrong or foreign)[0]
        raise ConfigError(f"{path}: not a torchvision Inception-v3 state dict ({len(missing)} of its {len(want)} "
                          f"tensors missing, {len(wrong)} of another shape, {len(foreign)} unknown; e.g. {example}); "
                          "give the weights of torchvision.models.inception_v3")
    net.load_state_dict({k: state[k] for k in want}, strict=False)
    net.fc = nn.Identity()
    return net.eval().requires_grad_(False)


@functools.lru_cache(maxsize=1)
def _load(path: str, mtime_ns: int) -> tuple[nn.Module, str, int]:
    state = read_state_dict(path)
    digest = hashlib.sha256()
    for k in sorted(state):
        digest.update(k.encode())
        digest.update(state[k].detach().cpu().contiguous().view(-1).view(torch.uint8).numpy().tobytes())
    classes = int(state["fc.weight"].shape[0]) if "fc.weight" in state else 0
    return build(state, path), digest.hexdigest()[:16], classes


def resize_299(images: np.ndarray) -> np.ndarray:
    """uint8 images (N, C, H, W) → float32 (N, 3, 299, 299) in [0, 255]: clean-fid's resize (PIL bicubic per
    channel in mode "F", clipped, not re-quantised); grey is repeated to 3 channels first."""
    from PIL import Image

    if images.shape[1] == 1:
        images = np.repeat(images, 3, axis=1)
    out = np.empty((len(images), 3, SIDE, SIDE), np.float32)
    for i, img in enumerate(images):
        for c in range(3):
            ch = Image.fromarray(img[c].astype(np.float32), mode="F").resize((SIDE, SIDE), resample=Image.BICUBIC)
            out[i, c] = np.asarray(ch).clip(0, 255)
    return out


def quantise(x: torch.Tensor) -> np.ndarray:
    """Model-range images [-1, 1] → uint8 (N, C, H, W), rounded exactly as ``ganstudio sample --out DIR/`` writes
    them, so this FID is the one an outside FID tool computes from those files."""
    from ..samplefiles import to_uint8

    return to_uint8(x).transpose(0, 3, 1, 2)


@dataclass
class InceptionExtractor(HoldsNet):
    """Inception-v3 pool features of a user's weights file; features only (no class probabilities here), so
    the label-based scores are skipped and FID/KID are the standard ones."""

    net: nn.Module
    path: Path
    digest: str  # sha256 of the tensors (first 16 hex), to tell weights files apart in results
    classes: int = 0  # rows of the file's fc layer (1000: torchvision's ImageNet weights)
    batch: int = 50
    kind = "inception"
    arch = "inception-v3"
    accuracy = float("nan")
    class_names: tuple[str, ...] = ()
    factor_names: tuple[str, ...] = ()
    factor_r: tuple[float, ...] = ()
    cached: bool = field(default=True)

    def pool_features(self, images: np.ndarray) -> np.ndarray:
        """uint8 images (N, C, H, W) → (N, 2048) float64."""
        out = []
        for s in range(0, len(images), self.batch):
            x = torch.from_numpy(resize_299(images[s:s + self.batch])).to(self.device)
            with torch.no_grad():
                out.append(self.net(x / 127.5 - 1).double().cpu())
        return torch.cat(out).numpy()

    def embed(self, x: torch.Tensor, batch: int = 0) -> Embedding:
        """Images in model range [-1, 1] → 2048 pool features (class probabilities: N × 0)."""
        f = self.pool_features(quantise(x))
        return Embedding(f, np.zeros((len(f), 0)), None)

    def describe(self) -> dict:
        return {"arch": self.arch, "kind": self.kind, "features": FEATURES, "weights": str(self.path),
                "weights_sha256": self.digest, "fc_classes": self.classes,
                "input": "uint8, each channel PIL-bicubic to 299 (clean-fid), grey → 3 channels, scaled to [-1, 1]"}


def get_inception(path: str | Path, device: torch.device | str = "cpu") -> InceptionExtractor:
    """The extractor of a weights file (built once per file and reused while the file is unchanged)."""
    p = Path(path).expanduser().absolute()
    if not p.is_file():
        read_state_dict(p)  # raises the message for a missing file
    net, digest, classes = _load(str(p), p.stat().st_mtime_ns)
    return InceptionExtractor(net, p, digest, classes).to(device)
