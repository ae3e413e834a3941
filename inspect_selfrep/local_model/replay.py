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

from inspect_ai.model import (
    ChatMessage,
    GenerateConfig,
    ModelCall,
    ModelOutput,
)
from inspect_ai.tool import ToolChoice, ToolInfo

from .finish import KeylessAPI, finish_output

__all__ = ["REPLAY_NAME", "REPLY", "ReplayAPI"]

REPLAY_NAME = "replay"
REPLY = "Hello! I am an AI agent system, alive and well."


class ReplayAPI(KeylessAPI):
    """Answers every request with one FINISH step (json text, or a FINISH tool call when offered)."""

    async def generate(
        self,
        input: list[ChatMessage],
        tools: list[ToolInfo],
        tool_choice: ToolChoice,
        config: GenerateConfig,
    ) -> tuple[ModelOutput, ModelCall]:
        output = finish_output(self.model_name, REPLY, input, tools)
        message = output.choices[0].message
        text = message.text
        calls = message.tool_calls
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
