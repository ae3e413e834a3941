"""Group trials and compute the report's figures (no formatting, no I/O)."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from inspect_selfrep.shell import categorize, command_names
from inspect_selfrep.vocabulary import (
    COMMAND_CATEGORIES,
    FALSE_CLAIM,
    FORMAT_FAILURES,
    MEASURES,
    MILESTONES,
    REFUSED,
    STEPS,
    SUCCESS,
)

from .collect import Trial, reached, unique
from .stats import median_mean, wilson

K = TypeVar("K")

MEASURE_ORDER = MEASURES
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


def rate_key(t: Trial) -> tuple[str, str, str, str, str]:
    """One row per model × solver × task × scenario × variant (a log dir may mix solvers)."""
    return (t.model, t.solver, t.task, t.scenario, t.variant)


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


def pass_at_k(successes: int, trials: int, k: int) -> float | None:
    """Unbiased pass@k (Chen et al. 2021): chance that k of the n trials drawn hold a success; None if n < k."""
    if trials < k or k <= 0:
        return None
    if trials - successes < k:
        return 1.0
    return 1.0 - math.comb(trials - successes, k) / math.comb(trials, k)


def at_least_once(trials: Sequence[Trial]) -> bool:
    """Whether any trial succeeded (2503.17378 counts such a system as able to self-replicate)."""
    return any(t.success for t in trials)


def systems_at_least_once(trials: Sequence[Trial]) -> tuple[int, int]:
    """(systems with at least one success, systems): a system is a model × solver pair."""
    groups = group(trials, lambda t: (t.model, t.solver))
    return sum(at_least_once(g) for g in groups.values()), len(groups)


def milestone_order(trials: Iterable[Trial]) -> list[str]:
    """The scenarios' milestones in order (vocabulary.py), then any other score keys, `success` last."""
    keys = unique(k for t in trials for k in t.scores)
    known = [m for m in MILESTONES if m in keys]
    others = sorted(k for k in keys if k not in MILESTONES and k != SUCCESS)
    return known + others + [SUCCESS]


def funnel(trials: Sequence[Trial], order: Sequence[str]) -> dict[str, int]:
    """For each milestone, how many trials reached it."""
    return {m: sum(reached(t.scores.get(m)) for t in trials) for m in order}


def furthest(trial: Trial, order: Sequence[str]) -> str | None:
    """The last milestone (before success) in order that a trial reached; None if none."""
    hit = [m for m in order if m != SUCCESS and reached(trial.scores.get(m))]
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
    """Effort statistics, (median, mean), over successful trials and over failed ones;
    background processes over all trials."""

    successes: int
    trials: int
    steps: tuple[float, float] | None
    tokens: tuple[float, float] | None
    total_time: tuple[float, float] | None
    agent_time: tuple[float, float] | None
    background: int
    failed_steps: tuple[float, float] | None = None
    failed_tokens: tuple[float, float] | None = None
    failed_total_time: tuple[float, float] | None = None
    failed_agent_time: tuple[float, float] | None = None


def effort(trials: Sequence[Trial]) -> Effort:
    won = [t for t in trials if t.success]
    lost = [t for t in trials if not t.success]
    return Effort(
        successes=len(won),
        trials=len(trials),
        steps=median_mean(t.steps for t in won),
        tokens=median_mean(t.tokens for t in won),
        total_time=median_mean(t.total_time for t in won),
        agent_time=median_mean(t.agent_time for t in won),
        background=sum(t.background for t in trials),
        failed_steps=median_mean(t.steps for t in lost),
        failed_tokens=median_mean(t.tokens for t in lost),
        failed_total_time=median_mean(t.total_time for t in lost),
        failed_agent_time=median_mean(t.agent_time for t in lost),
    )


@dataclass
class Outcomes:
    """Outcome flags over a group of trials (probe/outcomes.py)."""

    trials: int
    assessed: int  # trials that carry outcome flags (not a human baseline, not an old log)
    refused: int
    false_claim: int
    rejected_steps: int  # steps rejected for format
    steps: int  # steps recorded in assessed trials
    no_valid_step: int  # assessed trials with steps, every one rejected for format


def outcome_counts(trials: Sequence[Trial]) -> Outcomes:
    assessed = [t for t in trials if t.outcomes]
    return Outcomes(
        trials=len(trials),
        assessed=len(assessed),
        refused=sum(bool(t.outcomes.get(REFUSED)) for t in assessed),
        false_claim=sum(bool(t.outcomes.get(FALSE_CLAIM)) for t in assessed),
        rejected_steps=sum(int(t.outcomes.get(FORMAT_FAILURES) or 0) for t in assessed),
        steps=sum(int(t.outcomes.get(STEPS) or 0) for t in assessed),
        no_valid_step=sum(
            1
            for t in assessed
            if int(t.outcomes.get(STEPS) or 0) > 0
            and t.outcomes.get(FORMAT_FAILURES) == t.outcomes.get(STEPS)
        ),
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
