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
    psi               (BigGAN) the truncation to ±ψ, or null
    styles            (StyleGAN, optional) the explorer's Styles tool: seed_b, psi (in W), offset [a, b] (σ along
                      W's two main directions), mix [bool per W+ layer: seed B's style], noise ["const" | "none" |
                      a redraw's seed, per conv], projection (null, or {ws: [[w] per W+ layer], source, space:
                      "w" | "w+"}: the W+ that replaces seed A's w)

Fields are only ever added: a reader ignores the keys it does not know, so version 1 stays readable both ways (a
file without ``styles`` is seed A's own w; an older reader skips ``styles``).

``read_latent`` checks every field before anything uses it: a damaged or hand-edited file is a
``LatentFileError`` (a ValueError) with a one-line reason, never a value that breaks a later render.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

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


class LatentFileError(ValueError):
    """A latent file that cannot be used: unreadable, not JSON, or a field with a value it cannot hold. The
    message is one line for the user (it does not name the file; the caller adds the name)."""


MAX_BYTES = 16 * 2**20  # a latent file is a few kB; anything this big is not one
MAX_SEED = 2**31 - 1  # the explorer's seed box, and what a 32-bit RNG seed takes
MAX_ABS = 1000.0  # z ~ N(0, I): a value beyond this is damage, not a latent
TRUNCATION = (0.0, 1.5)
STYLE_PSI = (-1.0, 2.0)  # the Styles tool's ψ in W: w̄ + ψ(w − w̄)
STYLE_PAD = 3.0  # its pad: ± this many σ along W's two main directions
NOISE_MODES = ("const", "none")  # a conv's noise: the checkpoint's fixed draw, none; or a whole number: a new draw
W_SPACES = ("w", "w+")
MAX_SOURCE = 500  # characters of a projection's "source" (a file name or a few words)


def read_latent(path: str | Path) -> dict:
    """Read and check a latent file (``check_latent``); raises ``LatentFileError`` with a one-line reason."""
    path = Path(path)
    try:
        if path.stat().st_size > MAX_BYTES:
            raise LatentFileError(f"is {path.stat().st_size:,} bytes, far too big for a latent file")
        text = path.read_text()
    except OSError as exc:
        raise LatentFileError(f"cannot be read ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise LatentFileError("is not a latent file (not JSON text); latent files are saved by the explorer's "
                              "Save latent") from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError:
        raise LatentFileError("is not a latent file (not JSON); latent files are saved by the explorer's "
                              "Save latent") from None
    except RecursionError:
        raise LatentFileError("is not a latent file (JSON nested too deeply)") from None
    return check_latent(doc)


def check_latent(doc) -> dict:
    """``doc`` with every field the format defines checked for its type and range, and filled in with its
    default where absent (label, label_b: None; blend 0; codes {}; offsets []; styles None). Raises
    ``LatentFileError``.

    What the model must also agree with (z length, class and category counts, the styles' layer counts and W+
    shape) is the reader's to check."""
    if not isinstance(doc, dict) or doc.get("format") != LATENT_FORMAT:
        raise LatentFileError(f"is not a GAN Studio latent file (no \"format\": \"{LATENT_FORMAT}\")")
    version = doc.get("version", 1)
    if not _is_int(version) or version < 1:
        raise LatentFileError(f"has a damaged version ({_show(version)}); save it again")
    if version > LATENT_VERSION:
        raise LatentFileError("was written by a newer GAN Studio; update GAN Studio to read it")
    out = dict(doc)
    out["model"] = doc.get("model") or {}
    if not isinstance(out["model"], dict):
        raise LatentFileError(f"has a damaged \"model\" ({_show(out['model'])}); save it again")
    out["seed"] = _int(doc, "seed", 0, 0, MAX_SEED)
    out["truncation"] = _number(doc, "truncation", 1.0, *TRUNCATION)
    out["base_z"] = _numbers(doc, "base_z", None)
    out["offsets"] = _numbers(doc, "offsets", [])
    out["label"] = None if doc.get("label") is None else _int(doc, "label", 0, 0, 1 << 20)
    out["label_b"] = None if doc.get("label_b") is None else _int(doc, "label_b", 0, 0, 1 << 20)
    out["blend"] = _number(doc, "blend", 0.0, 0.0, 1.0)
    codes = doc.get("codes") or {}
    if not isinstance(codes, dict):
        raise LatentFileError(f"has damaged \"codes\" ({_show(codes)}: not {{name: value}}); save it again")
    for name in codes:
        _number(codes, name, 0.0, -MAX_ABS, MAX_ABS, f"code {name}")
    out["codes"] = dict(codes)
    out["styles"] = _styles(doc.get("styles"))
    return out


def _styles(s) -> dict | None:
    """The ``styles`` field checked, its absent keys filled in with their defaults (seed B 1, ψ 1, the pad centred,
    no layer mixed, every noise "const", no projection); None when the file has none. Whether the lengths fit the
    model (one mix flag per W+ layer, one noise per conv, the projection num_ws × w_dim) is the reader's to check."""
    if s is None:
        return None
    if not isinstance(s, dict):
        raise LatentFileError(f"has damaged \"styles\" ({_show(s)}: not {{name: value}}); save it again")
    offset = s.get("offset", [0.0, 0.0])
    if not isinstance(offset, list) or len(offset) != 2:
        raise _damaged("styles offset", offset, "two numbers")
    mix = s.get("mix", [])
    if not isinstance(mix, list) or not all(isinstance(m, bool) for m in mix):
        raise _damaged("styles mix", mix, "a list of true / false, one per W+ layer")
    noise = s.get("noise", [])
    if not isinstance(noise, list) or not all(m in NOISE_MODES if isinstance(m, str) else
                                              _is_int(m) and 0 <= m <= MAX_SEED for m in noise):
        raise _damaged("styles noise", noise, f"a list of \"const\", \"none\" or seeds from 0 to {MAX_SEED:,}")
    return {"seed_b": _int(s, "seed_b", 1, 0, MAX_SEED, "styles seed_b"),
            "psi": _number(s, "psi", 1.0, *STYLE_PSI, "styles psi"),
            "offset": [_number({"v": v}, "v", 0.0, -STYLE_PAD, STYLE_PAD, "styles offset") for v in offset],
            "mix": list(mix), "noise": list(noise), "projection": _projection(s.get("projection"))}


def _projection(p) -> dict | None:
    if p is None:
        return None
    if not isinstance(p, dict):
        raise LatentFileError(f"has a damaged styles projection ({_show(p)}: not {{ws, source, space}}); save it "
                              "again")
    ws = p.get("ws")
    if not isinstance(ws, list) or not ws or not all(isinstance(w, list) and w and len(w) == len(ws[0]) for w in ws):
        raise _damaged("styles projection ws", ws, "a list of W+ layers, each a list of the same length")
    rows = [_numbers({"ws": w}, "ws", None, "styles projection ws") for w in ws]
    source = p.get("source", "")
    if not isinstance(source, str) or len(source) > MAX_SOURCE:
        raise _damaged("styles projection source", source, f"text of at most {MAX_SOURCE} characters")
    space = p.get("space", "w")
    if space not in W_SPACES:
        raise _damaged("styles projection space", space, "\"w\" or \"w+\"")
    return {"ws": rows, "source": source, "space": space}


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _show(v) -> str:
    """A short quote of a bad value for the message."""
    try:
        text = json.dumps(v) if not isinstance(v, float) or math.isfinite(v) else str(v)
    except (RecursionError, ValueError):
        text = type(v).__name__
    return text if len(text) <= 40 else text[:37] + "…"


def _damaged(what: str, v, want: str) -> LatentFileError:
    return LatentFileError(f"has a damaged {what} ({_show(v)}; it must be {want}); save it again")


def _int(doc: dict, key: str, default: int, lo: int, hi: int, what: str | None = None) -> int:
    v = doc.get(key, default)
    if not _is_int(v) or not lo <= v <= hi:
        raise _damaged(what or key, v, f"a whole number from {lo:,} to {hi:,}")
    return v


def _number(doc: dict, key: str, default: float, lo: float, hi: float, what: str | None = None) -> float:
    v = doc.get(key, default)
    if _is_int(v):
        v = float(v)
    if not isinstance(v, float) or not math.isfinite(v) or not lo <= v <= hi:
        raise _damaged(what or key, v, f"a number from {lo:g} to {hi:g}")
    return v


def _numbers(doc: dict, key: str, default: list | None, what: str | None = None) -> list[float]:
    v = doc.get(key, default)
    if v is None:
        raise LatentFileError(f"has no \"{key}\"; save it again")
    if not isinstance(v, list) or not all(_is_int(x) or isinstance(x, float) for x in v):
        raise _damaged(what or key, v, "a list of numbers")
    bad = [x for x in v if not math.isfinite(x) or abs(x) > MAX_ABS]
    if bad:
        raise _damaged(what or key, bad[0], f"finite, within ±{MAX_ABS:g}")
    return [float(x) for x in v]
