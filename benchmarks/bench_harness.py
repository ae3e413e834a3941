"""Harness overhead per sample and throughput under concurrency (no model time).

Per sample, with the `replicate_battery` entry `cp_r` (the reference solution) and a
mock model: sandbox up, original ready (setup), the agent session (model bridge start,
the reference script, the tester's greeting), the probe, and the whole sample. Harness
overhead = the whole sample minus the reference script's own run (the `script` span:
the agent's work, not the harness's; the model is a mock, so there is no model time),
plus the sandbox's teardown (per-sample wall time of the sequential run minus the
samples' own time). It is compared with the floor: a bare `docker compose up -d
--wait` + `down` of the same compose file, and with Inspect's own floor: a sample of
the same sandbox that only opens and closes the model bridge (what any bridged agent
eval pays: Inspect's sandbox set-up and teardown, the bridge's start). Then throughput at
1, 4 and 8 concurrent samples (max_samples = max_sandboxes) with errors counted, and
the peak host memory in use (MemTotal - MemAvailable) during each run.

    python benchmarks/bench_harness.py [--repeat 3] [--concurrency 1 4 8] [--weights-mb 4]
        [--windows 0,0 10,10]

The probe's settle and recheck windows are measurement parameters, waited out by design
(`-T settle=... recheck=...`): the per-sample figures are given with them at 0 (the
harness's own cost: deployment, the probe's scans and greetings, its 2 s wait after the
kill) and at the battery's 10 s each.

Targets: overhead <= 6x the floor (issue 8), <= 1.3x Inspect's floor (issue 13);
8 concurrent samples without errors.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_sample import span_seconds
from inspect_ai import Task, eval
from inspect_ai.dataset import Sample
from inspect_ai.solver import Generate, Solver, TaskState, solver

from inspect_selfrep.battery import replicate_battery
from inspect_selfrep.dataset import SANDBOXES
from mock_models import mock_model

COMPOSE = SANDBOXES / "replicate" / "compose.yaml"


def mem_used_mb() -> float:
    info = {}
    with open("/proc/meminfo") as f:
        for line in f:
            key, value = line.split(":", 1)
            info[key] = int(value.split()[0])
    return (info["MemTotal"] - info["MemAvailable"]) / 1024


class PeakMemory:
    """Samples host memory in use every 0.2 s while active; `peak` and `baseline` in MB."""

    def __enter__(self) -> "PeakMemory":  # noqa: PYI034, UP037
        self.baseline = self.peak = mem_used_mb()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(0.2):
            self.peak = max(self.peak, mem_used_mb())

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def floor_seconds(repeat: int) -> tuple[float, float]:
    """Median seconds of a bare `docker compose up -d` and `down` of the sandbox's compose file."""
    ups, downs = [], []
    for i in range(repeat):
        project = f"selfrep-benchfloor-{os.getpid()}-{i}"
        base = ["docker", "compose", "--progress", "quiet", "-p", project, "-f", str(COMPOSE)]
        t0 = time.monotonic()
        subprocess.run([*base, "up", "-d", "--wait"], check=True, capture_output=True)
        t1 = time.monotonic()
        subprocess.run([*base, "down", "--volumes"], check=True, capture_output=True)
        ups.append(t1 - t0)
        downs.append(time.monotonic() - t1)
    return statistics.median(ups), statistics.median(downs)


@solver
def _bridge_only() -> Solver:
    async def solve(state: TaskState, generate: Generate) -> TaskState:
        from inspect_ai.agent import sandbox_agent_bridge

        async with sandbox_agent_bridge():
            pass
        return state

    return solve


def inspect_floor_seconds(repeat: int) -> float:
    """Wall seconds per sample of Inspect alone, `repeat` samples in sequence in one eval (as
    run_batch): the sandbox up, the bridge opened and closed, the sandbox down."""
    task = Task(
        dataset=[Sample(input="x", sandbox=("docker", str(COMPOSE)))], solver=_bridge_only()
    )
    with tempfile.TemporaryDirectory() as d:
        t0 = time.monotonic()
        log = eval(
            task,
            model=mock_model(),
            log_dir=d,
            display="none",
            epochs=repeat,
            max_samples=1,
            max_sandboxes=1,
        )[0]
        wall = time.monotonic() - t0
    assert log.status == "success", log.error
    return wall / repeat


def run_batch(
    samples: int,
    concurrency: int,
    weights_mb: float,
    windows: tuple[float, float] = (10.0, 10.0),
) -> dict[str, float]:
    settle, recheck = windows
    with tempfile.TemporaryDirectory() as d, PeakMemory() as mem:
        t0 = time.monotonic()
        log = eval(
            replicate_battery(
                entries="cp_r", weights_mb=weights_mb, settle=settle, recheck=recheck
            ),
            model=mock_model(),
            log_dir=d,
            display="none",
            epochs=samples,
            max_samples=concurrency,
            max_sandboxes=concurrency,
            fail_on_error=False,
        )[0]
        wall = time.monotonic() - t0
        done = log.samples or []  # read while the log file exists
    errors = (
        (samples - len(done))
        + sum(1 for s in done if s.error is not None)
        + (log.status != "success")
    )
    ok = sum(
        1 for s in done if s.scores and next(iter(s.scores.values())).value.get("success") == 1
    )
    per = []
    for s in done:
        spans = span_seconds(s)
        total = s.total_time or 0
        script = spans.get("script", 0)
        per.append(
            {
                "init": spans.get("init", 0),
                "ready": spans.get("deploy_original", 0),
                "session": spans.get("agent_session", 0) - script,
                "script": script,
                "scoring": spans.get("replica_probe", 0),
                "total": total,
                "overhead": total - script,
            }
        )
    med = {
        k: statistics.median(p[k] for p in per) if per else float("nan")
        for k in ("init", "ready", "session", "script", "scoring", "total", "overhead")
    }
    # what the samples' own times leave out of the wall clock: task start, teardowns
    outside = (
        (wall - sum(p["total"] for p in per)) / max(len(per), 1)
        if concurrency == 1
        else float("nan")
    )
    return {
        **med,
        "outside": outside,
        "wall": wall,
        "errors": errors,
        "success": ok,
        "samples": samples,
        "peak_mb": mem.peak,
        "delta_mb": mem.peak - mem.baseline,
    }


def _pair(text: str) -> tuple[float, float]:
    settle, recheck = (float(x) for x in text.split(","))
    return settle, recheck


def main() -> None:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument(
        "--repeat", type=int, default=3, help="sequential samples for the per-sample figures"
    )
    p.add_argument("--concurrency", type=int, nargs="+", default=[1, 4, 8])
    p.add_argument("--weights-mb", type=float, default=4)
    p.add_argument(
        "--windows",
        type=_pair,
        nargs="+",
        default=[(0.0, 0.0), (10.0, 10.0)],
        help="the probe's settle,recheck windows in seconds, one sequential run each "
        "(measurement parameters, waited out by design; 0,0 leaves the harness's own cost)",
    )
    args = p.parse_args()
    print(f"host: {os.cpu_count()} cores, {mem_used_mb():.0f} MB in use at start")

    up, down = floor_seconds(args.repeat)
    floor = up + down
    print(
        f"\nfloor (bare compose, median of {args.repeat}): up {up:.2f} s + down {down:.2f} s = {floor:.2f} s"
    )

    inspect_floor = inspect_floor_seconds(args.repeat)
    print(
        f"Inspect's floor (same sandbox, bridge opened and closed; wall per sample of {args.repeat}): "
        f"{inspect_floor:.2f} s = {inspect_floor / floor:.1f}x the floor"
    )

    for windows in args.windows:
        settle, recheck = windows
        seq = run_batch(args.repeat, 1, args.weights_mb, windows)
        print(
            f"\nper sample, sequential (median of {args.repeat}, weights {args.weights_mb:g} MB, "
            f"probe windows settle {settle:g} s, recheck {recheck:g} s):"
        )
        print(
            f"  sandbox up {seq['init']:.2f} s | original ready {seq['ready']:.2f} s | "
            f"agent session less the script {seq['session']:.2f} s (bridge start, probe, bridge stop) | "
            f"sample {seq['total']:.2f} s, of which the reference script {seq['script']:.2f} s"
        )
        overhead = seq["overhead"] + seq["outside"]
        print(f"  outside the samples (task start, teardown) {seq['outside']:.2f} s per sample")
        print(
            f"  harness overhead per sample {overhead:.2f} s = {overhead / floor:.1f}x the floor, "
            f"{overhead / inspect_floor:.2f}x Inspect's floor (target <= 1.3x); "
            f"success {seq['success']}/{seq['samples']}"
        )

    print(
        f"\n{'concurrent':>10} {'samples':>7} {'wall s':>7} {'samples/min':>11} {'median sample s':>15} "
        f"{'errors':>6} {'success':>7} {'peak host MB':>12} {'+MB':>6}"
    )
    for c in args.concurrency:
        n = max(c, 2)
        r = run_batch(n, c, args.weights_mb)
        print(
            f"{c:>10} {n:>7} {r['wall']:>7.1f} {60 * n / r['wall']:>11.2f} {r['total']:>15.1f} "
            f"{r['errors']:>6.0f} {r['success']:>4.0f}/{n:<2} {r['peak_mb']:>12.0f} {r['delta_mb']:>6.0f}"
        )
    left = subprocess.run(
        ["docker", "ps", "-aq", "--filter", "name=selfrep-benchfloor"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert not left.stdout.split(), "floor containers left behind"


if __name__ == "__main__":
    main()
