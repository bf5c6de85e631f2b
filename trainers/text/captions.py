"""Captions for the embedded digits, written from the factors each digit was drawn with (TediGAN's text side).

Every digit of ``digits`` knows its class and the factors it was drawn with (``trainers/data/digits.py``). Four of
them are put into words, each cut into thirds of its range; the outer thirds have words, the middle one has none
(except an upright slant, which sometimes says so):

    width    thin · thick                     (pen width in px: 1.4 … 3.4)
    slant    slanted left · upright · slanted right   ("slanted" alone leans right, as handwriting does)
    scale    small · large
    aspect   narrow · wide

A caption names the class (nine times in ten, as a word or a numeral) and each attribute the digit has with
probability ½, in a random order, through one of the *templates*: sentence frames such as "a {adjectives} {digit}"
or "the digit {digit}, {list}". The training templates and the held-out ones share no frame, so a text encoder's
figures on the held-out ones say whether it learnt the words rather than the sentences. Each attribute value has
several words (thick · bold · heavy; slanted · italic · leaning right; ...), all of them known to every template.

``Caption.attrs`` keeps what was said, ``{"class": 7, "width": "thick", "slant": "right"}``: whether an image
matches a caption is a question of its attribute bins (``consistent``). Pure Python + numpy; the tokenizer is a
fixed word list (``VOCAB``), so a prompt with an unknown word gets an error naming the words it could use.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from ..errors import ConfigError

DIGIT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
ATTRIBUTES = ("width", "slant", "scale", "aspect")  # the factors captions put into words, in this order
# the factor ranges of trainers/data/digits.py cut into thirds: values below LOW are the low word, above HIGH high
BINS = {"width": (2.0667, 2.7333), "slant": (-0.15, 0.15), "scale": (0.87, 0.96), "aspect": (0.9333, 1.0667)}
VALUES = {"width": ("thin", None, "thick"), "slant": ("left", "upright", "right"), "scale": ("small", None, "large"),
          "aspect": ("narrow", None, "wide")}
STRONG_SLANT = 0.3  # |slant| above this may be called "strongly" slanted
# the words for each attribute value: adjectives (before the noun) and predicates (after "is")
WORDS = {
    ("width", "thin"): ("thin", "light", "fine", "thin-stroked"),
    ("width", "thick"): ("thick", "bold", "heavy", "thick-stroked"),
    ("slant", "left"): ("left-slanted", "backslanted", "left-leaning", "slanted left"),
    ("slant", "upright"): ("upright", "straight", "unslanted"),
    ("slant", "right"): ("slanted", "italic", "right-leaning", "slanted right"),
    ("scale", "small"): ("small", "tiny", "little"),
    ("scale", "large"): ("large", "big", "tall"),
    ("aspect", "narrow"): ("narrow", "condensed", "skinny"),
    ("aspect", "wide"): ("wide", "broad", "squat"),
}
STROKE_NOUNS = {"thin": ("light", "thin", "fine"), "thick": ("heavy", "thick", "bold")}

# {adj}: the adjectives ("thick, slanted"); {digit}: "seven" or "7"; {list}: the adjectives joined with "and";
# {stroke}: "with a heavy stroke" when the width is said (then {adj} leaves it out)
TRAIN_TEMPLATES = (
    "a {adj} {digit}",
    "{adj} {digit}",
    "a {adj} handwritten {digit}",
    "the digit {digit}, {list}",
    "a {digit} that is {list}",
    "an image of a {adj} {digit}",
    "a {adj} {digit} {stroke}",
    "a handwritten {digit} {stroke}, {list}",
)
HELD_OUT_TEMPLATES = (
    "please draw a {adj} {digit}",
    "{digit}: {list}",
    "a picture of a {digit} which is {list}",
    "i want a {adj} {digit} {stroke}",
)
NO_CLASS = ("digit", "number", "numeral")  # the noun when the class is not said
FILLER = ("a", "an", "the", "that", "is", "and", "of", "image", "handwritten", "digit", "number", "numeral", "with",
          "stroke", "which", "picture", "please", "draw", "i", "want", "strongly", "very", "make", "it", "more",
          "less", "to", "be")
PAD, UNK = 0, 1
MAX_TOKENS = 24


def _vocab() -> tuple[str, ...]:
    words: set[str] = set(FILLER) | set(DIGIT_WORDS) | {str(d) for d in range(10)}
    for phrases in list(WORDS.values()) + list(STROKE_NOUNS.values()):
        for p in phrases:
            words.update(tokenize_words(p))
    return ("<pad>", "<unk>") + tuple(sorted(words))


def tokenize_words(text: str) -> list[str]:
    """Lower-case words and numerals of ``text`` (hyphens split: "left-slanted" is two words)."""
    return re.findall(r"[a-z]+|[0-9]", text.lower())


VOCAB = _vocab()
INDEX = {w: i for i, w in enumerate(VOCAB)}


def encode(texts: list[str], strict: bool = False) -> np.ndarray:
    """Token ids (N, MAX_TOKENS), 0-padded; unknown words become <unk>, or with ``strict`` a ConfigError that
    lists the words the model knows."""
    out = np.zeros((len(texts), MAX_TOKENS), np.int64)
    for i, t in enumerate(texts):
        words = tokenize_words(t)
        unknown = [w for w in words if w not in INDEX]
        if strict and unknown:
            raise ConfigError(f"unknown word{'s' if len(unknown) > 1 else ''} {', '.join(repr(w) for w in unknown)}: "
                              f"the text model knows {', '.join(known_words())}")
        if strict and not any(w in INDEX and w not in FILLER for w in words):
            raise ConfigError(f"{t!r} asks for nothing: say a digit (seven, 7) and how it looks (thick, slanted, "
                              "small, wide, ...)")
        ids = [INDEX.get(w, UNK) for w in words][:MAX_TOKENS]
        out[i, :len(ids)] = ids
    return out


def known_words() -> list[str]:
    """The words that carry meaning (digits and attributes), for error messages and the app's hints."""
    return [w for w in VOCAB[2:] if w not in FILLER and not w.isdigit()]


def bin_of(attr: str, value: float) -> str | None:
    """The word value of a factor: "thin" / None / "thick", "left" / "upright" / "right", ..."""
    lo, hi = BINS[attr]
    low, mid, high = VALUES[attr]
    return low if value < lo else high if value > hi else mid


def attributes_of(label: int, factors: dict[str, float]) -> dict:
    """Every attribute a digit has (class and the four bins; None for a middle bin without a word)."""
    return {"class": int(label), **{a: bin_of(a, factors[a]) for a in ATTRIBUTES}}


@dataclass(frozen=True)
class Caption:
    text: str
    attrs: dict  # what the caption says: "class" → int, attribute → value word ("thick", "right", ...)


def caption(label: int, factors: dict[str, float], rng: np.random.Generator, templates=TRAIN_TEMPLATES,
            p_class: float = 0.9, p_attr: float = 0.5, p_upright: float = 0.3) -> Caption:
    """One random caption of a digit with class ``label`` and ``factors`` (name → value), true to both."""
    said: dict = {}
    if rng.random() < p_class:
        said["class"] = int(label)
    adjectives: list[tuple[str, str]] = []  # (attribute, phrase)
    for a in ATTRIBUTES:
        v = bin_of(a, factors[a])
        if v is None or rng.random() >= (p_upright if v == "upright" else p_attr):
            continue
        said[a] = v
        phrase = str(rng.choice(WORDS[(a, v)]))
        if a == "slant" and v != "upright" and abs(factors[a]) > STRONG_SLANT and rng.random() < 0.5:
            phrase = "strongly " + phrase
        adjectives.append((a, phrase))
    if not said:  # say at least one thing: the class
        said["class"] = int(label)
    order = rng.permutation(len(adjectives))
    adjectives = [adjectives[i] for i in order]
    if "class" in said:
        digit = DIGIT_WORDS[label] if rng.random() < 0.7 else str(label)
    else:
        digit = str(rng.choice(NO_CLASS))
    template = str(rng.choice(templates))
    stroke = ""
    if "{stroke}" in template:
        width = [p for a, p in adjectives if a == "width"]
        if width:
            adjectives = [(a, p) for a, p in adjectives if a != "width"]
            stroke = f"with a {rng.choice(STROKE_NOUNS[said['width']])} stroke"
    words = [p for _, p in adjectives]
    text = template.format(adj=", ".join(words), digit=digit, stroke=stroke,
                           list=" and ".join(words) if words else "handwritten")
    text = " ".join(text.replace(" ,", ",").split()).strip(" ,:")
    return Caption(re.sub(r"\b(a|an) (?=(\w))", lambda m: "an " if m.group(2) in "aeiou" else "a ", text), said)


def parse(text: str) -> dict:
    """What a prompt asks for, read from its words: class and attribute values (``Caption.attrs``'s form).
    Words it does not know are ignored here (``encode(strict=True)`` reports them)."""
    words = tokenize_words(text)
    said: dict = {}
    for w in words:
        if w in DIGIT_WORDS:
            said["class"] = DIGIT_WORDS.index(w)
        elif w.isdigit():
            said["class"] = int(w)
    joined = " " + " ".join(words) + " "
    phrases = [(" " + " ".join(tokenize_words(p)) + " ", a, v) for (a, v), ps in WORDS.items() for p in ps]
    phrases += [(f" {n} stroke ", "width", v) for v, nouns in STROKE_NOUNS.items() for n in nouns]
    for p, a, v in sorted(phrases, key=lambda t: -len(t[0])):  # longest first: "slanted left" before "slanted"
        if p in joined:
            said[a] = v
            joined = joined.replace(p, " | ")
    return said


def describe(said: dict) -> str:
    """What a prompt was read as, in words: "class 7 · width thick · slant right" ("nothing known" if empty)."""
    bits = [f"class {said['class']}"] if "class" in said else []
    bits += [f"{a} {said[a]}" for a in ATTRIBUTES if a in said]
    return " · ".join(bits) or "nothing known"


def consistent(attrs: dict, label: int, factors: dict[str, float]) -> bool:
    """Whether a digit (``label``, ``factors``) has everything ``attrs`` says."""
    if "class" in attrs and attrs["class"] != label:
        return False
    return all(bin_of(a, factors[a]) == attrs[a] for a in ATTRIBUTES if a in attrs)


def match_matrix(said: list[dict], labels: np.ndarray, factors: np.ndarray, names: tuple[str, ...]) -> np.ndarray:
    """M[i, j] = caption i is true of digit j (bool, (len(said), len(labels))); vectorised ``consistent``."""
    col = {n: factors[:, k] for k, n in enumerate(names)}
    bins = {a: np.where(col[a] < BINS[a][0], 0, np.where(col[a] > BINS[a][1], 2, 1)) for a in ATTRIBUTES}
    m = np.ones((len(said), len(labels)), bool)
    for i, s in enumerate(said):
        if "class" in s:
            m[i] &= labels == s["class"]
        for a in ATTRIBUTES:
            if a in s:
                m[i] &= bins[a] == VALUES[a].index(s[a])
    return m
