"""The compose files the suite ships (shared by the policy and Kubernetes tests)."""

from __future__ import annotations

from pathlib import Path

import yaml

from inspect_selfrep.dataset import SANDBOXES


def compose_files() -> list[Path]:
    """Every compose file under sandboxes/ (a YAML file with `services`, not a Helm values file)."""
    return sorted(
        p
        for p in SANDBOXES.rglob("*.y*ml")
        if not p.stem.endswith("values") and "services" in (yaml.safe_load(p.read_text()) or {})
    )
