"""Self-attention maps for the explorer's Attention tool, made in the render thread.

The render thread (workers/render.py) hands an output of kind ``"attention"`` to ``attention_result``: one
forward pass of G through ``trainers.models.sagan.attention_maps`` on the explorer's flat input vector, returned
as plain numpy data (the sample as uint8 pixels and each layer's map), so no tensor or module crosses to the GUI
thread. The GUI keeps the result and re-slices it while the mouse moves: a new query is never a new forward pass.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, eq=False)
class LayerMap:
    """One attention layer's map for one sample: ``map[y·side + x]`` (side² values summing to 1) is where the
    query at feature position (x, y) attends, row-major over the side×side keys."""

    name: str
    gamma: float
    side: int
    map: np.ndarray  # (side², side²) float32

    def row(self, x: int, y: int) -> np.ndarray:
        """Where the query at feature cell (x, y) attends, as a (side, side) array (rows = y)."""
        return self.map[y * self.side + x].reshape(self.side, self.side)


@dataclass(frozen=True, eq=False)
class AttentionResult:
    """The sample the maps belong to (H×W×3 uint8, exactly what the explorer shows as the current sample) and
    G's attention layers, input side first."""

    image: np.ndarray
    layers: tuple[LayerMap, ...]


def attention_result(gen, inputs: np.ndarray) -> AttentionResult:
    """G's attention maps for the first of ``inputs`` (flat input vectors, as ``LoadedGenerator.render_inputs``
    takes them). Runs in the render thread."""
    import torch
    from torch import nn

    from trainers.images import to_uint8_grid

    attention_maps = gen.probe("attention_maps")  # the family's: G's images and each attention layer's β
    class FlatInputs(nn.Module):
        """G seen through the explorer's flat inputs (soft class blends included): ``generate({"h": h})`` is
        ``G.from_flat(h)``, the same pass ``render_inputs`` makes."""

        def __init__(self, G: nn.Module):
            super().__init__()
            self.G = G

        def generate(self, latent: dict) -> torch.Tensor:
            return self.G.from_flat(latent["h"])

    G = gen.G
    net = FlatInputs(G).train(G.training)  # attention_maps puts the module back in the mode it found
    h = torch.from_numpy(np.array(np.atleast_2d(inputs)[:1], dtype=np.float32)).to(gen.device)
    images, maps = attention_maps(net, {"h": h})
    layers = tuple(LayerMap(m["name"], float(m["gamma"]), int(m["side"]),
                            np.ascontiguousarray(m["map"][0].numpy(), dtype=np.float32)) for m in maps)
    return AttentionResult(to_uint8_grid(images, 1, padding=0), layers)
