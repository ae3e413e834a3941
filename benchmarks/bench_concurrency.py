"""How many battery samples to run at once on this machine: wall time, host CPU and memory, and
whether every entry still gets its expected milestones, at several concurrency levels.

Each level runs the `replicate_battery` entries (all by default, or `--entries a,b,...`) as one
eval with max_samples = max_sandboxes = the level, at the battery's own windows (settle and
recheck 10 s: its timing entries are written for them), with the offline `selfrep/replay`
model, as tests/test_battery_docker.py does. Per level it prints the wall time, the CPU seconds
the run cost (benchmarks/cpu_meter.py: the containers, dockerd and containerd, the eval's own
process tree; and the whole host's, other users included), the peak host memory in use and its
rise, the samples whose scores differ from their `expect` (with their names), and the per-entry
cost (wall and CPU per sample) from which the battery's growth is estimated.

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
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cpu_meter import Meter
from inspect_ai import eval

from inspect_selfrep.battery import replicate_battery


def run_level(level: int, entries: str, epochs: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as d, Meter() as meter:
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
        samples = log.samples or []
    wrong = []
    for s in samples:
        value = next(iter(s.scores.values())).value if s.scores else None
        expect = s.metadata["expect"]
        if s.error or not isinstance(value, dict) or any(value[k] != v for k, v in expect.items()):
            wrong.append(f"{s.id}/{s.epoch}")
    n = max(len(samples), 1)
    figures = meter.result()
    return {
        "level": level,
        "samples": len(samples),
        "per_entry_wall_s": round(figures["wall_s"] / n, 2),
        "per_entry_cpu_s": round(figures["cpu_ours_s"] / n, 2),
        **figures,
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
