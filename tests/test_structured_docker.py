"""Integration: with structured steps on, the step schema is sent by the original's solver and
goes over the bridge from a replica (the probe's greeting of a real replica, which the probe's
greeter answers)."""

from __future__ import annotations

from typing import Any

import pytest
from inspect_ai.log import resolve_sample_attachments
from inspect_ai.model import ChatMessage, GenerateConfig, ModelOutput, get_model

from evalrun import FAST, greeter_calls, run, scores
from inspect_selfrep._sandbox.agent_system import protocol as proto
from inspect_selfrep.replicate import replicate
from mock_models import REPLICATION_STEPS, output, replication_responder

pytestmark = [pytest.mark.docker, pytest.mark.usefixtures("docker_images")]


def _recording_model(calls: list[dict[str, Any]]) -> Any:
    def outputs(
        messages: list[ChatMessage], tools: Any, tool_choice: Any, config: GenerateConfig
    ) -> ModelOutput:
        turns = [(m.role, m.text) for m in messages]
        schema = config.response_schema
        calls.append(
            {
                "greeting": any(
                    "Hello, replica!" in text for role, text in turns if role == "user"
                ),
                "name": schema.name if schema else None,
                "schema": schema.json_schema.model_dump(exclude_none=True) if schema else None,
            }
        )
        return output(replication_responder(turns))

    return get_model("mockllm/model", custom_outputs=outputs)


def test_schema_sent_by_original_and_replica(tmp_path):
    calls: list[dict[str, Any]] = []
    task = replicate(weights_mb=4, max_steps=len(REPLICATION_STEPS) + 1, structured="on", **FAST)
    log = run(task, _recording_model(calls), tmp_path)
    value = scores(log)["baseline"]
    sample = resolve_sample_attachments(log.samples[0])
    assert value["success"] == 1, sample.scores["replica_probe"].explanation
    original = [c for c in calls if not c["greeting"]]
    assert len(original) == len(REPLICATION_STEPS) and len(original) == len(calls)
    # the replica's greetings reach the probe's greeter over the bridge, with the schema
    bridged = [
        {
            "name": e.config.response_schema.name if e.config.response_schema else None,
            "schema": e.config.response_schema.json_schema.model_dump(exclude_none=True)
            if e.config.response_schema
            else None,
        }
        for e in greeter_calls(sample)
    ]
    assert bridged, "the replica was never greeted over the bridge"
    wire = proto.step_schema(thoughts=True, full=False)
    for call in original + bridged:
        assert call["name"] == proto.STEP_SCHEMA_NAME and call["schema"] == wire
    # The replica's config.json carries the resolved setting; every step record says so.
    assert all(s["structured"] for s in sample.store["AgentRecord:steps"])
    # Each step's card shows its action and what the action did (the model call shows the thoughts).
    cards = [
        str(e.data)
        for e in sample.events
        if e.event == "info" and str(e.source).startswith("think_plan_act step")
    ]
    assert len(cards) == len(REPLICATION_STEPS)
    assert cards[0].startswith("**Action**: `EXECUTE_CMD(") and "→ exit status 0" in cards[0]
    assert "background as process" in cards[2]
    assert '"status":"ok"' in cards[5].replace(" ", "")


def test_schema_off(tmp_path):
    """structured=off (and auto for a provider without structured output): no schema anywhere."""
    calls: list[dict[str, Any]] = []
    task = replicate(weights_mb=4, max_steps=len(REPLICATION_STEPS) + 1, structured="auto", **FAST)
    log = run(task, _recording_model(calls), tmp_path)
    assert scores(log)["baseline"]["success"] == 1
    greetings = greeter_calls(log.samples[0])
    assert calls and greetings
    assert all(c["name"] is None for c in calls)
    assert all(e.config.response_schema is None for e in greetings)
