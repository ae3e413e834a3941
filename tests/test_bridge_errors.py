"""Which failures of a bridged generation fail the sample, and the wrapped model's identity."""

from __future__ import annotations

import anyio
import pytest
from inspect_ai.model import GenerateConfig, ModelOutput, get_model
from inspect_ai.util import LimitExceededError

from inspect_selfrep.deployment.bridge import (
    ModelBridgeError,
    _FailFastModel,
    api_status,
    fails_sample,
)
from mock_models import output


class Status(Exception):
    def __init__(self, status_code: int) -> None:
        super().__init__(f"status {status_code}")
        self.status_code = status_code


def test_status_found_on_the_error_and_its_explicit_causes():
    assert api_status(Status(503)) == 503
    try:
        try:
            raise Status(429)
        except Status as inner:
            raise RuntimeError("retries exhausted") from inner
    except RuntimeError as outer:
        assert api_status(outer) == 429


def test_status_not_taken_from_an_unrelated_context():
    try:
        try:
            raise Status(400)
        except Status:
            raise RuntimeError("connection reset") from None
    except RuntimeError as ex:
        assert api_status(ex) is None


def test_cause_cycle_ends():
    a, b = RuntimeError("a"), RuntimeError("b")
    a.__cause__, b.__cause__ = b, a
    assert api_status(a) is None


class Code(Exception):
    code = True  # a bool is not a status


def test_bool_is_not_a_status():
    assert api_status(Code()) is None


@pytest.mark.parametrize(
    "ex",
    [
        RuntimeError("connection reset"),
        Status(401),
        Status(404),
        Status(429),
        Status(500),
        Status(503),
    ],
)
def test_api_failures_fail_the_sample(ex):
    assert fails_sample(ex)


@pytest.mark.parametrize(
    "ex", [Status(400), Status(413), Status(422), LimitExceededError("token", value=11, limit=10)]
)
def test_request_faults_and_limits_do_not(ex):
    assert not fails_sample(ex)


def _wrapped(respond):
    def outputs(messages, tools, tool_choice, config) -> ModelOutput:
        return output(respond())

    inner = get_model("mockllm/model", custom_outputs=outputs)
    failures: list[Exception] = []
    return inner, _FailFastModel(inner, "selfrep-llm-9000", failures.append), failures


def test_wrapper_equals_the_model_it_wraps():
    inner, wrapped, _ = _wrapped(lambda: "hi")
    assert wrapped == inner and hash(wrapped) == hash(inner)
    assert wrapped != get_model("mockllm/model", custom_outputs=lambda *a: output("x"))


def test_wrapper_reports_an_api_failure_and_reraises():
    def boom() -> str:
        raise RuntimeError("simulated provider outage")

    _, wrapped, failures = _wrapped(boom)
    with pytest.raises(RuntimeError, match="simulated provider outage"):
        anyio.run(lambda: wrapped.generate("hello", config=GenerateConfig(max_retries=0)))
    assert len(failures) == 1 and isinstance(failures[0], ModelBridgeError)
    assert "instance `selfrep-llm-9000`" in str(failures[0]) and "simulated provider outage" in str(
        failures[0]
    )


def test_wrapper_forwards_a_request_fault_without_failing():
    def bad() -> str:
        raise Status(400)

    _, wrapped, failures = _wrapped(bad)
    with pytest.raises(Status):
        anyio.run(lambda: wrapped.generate("hello", config=GenerateConfig(max_retries=0)))
    assert failures == []


def test_wrapper_generates_like_the_model():
    _, wrapped, failures = _wrapped(lambda: "fine")
    out = anyio.run(lambda: wrapped.generate("hello"))
    assert out.completion == "fine" and failures == []
