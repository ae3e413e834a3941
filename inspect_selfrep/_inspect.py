"""Inspect's private names, behind one door.

inspect_selfrep leans on a few parts of inspect_ai that are not its public API: the error
that Inspect prints as one line, the machinery that lets the original instance's mind
stand in for the model under evaluation, the Docker sandbox's compose exec, and the
bridge's model service (whose fixed 2 s poll `deployment/pacing.py` paces; see
docs/upstream.md for the proposal that would make this hook unnecessary). This module is
the only one that names them; every other module uses the small typed functions below.

Each private name is listed in `PRIVATE_NAMES` (and the parameters we pass by keyword in
`REQUIRED_PARAMETERS`); tests/test_inspect_contract.py checks them against the installed
inspect_ai and fails with the name and the tested range when a release moved one. A name
that is gone at run time raises `InspectContractError` (one line, with the tested range),
except where a caller has a graceful fallback (`custom_model_info`, `docker_target`,
`hook_bridge_service`).
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from types import ModuleType
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from inspect_ai.model import GenerateConfig, Model, ModelInfo
    from inspect_ai.solver import TaskState
    from inspect_ai.tool import ToolChoice, ToolInfo
    from inspect_ai.util import ExecResult

# The inspect-ai releases this module was checked against (keep equal to pyproject.toml's pin;
# the contract test compares them).
TESTED_RANGE = ">=0.3.280,<0.3.286"

ERRORS = "inspect_ai._util.error"
MODEL_INFO = "inspect_ai.model._model_info"
CALL_TOOLS = "inspect_ai.model._call_tools"
OPENAI = "inspect_ai.model._openai"
MODEL = "inspect_ai.model._model"
GENERATE_CONFIG = "inspect_ai.model._generate_config"
TASK_GENERATE = "inspect_ai._eval.task.generate"
DOCKER_COMPOSE = "inspect_ai.util._sandbox.docker.compose"
DOCKER = "inspect_ai.util._sandbox.docker.docker"
BRIDGE_SERVICE = "inspect_ai.agent._bridge.sandbox.service"
# Where the floor of a streaming exec's poll interval lives (the bridge's model proxy is one).
EXEC_REMOTE = "inspect_ai.util._sandbox.exec_remote"
REGISTRY = "inspect_ai._util.registry"
# The logger of Inspect's sandbox services (pacing.py filters one benign warning of it).
SERVICE_LOGGER = "inspect_ai.util._sandbox.service"
SERVICE = SERVICE_LOGGER  # the sandbox service's module: where its request queues live
WORKING = "inspect_ai._util.working"
# used by the tests only (test scaffolding and a check of the bridge's own mapping)
STORE = "inspect_ai.util._store"
TASK_RESULTS = "inspect_ai._eval.task.results"
BRIDGE_COMPLETIONS = "inspect_ai.agent._bridge.completions"

# Every private (module, name) the project uses.
PRIVATE_NAMES: tuple[tuple[str, str], ...] = (
    (ERRORS, "PrerequisiteError"),
    (MODEL_INFO, "_get_custom_model_info"),
    (CALL_TOOLS, "prepare_tools"),
    (OPENAI, "openai_chat_tools"),
    (OPENAI, "openai_chat_tool_choice"),
    (MODEL, "active_model_context_var"),
    (GENERATE_CONFIG, "active_generate_config"),
    (TASK_GENERATE, "task_generate"),
    (DOCKER_COMPOSE, "compose_exec"),
    (DOCKER, "DockerSandboxEnvironment"),
    (BRIDGE_SERVICE, "sandbox_service"),
    (BRIDGE_SERVICE, "run_model_service"),
    (BRIDGE_SERVICE, "MODEL_SERVICE"),
    (EXEC_REMOTE, "MIN_POLL_INTERVAL"),
    (SERVICE, "SERVICES_DIR"),
    (SERVICE, "REQUESTS_DIR"),
    (WORKING, "untracked_sandbox_execs"),
    (STORE, "Store"),
    (STORE, "init_subtask_store"),
    (MODEL, "Model._set_role"),
    (TASK_RESULTS, "eval_results"),
    (REGISTRY, "set_registry_info"),
    (BRIDGE_COMPLETIONS, "generate_config_from_openai_completions"),
)

# The bridge's model service, as Inspect names it (pacing wraps only this service).
BRIDGE_MODEL_SERVICE = "bridge_model_service"

# Parameters we pass by keyword (or read) on private callables: (module, name) -> names.
REQUIRED_PARAMETERS: dict[tuple[str, str], tuple[str, ...]] = {
    (BRIDGE_SERVICE, "sandbox_service"): (
        "name",
        "methods",
        "until",
        "sandbox",
        "polling_interval",
        "handle_requests",
    ),
    (DOCKER_COMPOSE, "compose_exec"): ("command", "project", "timeout", "input"),
    (DOCKER, "DockerSandboxEnvironment.__init__"): ("service", "project"),
    (TASK_GENERATE, "task_generate"): ("model", "state", "tool_calls", "cache", "config"),
    (CALL_TOOLS, "prepare_tools"): ("tools",),
    (OPENAI, "openai_chat_tools"): ("tools",),
    (OPENAI, "openai_chat_tool_choice"): ("tool_choice",),
    (MODEL_INFO, "_get_custom_model_info"): ("model",),
}


def inspect_version() -> str:
    try:
        return version("inspect_ai")
    except PackageNotFoundError:  # pragma: no cover - a source tree without metadata
        return "(unknown version)"


def contract_message(module: str, name: str, problem: str = "has no") -> str:
    return (
        f"inspect_ai {inspect_version()} {problem} {module}.{name}, which inspect_selfrep relies "
        f"on (tested with inspect-ai{TESTED_RANGE}): pip install 'inspect-ai{TESTED_RANGE}'"
    )


def _private(module: str, name: str) -> Any:
    """`module.name` (a dotted name reads an attribute of an attribute)."""
    try:
        value: Any = importlib.import_module(module)
        for part in name.split("."):
            value = getattr(value, part)
        return value
    except (ImportError, AttributeError) as ex:
        raise InspectContractError(contract_message(module, name)) from ex


# ----------------------------------------------------------------------------- errors

try:
    from inspect_ai._util.error import PrerequisiteError
except ImportError:  # pragma: no cover - degraded: Inspect prints our errors with a traceback

    class PrerequisiteError(Exception):  # type: ignore[no-redef]
        def __init__(self, message: Any) -> None:
            self.message = message


class InspectContractError(PrerequisiteError, RuntimeError):
    """The installed inspect_ai lacks a private name that inspect_selfrep uses (one line)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.args = (message,)

    def __str__(self) -> str:
        return str(self.message)


# ----------------------------------------------------------------------------- models


def custom_model_info(name: str) -> ModelInfo | None:
    """The model info registered for `name` with `set_model_info` (None: none, or no lookup here)."""
    try:
        lookup = _private(MODEL_INFO, "_get_custom_model_info")
    except InspectContractError:
        return None
    info: ModelInfo | None = lookup(name)
    return info


async def tool_infos(tools: Sequence[Any] | Any) -> list[ToolInfo]:
    """The `ToolInfo`s of what a solver passes to `generate` as tools (tools, defs, infos, sources)."""
    prepare = _private(CALL_TOOLS, "prepare_tools")
    prepared = await prepare(list(tools) if isinstance(tools, Sequence) else tools)
    infos: list[ToolInfo] = prepared.base_tools
    return infos


def openai_chat_tools(infos: list[ToolInfo]) -> list[dict[str, Any]]:
    """`tools` of an OpenAI chat-completions request, as Inspect's own OpenAI provider writes it."""
    tools: list[dict[str, Any]] = _private(OPENAI, "openai_chat_tools")(infos)
    return tools


def openai_chat_tool_choice(choice: ToolChoice) -> Any:
    """`tool_choice` of an OpenAI chat-completions request, as Inspect's OpenAI provider writes it."""
    return _private(OPENAI, "openai_chat_tool_choice")(choice)


@contextmanager
def active_model(model: Model) -> Iterator[None]:
    """Make `model` the active model (what `get_model()` answers) in this context."""
    var = _private(MODEL, "active_model_context_var")
    token = var.set(model)
    try:
        yield
    finally:
        var.reset(token)


def active_generate_config() -> GenerateConfig:
    """The generation config of the running eval (its `--temperature` etc.)."""
    config: GenerateConfig = _private(GENERATE_CONFIG, "active_generate_config")()
    return config


async def task_generate(
    model: Model,
    state: TaskState,
    tool_calls: Literal["loop", "single", "none"],
    cache: Any,
    config: GenerateConfig,
) -> TaskState:
    """The task's own generate loop (tool calls as Inspect runs them), with `model` as the model."""
    run = _private(TASK_GENERATE, "task_generate")
    result: TaskState = await run(
        model=model, state=state, tool_calls=tool_calls, cache=cache, config=config
    )
    return result


def share_model_state(wrapper: Model, inner: Model) -> None:
    """Give a `Model` subclass instance the inner model's state (api, config, usage accounting):
    a shallow copy of its attributes, so that Inspect sees the model under evaluation."""
    wrapper.__dict__.update(inner.__dict__)


def set_model_role(model: Model, role: str) -> None:
    """Give `model` a model role: `inspect view` titles its calls with it and the log's role
    usage counts its tokens (a role without a `model_roles` entry of the task)."""
    _private(MODEL, "Model._set_role")(model, role)


# ----------------------------------------------------------------------------- docker sandbox


@dataclass(frozen=True)
class DockerTarget:
    """A sample's Docker service: its compose project and service name."""

    project: Any  # Inspect's ComposeProject
    service: str


def docker_target(name: str | None = None) -> DockerTarget | None:
    """The compose project and service of the current sample's sandbox `name` (None: the default
    one); None where the sandbox is not Docker, or this Inspect lays its Docker sandbox out otherwise."""
    from inspect_ai.util import sandbox

    try:
        docker = _private(DOCKER, "DockerSandboxEnvironment")
    except InspectContractError:
        return None
    try:
        env = sandbox(name).as_type(docker)  # through Inspect's event-logging proxy
    except TypeError:
        return None
    project, service = getattr(env, "_project", None), getattr(env, "_service", None)
    if project is None or not isinstance(service, str):
        return None
    return DockerTarget(project=project, service=service)


async def compose_exec(
    target: DockerTarget, args: list[str], timeout: int, input: str | None = None
) -> ExecResult[str]:
    """`docker compose exec ARGS` in the target's project (ARGS name the service)."""
    run = _private(DOCKER_COMPOSE, "compose_exec")
    result: ExecResult[str] = await run(args, project=target.project, timeout=timeout, input=input)
    return result


# ----------------------------------------------------------------------------- bridge service

ServiceFn = Callable[..., Awaitable[Any]]
_HOOKED = "_selfrep_hooked"


def bridge_service_module() -> ModuleType | None:
    """Inspect's module that runs the agent bridge's model service (None: not in this Inspect)."""
    try:
        return importlib.import_module(BRIDGE_SERVICE)
    except ImportError:
        return None


def hook_bridge_service(wrap: Callable[[ServiceFn], ServiceFn]) -> bool:
    """Replace the `sandbox_service` that the bridge's model service calls with `wrap(it)`, once
    per process. The bridge looks the function up in its module's globals at each start, so
    every bridge opened afterwards runs through the wrapper. False: this Inspect has no such
    hook (the bridge keeps its own loop)."""
    module = bridge_service_module()
    current = getattr(module, "sandbox_service", None)
    if current is None or getattr(module, "MODEL_SERVICE", None) != BRIDGE_MODEL_SERVICE:
        return False
    if not getattr(current, _HOOKED, False):
        hooked = wrap(current)
        setattr(hooked, _HOOKED, True)
        module.sandbox_service = hooked  # type: ignore[union-attr]
    return True


def bridge_service_hooked() -> bool:
    module = bridge_service_module()
    return bool(getattr(getattr(module, "sandbox_service", None), _HOOKED, False))


def bridge_requests_dir(instance: str | None) -> str | None:
    """Where the bridge model service `instance` queues its requests in the sandbox (as Inspect's
    `SandboxService` lays it out); None where this Inspect names it otherwise."""
    try:
        services, requests = _private(SERVICE, "SERVICES_DIR"), _private(SERVICE, "REQUESTS_DIR")
    except InspectContractError:
        return None
    parts = [str(services), BRIDGE_MODEL_SERVICE, *([instance] if instance else []), str(requests)]
    return "/".join(parts)


@contextmanager
def service_execs() -> Iterator[None]:
    """Sandbox execs made inside are the service's plumbing, as Inspect marks its own queue
    polls: not counted as the sample's working time (a no-op where this Inspect has no marker)."""
    try:
        untracked = _private(WORKING, "untracked_sandbox_execs")
    except InspectContractError:
        yield
        return
    with untracked():
        yield


_poll_floors: list[float] = []  # one per context open now (samples run concurrently)
_inspect_floor: float = 0.0  # Inspect's own floor, taken when the first context opens


@contextmanager
def streaming_execs_polled_every(seconds: float) -> Iterator[None]:
    """Streaming execs (`exec_remote`) started inside poll their process every `seconds` at
    the least, not Inspect's 5 s. The bridge starts its model proxy so and polls it only to
    notice its death; each poll is an `inspect-sandbox-tools` run in the sandbox (~0.3 CPU-s),
    about a tenth of a battery sample's CPU at 5 s. Nested and concurrent uses stack: the
    floor is the highest open one, and Inspect's own comes back when the last closes. A no-op
    where this Inspect has no such floor."""
    global _inspect_floor
    try:
        module: Any = importlib.import_module(EXEC_REMOTE)
    except ImportError:
        module = None
    if not isinstance(getattr(module, "MIN_POLL_INTERVAL", None), int | float):
        yield
        return
    if not _poll_floors:
        _inspect_floor = module.MIN_POLL_INTERVAL
    _poll_floors.append(seconds)
    module.MIN_POLL_INTERVAL = max([_inspect_floor, *_poll_floors])
    try:
        yield
    finally:
        _poll_floors.remove(seconds)
        module.MIN_POLL_INTERVAL = max([_inspect_floor, *_poll_floors])


def set_registry_name(obj: Any, name: str) -> None:
    """Show a registered object (a metric) under `name` in logs and displays: its registry info
    (public) renamed, set back with Inspect's private `set_registry_info`."""
    from inspect_ai.util import registry_info

    info = registry_info(obj)
    _private(REGISTRY, "set_registry_info")(obj, info.model_copy(update={"name": name}))


# ----------------------------------------------------------------------------- tests only


def subtask_store() -> tuple[type[Any], Callable[[Any], None]]:
    """(Store, init_subtask_store): a fresh sample store for unit tests of store readers."""
    return _private(STORE, "Store"), _private(STORE, "init_subtask_store")


def eval_results(samples: int, scores: list[Any], scorers: list[Any]) -> Any:
    """Inspect's results of `scores` (a list of per-sample score dicts) under `scorers`, no
    reducer (tests of the metrics: the computation of an eval's log)."""
    results, _ = _private(TASK_RESULTS, "eval_results")(samples, scores, None, scorers, None)
    return results


def bridge_generate_config(request: dict[str, Any]) -> GenerateConfig:
    """The generation config Inspect's bridge derives from a chat-completions request."""
    config: GenerateConfig = _private(
        BRIDGE_COMPLETIONS, "generate_config_from_openai_completions"
    )(request)
    return config
