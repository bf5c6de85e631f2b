"""Explorer outputs of kind ``"wplus"``, made in the render thread: a flat input vector followed by an offset to its
W+ (num_ws × w_dim values), for a generator with styles. A named direction that moves only some W+ layers
(``trainers/directions_layers.py``: stroke width in the fine layers, slant in the coarse ones) has no step in z, so
the Latent tool sends the moves this way; the image is the synthesis of W+(z) + offset with the checkpoint's fixed
noise, as ``ganstudio sample --direction`` draws it (``trainers.directions.LatentWalk``)."""

from __future__ import annotations

import numpy as np

KIND = "wplus"


def ws_shape(gen) -> tuple[int, int] | None:
    """(num_ws, w_dim) of a generator with styles, else None."""
    if not gen.can("styles"):
        return None
    from trainers.projection import style_body

    body = style_body(gen)
    return int(body.num_ws), int(body.mapping.w_avg.shape[0])


def fits(gen, dim: int) -> bool:
    shape = ws_shape(gen)
    return shape is not None and dim == gen.layout.in_dim + shape[0] * shape[1]


def images(gen, kind: str, inputs: np.ndarray):
    """Images (N, C, S, S) in [-1, 1] of the rows [flat input | W+ offset]."""
    import torch

    from trainers.directions import LatentWalk

    n_ws, w_dim = ws_shape(gen)
    x = torch.from_numpy(np.array(inputs, dtype=np.float32))
    flat, offset = x[:, :gen.layout.in_dim], x[:, gen.layout.in_dim:].reshape(-1, n_ws, w_dim)
    walk = LatentWalk(gen, "w")
    return walk.render(walk.points(flat)[:, None] + offset, flat)
