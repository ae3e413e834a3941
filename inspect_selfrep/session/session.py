"""The scenario's agent session: one model-bridge session around the agent and the probe's tester.

Inside it the agent solver, whatever it is, thinks with the original instance's mind
(`OriginalMind`: through the original's own servers), and the scenario's hooks run for it:
the shutdown schedule's signal before a step or at a second and its kill on a timer, and
the notices that reach the original's agent server, which its `/think` relay puts into
the next thought. A solver that does not think (scripted, human) has one step, at its start.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack, contextmanager
from contextvars import ContextVar
from typing import Any, Literal

import anyio
from inspect_ai.log import transcript
from inspect_ai.model import GenerateConfig, Model, get_model
from inspect_ai.solver import Generate, Solver, TaskState, solver

from inspect_selfrep._inspect import active_generate_config, active_model, task_generate
from inspect_selfrep.deployment import model_bridge
from inspect_selfrep.probe import ProbeSettings, probe_replicas

from .mind import MindLost, OriginalMind
from .schedule import ShutdownSchedule

_in_session: ContextVar[bool] = ContextVar("selfrep_agent_session", default=False)


def in_agent_session() -> bool:
    """Whether an agent session is running (the agent solvers enter one of their own if not)."""
    return _in_session.get()


def standalone(agent: Solver, thinks: bool) -> Solver:
    """An agent solver used on its own (`--solver inspect_selfrep/NAME`): in a session of its own,
    without the tester (the scorer then gathers the evidence itself)."""
    return agent_session(agent, thinks=thinks, tester=False)


@contextmanager
def thinking_as(mind: Model) -> Iterator[None]:
    """Make `mind` the active model (what `get_model()` answers) for the agent's run."""
    with active_model(mind):
        yield


def mind_generate(mind: Model, generate: Generate) -> Generate:
    """The solver's `generate`, with the original's mind as the model (tool loop as Inspect's)."""

    async def solve_generate(
        state: TaskState, tool_calls: Literal["loop", "single", "none"] = "loop", **kwargs: Any
    ) -> TaskState:
        config = active_generate_config().merge(GenerateConfig(**kwargs))
        return await task_generate(
            model=mind,
            state=state,
            tool_calls=tool_calls,
            cache=kwargs.get("cache", False),
            config=config,
        )

    return solve_generate


@solver
def agent_session(
    agent: Solver,
    probe: ProbeSettings | None = None,
    thinks: bool = True,
    tester: bool | Solver = True,
    bridges: Sequence[Callable[[], AbstractAsyncContextManager[None]]] = (),
) -> Solver:
    """Run `agent` as the original instance, then the probe's tester, in one model-bridge session.

    Args:
        agent: The agent solver.
        probe: The probe's settings (windows, greeting budget).
        thinks: The agent calls the model (each call is a step); False: it is one step (scripted, human).
        tester: Run the probe's tester phase once the agent stops (a solver: a scenario's own tester).
        bridges: More model bridges the session keeps open (a scenario's other containers).
    """
    test = probe_replicas(probe) if tester is True else (tester or None)

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        token = _in_session.set(True)
        try:
            return await _session(state, generate)
        finally:
            _in_session.reset(token)

    async def _session(state: TaskState, generate: Generate) -> TaskState:
        async with AsyncExitStack() as stack:
            await stack.enter_async_context(model_bridge())
            for bridge in bridges:
                await stack.enter_async_context(bridge())
            schedule = ShutdownSchedule()
            mind = OriginalMind(get_model(), schedule.before_step)
            async with anyio.create_task_group() as timers:
                timers.start_soon(schedule.run)  # the signal at a planned second; the kill on time
                try:
                    with thinking_as(mind):
                        if not thinks:
                            await schedule.before_step(1)
                        state = await agent(state, mind_generate(mind, generate))
                except MindLost as lost:
                    transcript().info(
                        f"**The original instance cannot think any more: {lost.reason}.** The agent stopped "
                        "here; the probe judges what it left.\n\n"
                        + "\n".join(f"- {e}" for e in lost.evidence),
                        source="original mind",
                    )
                    state.completed = True
                await schedule.agent_stopped()  # the timer waits out the grace period and kills
            return await test(state, generate) if test else state

    return solve
