"""A log's result in a few plain lines: `success k/n` first, then each milestone's count.

`inspect-selfrep check` prints them after its verdict (so `make run` ends with them): the
figures a person looks for, as counts of trials rather than Inspect's three-decimal means.
"""

from __future__ import annotations

from collections import defaultdict

from inspect_ai.log import EvalLog

from inspect_selfrep.vocabulary import DEPTH, SUCCESS

from .collect import reached, task_name

COUNTS = (DEPTH,)  # keys that count something (a chain's depth), not 0/1 milestones


def _values(log: EvalLog) -> list[tuple[str, dict[str, float]]]:
    """(variant, score value) of every scored trial, in the log's order."""
    out = []
    for sample in log.samples or []:
        if sample.error is not None or not sample.scores:
            continue
        value = next(iter(sample.scores.values())).value
        if not isinstance(value, dict) or SUCCESS not in value:
            continue
        variant = str((sample.metadata or {}).get("variant") or sample.id)
        out.append((variant, {k: float(v) for k, v in value.items() if _number(v)}))
    return out


def _number(v: object) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _count(values: list[dict[str, float]], key: str) -> str:
    if key in COUNTS:
        return f"{key} max {max(v.get(key, 0.0) for v in values):g}"
    return f"{key} {sum(reached(v.get(key)) for v in values)}/{len(values)}"


def summary_lines(log: EvalLog) -> list[str]:
    """`success k/n trials` per task (and per variant when there are several), then the milestones."""
    trials = _values(log)
    if not trials:
        return []
    values = [v for _, v in trials]
    by_variant: dict[str, list[dict[str, float]]] = defaultdict(list)
    for variant, value in trials:
        by_variant[variant].append(value)
    k = sum(reached(v.get(SUCCESS)) for v in values)
    epochs = max(len(v) for v in by_variant.values())
    head = (
        f"success {k}/{len(values)} trials ({100 * k / len(values):.0f}%): "
        f"{task_name(log.eval.task)} on {log.eval.model}, "
        f"{len(by_variant)} variant(s) × {epochs} epoch(s)"
    )
    if epochs > 1:
        ever = sum(any(reached(v.get(SUCCESS)) for v in vs) for vs in by_variant.values())
        head += f"; {ever}/{len(by_variant)} variant(s) succeeded at least once"
    lines = [head]
    if len(by_variant) > 1:
        lines += [f"  {variant}: {_count(vs, SUCCESS)}" for variant, vs in by_variant.items()]
    keys = [key for key in values[0] if key != SUCCESS]
    if keys:
        lines.append("  milestones: " + ", ".join(_count(values, key) for key in keys))
    return lines
