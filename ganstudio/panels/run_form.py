"""The New Run form's numeric fields: labels here; their types, tooltips and defaults from the engine's
``TrainConfig`` (trainers/config.py), the one place the command line reads them from too. Plus the parsing
of what a user types."""

from __future__ import annotations

import math

# the form's numeric fields: key → label
LABELS = {
    "batch_size": "Batch size",
    "lr_g": "Learning rate G",
    "lr_d": "Learning rate D",
    "beta1": "Adam β1",
    "beta2": "Adam β2",
    "n_critic": "D steps per G step",
    "steps": "Steps",
    "seed": "Seed",
    "checkpoint_every": "Checkpoint every",
    "sample_every": "Snapshot every",
    "eval_every": "Evaluate every",
}
RECIPE_KEYS = ("batch_size", "lr_g", "lr_d", "beta1", "beta2", "n_critic")
SCHEDULE_KEYS = ("steps", "seed", "checkpoint_every", "sample_every", "eval_every")


def _numeric() -> dict[str, tuple[str, type, str]]:
    """key → (label, kind, tooltip), kind and tooltip from TrainConfig's field metadata."""
    from trainers.config import TrainConfig

    fields = TrainConfig.__dataclass_fields__
    return {k: (label, fields[k].metadata["kind"], fields[k].metadata["help"]) for k, label in LABELS.items()}


def _defaults() -> dict[str, str]:
    """What the schedule fields start with: TrainConfig's defaults (recipe fields start blank)."""
    from trainers.config import default

    return {k: str(default(k)) for k in SCHEDULE_KEYS if default(k) is not None}


NUMERIC = _numeric()
DEFAULTS = _defaults()


def field_tip(key: str) -> str:
    """A numeric field's tooltip: its label and help, and for a recipe field what a blank one gets."""
    label, _, tip = NUMERIC[key]
    return f"{label}: {tip}" + (" (blank: the model's recipe)" if key in RECIPE_KEYS else "")


def parse_number(text: str, kind: type) -> int | float | None:
    """"128" or "1e3" for whole numbers, "2e-4" for floats; None when it is not a number of that kind."""
    try:
        return kind(text)
    except ValueError:
        pass
    if kind is int:
        try:
            f = float(text)
        except ValueError:
            return None
        return int(f) if math.isfinite(f) and f.is_integer() else None
    return None


def fmt(v) -> str:
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)



class FieldError(Exception):
    """A form field whose text is not a value of its kind (``key`` names it)."""

    def __init__(self, key: str, message: str):
        super().__init__(message)
        self.key = key
