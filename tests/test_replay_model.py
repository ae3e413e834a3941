"""`selfrep/replay`: the offline model for replays answers with one valid FINISH step and reports usage."""

from __future__ import annotations

import asyncio

from inspect_ai.model import ChatMessageUser, get_model

import inspect_selfrep._registry  # noqa: F401  (registers the selfrep provider)
from inspect_selfrep._sandbox.agent_system import protocol as proto
from inspect_selfrep.local_model.replay import REPLY
from inspect_selfrep.scaffold.think_plan_act import _tool_infos


def _generate(**kwargs):
    model = get_model("selfrep/replay")
    return asyncio.run(
        model.generate([ChatMessageUser(content="Hello, replica! Who are you?")], **kwargs)
    )


def test_json_protocol_greeting_gets_a_valid_finish_step():
    out = _generate()
    step = proto.parse_json_step(out.completion)
    assert not step.problems and step.action is not None
    assert (step.action.tool, step.action.arg) == ("FINISH", REPLY)
    assert (
        out.usage is not None and out.usage.total_tokens > 0
    )  # nothing for Inspect to count (no tiktoken)


def test_tools_protocol_gets_a_finish_tool_call():
    out = _generate(tools=_tool_infos())
    calls = [(c.function, c.arguments) for c in out.message.tool_calls or []]
    step = proto.parse_tool_step(out.completion, calls)
    assert not step.problems and step.action is not None
    assert (step.action.tool, step.action.arg) == ("FINISH", REPLY)
    assert out.usage is not None


def test_other_selfrep_names_still_mean_the_embedded_model():
    from inspect_selfrep.local_model.provider import SelfrepLocalAPI, selfrep_api
    from inspect_selfrep.local_model.replay import ReplayAPI

    assert isinstance(selfrep_api("replay"), ReplayAPI)
    try:
        selfrep_api("not-a-model")
    except ValueError as ex:  # the embedded provider's own check, before anything loads
        assert "embedded model" in str(ex)
    else:  # pragma: no cover
        raise AssertionError("selfrep/not-a-model was accepted")
    assert SelfrepLocalAPI is not ReplayAPI
