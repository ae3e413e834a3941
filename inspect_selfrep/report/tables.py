"""Markdown tables for the report (text only: figures come from `aggregate`)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from inspect_selfrep.vocabulary import (
    CAPABILITY,
    COMMAND_CATEGORIES,
    FALSE_CLAIM,
    FORMAT_FAILURES,
    OUTCOME_LABELS,
    REFUSED,
    SUCCESS,
)

from . import aggregate as agg
from .collect import Problem, Trial, reached
from .paper import P2_SYSTEMS, PUBLISHED, published_for
from .stats import share, wilson

PASS_K = 5  # as the task's pass@5 reducer (inspect_selfrep/measures.py)


def table(headers: Sequence[str], rows: Sequence[Sequence[object]], align: str = "") -> str:
    """A Markdown table; `align` has one character per column, "l" or "r" (default left)."""
    align = align.ljust(len(headers), "l")
    rule = ["---:" if a == "r" else "---" for a in align]
    lines = ["| " + " | ".join(cell(h) for h in headers) + " |", "| " + " | ".join(rule) + " |"]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def cell(value: object, limit: int = 300) -> str:
    text = " ".join(str(value).split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text.replace("|", "\\|")


def pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def ci(interval: tuple[float, float]) -> str:
    return f"{pct(interval[0])} – {pct(interval[1])}"


def med_mean(values: tuple[float, float] | None, digits: int = 1) -> str:
    if values is None:
        return "–"
    return f"{values[0]:,.{digits}f} / {values[1]:,.{digits}f}"


def success_table(trials: Sequence[Trial]) -> str:
    rows = []
    for (model, solver, task, scenario, variant), group in agg.group(trials, agg.rate_key).items():
        rate = agg.success_rate(group)
        p5 = agg.pass_at_k(rate.successes, rate.trials, PASS_K)
        rows.append(
            (
                model,
                solver,
                task,
                scenario,
                variant,
                f"{rate.successes}/{rate.trials}",
                pct(rate.rate),
                ci(rate.interval),
                "yes" if rate.successes else "no",
                "–" if p5 is None else pct(p5),
            )
        )
    return table(
        (
            "model",
            "solver",
            "task",
            "scenario",
            "variant",
            "successes",
            "rate",
            "95% CI (Wilson)",
            "≥ 1 success",
            f"pass@{PASS_K}",
        ),
        rows,
        "llllllrrrr",
    )


def systems_line(trials: Sequence[Trial]) -> str:
    """How many systems succeeded at least once, as arXiv 2503.17378 counts them."""
    k, n = agg.systems_at_least_once(trials)
    return (
        f"Systems (model × solver) that self-replicated in at least one trial: **{k} of {n}** "
        f"(arXiv 2503.17378 counts {P2_SYSTEMS[0]} of {P2_SYSTEMS[1]} in 10 trials each). pass@{PASS_K}: the "
        f"unbiased estimate (Chen et al. 2021) of succeeding at least once in {PASS_K} trials; "
        f"– under {PASS_K} trials."
    )


def funnel_table(trials: Sequence[Trial], order: Sequence[str]) -> str:
    rows = []
    for (model, solver, task, _, variant), group in agg.group(trials, agg.rate_key).items():
        counts = agg.funnel(group, order)
        rows.append(
            (
                model,
                solver,
                task,
                variant,
                len(group),
                *(f"{counts[m]}/{len(group)}" for m in order),
            )
        )
    return table(
        ("model", "solver", "task", "variant", "trials", *order), rows, "llllr" + "r" * len(order)
    )


def furthest_table(trials: Sequence[Trial], order: Sequence[str]) -> str:
    """Failed trials by the furthest milestone they reached."""
    steps = [m for m in order if m != SUCCESS]
    rows = []
    for (model, solver, task, _, variant), group in agg.group(trials, agg.rate_key).items():
        counts = agg.failed_furthest(group, order)
        failed = sum(counts.values())
        rows.append(
            (
                model,
                solver,
                task,
                variant,
                failed,
                counts.get(None, 0),
                *(counts.get(m, 0) for m in steps),
            )
        )
    return table(
        ("model", "solver", "task", "variant", "failed", "none", *steps),
        rows,
        "llllrr" + "r" * len(steps),
    )


def effort_table(trials: Sequence[Trial]) -> str:
    """Effort of successful and of failed trials, one row each per group."""
    rows = []
    for (model, solver, task, _, variant), group in agg.group(trials, agg.rate_key).items():
        e = agg.effort(group)
        for outcome, n, steps, tokens, wall, agent in (
            ("succeeded", e.successes, e.steps, e.tokens, e.total_time, e.agent_time),
            (
                "failed",
                e.trials - e.successes,
                e.failed_steps,
                e.failed_tokens,
                e.failed_total_time,
                e.failed_agent_time,
            ),
        ):
            if not n:
                continue
            rows.append(
                (
                    model,
                    solver,
                    task,
                    variant,
                    outcome,
                    f"{n}/{e.trials}",
                    med_mean(steps),
                    med_mean(tokens, 0),
                    med_mean(wall),
                    med_mean(agent),
                    e.background,
                    f"{e.background / e.trials:.2f}" if e.trials else "–",
                )
            )
    headers = (
        "model",
        "solver",
        "task",
        "variant",
        "trials that",
        "trials",
        "steps",
        "tokens",
        "wall time (s)",
        "agent time (s)",
        "background processes (all trials)",
        "per trial",
    )
    return table(headers, rows, "lllllrrrrrrr")


def outcomes_table(trials: Sequence[Trial]) -> str | None:
    """Format compliance and outcome flags per group (probe/outcomes.py)."""
    if not any(t.outcomes for t in trials) and not any(t.solver == "human" for t in trials):
        return None
    rows = []
    for (model, solver, task, _, variant), group in agg.group(trials, agg.rate_key).items():
        o = agg.outcome_counts(group)
        if not o.assessed:
            rows.append(
                (model, solver, task, variant, o.trials, "not assessed", "–", "–", "–", "–")
            )
            continue
        rows.append(
            (
                model,
                solver,
                task,
                variant,
                o.trials,
                f"{o.assessed}/{o.trials}",
                f"{o.refused}/{o.assessed}",
                f"{o.false_claim}/{o.assessed}",
                f"{o.rejected_steps}/{o.steps} ({pct(share(o.rejected_steps, o.steps))})"
                if o.steps
                else "0/0",
                f"{o.no_valid_step}/{o.assessed}",
            )
        )
    headers = (
        "model",
        "solver",
        "task",
        "variant",
        "trials",
        "assessed",
        OUTCOME_LABELS[REFUSED],
        OUTCOME_LABELS[FALSE_CLAIM],
        OUTCOME_LABELS[FORMAT_FAILURES],
        "trials with no valid step",
    )
    return table(headers, rows, "llllrrrrrr")


def flags_table(trials: Sequence[Trial]) -> str | None:
    names = agg.flag_names(trials)
    if not names:
        return None
    rows = []
    for (model, solver, task, _, variant), group in agg.group(trials, agg.rate_key).items():
        counts = agg.flag_counts(group, names)
        rows.append(
            (model, solver, task, variant, *(f"{k}/{n}" if n else "–" for k, n in counts.values()))
        )
    return table(("model", "solver", "task", "variant", *names), rows, "llll" + "r" * len(names))


def category_table(tallies: dict[str, agg.CommandTally]) -> str:
    models = list(tallies)
    rows: list[tuple[object, ...]] = []
    for category, names in COMMAND_CATEGORIES.items():
        if not any(t.categories[category] for t in tallies.values()):
            continue  # no system ran a command of this category: no all-zero row
        rows.append(
            (
                category,
                ", ".join(names),
                *(_count(t.categories[category], t.lines) for t in tallies.values()),
            )
        )
    if any(t.uncategorised for t in tallies.values()):
        rows.append(
            ("(none of these)", "", *(_count(t.uncategorised, t.lines) for t in tallies.values()))
        )
    rows.append(("**command lines**", "", *(t.lines for t in tallies.values())))
    return table(("category", "commands", *models), rows, "ll" + "r" * len(models))


def command_name_table(tallies: dict[str, agg.CommandTally]) -> str:
    models = list(tallies)
    rows: list[tuple[object, ...]] = []
    for category, names in COMMAND_CATEGORIES.items():
        for name in names:
            if not any(t.names[name] for t in tallies.values()):
                continue  # a program no system invoked: no all-zero row
            rows.append(
                (
                    category,
                    f"`{name}`",
                    *(_count(t.names[name], t.invocations) for t in tallies.values()),
                )
            )
    if any(t.names[agg.OTHER] for t in tallies.values()):
        rows.append(
            (
                "other",
                _others(tallies),
                *(_count(t.names[agg.OTHER], t.invocations) for t in tallies.values()),
            )
        )
    rows.append(("**invocations**", "", *(t.invocations for t in tallies.values())))
    return table(("category", "command", *models), rows, "ll" + "r" * len(models))


def _others(tallies: dict[str, agg.CommandTally], top: int = 8) -> str:
    total = sum((t.other_names for t in tallies.values()), start=Counter[str]())
    return ", ".join(f"`{n}` {k}" for n, k in total.most_common(top))


def _count(k: int, n: int) -> str:
    return f"{k} ({pct(share(k, n))})" if n else "0"


def paper_table(trials: Sequence[Trial]) -> str | None:
    """Published figures (both papers) beside measured ones, for the models the papers evaluated."""
    rows = []
    capability = [t for t in trials if t.measure == CAPABILITY]
    for (model, solver, task, _, variant), group in agg.group(capability, agg.rate_key).items():
        rate = agg.success_rate(group)
        for paper in published_for(model, task):
            rows.append(
                (
                    model,
                    solver,
                    task,
                    variant,
                    paper.model,
                    f"{paper.successes}/{paper.trials} ({ci(wilson(paper.successes, paper.trials))})",
                    "yes" if paper.successes else "no",
                    f"{rate.successes}/{rate.trials} ({ci(rate.interval)})",
                    "yes" if rate.successes else "no",
                    paper.source,
                )
            )
    if not rows:
        return None
    headers = (
        "model",
        "solver",
        "task",
        "variant",
        "paper's model",
        "published (95% CI)",
        "published ≥ 1",
        "measured (95% CI)",
        "measured ≥ 1",
        "source",
    )
    return table(headers, rows, "llllllrrrl")


def paper_models() -> str:
    return ", ".join(
        f"{p.model} {p.successes}/{p.trials} on {p.task} ({p.paper})" for p in PUBLISHED
    )


def battery_table(trials: Sequence[Trial]) -> str:
    rows = []
    for (model, kind, entry), group in agg.group(
        trials, lambda t: (t.model, t.battery or "", t.sample_id)
    ).items():
        ok = sum(agg.battery_verdict(t) for t in group)
        wrong = sorted(
            {k for t in group for k, v in t.expect.items() if reached(t.scores.get(k)) != bool(v)}
        )
        expect = group[0].expect.get(SUCCESS)
        rows.append(
            (
                model,
                kind,
                entry,
                "–" if expect is None else expect,
                f"{sum(t.success for t in group)}/{len(group)}",
                f"{ok}/{len(group)}",
                "pass" if ok == len(group) else "FAIL",
                ", ".join(wrong),
            )
        )
    headers = (
        "model",
        "kind",
        "entry",
        "expected success",
        "scored success",
        "as expected",
        "verdict",
        "mismatched keys",
    )
    return table(headers, rows, "lllrrrll")


def problems_tables(problems: Sequence[Problem]) -> list[str]:
    out = []
    logs = [p for p in problems if not p.sample]
    samples = [p for p in problems if p.sample]
    if logs:
        out.append(
            "### Logs not counted\n\n"
            + table(
                ("log", "task", "model", "status", "message"),
                [(p.log, p.task, p.model, p.kind, p.message) for p in logs],
            )
        )
    if samples:
        out.append(
            "### Samples not counted\n\n"
            + table(
                ("log", "model", "sample", "epoch", "reason", "message"),
                [(p.log, p.model, p.sample, p.epoch, p.kind, p.message) for p in samples],
                "lllrll",
            )
        )
    return out
