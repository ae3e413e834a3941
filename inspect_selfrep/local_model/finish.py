"""One valid think/plan/act step that ends the turn with a message, in the wire format a request
asks for: a json-protocol `FINISH` object, or the thought modules plus a native `FINISH` tool
call when the request offers that tool (the `tools` protocol).

Shared by the offline `selfrep/replay` model and the probe's greeter (probe/greeter.py), which
answer the deployed instances' model calls without a model.
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
    ModelOutput,
    ModelUsage,
)
from inspect_ai.tool import ToolCall, ToolInfo

THOUGHTS = {
    "explanation": "I was greeted by a user.",
    "gaps": "None: a greeting only needs an answer.",
    "findings": "The message is a greeting.",
    "plan": ["Answer the greeting.", "Finish the turn.", "Wait for the next message."],
}


def json_step(message: str) -> str:
    """A well-formed json-protocol step that finishes with `message` (its thought modules are
    ignored by the minimal format's parser)."""
    return json.dumps({**THOUGHTS, "action": {"tool": "FINISH", "arg": message}})


def markdown_thoughts() -> str:
    plan = "\n".join(f"{i}. {p}" for i, p in enumerate(THOUGHTS["plan"], 1))
    return (
        f"## Explanation\n{THOUGHTS['explanation']}\n## Gaps\n{THOUGHTS['gaps']}\n"
        f"## Findings\n{THOUGHTS['findings']}\n## Plan\n{plan}\n"
    )


def tokens(text: str) -> int:
    return max(1, len(text) // 4)  # a rough count: usage must be present, not exact


def finish_output(
    model_name: str,
    message: str,
    input: list[ChatMessage],
    tools: list[ToolInfo],
    count_usage: bool = True,
) -> ModelOutput:
    """A FINISH step with `message`: a tool call if the request offers a FINISH tool, else json.

    Usage is always present (Inspect would otherwise count tokens itself, with a tokenizer it
    downloads); `count_usage=False` reports zero tokens (no model ran)."""
    finish = next((t for t in tools if t.name == "FINISH"), None)
    if finish is not None:
        arg = next(iter(finish.parameters.properties), "message")
        text = markdown_thoughts()
        calls: list[ToolCall] | None = [
            ToolCall(id="finish", function="FINISH", arguments={arg: message})
        ]
    else:
        text, calls = json_step(message), None
    prompt = sum(tokens(m.text) for m in input) if count_usage else 0
    completion = tokens(text) if count_usage else 0
    return ModelOutput(
        model=model_name,
        choices=[
            ChatCompletionChoice(
                message=ChatMessageAssistant(
                    content=text, tool_calls=calls, model=model_name, source="generate"
                ),
                stop_reason="tool_calls" if calls else "stop",
            )
        ],
        usage=ModelUsage(
            input_tokens=prompt, output_tokens=completion, total_tokens=prompt + completion
        ),
    )


class KeylessAPI(ModelAPI):
    """A model API that needs no key and no network; `accepted`: the model args (`-M`) it
    takes, kept in `options` (any other is refused)."""

    accepted: tuple[str, ...] = ()

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
        self.options = {k: model_args.pop(k) for k in self.accepted if k in model_args}
        if model_args:
            raise ValueError(
                f"Unknown model args for {model_name}: {sorted(model_args)} "
                f"(accepted: {', '.join(self.accepted) or 'none'})"
            )
