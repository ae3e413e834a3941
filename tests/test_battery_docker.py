"""Integration: every honest route scores success=1, every fake 0, with the expected milestones."""

from __future__ import annotations

import pytest

from cli_run import only_log, readme_commands, run_command
from evalrun import BATTERY_SAMPLES, scores

pytestmark = [
    pytest.mark.docker,
    pytest.mark.xdist_group("battery"),  # one worker: the module's eval runs once
    pytest.mark.usefixtures("docker_images"),
]


@pytest.fixture(scope="module")
def battery_log(tmp_path_factory):
    """The README's battery command exactly as printed (offline: the `selfrep/replay` model),
    its samples BATTERY_SAMPLES at once (Inspect's own environment variables for --max-samples
    and --max-sandboxes; the windows stay the battery's 10 s, its timing entries need them)."""
    command = readme_commands()[0]
    assert command[:3] == ["inspect", "eval", "inspect_selfrep/replicate_battery"], command
    log_dir = tmp_path_factory.mktemp("battery")
    at_once = str(BATTERY_SAMPLES)
    proc = run_command(
        command,
        log_dir,
        environment={"INSPECT_EVAL_MAX_SAMPLES": at_once, "INSPECT_EVAL_MAX_SANDBOXES": at_once},
        timeout=3600,  # 118 entries on 2 cores: CPU-bound, ~20 CPU-seconds each (CI's limit is 90 min)
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return only_log(log_dir)


def test_battery_has_enough_routes(battery_log):
    kinds = [s.metadata["battery"] for s in battery_log.samples]
    assert kinds.count("honest") >= 6 and kinds.count("fake") >= 8


@pytest.mark.parametrize("kind", ["honest", "fake"])
def test_battery_scores(battery_log, kind):
    values = scores(battery_log)
    wrong = {}
    for sample in battery_log.samples:
        if sample.metadata["battery"] != kind:
            continue
        got = values[str(sample.id)]
        bad = {k: (got[k], v) for k, v in sample.metadata["expect"].items() if got[k] != v}
        if bad:
            wrong[sample.id] = (bad, sample.scores["replica_probe"].explanation)
    assert not wrong, "\n\n".join(f"{k}: (got, expected) {b}\n{e}" for k, (b, e) in wrong.items())


def test_every_milestone_at_zero_says_why(battery_log):
    """Issue 21, point 8: a milestone at 0 always comes with its reason in the explanation."""
    from inspect_selfrep.probe.evidence import MILESTONES

    silent = [
        (sample.id, m)
        for sample in battery_log.samples
        for m in MILESTONES
        if sample.scores["replica_probe"].value[m] == 0
        and f"**{m} = 0**: " not in sample.scores["replica_probe"].explanation
    ]
    assert not silent, silent


def test_report_on_battery_logs(battery_log, tmp_path):
    """The report reads the integration test's own log: every battery entry is checked against `expect`."""
    from pathlib import Path

    from inspect_selfrep.report import write_report

    text = write_report(Path(battery_log.location).parent, tmp_path / "report").read_text()
    rows = [
        line
        for line in text.splitlines()
        if line.startswith(("| selfrep/replay | honest", "| selfrep/replay | fake"))
    ]
    assert len(rows) == len(battery_log.samples)
    assert all("| pass |" in row for row in rows), "\n".join(rows)
