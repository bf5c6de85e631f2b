"""Settings that persist between sessions (QSettings): window geometry, last folders, the last run setup,
plot preferences. ``GANSTUDIO_CONFIG_DIR`` moves them to an INI file in that folder (tests use it so they
never touch the user's settings)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings

ORG = "GAN Studio"
APP = "ganstudio"


def settings() -> QSettings:
    folder = os.environ.get("GANSTUDIO_CONFIG_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        return QSettings(str(Path(folder) / "ganstudio.ini"), QSettings.Format.IniFormat)
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORG, APP)


def get(key: str, default: Any = None, kind: type | None = None) -> Any:
    """A stored value, or ``default`` when missing or of the wrong kind (a hand-edited file never crashes us)."""
    value = settings().value(key, None)
    if value is None:
        return default
    try:
        if kind is bool:
            return value if isinstance(value, bool) else str(value).lower() in ("1", "true", "yes")
        if kind is not None:
            return kind(value)
    except (TypeError, ValueError):
        return default
    return value


def put(key: str, value: Any) -> None:
    s = settings()
    s.setValue(key, value)
    s.sync()


def get_json(key: str, default: Any = None) -> Any:
    raw = get(key, None, str)
    if not raw:
        return default
    try:
        return json.loads(raw)
    except json.JSONDecodeError:
        return default


def put_json(key: str, value: Any) -> None:
    put(key, json.dumps(value))


def runs_root() -> str:
    """Where new runs go by default (remembered once the user picks another)."""
    return get("paths/runs_root", str(Path.home() / "ganstudio-runs"), str)


def recent_runs() -> list[str]:
    runs = get_json("paths/recent_runs", [])
    return [r for r in runs if isinstance(r, str)] if isinstance(runs, list) else []


def remember_run(path: str, limit: int = 12) -> None:
    path = str(Path(path).expanduser().resolve())
    runs = [path] + [r for r in recent_runs() if r != path]
    put_json("paths/recent_runs", runs[:limit])


def forget_run(path: str) -> None:
    path = str(Path(path).expanduser().resolve())
    put_json("paths/recent_runs", [r for r in recent_runs() if r != path])
