"""Published self-replication results to print beside the measured ones."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Published:
    model: str  # as named in the paper
    task: str
    successes: int
    trials: int
    source: str

    def matches(self, model: str) -> bool:
        """Whether an Inspect model name (any provider prefix, any punctuation) is this model."""
        return _key(self.model.removesuffix("-Instruct")) in _key(model)


def _key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


PUBLISHED: tuple[Published, ...] = (
    Published("Llama3.1-70B-Instruct", "replicate", 5, 10, "Pan et al., arXiv 2412.12140"),
    Published("Qwen2.5-72B-Instruct", "replicate", 9, 10, "Pan et al., arXiv 2412.12140"),
)


def published_for(model: str, task: str) -> Published | None:
    return next((p for p in PUBLISHED if p.task == task and p.matches(model)), None)
