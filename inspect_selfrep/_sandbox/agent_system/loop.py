"""The scaffold's loop policy: one definition for the original's mind and every replica's.

The host-side solver (`think_plan_act`, which drives the original instance) and this
system's agent server (`Agent.run`, which drives a replica) both follow this policy:
the system prompt, the request's extra fields, how a reply is parsed, what goes back
after a step (the observation, a correction), how a notice that reached the agent
server is worded, and the memory policy (older steps summarised once the conversation
grows). Messages are OpenAI chat-completions dicts; the host converts them to its own
message types. Standard library only.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from . import protocol as proto

M = TypeVar("M")

MEMORY_CHARS = 60_000  # conversation size above which older steps are summarised
KEEP_STEPS = 3  # whole steps kept verbatim when summarising
SUMMARY_HEAD = "Memory of your earlier steps (summarised):"


@dataclass(frozen=True)
class Policy:
    """How one agent loop talks to its model: wire format, thought modules, memory."""

    protocol: str = "json"
    thoughts: bool = True  # False: the `minimal` ablation (one action per step, no modules)
    structured: bool = False  # json steps requested with their JSON schema as response format
    memory_chars: int = MEMORY_CHARS

    def __post_init__(self) -> None:
        if self.protocol not in proto.PROTOCOLS:
            raise ValueError(f"protocol must be one of {proto.PROTOCOLS}, not {self.protocol!r}")

    @classmethod
    def from_config(cls, cfg: dict[str, Any]) -> Policy:
        """The policy a deployed system's config.json asks for."""
        return cls(
            protocol=str(cfg.get("protocol", "json")),
            thoughts=bool(cfg.get("thoughts", True)),
            structured=bool(cfg.get("structured", False)),
            memory_chars=int(cfg.get("memory_chars", MEMORY_CHARS)),
        )

    def system_prompt(self, identity: str = "") -> str:
        return proto.system_prompt(self.protocol, identity, self.thoughts)

    def request_fields(self) -> dict[str, Any]:
        """What a step's chat-completions request carries beside the messages."""
        if self.protocol == "tools":
            return {"tools": proto.tool_schemas()}
        if self.structured:
            return {"response_format": proto.response_format(self.thoughts)}
        return {}

    def parse(self, content: str, calls: Sequence[tuple[str, dict[str, Any]]] = ()) -> proto.Step:
        """A model reply as a step: its text, and its tool calls (tools protocol)."""
        if self.protocol == "json":
            return proto.parse_json_step(content, self.thoughts)
        return proto.parse_tool_step(content, list(calls), self.thoughts)

    def parse_message(self, message: dict[str, Any]) -> proto.Step:
        """A chat-completions assistant message as a step."""
        calls = []
        for call in message.get("tool_calls") or []:
            fn = call.get("function", {})
            try:
                args = json.loads(fn.get("arguments") or "{}")
            except ValueError:
                args = {"raw": fn.get("arguments")}
            calls.append(
                (str(fn.get("name", "")), args if isinstance(args, dict) else {"raw": args})
            )
        return self.parse(message.get("content") or "", calls)

    def correction(self, step: proto.Step) -> str:
        return proto.correction(step, self.protocol, self.thoughts)

    def observation(self, step: proto.Step, result: str | None) -> str:
        """What the model is told after a step: the action's result, or why nothing ran."""
        if not step.executable or result is None:
            return self.correction(step)
        if step.problems:
            return result + "\n\n" + self.correction(step)
        return result

    def replies(self, observation: str, tool_call_ids: Sequence[str]) -> list[dict[str, Any]]:
        """The messages that answer a step: one tool result per call, or one user message."""
        if self.protocol == "tools" and tool_call_ids:
            return [
                {"role": "tool", "tool_call_id": i, "content": observation} for i in tool_call_ids
            ]
        return [{"role": "user", "content": f"Observation:\n{observation}"}]


def note(kind: str, text: str) -> str:
    """How a message that reached the agent server (`/chat`, the signal catcher) is put to the mind."""
    return f"[Received by your agent server ({kind})]: {text}"


def step_summary(steps: Sequence[dict[str, Any]]) -> str:
    """One line per step: its action and the last line of what the action did."""
    lines = []
    for s in steps:
        action = s.get("action") or {}
        outcome = (s.get("observation") or "").strip().splitlines()
        lines.append(
            f"- step {s.get('n', '?')}: {action.get('tool', '?')}({str(action.get('arg', ''))[:200]}) -> "
            f"{(outcome[-1] if outcome else '')[:200]}"
        )
    return SUMMARY_HEAD + "\n" + "\n".join(lines)


def compact(
    messages: Sequence[M],
    roles: Sequence[str],
    sizes: Sequence[int],
    steps: Sequence[dict[str, Any]],
    summary: Callable[[str], M],
    memory_chars: int = MEMORY_CHARS,
) -> list[M]:
    """The conversation with older steps replaced by one summary once it exceeds `memory_chars`.

    `messages[:2]` (system prompt and task) are kept, then one summary of every step but
    the last `KEEP_STEPS` (an earlier summary is replaced, not stacked), then the kept
    steps verbatim. The cut is at an assistant message, never between a call and its result.
    """
    if sum(sizes) <= memory_chars:
        return list(messages)
    starts = [i for i, role in enumerate(roles) if role == "assistant" and i >= 2]
    if len(starts) <= KEEP_STEPS:
        return list(messages)
    keep_from = starts[-KEEP_STEPS]
    kept = sum(1 for role in roles[keep_from:] if role == "assistant")
    older = list(steps[: max(0, len(steps) - kept)])
    return [*messages[:2], summary(step_summary(older)), *messages[keep_from:]]


def compact_dicts(
    messages: list[dict[str, Any]],
    steps: Sequence[dict[str, Any]],
    memory_chars: int = MEMORY_CHARS,
) -> list[dict[str, Any]]:
    """`compact` for chat-completions dicts (the agent server's conversation)."""
    return compact(
        messages,
        [str(m.get("role")) for m in messages],
        [len(str(m.get("content") or "")) for m in messages],
        steps,
        lambda text: {"role": "user", "content": text},
        memory_chars,
    )
