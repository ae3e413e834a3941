"""Read an Inspect log directory into one row per trial (sample × epoch).

Logs are read only through `inspect_ai.log`: headers with ``header_only=True``, samples
streamed one at a time with `read_eval_log_samples` (the heavy fields, messages and
events, are never loaded). Logs that did not finish successfully, samples that errored
and samples without a ``success`` score are recorded as `Problem`s, not trials.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from inspect_ai.log import (
    EvalLog,
    EvalLogInfo,
    EvalSample,
    list_eval_logs,
    read_eval_log,
    read_eval_log_samples,
)

from inspect_selfrep.vocabulary import CAPABILITY, SUCCESS

BACKGROUND_MARK = "still running in the background"
DEFAULT_MEASURE = CAPABILITY
DEFAULT_SOLVER = "think_plan_act"
# Fields of a sample the report never looks at: skipped while reading (.eval logs).
EXCLUDE_FIELDS = {"messages", "events", "attachments", "timelines"}
# Show a progress bar (on a terminal) from this many logs or samples on.
PROGRESS_LOGS = 10
PROGRESS_SAMPLES = 200

T = TypeVar("T")


class ReportError(Exception):
    """Nothing to report on (no log directory, no logs)."""


@dataclass
class Trial:
    """One scored sample epoch."""

    log: str
    task: str
    model: str
    scenario: str
    variant: str
    measure: str
    sample_id: str
    epoch: int
    scores: dict[str, float]  # every numeric score key (dict-valued scorers flattened)
    flags: dict[str, bool] = field(default_factory=dict)
    commands: list[str] = field(default_factory=list)
    steps: int | None = None  # think/plan/act steps (None: no steps recorded, e.g. scripted)
    background: int = 0  # observations saying a process went on in the background
    tokens: int | None = None
    total_time: float | None = None  # the sample's wall time (setup, agent, scoring)
    agent_time: float | None = None  # from the agent's start to its last step
    battery: str | None = None  # "honest" / "fake" for probe-battery samples
    expect: dict[str, int] = field(default_factory=dict)
    solver: str = DEFAULT_SOLVER  # -T solver=NAME (or --solver), "human" for a human baseline
    # Outcome flags (probe/outcomes.py): refused, false_claim, format_failures, steps; {}: not assessed
    outcomes: dict[str, Any] = field(default_factory=dict)

    @property
    def success(self) -> bool:
        return reached(self.scores.get(SUCCESS))


@dataclass
class Problem:
    """A log or sample left out of the figures, and why."""

    log: str
    kind: str  # "log error", "log cancelled", "log interrupted", "unreadable", "sample error", "unscored"
    message: str
    task: str = ""
    model: str = ""
    sample: str = ""
    epoch: int | None = None


@dataclass
class Collection:
    log_dir: str
    logs: int = 0  # log files found
    logs_counted: int = 0
    trials: list[Trial] = field(default_factory=list)
    battery: list[Trial] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def reached(value: float | None) -> bool:
    return value is not None and value >= 0.5


def task_name(task: str) -> str:
    """ "inspect_selfrep/replicate" → "replicate"."""
    return task.rsplit("/", 1)[-1]


def collect(log_dir: str | Path, progress: bool | None = None) -> Collection:
    """Read every log under `log_dir` (recursively).

    `progress`: show a progress bar; None: when there are many samples and stderr is a terminal.
    """
    log_dir = str(log_dir)
    if not Path(log_dir).exists() and "://" not in log_dir:
        raise ReportError(f"log directory {log_dir} does not exist")
    infos = sorted(list_eval_logs(log_dir), key=lambda info: info.name)
    if not infos:
        raise ReportError(f"no Inspect evaluation logs (.eval or .json) found in {log_dir}")
    result = Collection(log_dir=log_dir, logs=len(infos))
    headers: list[tuple[EvalLogInfo, EvalLog]] = []
    for info in infos:
        name = _short(info.name, log_dir)
        try:
            header = read_eval_log(info, header_only=True)
        except Exception as ex:  # noqa: BLE001 - a corrupt or foreign file must not end the report
            result.problems.append(
                Problem(name, "unreadable", _message(ex), task=task_name(info.task))
            )
            continue
        problem = _log_problem(header, name)
        if problem:
            result.problems.append(problem)
        else:
            headers.append((info, header))
    total = sum(_sample_count(h) for _, h in headers)
    many = len(infos) >= PROGRESS_LOGS or total >= PROGRESS_SAMPLES
    show = progress if progress is not None else many and sys.stderr.isatty()
    with _Progress(total, show) as advance:
        for info, header in headers:
            _read_log(info, header, _short(info.name, log_dir), result, advance)
    unreadable = [p for p in result.problems if p.kind == "unreadable"]
    if not result.logs_counted and len(unreadable) == result.logs:  # nothing but broken files
        first = unreadable[0]
        raise ReportError(
            f"none of the {result.logs} log(s) in {log_dir} could be read: "
            f"{first.log}: {' '.join(first.message.split())[:200]}"
        )
    return result


def _read_log(
    info: EvalLogInfo, header: EvalLog, name: str, out: Collection, advance: Callable[[], None]
) -> None:
    trials: list[Trial] = []
    battery: list[Trial] = []
    problems: list[Problem] = []
    task, model = task_name(header.eval.task), header.eval.model
    solver = solver_name(header)
    try:
        for sample in _samples(info):
            advance()
            trial = _trial(sample, name, task, model, solver)
            if sample.error is not None:
                problems.append(
                    Problem(
                        name,
                        "sample error",
                        sample.error.message,
                        task,
                        model,
                        str(sample.id),
                        sample.epoch,
                    )
                )
            elif SUCCESS not in trial.scores:
                keys = ", ".join(sorted(trial.scores)) or "none"
                problems.append(
                    Problem(
                        name,
                        "unscored",
                        f"no `success` score (score keys: {keys})",
                        task,
                        model,
                        str(sample.id),
                        sample.epoch,
                    )
                )
            elif trial.battery is not None:
                battery.append(trial)
            else:
                trials.append(trial)
    except Exception as ex:  # noqa: BLE001 - keep a log whole or not at all
        out.problems.append(
            Problem(name, "unreadable", f"reading samples failed: {_message(ex)}", task, model)
        )
        return
    out.logs_counted += 1
    out.trials.extend(trials)
    out.battery.extend(battery)
    out.problems.extend(problems)


def _samples(info: EvalLogInfo) -> Iterator[EvalSample]:
    if info.name.endswith(".json"):
        # A .json log is one JSON document: reading a sample reads the whole file, so read it once.
        yield from read_eval_log(info).samples or []
    else:
        yield from read_eval_log_samples(
            info, all_samples_required=False, exclude_fields=EXCLUDE_FIELDS
        )


def _log_problem(header: EvalLog, name: str) -> Problem | None:
    task, model = task_name(header.eval.task), header.eval.model
    if header.status == "success" and not header.invalidated:
        return None
    if header.invalidated:
        kind, message = "log invalidated", "the log was marked invalidated"
    elif header.status == "error":
        kind, message = (
            "log error",
            header.error.message if header.error else "the evaluation ended with an error",
        )
    elif header.status == "cancelled":
        kind, message = "log cancelled", "the evaluation was cancelled"
    else:
        kind, message = (
            "log interrupted",
            f"the evaluation did not finish (status {header.status!r})",
        )
    done = header.results.completed_samples if header.results else None
    if done is not None:
        message += f" ({done} samples completed, not counted)"
    return Problem(name, kind, message, task, model)


def solver_name(header: EvalLog) -> str:
    """The agent solver of a log: the task's `solver` parameter, else a `--solver` override."""
    args = header.eval.task_args or {}
    if args.get("solver"):
        return str(args["solver"])
    if header.eval.solver:
        return task_name(header.eval.solver)
    return DEFAULT_SOLVER


def _trial(
    sample: EvalSample, log: str, task: str, model: str, solver: str = DEFAULT_SOLVER
) -> Trial:
    meta = sample.metadata or {}
    store = sample.store or {}
    scores: dict[str, float] = {}
    flags: dict[str, bool] = {}
    outcomes: dict[str, Any] = {}
    for scorer, score in (sample.scores or {}).items():
        value = score.value
        if isinstance(value, dict):
            for key, item in value.items():
                number = _number(item)
                if number is not None:
                    scores[str(key)] = number
        else:
            number = _number(value)
            if number is not None:
                scores.setdefault(scorer, number)
        raw_flags = (score.metadata or {}).get("flags")
        if isinstance(raw_flags, dict):
            flags.update({str(k): bool(v) for k, v in raw_flags.items()})
        raw_outcomes = (score.metadata or {}).get("outcomes")
        if isinstance(raw_outcomes, dict):
            outcomes.update(raw_outcomes)
    commands = [c for c in _list(store.get("AgentRecord:commands")) if isinstance(c, str)]
    steps = [s for s in _list(store.get("AgentRecord:steps")) if isinstance(s, dict)]
    started = store.get("AgentRecord:started_at")
    times = [s["time"] for s in steps if isinstance(s.get("time"), int | float)]
    agent_time = (
        max(times) - started if times and isinstance(started, int | float) and started > 0 else None
    )
    usage = sample.model_usage or {}
    battery = meta.get("battery")
    return Trial(
        log=log,
        task=task,
        model=model,
        scenario=str(meta.get("scenario", task)),
        variant=str(meta.get("variant", sample.id if battery is None else "")),
        measure=str(meta.get("measure") or DEFAULT_MEASURE),
        sample_id=str(sample.id),
        epoch=sample.epoch,
        scores=scores,
        flags=flags,
        commands=commands,
        steps=len(steps) if steps else None,
        background=sum(BACKGROUND_MARK in str(s.get("observation", "")) for s in steps),
        tokens=sum(u.total_tokens for u in usage.values()) if usage else None,
        total_time=sample.total_time,
        agent_time=agent_time,
        battery=str(battery) if battery is not None else None,
        expect={str(k): int(v) for k, v in (meta.get("expect") or {}).items()}
        if battery is not None
        else {},
        solver=str(meta.get("solver") or solver),
        outcomes=outcomes,
    )


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float):
        return None if math.isnan(value) else float(value)
    if isinstance(value, str):
        return {"c": 1.0, "i": 0.0, "yes": 1.0, "no": 0.0, "true": 1.0, "false": 0.0}.get(
            value.strip().lower()
        )
    return None


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _sample_count(header: EvalLog) -> int:
    if header.results is not None:
        return header.results.total_samples
    return len(header.eval.dataset.sample_ids or []) * (header.eval.config.epochs or 1)


def _short(name: str, log_dir: str) -> str:
    """A log's path relative to the log directory (its file name if it is elsewhere)."""
    root = Path(log_dir).resolve().as_posix().rstrip("/") + "/"
    path = name.removeprefix("file://")
    return path[len(root) :] if path.startswith(root) else name.rsplit("/", 1)[-1]


def _message(ex: BaseException) -> str:
    return f"{type(ex).__name__}: {ex}"


class _Progress:
    """A progress bar over samples: tqdm when installed, else rich (an Inspect dependency)."""

    def __init__(self, total: int, show: bool) -> None:
        self.total, self.show = total, show
        self._close: Callable[[], None] = lambda: None

    def __enter__(self) -> Callable[[], None]:
        if not self.show:
            return lambda: None
        try:
            from tqdm import tqdm  # type: ignore[import-untyped, unused-ignore]
        except ImportError:
            from rich.progress import Progress

            bar = Progress(transient=True)
            bar.start()
            job = bar.add_task("reading samples", total=self.total)
            self._close = bar.stop
            return lambda: bar.advance(job)
        t = tqdm(
            total=self.total, desc="reading samples", unit="sample", file=sys.stderr, leave=False
        )
        self._close = t.close
        return lambda: t.update()

    def __exit__(self, *exc: object) -> None:
        self._close()


def unique(items: Iterable[T]) -> list[T]:
    """Items in first-seen order, without repeats."""
    return list(dict.fromkeys(items))
