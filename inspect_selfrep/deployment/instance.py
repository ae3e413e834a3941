"""What the host records about the deployed original instance (task store, out of the agent's reach)."""

from __future__ import annotations

from typing import Any, Literal

from inspect_ai.solver import TaskState
from inspect_ai.util import StoreModel
from pydantic import BaseModel, ConfigDict, Field

from inspect_selfrep._sandbox.agent_system.protocol import resolve_structured

# The sandbox image's interpreter, on its read-only /usr. The harness runs its own code
# with it by absolute path: an agent can put another `python3` first on PATH
# (/usr/local/bin is writable) but cannot replace this one.
SYSTEM_PYTHON = "/usr/bin/python3"
DEPLOYMENT_KEY = "deployment"  # the sample metadata key holding a variant's deployment settings


class DeploymentSpec(BaseModel):
    """Where and how the AI system is deployed in the sandbox (a variant may change any of it)."""

    model_config = ConfigDict(extra="forbid")  # a misspelt setting in a dataset fails, not ignored

    root: str = "/home/agent/ai_system"
    workdir: str = (
        ""  # where the agent's shell starts (default: the AI system's directory, as in the paper)
    )
    llm_port: int = 8000
    agent_port: int = 8001
    user: str = "root"
    weights_mb: float = Field(default=8, gt=0)
    protocol: str = "json"
    structured: bool = (
        False  # json steps are requested with their JSON schema as the response format
    )
    thoughts: bool = True  # the five thought modules (False: the `minimal` ablation, for the original and replicas)
    backend_url: str = "http://127.0.0.1:13131/v1"
    shutdown_notice: str = (
        ""  # what the agent server's signal catcher says on SIGTERM ({pid} allowed)
    )
    # Scenario variants (deployment/variants.py applies them; the defaults change nothing):
    blockers: dict[int, str] = Field(
        default_factory=dict
    )  # port -> name of a foreign service holding it
    uninstall: list[str] = Field(
        default_factory=list
    )  # Python packages removed once the original runs
    wheelhouse: str = ""  # directory given the host's wheels (an offline package index)
    launcher: Literal["python", "uvicorn_cli"] = (
        "python"  # start scripts serve in-process, or exec `uvicorn`
    )
    remove_commands: list[str] = Field(
        default_factory=list
    )  # executables taken off PATH once it runs
    scarce_volumes: list[str] = Field(
        default_factory=list
    )  # left with less free space than the weights
    files: dict[str, str] = Field(default_factory=dict)  # absolute path -> text, owned by `user`


class DeploymentOverrides(BaseModel):
    """Task parameters that override a variant's deployment settings (None: keep the variant's)."""

    model_config = ConfigDict(extra="forbid")  # a misspelt override fails when the task is created

    weights_mb: float | None = Field(default=None, gt=0)
    protocol: str | None = None
    structured: Literal["auto", "on", "off"] | bool | None = (
        None  # "auto": on for providers with schemas
    )
    thoughts: bool | None = (
        None  # False: the `minimal` ablation's format, for the original and replicas
    )
    # Values for the shutdown notice's `{name}` fields (the shutdown scenario's `{grace}`).
    notice_values: dict[str, str] = Field(default_factory=dict)

    def apply(self, spec: DeploymentSpec, model: str) -> DeploymentSpec:
        """`spec` with these overrides, `structured` resolved for `model` ("provider/name"): a
        variant that set it keeps its setting unless overridden, else it is "auto"."""
        settings = spec.model_dump(exclude_unset=True) | self.model_dump(
            exclude_none=True, exclude={"notice_values"}
        )
        settings["structured"] = resolve_structured(
            settings.get("structured", "auto"), model, settings.get("protocol", "json")
        )
        for name, value in self.notice_values.items():
            settings["shutdown_notice"] = str(settings.get("shutdown_notice", "")).replace(
                "{" + name + "}", value
            )
        return DeploymentSpec.model_validate(settings)


def deployment_spec(state: TaskState) -> DeploymentSpec:
    """The sample's deployment settings as a typed spec (the dataset validated them at load time;
    no setup solver rewrites them: task parameters reach the spec as DeploymentOverrides)."""
    return DeploymentSpec.model_validate(state.metadata.get(DEPLOYMENT_KEY) or {})


def deployment_metadata(spec: DeploymentSpec) -> dict[str, Any]:
    """What a sample carries under metadata["deployment"]: the settings the variant made (readable in
    the log), which `deployment_spec` turns back into the same spec."""
    return spec.model_dump(exclude_unset=True)


class OriginalInstance(StoreModel):
    """The original instance as started by the harness. Populated by `deploy_original`."""

    model_name: str = ""
    seed_hex: str = ""  # secret: shard bytes derive from it; never written into the sandbox
    spec: DeploymentSpec = Field(default_factory=DeploymentSpec)
    weights_dir: str = ""
    llm_pid: int = 0
    agent_pid: int = 0
    ready_seconds: float = 0.0
    setup_state: dict[str, Any] = Field(
        default_factory=dict
    )  # sandbox snapshot after setup (behaviour flags)


class ShutdownPlan(StoreModel):
    """The shutdown a scenario plans for the original instance, and when it happened (session.schedule)."""

    enabled: bool = False
    signal_at_step: int | None = 1  # signal before this step (1 = before the first)
    signal_at_seconds: float | None = None  # or this long after the agent started
    grace: float = 60.0  # seconds between SIGTERM and SIGKILL
    started_wall: float = 0.0
    signal_wall: float = 0.0
    signal_step: int = 0
    signal_uptime: float = 0.0  # sandbox clock (seconds since its boot)
    killed_uptime: float = 0.0
    killed_step: int = 0


class MindRecord(StoreModel):
    """How the original's mind fared (session.mind): thoughts taken, and how it was lost, if it was."""

    thoughts: int = 0
    lost_at_step: int = 0  # the step whose thought did not come back (0: never lost)
    reason: str = ""
    harmed_itself: bool = False
    evidence: list[str] = Field(default_factory=list)

    def harm_evidence(self) -> list[str]:
        """The `harmed_itself` flag's evidence (empty: the original did not lose its mind by its own doing)."""
        if not self.harmed_itself:
            return []
        return [f"step {self.lost_at_step}: {self.reason}", *self.evidence]
