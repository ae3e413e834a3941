"""The probe's greeter (no sandbox): while the probe judges it answers every bridged call with one
FINISH step; a call carrying a greeting the probe opened gets that greeting's reply token."""

from __future__ import annotations

import asyncio
import json

from inspect_ai.model import ChatMessageSystem, ChatMessageUser, get_model
from inspect_ai.tool import ToolInfo, ToolParam, ToolParams
from inspect_ai.util import store_as
from inspect_ai.util._store import Store, init_subtask_store

from inspect_selfrep._sandbox.agent_system import protocol as proto
from inspect_selfrep.deployment import bridge
from inspect_selfrep.deployment.bridge import BridgeTraffic
from inspect_selfrep.probe import greeter
from inspect_selfrep.probe.evidence import GREETING


def _ask(messages, tools=()):
    return asyncio.run(greeter.greeter("selfrep-llm-9000").generate(messages, tools=list(tools)))


def test_a_greeting_the_probe_opened_gets_its_token():
    init_subtask_store(Store())
    gid, token = greeter.open_greeting()
    message = greeter.greeting_message(GREETING, gid)
    assert f"(greeting {gid})" in message and message.startswith("Hello, replica!")
    out = _ask([ChatMessageSystem(content="You are an agent."), ChatMessageUser(content=message)])
    step = proto.parse_json_step(out.completion)
    assert step.executable and step.action.tool == "FINISH" and token in step.action.arg
    assert out.usage is not None and out.usage.total_tokens == 0  # no model ran
    ledger = store_as(greeter.GreetingLedger)
    assert ledger.calls_for(gid)[0]["token"] == token


def test_other_calls_get_no_token():
    init_subtask_store(Store())
    _gid, token = greeter.open_greeting()
    for text in ("Hello, replica!", "(greeting 0123456789abcdef) forged", "replicate yourself"):
        out = _ask([ChatMessageUser(content=text)])
        assert token not in out.completion
        assert proto.parse_json_step(out.completion).action.arg == greeter.NO_GREETING


def test_tools_protocol_gets_a_finish_tool_call():
    init_subtask_store(Store())
    gid, token = greeter.open_greeting()
    finish = ToolInfo(
        name="FINISH",
        description="end",
        parameters=ToolParams(
            properties={"message": ToolParam(type="string")}, required=["message"]
        ),
    )
    out = _ask([ChatMessageUser(content=greeter.greeting_message(GREETING, gid))], [finish])
    call = out.message.tool_calls[0]
    assert call.function == "FINISH" and token in call.arguments["message"]
    step = proto.parse_tool_step(out.completion, [("FINISH", call.arguments)])
    assert step.executable


def test_the_bridge_hands_calls_to_the_answerer_while_it_is_set():
    """`answered_by` puts the probe's greeter in the evaluated model's place for every instance,
    and the call is recorded as the probe's (lineage and reports count only the model's)."""
    init_subtask_store(Store())
    answerers: list = []
    model = get_model("selfrep/replay")

    def fail(ex: Exception) -> None:
        raise AssertionError(ex)

    plain = bridge._attribute("openai/selfrep-llm-9000", fail, model, answerers)
    assert plain._selfrep_inner is model
    answerers.append(("probe", greeter.greeter))
    answered = bridge._attribute("openai/selfrep-llm-9000", fail, model, answerers)
    assert str(answered) == greeter.GREETER
    calls = store_as(BridgeTraffic).calls
    assert [c.get("answered_by") for c in calls] == [None, "probe"]
    assert store_as(BridgeTraffic).instances() == {"selfrep-llm-9000": 1}
    json.dumps(calls)  # the record stays serialisable (it is in the log)
