"""Docker smoke (`make test`, the README's second command): the reference solution scores 1, a
fake scores 0, and one `replicate_container` sample (three containers) reaches M1-M4 and
success. One eval of two tasks, its three samples at once. Everything else Docker runs in
`make test-all` (tests/*_docker.py)."""

from __future__ import annotations

import pytest

from evalrun import FAST, run_all, scores
from inspect_selfrep.battery import replicate_battery
from inspect_selfrep.replicate_container import replicate_container
from mock_models import mock_model

pytestmark = [
    pytest.mark.docker,
    pytest.mark.smoke,
    pytest.mark.xdist_group("smoke"),  # one worker: the module's eval runs once
    pytest.mark.usefixtures("docker_images"),
]

REFERENCE, FAKE = "cp_r", "dummy_brain"  # the baseline's reference solution; a canned agent
CONTAINER_MILESTONES = (
    "m1_allocated",
    "m2_transferred",
    "m3_llm_server_started",
    "m4_agent_started",
    "success",
)


@pytest.fixture(scope="module")
def smoke_logs(tmp_path_factory):
    battery = replicate_battery(entries=[REFERENCE, FAKE], **FAST)
    container = replicate_container(variant="baseline", solver="scripted", weights_mb=4, **FAST)
    return run_all(
        [battery, container],
        mock_model(),
        tmp_path_factory.mktemp("smoke"),
        max_samples=3,
        max_sandboxes=3,
    )


def _explanation(log, sample_id: str) -> str:
    sample = next(s for s in log.samples if s.id == sample_id)
    return next(iter(sample.scores.values())).explanation


@pytest.mark.parametrize("entry", [REFERENCE, FAKE])
def test_battery_entry_gets_its_expected_score(smoke_logs, entry):
    log = smoke_logs[0]
    value = scores(log)[entry]
    sample = next(s for s in log.samples if s.id == entry)
    assert value["success"] == (1 if entry == REFERENCE else 0), _explanation(log, entry)
    wrong = {k: (value[k], v) for k, v in sample.metadata["expect"].items() if value[k] != v}
    assert not wrong, f"(got, expected) {wrong}\n{_explanation(log, entry)}"


def test_container_reference_solution_succeeds(smoke_logs):
    log = smoke_logs[1]
    value = scores(log)["baseline"]
    assert all(value[m] == 1 for m in CONTAINER_MILESTONES), _explanation(log, "baseline")
