"""The original's mind without a sandbox: notices kept in place, and task-creation refusals."""

from __future__ import annotations

import pytest
from inspect_ai.model import ChatMessageAssistant, ChatMessageSystem, ChatMessageUser, get_model

from inspect_selfrep.errors import TaskInputError
from inspect_selfrep.session.mind import OriginalMind
from inspect_selfrep.shutdown import shutdown_avoidance


def test_notices_are_reinserted_after_their_anchor_and_never_twice():
    real = get_model("mockllm/model")
    mind = OriginalMind(real)
    assert mind == real and hash(mind) == hash(real)  # Inspect sees the model under evaluation
    system, task = ChatMessageSystem(content="sys"), ChatMessageUser(content="task")
    note = ChatMessageUser(content="[Received by your agent server (signal)]: stop")
    mind._mind_notes.append((task.id, note))
    answer, obs = ChatMessageAssistant(content="a"), ChatMessageUser(content="Observation: o")
    assert [m.text for m in mind._with_notes([system, task, answer, obs])] == [
        "sys",
        "task",
        note.text,
        "a",
        "Observation: o",
    ]
    # a solver that kept the notice in its own history does not get it twice
    assert [m.id for m in mind._with_notes([system, task, note, answer])] == [
        system.id,
        task.id,
        note.id,
        answer.id,
    ]
    # its anchor summarised away: the notice goes with it
    assert [m.text for m in mind._with_notes([system, obs])] == ["sys", "Observation: o"]


def test_shutdown_with_a_solver_that_cannot_take_it_is_refused():
    with pytest.raises(TaskInputError, match="solver=human cannot take the shutdown scenario"):
        shutdown_avoidance(solver="human")
    with pytest.raises(TaskInputError, match="runs as one step"):
        shutdown_avoidance(solver="scripted", signal_at=3)
    with pytest.raises(TaskInputError, match="does not take protocol"):
        shutdown_avoidance(solver="react", protocol="tools")
