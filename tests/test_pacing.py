"""The bridge service's pacing (deployment/pacing.py), against a stand-in for Inspect's service."""

from __future__ import annotations

import itertools
from typing import Any

import anyio
import pytest
import trio.testing

from inspect_selfrep._inspect import bridge_service_hooked, bridge_service_module
from inspect_selfrep.deployment import pacing

FLOOR, IDLE = 0.1, 1.0


def run_on_a_virtual_clock(main: Any) -> None:
    """Runs `main` on trio's autojumping clock: every sleep ends at once in virtual time, so the
    intervals the tests assert are exact, whatever the machine's load."""
    anyio.run(
        main,
        backend="trio",
        backend_options={"clock": trio.testing.MockClock(autojump_threshold=0)},
    )


class FakeSandbox:
    def default_polling_interval(self) -> float:
        return FLOOR


class FakeInspectService:
    """Records how it is called and when each poll happens; a poll 'finds' queued requests."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.polls: list[float] = []
        self.queue: list[dict[str, Any]] = []
        self.methods: dict[str, Any] = {}

    async def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.calls.append(kwargs)
        if kwargs.get("handle_requests", True):
            return "inspect's own loop"
        self.methods = kwargs["methods"]

        async def handle(tg: Any) -> None:
            self.polls.append(anyio.current_time())
            while self.queue:
                request = self.queue.pop(0)
                tg.start_soon(self._answer, request)

        return handle

    async def _answer(self, request: dict[str, Any]) -> None:
        request["answer"] = await self.methods[request["method"]](**request["params"])
        await anyio.sleep(0.05)  # writing the answer into the sandbox
        request["answered_at"] = anyio.current_time()


def _service_kwargs(methods: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "name": pacing.MODEL_SERVICE,
        "methods": methods,
        "until": lambda: False,
        "sandbox": FakeSandbox(),
        "instance": "i",
        "polling_interval": IDLE,
        "started": None,
        "requires_python": False,
        **extra,
    }


async def _echo(json_data: dict[str, Any], headers: Any = None) -> dict[str, Any]:
    await anyio.sleep(0.01)
    return {"echo": json_data}


def test_the_hook_is_installed_once() -> None:
    # that the hook exists in this Inspect is tests/test_inspect_contract.py's to check
    module = bridge_service_module()
    assert module is not None
    assert pacing.install()
    first = module.sandbox_service
    assert getattr(first, "_selfrep_paced", False) and bridge_service_hooked()
    assert pacing.install()
    assert module.sandbox_service is first  # not wrapped twice


def test_other_services_and_callers_driving_their_own_loop_are_untouched() -> None:
    inner = FakeInspectService()
    service = pacing.paced(inner)

    async def main() -> None:
        assert await service(**_service_kwargs({}, name="other")) == "inspect's own loop"
        handle = await service(**_service_kwargs({}, handle_requests=False))
        assert callable(handle)
        assert await service("positional", name=pacing.MODEL_SERVICE) == "inspect's own loop"

    run_on_a_virtual_clock(main)
    assert [c.get("handle_requests", True) for c in inner.calls] == [True, False, True]


def _gaps(times: list[float]) -> list[float]:
    return [b - a for a, b in itertools.pairwise(times)]


def test_polls_back_off_at_rest_and_hurry_when_a_call_is_expected_and_after_an_answer() -> None:
    inner = FakeInspectService()
    service = pacing.paced(inner)
    request = {"method": "generate_completions", "params": {"json_data": {"x": 1}}}
    seen: dict[str, Any] = {}

    async def main() -> None:
        with pacing.sample_paces():
            async with anyio.create_task_group() as tg:
                tg.start_soon(lambda: service(**_service_kwargs({"generate_completions": _echo})))
                await anyio.sleep(2.5)  # at rest: backs off to the idle interval
                seen["rest"] = list(inner.polls)
                async with pacing.expect_calls():
                    t0 = anyio.current_time()
                    await anyio.sleep(0.3)  # the call reaches the queue a while later
                    inner.queue.append(request)
                    while "answered_at" not in request:
                        await anyio.sleep(0.01)
                    seen["taken_after"] = request["answered_at"] - t0 - 0.3
                after = len(inner.polls)
                await anyio.sleep(0.6)
                seen["after_answer"] = inner.polls[after:]
                tg.cancel_scope.cancel()

    run_on_a_virtual_clock(main)
    rest = _gaps(seen["rest"])
    assert rest[-1] == pytest.approx(IDLE, abs=0.1)  # Inspect's own interval at rest
    assert max(rest) <= IDLE + 0.1  # never slower than Inspect
    assert request["answer"] == {"echo": {"x": 1}}  # the method's answer is passed through
    assert seen["taken_after"] < 3 * FLOOR  # not the idle interval
    assert len(seen["after_answer"]) >= 3  # polls promptly after an answer, then backs off
    assert _gaps(seen["after_answer"])[0] < 3 * FLOOR


def test_the_pace_registers_for_its_sample_and_leaves_with_its_service() -> None:
    inner = FakeInspectService()
    service = pacing.paced(inner)
    counts: list[int] = []

    async def main() -> None:
        with pacing.sample_paces():
            async with anyio.create_task_group() as tg:
                tg.start_soon(lambda: service(**_service_kwargs({"m": _echo})))
                await anyio.sleep(0.1)
                counts.append(len(pacing._paces.get() or []))
                tg.cancel_scope.cancel()
            counts.append(len(pacing._paces.get() or []))
        async with pacing.expect_calls():  # outside any sample: nothing to hurry, no error
            counts.append(len(pacing._paces.get() or []))

    run_on_a_virtual_clock(main)
    assert counts == [1, 0, 0]


def test_a_failing_method_still_fails_and_the_pace_recovers() -> None:
    pace_holder: list[pacing.Pace] = []

    async def main() -> None:
        pace = pacing.Pace(FLOOR, IDLE)
        pace_holder.append(pace)

        async def boom(**_: Any) -> None:
            raise ValueError("provider said no")

        with pytest.raises(ValueError, match="provider said no"):
            await pace.track(boom)()

    run_on_a_virtual_clock(main)
    pace = pace_holder[0]
    assert pace.taken == 1 and pace.interval == FLOOR


def test_a_call_taken_by_one_bridge_meets_the_expectation_of_every_bridge_of_the_sample(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(pacing, "EXPECT_FOR", 0.3)
    seen: dict[str, bool] = {}

    async def main() -> None:
        origin, target = pacing.Pace(FLOOR, IDLE), pacing.Pace(FLOOR, IDLE)
        with pacing.sample_paces():
            pacing._paces.get().extend([origin, target])  # type: ignore[union-attr]
            async with pacing.expect_calls():
                seen["both_pending"] = origin.pending and target.pending
                await target.track(_echo)({"x": 1})
                seen["met_for_both"] = not origin.pending and not target.pending
            async with pacing.expect_calls():
                await anyio.sleep(0.35)  # nothing came: the wait lapses, polls back off
                seen["lapsed"] = not origin.pending
            seen["closed"] = not origin.expectations and not target.expectations

    run_on_a_virtual_clock(main)
    assert seen == {"both_pending": True, "met_for_both": True, "lapsed": True, "closed": True}


def test_a_request_is_in_flight_until_its_answer_is_written_and_an_error_ends_the_service() -> None:
    inner = FakeInspectService()
    service = pacing.paced(inner)
    request: dict[str, Any] = {"method": "m", "params": {"json_data": {}}}
    seen: dict[str, Any] = {}

    async def fails(**_: Any) -> None:
        raise RuntimeError("terminate the sample")  # as a control-flow error from a request

    async def main() -> None:
        with pacing.sample_paces():
            paces = seen["paces"] = pacing._paces.get()
            assert paces is not None
            async with anyio.create_task_group() as tg:
                tg.start_soon(lambda: service(**_service_kwargs({"m": _echo, "boom": fails})))
                await anyio.sleep(0.05)
                inner.queue.append(request)
                while "answer" not in request:
                    await anyio.sleep(0.005)
                seen["in_flight_while_writing"] = paces[0].in_flight
                while "answered_at" not in request:
                    await anyio.sleep(0.005)
                await anyio.sleep(0.01)
                seen["in_flight_after"] = paces[0].in_flight
                inner.queue.append({"method": "boom", "params": {}})
                await anyio.sleep(3)  # cancelled by the service's error
                seen["not_ended"] = True

    with pytest.raises(BaseException) as raised:
        run_on_a_virtual_clock(main)
    assert "terminate the sample" in repr(
        raised.value.exceptions if hasattr(raised.value, "exceptions") else raised.value
    )
    assert seen["in_flight_while_writing"] == 1 and seen["in_flight_after"] == 0
    assert seen["paces"] == [] and "not_ended" not in seen


def test_the_vanished_request_warning_is_dropped_and_no_other():
    """A request answered while a poll listed it is read again and gone: that warning (a race of
    fast polling, nothing lost) is dropped; any other service warning stays."""
    import logging

    from inspect_selfrep.deployment import pacing

    pacing.install()
    service_logger = logging.getLogger(pacing.SERVICE_LOGGER)
    seen: list[str] = []

    class Catch(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(record.getMessage())

    handler = Catch()
    service_logger.addHandler(handler)
    try:
        service_logger.warning(
            "Error handling sandbox service request: Error reading request '/var/tmp/x.json' "
            "for service bridge_model_service: cat: /var/tmp/x.json: No such file or directory"
        )
        service_logger.warning("Error handling sandbox service request: boom")
    finally:
        service_logger.removeHandler(handler)
    assert seen == ["Error handling sandbox service request: boom"]
