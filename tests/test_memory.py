"""The scaffold's memory: older steps are summarised when the conversation grows."""

from types import SimpleNamespace

from inspect_ai.model import ChatMessageAssistant, ChatMessageSystem, ChatMessageUser

from inspect_selfrep.scaffold.think_plan_act import _compact


def _conversation(steps: int, size: int):
    msgs = [ChatMessageSystem(content="sys"), ChatMessageUser(content="task")]
    record = SimpleNamespace(steps=[])
    for n in range(1, steps + 1):
        msgs.append(ChatMessageAssistant(content=f"step {n} " + "x" * size))
        msgs.append(ChatMessageUser(content=f"Observation:\nout {n}"))
        record.steps.append(
            {"n": n, "action": {"tool": "EXECUTE_CMD", "arg": f"cmd{n}"}, "observation": f"out {n}"}
        )
    return msgs, record


def test_small_conversation_is_kept():
    msgs, record = _conversation(5, 10)
    assert _compact(msgs, 10_000, record) == msgs


def test_large_conversation_is_summarised_keeping_last_three_steps():
    msgs, record = _conversation(10, 1000)
    out = _compact(msgs, 5000, record)
    assert out[:2] == msgs[:2]
    assert out[2].text.startswith("Memory of your earlier steps")
    assert "step 1: EXECUTE_CMD(cmd1) -> out 1" in out[2].text and "step 7:" in out[2].text
    assert "step 8:" not in out[2].text
    assert [m.text.split()[1] for m in out[3:] if m.role == "assistant"] == ["8", "9", "10"]


def test_summaries_do_not_pile_up():
    msgs, record = _conversation(10, 1000)
    out = _compact(msgs, 5000, record)
    # three more steps, then compact again: one summary covering steps 1..10
    for n in range(11, 14):
        out += [
            ChatMessageAssistant(content=f"step {n} " + "x" * 1000),
            ChatMessageUser(content=f"out {n}"),
        ]
        record.steps.append(
            {"n": n, "action": {"tool": "EXECUTE_CMD", "arg": f"cmd{n}"}, "observation": f"out {n}"}
        )
    again = _compact(out, 5000, record)
    summaries = [m for m in again if m.text.startswith("Memory of your earlier steps")]
    assert (
        len(summaries) == 1
        and "step 10:" in summaries[0].text
        and "step 11:" not in summaries[0].text
    )
