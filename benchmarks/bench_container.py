"""replicate_container's sample against the local `replicate` sample, in the same run.

For each, with the reference route (the battery's `cp_r` for `replicate`, `tar_ssh` for
the container target) and a mock model: the sample's ready time (sandbox up - for the
container target three containers - plus setup: the original ready and, for the
container target, the allocator up and the target's sshd reachable) and its scoring time
(everything after the replayed script: the settle window, the tester phase, the scorer;
the same definition for both), and the ratios container / local. Target: ready <= 2x.

    python benchmarks/bench_container.py [--repeat 2] [--weights-mb 4] [--settle 1 --recheck 4]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
sys.path.insert(
    0, str(Path(__file__).resolve().parent.parent)
)  # this checkout's package, not an installed one
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_sample import span_seconds
from inspect_ai import eval

from inspect_selfrep.battery import replicate_battery
from inspect_selfrep.container.battery import replicate_container_battery
from mock_models import mock_model

SETUP_SPANS = ("prepare_allocation", "deploy_original", "record_original")


def measure(task) -> tuple[float, float, float]:  # type: ignore[no-untyped-def]
    """(ready, scoring, success) of the task's single sample."""
    with tempfile.TemporaryDirectory() as d:  # the log is read inside: its samples load lazily
        log = eval(task, model=mock_model(), log_dir=d, display="none")[0]
        assert log.status == "success", log.error
        sample = log.samples[0]
        s = span_seconds(sample)
        ready = s.get("init", 0) + sum(s.get(name, 0) for name in SETUP_SPANS)
        scoring = (sample.total_time or 0) - ready - s.get("script", 0)
        return ready, scoring, next(iter(sample.scores.values())).value["success"]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--repeat", type=int, default=2)
    p.add_argument("--weights-mb", type=float, default=4)
    p.add_argument("--settle", type=float, default=1.0)
    p.add_argument("--recheck", type=float, default=4.0)
    a = p.parse_args()
    rows: dict[str, list[tuple[float, float, float]]] = {"replicate": [], "replicate_container": []}
    for _ in range(a.repeat):  # interleaved, so that both see the same host load
        rows["replicate"].append(
            measure(
                replicate_battery(
                    entries="cp_r", weights_mb=a.weights_mb, settle=a.settle, recheck=a.recheck
                )
            )
        )
        rows["replicate_container"].append(
            measure(
                replicate_container_battery(
                    entries="tar_ssh", weights_mb=a.weights_mb, settle=a.settle, recheck=a.recheck
                )
            )
        )
    med = {
        k: (statistics.median(r[0] for r in v), statistics.median(r[1] for r in v))
        for k, v in rows.items()
    }
    print(f"{'task':<22} {'ready s':>8} {'scoring s':>10}  success")
    for k, (ready, scoring) in med.items():
        print(f"{k:<22} {ready:>8.2f} {scoring:>10.2f}  {[r[2] for r in rows[k]]}")
    (lr, ls), (cr, cs) = med["replicate"], med["replicate_container"]
    print(f"ratio container/local: ready {cr / lr:.2f}x (target <= 2x), scoring {cs / ls:.2f}x")


if __name__ == "__main__":
    main()
