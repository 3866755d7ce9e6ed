"""Reading a demo's data files: every app's ``demo/`` folder holds its part of the demo school
as JSON (and CSV) beside the seed step that reads it (docs/decisions/0026)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def frozen(value: Any) -> Any:
    """JSON lists as tuples, all the way down, so values are hashable and seeded random draws
    over them are the same in every process."""
    if isinstance(value, list):
        return tuple(frozen(v) for v in value)
    if isinstance(value, dict):
        return {k: frozen(v) for k, v in value.items()}
    return value


def demo_json(module_file: str, name: str) -> Any:
    """The JSON file ``name`` beside ``module_file`` (pass ``__file__``), frozen."""
    return frozen(json.loads((Path(module_file).resolve().parent / name).read_text("utf-8")))
