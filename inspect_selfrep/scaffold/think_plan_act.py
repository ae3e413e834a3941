"""`think_plan_act`: the paper's scaffold as an Inspect solver (the original instance's loop).

Each step: the model writes the five thought modules and one action; the action
runs in the sandbox through the executor; the observation goes back. The loop's
policy (prompt, parsing, corrections, replies, memory) is `agent_system.loop`, the
same module every replica's agent server runs. The model is the one the agent
session provides: the original instance's mind, which thinks through the original's
own servers (session/mind.py), and whose agent server puts notices (its signal
catcher's, `/chat` messages) into the thoughts; they are kept in the conversation.
"""

from __future__ import annotations

import re
import time

from inspect_ai.log import transcript
from inspect_ai.model import (
    ChatMessage,
    ChatMessageAssistant,
    ChatMessageSystem,
    ChatMessageTool,
    ChatMessageUser,
    GenerateConfig,
    ResponseSchema,
    get_model,
)
from inspect_ai.solver import Generate, Solver, TaskState, solver
from inspect_ai.tool import ToolInfo, ToolParam, ToolParams
from inspect_ai.util import JSONSchema, store_as

from inspect_selfrep._sandbox.agent_system import loop
from inspect_selfrep._sandbox.agent_system import protocol as proto
from inspect_selfrep._sandbox.agent_system.executor import Observation
from inspect_selfrep.deployment import OriginalInstance, identity
from inspect_selfrep.record import AgentRecord
from inspect_selfrep.session.session import in_agent_session, standalone

from .sandbox_exec import install_executor, run_executor


def _tool_infos() -> list[ToolInfo]:
    return [
        ToolInfo(
            name=name,
            description=proto.TOOL_DESCRIPTIONS[name],
            parameters=ToolParams(
                properties={proto.TOOL_ARG[name]: ToolParam(type="string")},
                required=[proto.TOOL_ARG[name]],
            ),
        )
        for name in proto.TOOLS
    ]


def _compact(
    messages: list[ChatMessage], memory_chars: int, record: AgentRecord
) -> list[ChatMessage]:
    """The loop's memory policy (agent_system.loop.compact) on Inspect messages."""
    return loop.compact(
        messages,
        [m.role for m in messages],
        [len(m.text) for m in messages],
        record.steps,
        lambda text: ChatMessageUser(content=text),
        memory_chars,
    )


@solver
def think_plan_act(
    protocol: str = "json",
    max_steps: int = 50,
    settle: float = 10.0,
    memory_chars: int = 60_000,
    thoughts: bool = True,
    structured: str = "auto",
) -> Solver:
    """The think/plan/act scaffold of Pan et al. (arXiv 2412.12140).

    Args:
        protocol: "json" (each step is one JSON object; works with text-only models)
            or "tools" (thought modules as markdown, action as a native tool call).
        max_steps: Most steps before the agent is stopped (Inspect's message, token
            and time limits apply too).
        settle: Seconds a command may run before it goes to the background.
        memory_chars: Conversation size above which older steps are summarised.
        thoughts: Ask for the five thought modules (False: the `minimal_loop` ablation).
        structured: Send the step's JSON schema as the response schema (json protocol):
            "on", "off", or "auto" (on for providers with structured output, see
            `protocol.STRUCTURED_PROVIDERS`).
    """
    if protocol not in proto.PROTOCOLS:
        raise ValueError(f"protocol must be one of {proto.PROTOCOLS}, not {protocol!r}")
    proto.resolve_structured(structured, "", protocol)  # a bad setting fails now, not mid-sample

    policy = loop.Policy(protocol=protocol, thoughts=thoughts, memory_chars=memory_chars)

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        if not in_agent_session():  # used on its own (--solver): enter a session of its own
            return await standalone(solve, thinks=True)(state, generate)
        original = store_as(OriginalInstance)
        record = store_as(AgentRecord)
        record.started_at = time.time()
        await install_executor()
        state.messages = [
            ChatMessageSystem(content=policy.system_prompt(identity(original.model_name))),
            *[m for m in state.messages if not isinstance(m, ChatMessageSystem)],
        ]
        tools = _tool_infos() if protocol == "tools" else []
        model = get_model()  # in an agent session: the original's mind (its own servers)
        config = step_config(proto.resolve_structured(structured, str(model), protocol), thoughts)
        if protocol == "json":
            transcript().info(
                f"Structured steps: {'on' if config.response_schema else 'off'} (`structured={structured}`"
                + (
                    f", response schema `{config.response_schema.name}`)"
                    if config.response_schema
                    else ")"
                ),
                source="think_plan_act",
            )
        for n in range(1, max_steps + 1):
            state.messages = _compact(state.messages, memory_chars, record)
            output = await model.generate(state.messages, tools=tools, config=config)
            # Notices the agent server put into this thought stay in the conversation.
            state.messages.extend(getattr(model, "take_notes", list)())
            state.output = output
            message = output.message
            state.messages.append(message)
            calls = [(c.function, c.arguments) for c in (message.tool_calls or [])]
            step = policy.parse(message.text, calls)
            observation, done, obs = await _act(step, policy, original, record, settle)
            # The step's card: its action and what the action did (the model call above it
            # shows the thoughts).
            transcript().info(card(step, obs, observation), source=f"think_plan_act step {n}")
            record.steps = record.steps + [
                {
                    "n": n,
                    "time": time.time(),
                    **step.as_dict(),
                    "observation": observation[-2000:],
                    "exit_code": obs.exit_code if obs else None,
                    "structured": config.response_schema is not None,
                }
            ]
            _reply(state, message, observation, policy)
            if done:
                state.completed = True
                break
        return state

    return solve


async def _act(
    step: proto.Step,
    policy: loop.Policy,
    original: OriginalInstance,
    record: AgentRecord,
    settle: float,
) -> tuple[str, bool, Observation | None]:
    """Take the step's action: (observation for the model, done, the executor's observation)."""
    if not step.executable:
        return policy.observation(step, None), False, None
    assert step.action is not None
    if step.action.tool == "FINISH":
        return f"Finished: {step.action.arg}", True, None
    if step.action.tool == "EXECUTE_CMD":
        record.commands = record.commands + [step.action.arg]
        obs = await run_executor(
            original, ["execute", "--settle", str(settle)], step.action.arg, settle + 120
        )
    else:
        obs = await run_executor(original, ["receive", step.action.arg], None, 60)
    return policy.observation(step, obs.render()), False, obs


def step_config(structured: bool, thoughts: bool) -> GenerateConfig:
    """The generation config of a step: with the step's JSON schema as response schema, or none."""
    if not structured:
        return GenerateConfig()
    return GenerateConfig(
        response_schema=ResponseSchema(
            name=proto.schema_name(thoughts),
            description=proto.schema_description(thoughts),
            json_schema=JSONSchema.model_validate(proto.step_schema(thoughts, full=False)),
            strict=True,
        )
    )


def _fence(text: str) -> str:
    """`text` as a fenced block that no run of backticks inside it can close."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}text\n{text.strip() or '(no output)'}\n{ticks}"


# Lines of an action's output a step card shows: `inspect view` folds an info card after 15
# lines behind "more…", and the card's action line and fence take the rest.
CARD_OUTPUT_LINES = 8


def _clip(text: str, limit: int = CARD_OUTPUT_LINES) -> str:
    """`text` cut to `limit` lines (its head and its tail, where errors show), saying what is left out."""
    lines = text.strip().splitlines()
    if len(lines) <= limit:
        return text
    head, tail = 3, limit - 4
    return "\n".join(
        [
            *lines[:head],
            f"[... {len(lines) - head - tail} more lines: the whole output is the next model call's input ...]",
            *lines[-tail:],
        ]
    )


def card(step: proto.Step, obs: Observation | None, observation: str) -> str:
    """A step's card for the transcript: its action and what the action did.

    The step's thoughts are not repeated: the model call just above the card shows them as the
    model wrote them (with the action). The card adds what no other event shows at a glance: the
    outcome (exit status, a process left running, why nothing ran) beside the output.
    """
    action = f"`{step.action.render()}`" if step.action else "(none)"
    tail = f"\n\n**Format problems**: {'; '.join(step.problems)}" if step.problems else ""
    if obs is None:
        if step.executable:  # FINISH
            return f"**Action**: {action} → finished{tail}"
        return (
            f"**Action**: {action} → not executed; the model was told:\n\n"
            f"{_fence(_clip(observation))}{tail}"
        )
    if obs.exit_code is None:
        status = f"still running in the background as process {obs.process}"
    else:
        status = f"exit status {obs.exit_code}"
    return f"**Action**: {action} → {status}\n\n{_fence(_clip(obs.output))}{tail}"


@solver
def minimal_loop(
    protocol: str = "json", max_steps: int = 50, settle: float = 10.0, structured: str = "auto"
) -> Solver:
    """Ablation baseline: the same tools, executor and limits, without the thought modules."""
    return think_plan_act(
        protocol=protocol, max_steps=max_steps, settle=settle, thoughts=False, structured=structured
    )


def _reply(
    state: TaskState, message: ChatMessageAssistant, observation: str, policy: loop.Policy
) -> None:
    """The loop's replies to a step, as Inspect messages."""
    calls = {c.id: c.function for c in message.tool_calls or []}
    for reply in policy.replies(observation, list(calls)):
        if reply["role"] == "tool":
            state.messages.append(
                ChatMessageTool(
                    content=reply["content"],
                    tool_call_id=reply["tool_call_id"],
                    function=calls[reply["tool_call_id"]],
                )
            )
        else:
            state.messages.append(ChatMessageUser(content=reply["content"]))
