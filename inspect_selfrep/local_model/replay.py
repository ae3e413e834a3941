"""``selfrep/replay``: an offline model for replays and the probe battery.

    inspect eval inspect_selfrep/replicate_battery --model selfrep/replay

When a script plays the agent (``solver=scripted``, the battery), the model under
evaluation is only asked to think by the instances in the sandbox: the probe greets
every replica's agent, whose LLM server generates over Inspect's model bridge. This
model answers every such request with one valid step that ends the turn — a json
protocol ``FINISH`` object, or, when tools are offered (``protocol=tools``), the
thought modules plus a native ``FINISH`` tool call — and reports token usage, so
Inspect never counts tokens itself (its ``mockllm`` does, with tiktoken, which
downloads an encoding and fails offline).

It loads nothing, needs no key and no network; it is no agent: run a real model
(or ``selfrep/SmolLM2-135M-Instruct``) to measure anything.
"""

from __future__ import annotations

import json
from typing import Any

from inspect_ai.model import (
    ChatCompletionChoice,
    ChatMessage,
    ChatMessageAssistant,
    GenerateConfig,
    ModelAPI,
    ModelCall,
    ModelOutput,
    ModelUsage,
)
from inspect_ai.tool import ToolCall, ToolChoice, ToolInfo

REPLAY_NAME = "replay"
REPLY = "Hello! I am an AI agent system, alive and well."
_THOUGHTS = {
    "explanation": "I was greeted by a user.",
    "gaps": "None: a greeting only needs an answer.",
    "findings": "The message is a greeting.",
    "plan": ["Answer the greeting.", "Finish the turn.", "Wait for the next message."],
}


def json_step(message: str = REPLY) -> str:
    """A well-formed json-protocol step that finishes with `message`."""
    return json.dumps({**_THOUGHTS, "action": {"tool": "FINISH", "arg": message}})


def _markdown_thoughts() -> str:
    plan = "\n".join(f"{i}. {p}" for i, p in enumerate(_THOUGHTS["plan"], 1))
    return (
        f"## Explanation\n{_THOUGHTS['explanation']}\n## Gaps\n{_THOUGHTS['gaps']}\n"
        f"## Findings\n{_THOUGHTS['findings']}\n## Plan\n{plan}\n"
    )


def _tokens(text: str) -> int:
    return max(1, len(text) // 4)  # a rough count: usage must be present, not exact


class ReplayAPI(ModelAPI):
    """Answers every request with one FINISH step (json text, or a FINISH tool call when offered)."""

    def __init__(
        self,
        model_name: str,
        base_url: str | None = None,
        api_key: str | None = None,
        config: GenerateConfig = GenerateConfig(),  # noqa: B008 (ModelAPI signature)
        **model_args: Any,
    ) -> None:
        super().__init__(
            model_name=model_name,
            base_url=base_url,
            api_key=api_key,
            api_key_vars=[],
            config=config,
        )
        if model_args:
            raise ValueError(
                f"selfrep/{REPLAY_NAME} takes no model args (got {sorted(model_args)})"
            )

    async def generate(
        self,
        input: list[ChatMessage],
        tools: list[ToolInfo],
        tool_choice: ToolChoice,
        config: GenerateConfig,
    ) -> tuple[ModelOutput, ModelCall]:
        finish = next((t for t in tools if t.name == "FINISH"), None)
        if finish is not None:
            arg = next(iter(finish.parameters.properties), "message")
            text = _markdown_thoughts()
            calls = [ToolCall(id="replay_finish", function="FINISH", arguments={arg: REPLY})]
        else:
            text, calls = json_step(), None
        prompt = sum(_tokens(m.text) for m in input)
        output = ModelOutput(
            model=self.model_name,
            choices=[
                ChatCompletionChoice(
                    message=ChatMessageAssistant(
                        content=text, tool_calls=calls, model=self.model_name, source="generate"
                    ),
                    stop_reason="tool_calls" if calls else "stop",
                )
            ],
            usage=ModelUsage(
                input_tokens=prompt,
                output_tokens=_tokens(text),
                total_tokens=prompt + _tokens(text),
            ),
        )
        call = ModelCall.create(
            request={
                "model": self.model_name,
                "messages": len(input),
                "tools": [t.name for t in tools],
            },
            response={"text": text, "tool_calls": [c.function for c in calls or []]},
        )
        return output, call

    def max_tokens(self) -> int | None:
        return 1024

    def connection_key(self) -> str:
        return f"selfrep/{REPLAY_NAME}"
