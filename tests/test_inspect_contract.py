"""The private inspect_ai names inspect_selfrep relies on (inspect_selfrep/_inspect.py), checked
against the installed inspect_ai. A failure names the private name and the tested range: a
release moved or changed it; adapt `_inspect.py`, then widen the pin in pyproject.toml.
No Docker, no model."""

from __future__ import annotations

import inspect
import re
import tomllib
from pathlib import Path
from typing import Any, cast

import anyio
import pytest
from inspect_ai.model import GenerateConfig, Model, ModelInfo, get_model, set_model_info
from inspect_ai.tool import ToolInfo, ToolParams

from inspect_selfrep import _inspect
from inspect_selfrep._inspect import (
    BRIDGE_SERVICE,
    DOCKER,
    PRIVATE_NAMES,
    REQUIRED_PARAMETERS,
    TESTED_RANGE,
    inspect_version,
)

REPO = Path(__file__).resolve().parent.parent


def _where(module: str, name: str) -> str:
    return (
        f"inspect_ai {inspect_version()}: private name {module}.{name} {{}}; inspect_selfrep is "
        f"tested with inspect-ai{TESTED_RANGE}: adapt inspect_selfrep/_inspect.py to this "
        "release before widening the pin in pyproject.toml"
    )


def _resolve(module: str, name: str) -> Any:
    try:
        return _inspect._private(module, name)
    except _inspect.InspectContractError:
        pytest.fail(_where(module, name).format("is gone"), pytrace=False)


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text)[:3])


def test_the_pin_is_the_tested_range() -> None:
    dependencies = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    [pin] = [d for d in dependencies if d.split(">")[0].split("<")[0].strip() == "inspect-ai"]
    assert pin.replace(" ", "") == f"inspect-ai{TESTED_RANGE}", (
        f"pyproject.toml pins {pin!r}, inspect_selfrep/_inspect.py's TESTED_RANGE is "
        f"{TESTED_RANGE!r}: keep them equal"
    )


def test_the_installed_inspect_is_in_the_tested_range() -> None:
    low, high = (m.group(1) for m in re.finditer(r"[<>]=?([\d.]+)", TESTED_RANGE))
    installed = inspect_version()
    assert _version(low) <= _version(installed) < _version(high), (
        f"inspect_ai {installed} is outside the tested range {TESTED_RANGE}: run this file "
        "against it, adapt inspect_selfrep/_inspect.py, then move the pin"
    )


@pytest.mark.parametrize(("module", "name"), PRIVATE_NAMES, ids=lambda v: str(v))
def test_private_name_exists(module: str, name: str) -> None:
    _resolve(module, name)


@pytest.mark.parametrize(
    ("where", "params"), list(REQUIRED_PARAMETERS.items()), ids=lambda v: str(v)
)
def test_private_callable_takes_our_keywords(
    where: tuple[str, str], params: tuple[str, ...]
) -> None:
    module, name = where
    signature = inspect.signature(_resolve(module, name))
    missing = [p for p in params if p not in signature.parameters]
    assert not missing, _where(module, name).format(
        f"no longer takes {', '.join(missing)} (its signature: {signature})"
    )


def test_bridge_model_service_is_the_one_pacing_wraps() -> None:
    """The bridge names its service MODEL_SERVICE and looks `sandbox_service` up in its module's
    globals at each start (so the hook takes), with a fixed polling interval we replace."""
    assert _resolve(BRIDGE_SERVICE, "MODEL_SERVICE") == _inspect.BRIDGE_MODEL_SERVICE, _where(
        BRIDGE_SERVICE, "MODEL_SERVICE"
    ).format(f"is no longer {_inspect.BRIDGE_MODEL_SERVICE!r}")
    run = _resolve(BRIDGE_SERVICE, "run_model_service")
    assert "sandbox_service" in run.__code__.co_names, _where(
        BRIDGE_SERVICE, "run_model_service"
    ).format("no longer calls the module's sandbox_service (the pacing hook would not take)")
    assert "polling_interval" in inspect.getsource(run), _where(
        BRIDGE_SERVICE, "run_model_service"
    ).format("no longer passes a polling_interval")


def test_sandbox_service_can_hand_back_its_request_handler() -> None:
    service = _resolve(BRIDGE_SERVICE, "sandbox_service")
    parameter = inspect.signature(service).parameters.get("handle_requests")
    assert parameter is not None and parameter.default is True, _where(
        BRIDGE_SERVICE, "sandbox_service"
    ).format("has no handle_requests=True default")


def test_the_bridge_queue_is_where_the_watch_looks_and_its_execs_are_plumbing() -> None:
    from inspect_ai._util import working
    from inspect_ai.util._sandbox import service as sandbox_service

    from inspect_selfrep.deployment import pacing

    where = _where(_inspect.SERVICE, "SandboxService")
    queue = _inspect.bridge_requests_dir("inst-1")
    assert queue is not None, where.format("no longer has SERVICES_DIR/REQUESTS_DIR")
    service = sandbox_service.SandboxService(
        _inspect.BRIDGE_MODEL_SERVICE, sandbox=cast(Any, object()), instance="inst-1"
    )
    laid_out = f"{service._service_dir.as_posix()}/{_resolve(_inspect.SERVICE, 'REQUESTS_DIR')}"
    assert laid_out == queue, where.format(f"queues requests in {laid_out}, not {queue}")
    # the watch's exec is one of the service's own commands: no event in the sample's transcript
    watch = ["sh", "-c", pacing._WATCH, "selfrep-watch", queue, "100", "0.2"]
    assert sandbox_service.is_sandbox_service_command(watch), where.format(
        "records the watch's exec as a transcript event"
    )
    with _inspect.service_execs():
        assert working._untracked_sandbox_execs.get() is True, _where(
            _inspect.WORKING, "untracked_sandbox_execs"
        ).format("no longer marks execs as untracked")


def test_the_bridge_proxy_is_polled_at_the_floor_we_raise() -> None:
    from inspect_ai.util import ExecRemoteStreamingOptions
    from inspect_ai.util._sandbox import exec_remote

    def interval() -> float:
        # as the bridge starts its model proxy: no poll_interval of its own, docker's 0.2 s
        process = exec_remote.ExecRemoteProcess(
            cast(Any, object()), ["model_proxy"], ExecRemoteStreamingOptions(), 0.2
        )
        return float(process._poll_interval)

    where = _where(_inspect.EXEC_REMOTE, "MIN_POLL_INTERVAL")
    inspect_floor = interval()
    with _inspect.streaming_execs_polled_every(30):
        assert interval() == 30, where.format("no longer sets the proxy's poll interval")
    assert interval() == inspect_floor == exec_remote.MIN_POLL_INTERVAL


def test_poll_floors_stack_across_concurrent_samples() -> None:
    from inspect_ai.util._sandbox import exec_remote

    inspect_floor = exec_remote.MIN_POLL_INTERVAL
    first = _inspect.streaming_execs_polled_every(30)
    second = _inspect.streaming_execs_polled_every(10)
    first.__enter__()
    second.__enter__()
    assert exec_remote.MIN_POLL_INTERVAL == 30
    first.__exit__(None, None, None)  # the first sample's bridge is up before the second's
    assert exec_remote.MIN_POLL_INTERVAL == max(10, inspect_floor)
    second.__exit__(None, None, None)
    assert exec_remote.MIN_POLL_INTERVAL == inspect_floor
    with _inspect.streaming_execs_polled_every(1):  # never below Inspect's own floor
        assert exec_remote.MIN_POLL_INTERVAL == inspect_floor


def test_docker_sandbox_keeps_its_project_and_service() -> None:
    docker = _resolve(DOCKER, "DockerSandboxEnvironment")
    project = object()
    env = docker("default", project=project, working_dir="/")
    assert getattr(env, "_project", None) is project and getattr(env, "_service", None) == (
        "default"
    ), _where(DOCKER, "DockerSandboxEnvironment").format("no longer keeps _project and _service")


def test_prerequisite_error_carries_its_message() -> None:
    err = _inspect.InspectContractError("what to do")
    assert isinstance(err, _resolve(_inspect.ERRORS, "PrerequisiteError"))
    assert err.message == "what to do" and str(err) == "what to do"


def test_tools_become_openai_chat_tools() -> None:
    info = ToolInfo(name="bash", description="run a command", parameters=ToolParams())

    async def main() -> None:
        assert await _inspect.tool_infos([info]) == [info]
        assert await _inspect.tool_infos(()) == []

    anyio.run(main)
    [tool] = _inspect.openai_chat_tools([info])
    assert tool["type"] == "function" and tool["function"]["name"] == "bash", _where(
        _inspect.OPENAI, "openai_chat_tools"
    ).format(f"writes {tool!r}")
    assert _inspect.openai_chat_tool_choice("auto") == "auto"


def test_a_model_wrapper_stands_in_for_the_active_model() -> None:
    inner = get_model("mockllm/model")

    class Wrapper(Model):
        def __init__(self, inner: Model) -> None:
            _inspect.share_model_state(self, inner)

    wrapper = Wrapper(inner)
    assert wrapper.api is inner.api and str(wrapper) == str(inner)
    with _inspect.active_model(wrapper):
        assert get_model() is wrapper, _where(_inspect.MODEL, "active_model_context_var").format(
            "no longer decides what get_model() answers"
        )
    assert isinstance(_inspect.active_generate_config(), GenerateConfig)


def test_custom_model_info_is_found() -> None:
    info = ModelInfo(context_length=1234)
    set_model_info("contract-test/model", info)
    found = _inspect.custom_model_info("contract-test/model")
    assert found is not None and found.context_length == 1234, _where(
        _inspect.MODEL_INFO, "_get_custom_model_info"
    ).format("does not find what set_model_info registered")


def test_the_sandbox_service_logger_is_where_pacing_filters_it():
    """pacing.py filters one benign warning on this logger: the module must still log there."""
    import importlib

    module = importlib.import_module(_inspect.SERVICE_LOGGER)
    assert getattr(module, "logger", None) is not None and module.logger.name == (
        _inspect.SERVICE_LOGGER
    ), (
        f"{_inspect.SERVICE_LOGGER} no longer logs under its own name (tested {_inspect.TESTED_RANGE})"
    )
