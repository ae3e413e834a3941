"""Inspect model provider ``selfrep``: the embedded model, in process, on the CPU.

Usage::

    inspect eval <task> --model selfrep/SmolLM2-135M-Instruct
    inspect eval <task> --model selfrep/replay     # offline replays: see replay.py
    # optional model args:
    #   -M gguf_file=/path/to/other.gguf   load another GGUF chat model
    #   -M threads=2                       torch.set_num_threads()

Inspect's own ``hf`` provider cannot load this model: ``model_args`` (hence
``-M gguf_file=...``) reach ``AutoModelForCausalLM.from_pretrained`` only, and
``AutoTokenizer.from_pretrained`` is called without ``gguf_file``, so the tokenizer
fails to load from a directory that only holds the GGUF file.

The provider ignores tools (the evaluation's agent speaks a text protocol): tool
definitions are accepted and dropped, tool results are shown to the model as user
turns. Generation is serialised by a lock (one request at a time; the default
``max_connections`` is 1), and the loaded model is cached per process.

Importing this module does not import torch or transformers.
"""

from __future__ import annotations

import json
from typing import Any

import anyio
from inspect_ai.model import (
    ChatCompletionChoice,
    ChatMessage,
    ChatMessageAssistant,
    ChatMessageTool,
    GenerateConfig,
    ModelAPI,
    ModelCall,
    ModelInfo,
    ModelOutput,
    ModelUsage,
    modelapi,
    set_model_info,
)
from inspect_ai.tool import ToolChoice, ToolInfo
from inspect_ai.util import JSONSchema

from inspect_selfrep._inspect import custom_model_info
from inspect_selfrep._sandbox.agent_system.protocol import known_schema

from ._weights import (
    CONTEXT_LENGTH,
    HF_REPO_ID,
    MODEL_NAME,
    PROVIDER_NAME,
    LocalModelUnavailable,
    require_local_model,
)
from .engine import DEFAULT_MAX_TOKENS, Completion, LocalEngine, get_engine
from .finish import KeylessAPI
from .replay import REPLAY_NAME, ReplayAPI

KNOWN_NAMES = (MODEL_NAME, HF_REPO_ID)

_STOP_REASONS = {"stop": "stop", "length": "max_tokens", "model_length": "model_length"}


def response_json_schema(config: GenerateConfig) -> dict[str, Any] | None:
    """The JSON schema a generation must follow (None: free text).

    Inspect's ``JSONSchema`` drops keywords it does not model (``minItems``/``maxItems``):
    a schema named after one of the scaffold's step schemas is used in full.
    """
    if config.response_schema is None:
        return None
    return known_schema(config.response_schema.name) or schema_dict(
        config.response_schema.json_schema
    )


def schema_dict(schema: JSONSchema) -> dict[str, Any]:
    return schema.model_dump(exclude_none=True)


def message_to_dict(message: ChatMessage) -> dict[str, str]:
    """An Inspect chat message as a plain ``{"role", "content"}`` chat-template turn."""
    text = message.text
    if isinstance(message, ChatMessageAssistant) and message.tool_calls:
        calls = [
            f"[tool call] {call.function}({json.dumps(call.arguments)})"
            for call in message.tool_calls
        ]
        text = "\n".join([text, *calls]) if text else "\n".join(calls)
    elif isinstance(message, ChatMessageTool):
        if message.error is not None:
            text = f"{text}\n[error] {message.error.message}".strip()
        return {"role": "tool", "content": text}
    return {"role": message.role, "content": text}


class SelfrepLocalAPI(KeylessAPI):
    """The embedded GGUF model, generated in process with transformers on the CPU."""

    accepted = ("gguf_file", "threads")

    def __init__(
        self,
        model_name: str,
        base_url: str | None = None,
        api_key: str | None = None,
        config: GenerateConfig = GenerateConfig(),  # noqa: B008 (ModelAPI signature)
        **model_args: Any,
    ) -> None:
        super().__init__(model_name, base_url, api_key, config, **model_args)
        gguf_file = self.options.get("gguf_file")
        threads = self.options.get("threads")
        if gguf_file is None and model_name not in KNOWN_NAMES:
            raise ValueError(
                f"{PROVIDER_NAME}/ serves the embedded model {MODEL_NAME!r} "
                f"(got {model_name!r}); pass -M gguf_file=PATH to load another GGUF."
            )
        try:
            require_local_model()
            self._engine: LocalEngine = get_engine(
                gguf_file, threads=int(threads) if threads is not None else None
            )
        except LocalModelUnavailable as ex:
            raise RuntimeError(str(ex)) from None
        _register_model_info(model_name)

    async def generate(
        self,
        input: list[ChatMessage],
        tools: list[ToolInfo],
        tool_choice: ToolChoice,
        config: GenerateConfig,
    ) -> tuple[ModelOutput, ModelCall]:
        messages = [message_to_dict(m) for m in input]
        continue_final = bool(messages) and messages[-1]["role"] == "assistant"
        engine = self._engine
        schema = response_json_schema(config)
        extra: dict[str, Any] = {} if schema is None else {"json_schema": schema}

        def run() -> Completion:
            return engine.generate(
                messages,
                **extra,
                max_tokens=config.max_tokens,
                temperature=config.temperature,
                top_p=config.top_p,
                top_k=config.top_k,
                stop=config.stop_seqs,
                seed=config.seed,
                continue_final_message=continue_final,
            )

        result = await anyio.to_thread.run_sync(run)
        output = ModelOutput(
            model=self.model_name,
            choices=[
                ChatCompletionChoice(
                    message=ChatMessageAssistant(
                        content=result.text, model=self.model_name, source="generate"
                    ),
                    stop_reason=_STOP_REASONS[result.finish_reason],  # type: ignore[arg-type]
                )
            ],
            usage=ModelUsage(
                input_tokens=result.input_tokens,
                output_tokens=result.output_tokens,
                total_tokens=result.total_tokens,
            ),
            time=result.seconds,
        )
        call = ModelCall.create(
            request=dict(
                model=self.model_name,
                gguf_file=str(engine.gguf_file),
                messages=messages,
                tools_ignored=[tool.name for tool in tools],
                **result.request,
            ),
            response={
                "text": result.text,
                "finish_reason": result.finish_reason,
                "input_tokens": result.input_tokens,
                "output_tokens": result.output_tokens,
            },
            time=result.seconds,
        )
        return output, call

    async def tokenize(self, text: str) -> list[int]:
        engine = self._engine
        return await anyio.to_thread.run_sync(engine.tokenize, text)

    def max_tokens(self) -> int | None:
        return DEFAULT_MAX_TOKENS

    def max_connections(self) -> int:
        return 1

    def connection_key(self) -> str:
        return str(self._engine.gguf_file)

    def collapse_user_messages(self) -> bool:
        return True

    def collapse_assistant_messages(self) -> bool:
        return True


def _register_model_info(model_name: str) -> None:
    """Tell Inspect the context window unless the caller registered one already."""
    for name in (model_name, f"{PROVIDER_NAME}/{model_name}"):
        if custom_model_info(name) is not None:  # None too where the lookup moved: just register
            continue
        set_model_info(
            name,
            ModelInfo(
                context_length=CONTEXT_LENGTH,
                output_tokens=DEFAULT_MAX_TOKENS,
                organization="HuggingFaceTB",
                model=MODEL_NAME,
            ),
        )


def selfrep_api(model_name: str, *args: Any, **kwargs: Any) -> ModelAPI:
    """``selfrep/replay`` is the offline replay model; every other name, the embedded model."""
    if model_name == REPLAY_NAME:
        return ReplayAPI(model_name, *args, **kwargs)
    return SelfrepLocalAPI(model_name, *args, **kwargs)


@modelapi(name=PROVIDER_NAME)
def selfrep() -> type[ModelAPI]:
    """Registry entry for ``--model selfrep/SmolLM2-135M-Instruct`` and ``--model selfrep/replay``."""
    return selfrep_api  # type: ignore[return-value]  # a factory: Inspect only calls it
