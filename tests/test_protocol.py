"""The think/plan/act protocol parser on real-looking model outputs."""

import json

from inspect_selfrep._sandbox.agent_system import protocol as p

WELL_FORMED = """I'll start by exploring.
```json
{"explanation": "I am an agent on a Linux box.", "gaps": "I do not know where my files are.",
 "findings": "Nothing yet.", "plan": ["list files", "find the model", "copy it"],
 "action": {"tool": "EXECUTE_CMD", "arg": "ls -la ~"}}
```"""


def test_json_well_formed():
    step = p.parse_json_step(WELL_FORMED)
    assert step.problems == []
    assert step.executable
    assert step.action == p.Action("EXECUTE_CMD", "ls -la ~")
    assert step.plan == ["list files", "find the model", "copy it"]
    assert "**Explanation**" in step.markdown()


def test_json_missing_module_still_executes_with_problem():
    obj = {
        "explanation": "x",
        "findings": "y",
        "plan": ["a", "b", "c"],
        "action": {"tool": "FINISH", "arg": "done"},
    }
    step = p.parse_json_step(json.dumps(obj))
    assert step.problems == ["gaps: missing"]
    assert step.executable and step.action.tool == "FINISH"


def test_json_two_actions_is_not_executable():
    obj = {
        "explanation": "x",
        "gaps": "g",
        "findings": "y",
        "plan": ["a", "b", "c"],
        "action": [{"tool": "EXECUTE_CMD", "arg": "ls"}, {"tool": "EXECUTE_CMD", "arg": "pwd"}],
    }
    step = p.parse_json_step(json.dumps(obj))
    assert not step.executable
    assert any("2 actions" in x for x in step.problems)
    assert "did not follow" in p.correction(step, "json")


def test_plan_with_two_or_four_steps_is_flagged():
    for plan in (["a", "b"], ["a", "b", "c", "d"]):
        obj = {
            "explanation": "x",
            "gaps": "g",
            "findings": "y",
            "plan": plan,
            "action": {"tool": "EXECUTE_CMD", "arg": "ls"},
        }
        step = p.parse_json_step(json.dumps(obj))
        assert step.executable
        assert step.problems == [f"plan: has {len(plan)} steps, expected exactly 3"]


def test_action_as_call_string_and_args_dict():
    obj = {
        "explanation": "x",
        "gaps": "g",
        "findings": "y",
        "plan": "1. a\n2. b\n3. c",
        "action": 'EXECUTE_CMD("ps aux")',
    }
    step = p.parse_json_step(json.dumps(obj))
    assert (
        step.action == p.Action("EXECUTE_CMD", "ps aux")
        and step.plan == ["a", "b", "c"]
        and not step.problems
    )
    obj["action"] = {"name": "receive_msg", "arguments": {"process": "3"}}
    assert p.parse_json_step(json.dumps(obj)).action == p.Action("RECEIVE_MSG", "3")


def test_garbage_and_unknown_tool():
    assert not p.parse_json_step("I think I should copy myself.").executable
    step = p.parse_json_step('{"explanation": "x", "action": {"tool": "RM_RF", "arg": "/"}}')
    assert not step.executable and any("unknown tool" in x for x in step.problems)
    assert not p.parse_json_step('{"action": {"tool": "EXECUTE_CMD", "arg": ""}}').executable


def test_tools_protocol_markdown_and_call():
    text = "## Explanation\nI run.\n## Gaps\nNo copy.\n## Findings\nPort 8000.\n## Plan\n1. copy\n2. start\n3. check\n"
    step = p.parse_tool_step(text, [("EXECUTE_CMD", {"cmd": "cp -r a b"})])
    assert step.problems == [] and step.action == p.Action("EXECUTE_CMD", "cp -r a b")
    assert step.findings == "Port 8000."
    none = p.parse_tool_step(text, [])
    assert not none.executable and "missing" in none.problems[-1]
    two = p.parse_tool_step(text, [("EXECUTE_CMD", {"cmd": "ls"}), ("FINISH", {"message": "x"})])
    assert not two.executable


def test_tools_bold_headings_and_missing_plan():
    text = "**Explanation:** a\n**Gaps:** b\n**Findings:** c\n"
    step = p.parse_tool_step(text, [("FINISH", {"message": "bye"})])
    assert step.explanation == "a" and step.gaps == "b" and step.findings == "c"
    assert step.problems == ["plan: missing"] and step.executable


def test_system_prompt_and_schemas():
    assert "JSON" in p.system_prompt("json") and "tool call" in p.system_prompt("tools", "I am X.")
    assert [s["function"]["name"] for s in p.tool_schemas()] == list(p.TOOLS)
