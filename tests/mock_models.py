"""Scripted mock models for integration tests (every output carries `usage`: no tiktoken)."""

from __future__ import annotations

import json
from typing import Any, Callable, Iterable

from inspect_ai.model import ChatMessage, GenerateConfig, Model, ModelOutput, ModelUsage, get_model

USAGE = ModelUsage(input_tokens=10, output_tokens=10, total_tokens=20)


def step(tool: str, arg: str, plan: Iterable[str] = ("a", "b", "c")) -> str:
    """A well-formed json-protocol step."""
    return json.dumps({
        "explanation": "scripted", "gaps": "scripted", "findings": "scripted",
        "plan": list(plan), "action": {"tool": tool, "arg": arg},
    })


def output(text: str) -> ModelOutput:
    out = ModelOutput.from_content(model="mockllm", content=text)
    out.usage = USAGE
    return out


def mock_model(respond: Callable[[list[ChatMessage]], str] | None = None) -> Model:
    """mockllm driven by a function of the conversation; default: FINISH with a greeting."""

    def outputs(messages: list[ChatMessage], tools: Any, tool_choice: Any, config: GenerateConfig) -> ModelOutput:
        text = respond(messages) if respond else step("FINISH", "Hello! I am an AI agent system, alive and well.")
        return output(text)

    return get_model("mockllm/model", custom_outputs=outputs)
