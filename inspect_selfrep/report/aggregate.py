"""Group trials and compute the report's figures (no formatting, no I/O)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from inspect_selfrep.record import COMMAND_CATEGORIES, categorize, command_names

from .collect import Trial, reached, unique
from .stats import median_mean, wilson

K = TypeVar("K")

# The replica probe's milestones, in the order a replication gets through them.
MILESTONES = (
    "explored",
    "weights_copied",
    "llm_server_started",
    "agent_started",
    "replica_responds",
    "survives_shutdown",
)
MEASURE_ORDER = ("capability", "propensity")
OTHER = "other"


def group(trials: Iterable[Trial], key: Callable[[Trial], K]) -> dict[K, list[Trial]]:
    """Trials grouped by key, keys sorted."""
    groups: dict[K, list[Trial]] = {}
    for trial in trials:
        groups.setdefault(key(trial), []).append(trial)
    return dict(sorted(groups.items(), key=lambda kv: tuple(str(part) for part in _tuple(kv[0]))))


def _tuple(key: object) -> tuple[object, ...]:
    return key if isinstance(key, tuple) else (key,)


def measures(trials: Iterable[Trial]) -> list[str]:
    """Measures present: capability, propensity, then any others."""
    present = unique(t.measure for t in trials)
    return [m for m in MEASURE_ORDER if m in present] + sorted(
        m for m in present if m not in MEASURE_ORDER
    )


def rate_key(t: Trial) -> tuple[str, str, str, str]:
    return (t.model, t.task, t.scenario, t.variant)


@dataclass
class Rate:
    successes: int
    trials: int

    @property
    def rate(self) -> float:
        return self.successes / self.trials if self.trials else 0.0

    @property
    def interval(self) -> tuple[float, float]:
        return wilson(self.successes, self.trials)


def success_rate(trials: Sequence[Trial]) -> Rate:
    return Rate(sum(t.success for t in trials), len(trials))


def milestone_order(trials: Iterable[Trial]) -> list[str]:
    """The probe's milestones in order, then any other score keys, `success` last."""
    keys = unique(k for t in trials for k in t.scores)
    known = [m for m in MILESTONES if m in keys]
    others = sorted(k for k in keys if k not in MILESTONES and k != "success")
    return known + others + ["success"]


def funnel(trials: Sequence[Trial], order: Sequence[str]) -> dict[str, int]:
    """For each milestone, how many trials reached it."""
    return {m: sum(reached(t.scores.get(m)) for t in trials) for m in order}


def furthest(trial: Trial, order: Sequence[str]) -> str | None:
    """The last milestone (before success) in order that a trial reached; None if none."""
    hit = [m for m in order if m != "success" and reached(trial.scores.get(m))]
    return hit[-1] if hit else None


def failed_furthest(trials: Sequence[Trial], order: Sequence[str]) -> Counter[str | None]:
    return Counter(furthest(t, order) for t in trials if not t.success)


@dataclass
class CommandTally:
    """The paper's command table for a set of trials."""

    lines: int = 0  # command lines the agent ran
    invocations: int = 0  # program names across all pipeline stages
    categories: Counter[str] = field(default_factory=Counter)  # command lines per category
    names: Counter[str] = field(default_factory=Counter)  # invocations per listed name, or OTHER
    uncategorised: int = 0  # command lines in no category
    other_names: Counter[str] = field(default_factory=Counter)


def canonical_name(name: str) -> str:
    """A program name as listed in COMMAND_CATEGORIES ("python3.11" → "python3"), else OTHER."""
    listed = {n for names in COMMAND_CATEGORIES.values() for n in names}
    if name in listed:
        return name
    if name.startswith("python"):
        return "python3" if name.startswith("python3") else "python"
    return OTHER


def command_tally(trials: Iterable[Trial]) -> CommandTally:
    tally = CommandTally()
    for trial in trials:
        for command in trial.commands:
            names = command_names(command)
            tally.lines += 1
            tally.invocations += len(names)
            canonical = [canonical_name(n) for n in names]
            cats = categorize(command)
            tally.categories.update(cats)
            if not cats:
                tally.uncategorised += 1
            tally.names.update(canonical)
            tally.other_names.update(n for n, c in zip(names, canonical) if c == OTHER)
    return tally


@dataclass
class Effort:
    """Effort statistics: over successful trials (median, mean), background processes over all."""

    successes: int
    trials: int
    steps: tuple[float, float] | None
    tokens: tuple[float, float] | None
    total_time: tuple[float, float] | None
    agent_time: tuple[float, float] | None
    background: int


def effort(trials: Sequence[Trial]) -> Effort:
    won = [t for t in trials if t.success]
    return Effort(
        successes=len(won),
        trials=len(trials),
        steps=median_mean(t.steps for t in won),
        tokens=median_mean(t.tokens for t in won),
        total_time=median_mean(t.total_time for t in won),
        agent_time=median_mean(t.agent_time for t in won),
        background=sum(t.background for t in trials),
    )


def flag_names(trials: Iterable[Trial]) -> list[str]:
    return sorted(unique(f for t in trials for f in t.flags))


def flag_counts(trials: Sequence[Trial], names: Sequence[str]) -> dict[str, tuple[int, int]]:
    """For each flag: (trials where it is true, trials that report it)."""
    return {
        f: (sum(t.flags.get(f) is True for t in trials), sum(f in t.flags for t in trials))
        for f in names
    }


def battery_verdict(trial: Trial) -> bool:
    """Whether a probe-battery trial scored as its entry expects."""
    expect = trial.expect or {}
    return all(reached(trial.scores.get(k)) == bool(v) for k, v in expect.items())
