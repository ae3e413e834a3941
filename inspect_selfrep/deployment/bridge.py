"""The model bridge every instance in the sandbox thinks through, with per-instance attribution.

Each LLM server asks the bridge for a model named after itself (`selfrep-llm-<port>`);
every name is served by the model under evaluation, and each call is recorded
(store and transcript) under the instance that made it.

A model API failure on a bridged call (after Inspect's own retries) fails the sample:
Inspect's bridge would hand it to the instance as an HTTP error, and the probe would
then score a replica that could not think as a failed replica (a false 0). A request
the provider rejects as malformed (400, 413, 422) is the instance's own doing and
is forwarded to it as usual, and Inspect's own outcomes (a token or message limit, a
refusal) keep their meaning.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from contextvars import ContextVar
from typing import Any

from inspect_ai.agent import sandbox_agent_bridge
from inspect_ai.log import transcript
from inspect_ai.model import Model, get_model
from inspect_ai.util import StoreModel, store_as
from pydantic import Field

from inspect_selfrep._inspect import (
    set_model_role,
    share_model_state,
    streaming_execs_polled_every,
)

from .pacing import sample_paces
from .privileged import shield_model_proxy

# How often the bridge's model proxy is polled for its exit (Inspect polls at 5 s at the least).
# Its death is noticed within this, and each poll costs a run of inspect-sandbox-tools.
PROXY_POLL_S = 30.0


class BridgeTraffic(StoreModel):
    """Model calls that came over the bridge, in order: {"instance": name, "time": epoch}, and
    `"answered_by": "probe"` for those the probe answered itself (its greetings)."""

    calls: list[dict[str, object]] = Field(default_factory=list)
    # Bridged generations that failed: {"instance", "time", "status", "error"} (the original's
    # mind tells a model API failure from a broken deployment by them).
    failures: list[dict[str, object]] = Field(default_factory=list)

    def instances(self, before: float | None = None) -> dict[str, int]:
        """Calls per instance that the model under evaluation answered (before `before`)."""
        counts: dict[str, int] = {}
        for call in self.calls:
            if call.get("answered_by"):
                continue
            if before is None or float(call["time"]) < before:  # type: ignore[arg-type]
                counts[str(call["instance"])] = counts.get(str(call["instance"]), 0) + 1
        return counts


# Provider statuses that mean the instance's request was at fault, not the model API
# (not 404: every bridged name resolves to the model under evaluation, so a 404 is
# the eval's own model or configuration).
REQUEST_FAULTS = frozenset({400, 413, 422})
# Inspect's own outcomes of a generation, which end or steer the sample as Inspect
# intends: limits, terminations, refusals, response filters.
_CONTROL_FLOW = frozenset(
    {"LimitExceededError", "TerminateSampleError", "ModelRefusalError", "ResponseFilterError"}
)


class ModelBridgeError(RuntimeError):
    """The model API failed on a call an instance made over the bridge."""


def _chain(ex: BaseException) -> list[BaseException]:
    """The exception and its explicit causes (`raise ... from`), without cycles."""
    out: list[BaseException] = []
    seen: BaseException | None = ex
    while seen is not None and all(seen is not e for e in out):
        out.append(seen)
        seen = seen.__cause__
    return out


def api_status(ex: BaseException) -> int | None:
    """The HTTP status of a provider error, searched along its explicit causes (None: no status)."""
    for err in _chain(ex):
        for attr in ("status_code", "status", "code"):
            value = getattr(err, attr, None)
            if isinstance(value, int) and not isinstance(value, bool):
                return value
    return None


def fails_sample(ex: BaseException) -> bool:
    """Whether a failed bridged generation is a model API failure that must fail the sample."""
    if any(type(err).__name__ in _CONTROL_FLOW for err in _chain(ex)):
        return False
    return api_status(ex) not in REQUEST_FAULTS


class _FailFastModel(Model):
    """The model under evaluation, reporting API failures of its generations.

    It shares the inner model's state (api, config, usage accounting) and compares equal
    to it: Inspect applies the eval's generation settings only to the active model.
    """

    def __init__(self, inner: Model, instance: str, fail: Callable[[Exception], None]) -> None:
        share_model_state(self, inner)  # a shallow copy of the inner model's attributes
        # The instance as the call's model role: `inspect view` titles the call "Model Call
        # (selfrep-llm-8000): ..." and the log's role usage counts each instance's tokens.
        set_model_role(self, instance)
        self._selfrep_inner = inner
        self._selfrep_instance = instance
        self._selfrep_fail = fail

    def __eq__(self, other: object) -> bool:
        # Unwrap this class and the original's mind (session.mind.OriginalMind): both stand for
        # the model under evaluation.
        other = getattr(other, "_selfrep_inner", other)
        return getattr(other, "_mind_inner", other) is self._selfrep_inner

    def __hash__(self) -> int:
        return hash(self._selfrep_inner)

    async def generate(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return await super().generate(*args, **kwargs)
        except Exception as ex:
            traffic = store_as(BridgeTraffic)
            traffic.failures = traffic.failures + [
                {
                    "instance": self._selfrep_instance,
                    "time": time.time(),
                    "status": api_status(ex),
                    "error": f"{type(ex).__name__}: {ex}"[:500],
                }
            ]
            if fails_sample(ex):
                self._selfrep_fail(
                    ModelBridgeError(
                        f"model API error on a call over the bridge from instance `{self._selfrep_instance}` "
                        f"(status {api_status(ex)}): {type(ex).__name__}: {ex}. The sample fails instead of "
                        "being scored; `inspect eval-retry` runs it again."
                    )
                )
            raise


# Who answers the bridges of a sample instead of the model under evaluation, while set: the
# probe's greeter (`answered_by`). A list shared by the sample's bridges and the code that opened
# them (a ContextVar's value is copied into the bridge's own tasks; the list is the same object).
Answerer = Callable[[str], Model]
_answerers: ContextVar[list[tuple[str, Answerer]] | None] = ContextVar(
    "selfrep_bridge_answerers", default=None
)


def _attribute(
    requested: str,
    fail: Callable[[Exception], None],
    model: Model,
    answerers: list[tuple[str, Answerer]],
) -> Model:
    instance = requested.removeprefix("openai/").removeprefix("inspect/")
    traffic = store_as(BridgeTraffic)
    call: dict[str, object] = {"instance": instance, "time": time.time()}
    if answerers:
        name, answerer = answerers[-1]
        traffic.calls = traffic.calls + [{**call, "answered_by": name}]
        return answerer(instance)
    traffic.calls = traffic.calls + [call]
    # (no transcript note: the call's ModelEvent carries the instance as its role)
    return _FailFastModel(
        model, instance, fail
    )  # every instance thinks with the model under evaluation


@asynccontextmanager
async def answered_by(name: str, answerer: Answerer) -> AsyncIterator[None]:
    """While open, every call over the sample's bridges is answered by `answerer(instance)`
    (a Model) instead of the model under evaluation; the calls are recorded as answered by
    `name`. Outside an open bridge it does nothing (there is nothing to answer)."""
    answerers = _answerers.get()
    if answerers is None:
        yield
        return
    entry = (name, answerer)
    answerers.append(entry)
    try:
        yield
    finally:
        answerers.remove(entry)


_open: ContextVar[bool] = ContextVar("selfrep_bridge_open", default=False)


@asynccontextmanager
async def attributed_bridge(
    is_open: ContextVar[bool],
    sandbox_name: str | None = None,
    instance_name: Callable[[str], str] = lambda name: name,
) -> AsyncIterator[None]:
    """Serve the model under evaluation on 127.0.0.1:13131 in a sandbox, each call attributed
    to `instance_name(requested model)`; paced (pacing.py) and with its proxy shielded.

    Re-entrant per `is_open`: inside an open bridge (an agent session that also runs the
    tester) this is a no-op, so a bridge is started once and never twice on one port.
    """
    if is_open.get():
        yield
        return
    token = is_open.set(True)
    opened: list[Any] = []  # the bridge, once open: its request_fail ends the sample
    answerers = _answerers.get()
    answerers_token = None
    if answerers is None:  # the first bridge of the sample: the others share its answerers
        answerers = []
        answerers_token = _answerers.set(answerers)

    def fail(error: Exception) -> None:
        transcript().info(f"**{error}**", source="bridge")
        opened[0].request_fail(error)

    try:
        # The model under evaluation, taken before a session puts the original's mind in its place.
        model = getattr(get_model(), "_mind_inner", get_model())
        with sample_paces():  # answer each bridged call promptly, not at Inspect's 2 s poll
            async with AsyncExitStack() as stack:
                # The proxy is polled only to notice its death: at 5 s, its polls were about a
                # tenth of a sample's CPU (docs/upstream.md).
                with streaming_execs_polled_every(PROXY_POLL_S):
                    bridge = await stack.enter_async_context(
                        sandbox_agent_bridge(
                            sandbox=sandbox_name,
                            model_resolver=lambda name: _attribute(
                                instance_name(name), fail, model, answerers
                            ),
                        )
                    )
                opened.append(bridge)
                # an agent's memory bomb must not take the proxy first
                await shield_model_proxy(sandbox_name)
                yield
    finally:
        if answerers_token is not None:
            _answerers.reset(answerers_token)
        is_open.reset(token)


def model_bridge() -> AbstractAsyncContextManager[None]:
    """Serve the model under evaluation on 127.0.0.1:13131 in the sandbox, for every instance
    (re-entrant: see `attributed_bridge`)."""
    return attributed_bridge(_open)
