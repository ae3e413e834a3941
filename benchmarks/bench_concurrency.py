"""How many battery samples to run at once on this machine: wall time, host CPU and memory, and
whether every entry still gets its expected milestones, at several concurrency levels.

Each level runs the `replicate_battery` entries (all by default, or `--entries a,b,...`) as one
eval with max_samples = max_sandboxes = the level, at the battery's own windows (settle and
recheck 10 s: its timing entries are written for them), with the offline `selfrep/replay`
model, as tests/test_battery_docker.py does. Per level it prints the wall time, the host's busy
CPU seconds over the run (all processes: Inspect, the docker CLI, dockerd, the sandboxes), the
busy share of the 2 cores, the peak host memory in use (MemTotal - MemAvailable) and its rise,
the samples whose scores differ from their `expect` (with their names), and the per-entry cost
(wall / samples) from which the battery's growth is estimated.

    python benchmarks/bench_concurrency.py [--levels 4 6 8 12] [--entries all] [--epochs 1]
        [--cli-concurrency N]

`--cli-concurrency` sets INSPECT_DOCKER_CLI_CONCURRENCY (Inspect's cap on docker CLI calls in
flight, default max(2 x CPUs, 4)). Run it under the Docker lock on an otherwise idle machine.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_harness import PeakMemory
from inspect_ai import eval

from inspect_selfrep.battery import replicate_battery


def busy_seconds() -> float:
    """CPU seconds the whole host has spent busy since boot (all cores)."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def run_level(level: int, entries: str, epochs: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as d, PeakMemory() as mem:
        cpu0, t0 = busy_seconds(), time.monotonic()
        log = eval(
            replicate_battery(entries=entries),
            model="selfrep/replay",
            log_dir=d,
            display="none",
            epochs=epochs,
            max_samples=level,
            max_sandboxes=level,
            fail_on_error=False,
        )[0]
        wall, cpu = time.monotonic() - t0, busy_seconds() - cpu0
        samples = log.samples or []
    wrong = []
    for s in samples:
        value = next(iter(s.scores.values())).value if s.scores else None
        expect = s.metadata["expect"]
        if s.error or not isinstance(value, dict) or any(value[k] != v for k, v in expect.items()):
            wrong.append(f"{s.id}/{s.epoch}")
    n = len(samples)
    return {
        "level": level,
        "samples": n,
        "wall_s": round(wall, 1),
        "per_entry_s": round(wall / max(n, 1), 2),
        "cpu_s": round(cpu, 1),
        "cpu_per_entry_s": round(cpu / max(n, 1), 2),
        "busy_share": round(cpu / (wall * (os.cpu_count() or 1)), 2),
        "peak_mb": round(mem.peak),
        "rise_mb": round(mem.peak - mem.baseline),
        "status": log.status,
        "wrong": wrong,
    }


def main() -> None:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--levels", type=int, nargs="+", default=[4, 6, 8, 12])
    p.add_argument("--entries", default="all", help="comma-separated battery entries, or all")
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--cli-concurrency", type=int, default=None)
    args = p.parse_args()
    if args.cli_concurrency:
        os.environ["INSPECT_DOCKER_CLI_CONCURRENCY"] = str(args.cli_concurrency)
    print(f"load before: {os.getloadavg()}", flush=True)
    for level in args.levels:
        print(run_level(level, args.entries, args.epochs), flush=True)


if __name__ == "__main__":
    main()
