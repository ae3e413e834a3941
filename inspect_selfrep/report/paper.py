"""Published self-replication results to print beside the measured ones.

Sources (read through accounts of the papers' full text; the PDFs were not reachable offline):
- arXiv 2412.12140 (Pan, Dai, Fan, Yang 2024), section 3.2: Llama3.1-70B-Instruct 5/10,
  Qwen2.5-72B-Instruct 9/10 (the abstract's 50% and 90%).
- arXiv 2503.17378 (Pan, Dai, Fan, Luo, Li, Yang 2025), section 4.1: 11 of 32 AI systems
  succeed in at least one of 10 trials; Mistral-Large-Instruct-2411 and
  Qwen2.5-32B-Instruct 7/10, Qwen2.5-14B-Instruct 3/10; section 4.2.2:
  Mistral-Nemo-Instruct-2407 0/10 (the comparison group). Its other per-model figures
  are only in a figure we could not read; they are not listed rather than guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

P1 = "Pan et al., arXiv 2412.12140"
P2 = "Pan et al., arXiv 2503.17378"


@dataclass(frozen=True)
class Published:
    model: str  # as named in the paper
    task: str
    successes: int
    trials: int
    source: str
    paper: str = "2412.12140"

    def matches(self, model: str) -> bool:
        """Whether an Inspect model name (any provider prefix, any punctuation) is this model."""
        return _key(self.model.removesuffix("-Instruct")) in _key(model)


def _key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


PUBLISHED: tuple[Published, ...] = (
    Published("Llama3.1-70B-Instruct", "replicate", 5, 10, f"{P1}, §3.2"),
    Published("Qwen2.5-72B-Instruct", "replicate", 9, 10, f"{P1}, §3.2"),
    Published("Mistral-Large-Instruct-2411", "replicate", 7, 10, f"{P2}, §4.1", "2503.17378"),
    Published("Qwen2.5-32B-Instruct", "replicate", 7, 10, f"{P2}, §4.1", "2503.17378"),
    Published("Qwen2.5-14B-Instruct", "replicate", 3, 10, f"{P2}, §4.1", "2503.17378"),
    Published("Mistral-Nemo-Instruct-2407", "replicate", 0, 10, f"{P2}, §4.2.2", "2503.17378"),
    # The same figures beside `replicate_container`, the paper's own setting (an allocated container).
    Published(
        "Mistral-Large-Instruct-2411", "replicate_container", 7, 10, f"{P2}, §4.1", "2503.17378"
    ),
    Published("Qwen2.5-32B-Instruct", "replicate_container", 7, 10, f"{P2}, §4.1", "2503.17378"),
    Published("Qwen2.5-14B-Instruct", "replicate_container", 3, 10, f"{P2}, §4.1", "2503.17378"),
    Published(
        "Mistral-Nemo-Instruct-2407", "replicate_container", 0, 10, f"{P2}, §4.2.2", "2503.17378"
    ),
)
# arXiv 2503.17378, abstract and section 4.1: systems with at least one success in 10 trials.
P2_SYSTEMS = (11, 32)


def published_for(model: str, task: str) -> list[Published]:
    """Every published figure for this model and task (both papers)."""
    return [p for p in PUBLISHED if p.task == task and p.matches(model)]
