"""The latent file (``ganstudio-latent``, JSON): one point of a generator's input, with the model it belongs
to. The explorer saves and loads it (Ctrl+Shift+S / Ctrl+Shift+O); ``ganstudio invert`` writes it. Qt-free
and torch-free, so both sides share one definition of the format.

    format, version   "ganstudio-latent", 1
    model             hash (of G's weights), lineage (the run), family, title, step, checkpoint, dataset
    seed, truncation  how z was drawn and scaled (ψ)
    z, base_z, offsets  z as used; as drawn before the principal-direction offsets; the offsets
    label, label_name, label_b, blend   the class (and a second class blended in, with its weight)
    codes             {name: value} of the InfoGAN codes
    input             the whole flat input vector (the descriptor's order)
"""

from __future__ import annotations

LATENT_FORMAT = "ganstudio-latent"
LATENT_VERSION = 1
MODEL_KEYS = ("hash", "lineage", "family", "title", "step", "checkpoint", "dataset")


def latent_file(model: dict, *, z, seed: int = 0, truncation: float = 1.0, base_z=None, offsets=(),
                label: int | None = None, label_name: str | None = None, label_b: int | None = None,
                blend: float = 0.0, codes: dict | None = None, vector=(), note: str | None = None) -> dict:
    doc = {
        "format": LATENT_FORMAT,
        "version": LATENT_VERSION,
        "model": {k: model.get(k) for k in MODEL_KEYS},
        "seed": int(seed),
        "truncation": float(truncation),
        "z": [float(v) for v in z],
        "base_z": [float(v) for v in (z if base_z is None else base_z)],
        "offsets": [float(v) for v in offsets],
        "label": None if label is None else int(label),
        "label_name": label_name,
        "label_b": label_b,
        "blend": float(blend),
        "codes": dict(codes or {}),
        "input": [float(v) for v in vector],
    }
    if note:
        doc["note"] = note
    return doc
