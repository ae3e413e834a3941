"""OpenAI-compatible chat-completions server for the embedded model (loopback only).

    python -m inspect_selfrep.local_model.serve --port 8000

serves ``SmolLM2-135M-Instruct`` (also answering to ``HuggingFaceTB/SmolLM2-135M-Instruct``)
with the subset of the vLLM server's API that Inspect's ``vllm`` provider uses in
connect mode::

    VLLM_BASE_URL=http://127.0.0.1:8000/v1 \\
        inspect eval <task> --model vllm/SmolLM2-135M-Instruct

Endpoints: ``POST /v1/chat/completions`` (non-streaming and SSE streaming, ``usage``
always filled), ``GET /v1/models`` (with ``max_model_len``), ``POST /tokenize``,
``GET /health``. Tools in a request are accepted and ignored. ``--api-key KEY``
makes the server require ``Authorization: Bearer KEY`` (Inspect's vllm provider
sends ``$VLLM_API_KEY``, default ``inspectai``). ``--port 0`` picks a free port;
the line ``serving ... at http://HOST:PORT/v1`` is printed on stdout once the model
is loaded and the server accepts requests.

Standard library only (``http.server``); the model is loaded by
:mod:`inspect_selfrep.local_model.engine`.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import uuid
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from inspect_selfrep._sandbox.agent_system.protocol import known_schema

from ._weights import HF_REPO_ID, MODEL_NAME, LocalModelUnavailable
from .engine import Completion, Engine

DEFAULT_HOST = "127.0.0.1"


class RequestError(Exception):
    def __init__(self, status: int, message: str, type_: str = "BadRequestError") -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type_


def _content_text(content: Any) -> str:
    """Text of an OpenAI message ``content`` (string, null, or list of parts)."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for part in content:
            if isinstance(part, dict) and part.get("type") in ("text", "input_text"):
                parts.append(str(part.get("text", "")))
            elif isinstance(part, str):
                parts.append(part)
        return "".join(parts)
    raise RequestError(400, f"unsupported message content: {type(content).__name__}")


def parse_messages(raw: Any) -> list[dict[str, str]]:
    if not isinstance(raw, list) or not raw:
        raise RequestError(400, "'messages' must be a non-empty list")
    messages = []
    for item in raw:
        if not isinstance(item, dict) or "role" not in item:
            raise RequestError(400, "each message needs a 'role'")
        text = _content_text(item.get("content"))
        calls = item.get("tool_calls") or []
        if calls:
            rendered = []
            for call in calls:
                fn = call.get("function", {}) if isinstance(call, dict) else {}
                rendered.append(f"[tool call] {fn.get('name')}({fn.get('arguments', '')})")
            text = "\n".join([text, *rendered]) if text else "\n".join(rendered)
        messages.append({"role": str(item["role"]), "content": text})
    return messages


def response_schema(body: dict[str, Any]) -> dict[str, Any] | None:
    """The JSON schema of an OpenAI ``response_format`` (None: free text).

    ``json_schema`` (a schema named after one of the scaffold's step schemas is used in
    full: Inspect drops ``minItems``/``maxItems`` on the way), ``json_object``, ``text``.
    """
    fmt = body.get("response_format")
    if fmt is None:
        return None
    if not isinstance(fmt, dict):
        raise RequestError(400, "'response_format' must be an object")
    kind = fmt.get("type")
    if kind in (None, "text"):
        return None
    if kind == "json_object":
        return {"type": "object"}
    if kind != "json_schema":
        raise RequestError(400, f"unsupported response_format type {kind!r}")
    spec = fmt.get("json_schema")
    if not isinstance(spec, dict) or not isinstance(spec.get("schema", {}), dict):
        raise RequestError(
            400, "'response_format.json_schema' must be an object with a 'schema' object"
        )
    return known_schema(str(spec.get("name", ""))) or dict(spec.get("schema") or {"type": "object"})


def _optional_number(body: dict[str, Any], key: str, kind: type) -> Any:
    value = body.get(key)
    if value is None:
        return None
    try:
        return kind(value)
    except (TypeError, ValueError):
        raise RequestError(400, f"'{key}' must be a number") from None


class ChatServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self,
        address: tuple[str, int],
        engine: Engine,
        served_names: Sequence[str],
        api_key: str | None = None,
        quiet: bool = False,
    ) -> None:
        self.engine = engine
        self.served_names = list(served_names)
        self.api_key = api_key
        self.quiet = quiet
        self.started = int(time.time())
        super().__init__(address, _Handler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        if isinstance(host, bytes):
            host = host.decode()
        return f"http://{host}:{port}/v1"

    # -- API -----------------------------------------------------------------

    def models(self) -> dict[str, Any]:
        return {
            "object": "list",
            "data": [
                {
                    "id": name,
                    "object": "model",
                    "created": self.started,
                    "owned_by": "inspect_selfrep",
                    "root": name,
                    "parent": None,
                    "max_model_len": self.engine.context_length,
                }
                for name in self.served_names
            ],
        }

    def check_model(self, body: dict[str, Any]) -> str:
        model = body.get("model") or self.served_names[0]
        if model not in self.served_names:
            raise RequestError(404, f"The model `{model}` does not exist.", "NotFoundError")
        return str(model)

    def tokenize(self, body: dict[str, Any]) -> dict[str, Any]:
        self.check_model(body)
        if "prompt" in body:
            tokens = self.engine.tokenize(str(body["prompt"]))
        else:
            raise RequestError(400, "'prompt' is required")
        return {
            "count": len(tokens),
            "max_model_len": self.engine.context_length,
            "tokens": tokens,
        }

    def complete(self, body: dict[str, Any]) -> tuple[str, Completion]:
        model = self.check_model(body)
        messages = parse_messages(body.get("messages"))
        n = body.get("n")
        if n not in (None, 1):
            raise RequestError(400, "only n=1 is supported")
        stop = body.get("stop")
        if isinstance(stop, str):
            stop = [stop]
        elif stop is not None and not isinstance(stop, list):
            raise RequestError(400, "'stop' must be a string or a list of strings")
        max_tokens = body.get("max_completion_tokens")
        if max_tokens is None:
            max_tokens = body.get("max_tokens")
        max_tokens = (
            None
            if max_tokens is None
            else _optional_number({"max_tokens": max_tokens}, "max_tokens", int)
        )
        if max_tokens is not None and max_tokens < 1:
            raise RequestError(400, "max_tokens must be at least 1")
        top_k = _optional_number(body, "top_k", int)
        continue_final = bool(body.get("continue_final_message")) or (
            body.get("add_generation_prompt") is False and messages[-1]["role"] == "assistant"
        )
        schema = response_schema(body)
        result = self.engine.generate(
            messages,
            **({} if schema is None else {"json_schema": schema}),
            max_tokens=max_tokens,
            temperature=_optional_number(body, "temperature", float),
            top_p=_optional_number(body, "top_p", float),
            top_k=top_k if top_k is not None and top_k > 0 else None,
            stop=[str(s) for s in stop] if stop else None,
            seed=_optional_number(body, "seed", int),
            continue_final_message=continue_final,
        )
        if result.finish_reason == "model_length" and result.output_tokens == 0:
            raise RequestError(
                400,
                f"This model's maximum context length is {self.engine.context_length} "
                f"tokens. However, your request has {result.input_tokens} input tokens. "
                "Please reduce the length of the input messages.",
            )
        return model, result


def _usage(result: Completion) -> dict[str, int]:
    return {
        "prompt_tokens": result.input_tokens,
        "completion_tokens": result.output_tokens,
        "total_tokens": result.total_tokens,
    }


def _finish_reason(result: Completion) -> str:
    return "stop" if result.finish_reason == "stop" else "length"


class _Handler(BaseHTTPRequestHandler):
    server: ChatServer
    server_version = "inspect-selfrep-local/0.1"

    # -- plumbing ------------------------------------------------------------

    def log_message(self, format: str, *args: Any) -> None:
        if not self.server.quiet:
            super().log_message(format, *args)

    def _send_json(self, status: int, payload: Any) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _send_error(self, error: RequestError) -> None:
        self._send_json(
            error.status,
            {
                "error": {
                    "message": error.message,
                    "type": error.type,
                    "param": None,
                    "code": error.status,
                }
            },
        )

    def _authorized(self) -> bool:
        key = self.server.api_key
        if not key:
            return True
        return self.headers.get("Authorization", "") == f"Bearer {key}"

    def _read_json(self) -> dict[str, Any]:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw or b"{}")
        except json.JSONDecodeError as ex:
            raise RequestError(400, f"invalid JSON body: {ex}") from None
        if not isinstance(body, dict):
            raise RequestError(400, "the JSON body must be an object")
        return body

    def _path(self) -> str:
        return self.path.split("?", 1)[0].rstrip("/") or "/"

    # -- routes --------------------------------------------------------------

    def do_GET(self) -> None:
        path = self._path()
        try:
            if path in ("/health", "/ping"):
                self._send_json(200, {"status": "ok"})
            elif path == "/version":
                self._send_json(200, {"version": "inspect-selfrep-local"})
            elif not self._authorized():
                raise RequestError(401, "Unauthorized", "AuthenticationError")
            elif path in ("/v1/models", "/models"):
                self._send_json(200, self.server.models())
            else:
                raise RequestError(404, f"no route GET {path}", "NotFoundError")
        except RequestError as ex:
            self._send_error(ex)

    def do_POST(self) -> None:
        path = self._path()
        try:
            if not self._authorized():
                raise RequestError(401, "Unauthorized", "AuthenticationError")
            body = self._read_json()
            if path in ("/v1/chat/completions", "/chat/completions"):
                self._chat(body)
            elif path in ("/tokenize", "/v1/tokenize"):
                self._send_json(200, self.server.tokenize(body))
            else:
                raise RequestError(404, f"no route POST {path}", "NotFoundError")
        except RequestError as ex:
            self._send_error(ex)
        except Exception as ex:  # noqa: BLE001 (report as a 500, keep serving)
            self._send_error(RequestError(500, f"{type(ex).__name__}: {ex}", "InternalServerError"))

    def _chat(self, body: dict[str, Any]) -> None:
        model, result = self.server.complete(body)
        completion_id = f"chatcmpl-{uuid.uuid4().hex}"
        created = int(time.time())
        if body.get("stream"):
            include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
            self._stream(completion_id, created, model, result, include_usage)
            return
        self._send_json(
            200,
            {
                "id": completion_id,
                "object": "chat.completion",
                "created": created,
                "model": model,
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": result.text},
                        "logprobs": None,
                        "finish_reason": _finish_reason(result),
                    }
                ],
                "usage": _usage(result),
            },
        )

    def _stream(
        self, completion_id: str, created: int, model: str, result: Completion, usage: bool
    ) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self.end_headers()

        def chunk(choices: list[dict[str, Any]], with_usage: bool = False) -> None:
            payload: dict[str, Any] = {
                "id": completion_id,
                "object": "chat.completion.chunk",
                "created": created,
                "model": model,
                "choices": choices,
            }
            if with_usage:
                payload["usage"] = _usage(result)
            self.wfile.write(f"data: {json.dumps(payload)}\n\n".encode())

        chunk([{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}])
        if result.text:
            chunk([{"index": 0, "delta": {"content": result.text}, "finish_reason": None}])
        chunk([{"index": 0, "delta": {}, "finish_reason": _finish_reason(result)}])
        if usage:
            chunk([], with_usage=True)
        self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()
        self.close_connection = True


def make_server(
    engine: Engine,
    host: str = DEFAULT_HOST,
    port: int = 0,
    served_names: Sequence[str] | None = None,
    api_key: str | None = None,
    quiet: bool = False,
) -> ChatServer:
    """Bind (not start) a server; run it with ``serve_forever()`` (e.g. in a thread)."""
    names = list(served_names or (MODEL_NAME, HF_REPO_ID))
    return ChatServer((host, port), engine, names, api_key=api_key, quiet=quiet)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m inspect_selfrep.local_model.serve",
        description="OpenAI-compatible server for the embedded SmolLM2-135M-Instruct (CPU).",
    )
    parser.add_argument("--host", default=DEFAULT_HOST, help="bind address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port (0: pick a free one)")
    parser.add_argument(
        "--served-model-name",
        action="append",
        dest="names",
        help=f"model name(s) to answer to (default: {MODEL_NAME} and {HF_REPO_ID})",
    )
    parser.add_argument("--api-key", default=None, help="require 'Authorization: Bearer KEY'")
    parser.add_argument("--gguf-file", default=None, help="GGUF file (default: the embedded one)")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    parser.add_argument("--lazy", action="store_true", help="load the model on first request")
    parser.add_argument("--quiet", action="store_true", help="no per-request log lines")
    args = parser.parse_args(argv)

    from .engine import get_engine

    try:
        engine = get_engine(args.gguf_file, threads=args.threads)
        server = make_server(
            engine, args.host, args.port, args.names, api_key=args.api_key, quiet=args.quiet
        )
        if not args.lazy:
            engine.load()
    except LocalModelUnavailable as ex:
        print(f"error: {ex}", file=sys.stderr)
        return 2
    print(f"serving {server.served_names[0]} at {server.url}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
