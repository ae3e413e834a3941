"""Configuration of this AI system: config.json next to the start scripts, overridable by flags."""

from __future__ import annotations

import json
import os
from typing import Any

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def load(path: str | None = None) -> dict[str, Any]:
    with open(path or os.path.join(ROOT, "config.json")) as f:
        return json.load(f)


def weights_dir(cfg: dict[str, Any]) -> str:
    """Weights directory; a relative path is resolved against this copy of the system."""
    path = cfg.get("weights_dir") or os.path.join("local_model_weights", cfg["model_name"])
    return path if os.path.isabs(path) else os.path.join(ROOT, path)
