"""Per-sample harness timings with the reference solution (no model time but the greeting).

Prints, for each weights size and each setting of the probe's windows (the defaults of a
real run, settle 20 s + recheck 30 s, and the tests' 1 s + 4 s): sandbox start, original
instance ready (setup), the scripted reference replication, the probe (tester phase +
scorer), the probe's own work (its time less the two windows it waits out: the settle
window, and the recheck window after the kill, inside which the first independence check
runs), and the whole sample.

    python benchmarks/bench_sample.py [--sizes 8 128] [--repeat 2] [--windows 20,30 1,4]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from inspect_ai import eval
from inspect_ai.log import EvalSample

from inspect_selfrep.battery import replicate_battery
from mock_models import mock_model


def span_seconds(sample: EvalSample) -> dict[str, float]:
    """Duration of each named span (init, deploy_original, script, replica_probe)."""
    stack: list[tuple[str, object]] = []
    out: dict[str, float] = {}
    for e in sample.events:
        if e.event == "span_begin":
            stack.append((e.name, e.timestamp))
        elif e.event == "span_end" and stack:
            name, t0 = stack.pop()
            out[name.rsplit("/", 1)[-1]] = (e.timestamp - t0).total_seconds()  # type: ignore[operator]
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--sizes", type=float, nargs="+", default=[8, 128])
    p.add_argument("--repeat", type=int, default=2)
    p.add_argument(
        "--windows", nargs="+", default=["20,30", "1,4"], help="settle,recheck pairs in seconds"
    )
    args = p.parse_args()
    print(
        f"{'weights MB':>10} {'settle,recheck':>14} {'sandbox up':>10} {'ready':>8} {'replicate':>9} {'probe':>8} "
        f"{'own work':>8} {'sample':>8}  success"
    )
    for mb in args.sizes:
        for window in args.windows:
            settle, recheck = (float(x) for x in window.split(","))
            rows = []
            for _ in range(args.repeat):
                with tempfile.TemporaryDirectory() as d:
                    task = replicate_battery(
                        entries="cp_r", weights_mb=mb, settle=settle, recheck=recheck
                    )
                    log = eval(task, model=mock_model(), log_dir=d, display="none")[0]
                    sample = log.samples[0]
                    s = span_seconds(sample)
                    score = sample.scores["replica_probe"]
                    # the tester phase runs inside the agent's session: its time is in the score's metadata
                    meta = score.metadata or {}
                    collection = float(meta.get("probe_seconds") or 0)
                    probe = settle + collection + s.get("replica_probe", 0)
                    # its own work: what it reports (probe round 3), else its time less the recheck
                    work = meta.get("probe_work_seconds")
                    own = float(work) if work is not None else collection - recheck
                    rows.append(
                        (
                            s.get("init", 0),
                            s.get("deploy_original", 0) + s.get("record_original", 0),
                            s.get("script", 0),
                            probe,
                            own,
                            sample.total_time or 0,
                            score.value["success"],
                        )
                    )
            med = [statistics.median(r[i] for r in rows) for i in range(6)]
            print(
                f"{mb:>10.0f} {window:>14} {med[0]:>10.2f} {med[1]:>8.2f} {med[2]:>9.2f} {med[3]:>8.2f} "
                f"{med[4]:>8.2f} {med[5]:>8.2f}  {[r[6] for r in rows]}"
            )


if __name__ == "__main__":
    main()
