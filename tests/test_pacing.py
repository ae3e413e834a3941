"""The bridge service's pacing (deployment/pacing.py), against a stand-in for Inspect's service."""

from __future__ import annotations

import itertools
import subprocess
import time
from pathlib import Path
from typing import Any

import anyio
import pytest
import trio.testing
from inspect_ai.util import ExecResult

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
    """The sandbox as the watch sees it: `sh -c WATCH dir rounds step KNOWN...` waits until `queue`
    holds a request whose file is not among the known ones (exit 0) or `rounds` steps pass (exit
    3); without `watch` the shell says the queue cannot be read (exit 4), as a sandbox where
    the watch cannot run. tests/test_pacing.py also runs the real script with a real shell."""

    def __init__(self, queue: list[dict[str, Any]] | None = None, watch: bool = False) -> None:
        self.queue = queue if queue is not None else []
        self.can_watch = watch
        self.watches: list[tuple[float, float, list[str]]] = []  # (began, ended, known)

    def default_polling_interval(self) -> float:
        return FLOOR

    async def exec(self, cmd: list[str], **kwargs: Any) -> ExecResult[str]:
        assert cmd[:2] == ["sh", "-c"] and kwargs["cwd"] == "/" and not kwargs["concurrency"]
        if not self.can_watch:
            return ExecResult(False, 4, "", "")
        rounds, step, known = int(cmd[5]), float(cmd[6]), cmd[7:]
        began = anyio.current_time()
        for _ in range(rounds):
            if any(r["file"] not in known for r in self.queue):
                self.watches.append((began, anyio.current_time(), known))
                return ExecResult(True, 0, "", "")
            await anyio.sleep(step)
        self.watches.append((began, anyio.current_time(), known))
        return ExecResult(False, 3, "", "")


class FakeInspectService:
    """Records how it is called and when each poll happens. As Inspect's: a request stays in the
    queue until its answer is written; a poll starts each request not already in flight, handing
    the task group its queue file first."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.polls: list[float] = []
        self.queue: list[dict[str, Any]] = []
        self.in_flight: set[str] = set()
        self.methods: dict[str, Any] = {}

    def put(self, request: dict[str, Any]) -> dict[str, Any]:
        request.setdefault("file", f"/q/{len(self.queue)}-{id(request)}.json")
        self.queue.append(request)
        return request

    async def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.calls.append(kwargs)
        if kwargs.get("handle_requests", True):
            return "inspect's own loop"
        self.methods = kwargs["methods"]

        async def handle(tg: Any) -> None:
            self.polls.append(anyio.current_time())
            for request in list(self.queue):
                if request["file"] not in self.in_flight:
                    self.in_flight.add(request["file"])
                    tg.start_soon(self._answer, request["file"], request)

        return handle

    async def _answer(self, file: str, request: dict[str, Any]) -> None:
        try:
            request["answer"] = await self.methods[request["method"]](**request["params"])
            await anyio.sleep(0.05)  # writing the answer into the sandbox
            self.queue.remove(request)
            request["answered_at"] = anyio.current_time()
        finally:
            self.in_flight.discard(file)


def _service_kwargs(methods: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "name": pacing.MODEL_SERVICE,
        "methods": methods,
        "until": lambda: False,
        "sandbox": FakeSandbox(),  # no watch: the queue is polled, as by Inspect
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
                    inner.put(request)
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


def _watched(inner: FakeInspectService, sandbox: FakeSandbox) -> Any:
    service = pacing.paced(inner)
    return lambda: service(
        **{**_service_kwargs({"generate_completions": _echo}), "sandbox": sandbox}
    )


def _call(n: int) -> dict[str, Any]:
    return {"method": "generate_completions", "params": {"json_data": {"n": n}}}


async def _answered(request: dict[str, Any]) -> float:
    while "answered_at" not in request:
        await anyio.sleep(0.01)
    return float(request["answered_at"])


def test_watching_the_queue_one_exec_a_while_at_rest_and_a_call_is_seen_within_a_step() -> None:
    inner = FakeInspectService()
    sandbox = FakeSandbox(inner.queue, watch=True)
    first, second = _call(1), _call(2)
    seen: dict[str, Any] = {}

    async def main() -> None:
        with pacing.sample_paces():
            async with anyio.create_task_group() as tg:
                tg.start_soon(_watched(inner, sandbox))
                await anyio.sleep(45)
                seen["rest"] = (len(sandbox.watches), len(inner.polls))
                t0 = anyio.current_time()
                inner.put(first)  # nobody expected it: an agent's own call
                seen["first"] = await _answered(first) - t0
                inner.put(second)  # the agent's next call, right after the answer
                t1 = anyio.current_time()
                seen["second"] = await _answered(second) - t1
                seen["polls"] = len(inner.polls)
                await anyio.sleep(10)
                seen["later"] = len(inner.polls)
                tg.cancel_scope.cancel()

    run_on_a_virtual_clock(main)
    # 45 s at rest: a watch of WATCH_FOR s then a poll, twice, the third watch under way (an
    # exec each; Inspect's own loop: 23 polls)
    assert seen["rest"] == (2, 2)
    assert all(
        end - began == pytest.approx(pacing.WATCH_FOR, abs=0.2)
        for began, end, _ in sandbox.watches[:2]
    )
    assert first["answer"] == {"echo": {"n": 1}}
    step = pacing.WATCH_STEP + 0.05 + 0.01 + 0.01  # a step, the call, writing its answer
    assert seen["first"] <= step and seen["second"] <= step  # not Inspect's 2 s
    # one poll a call: while a request is in flight its file is known, the watch waits on
    assert seen["polls"] == 4 and seen["later"] == 4
    assert any(first["file"] in known for _, _, known in sandbox.watches)


def test_a_request_no_poll_serves_does_not_make_the_watch_spin() -> None:
    inner = FakeInspectService()
    sandbox = FakeSandbox([{"file": "/q/stray.json"}], watch=True)  # a file the service never takes

    async def main() -> None:
        with pacing.sample_paces():
            async with anyio.create_task_group() as tg:
                tg.start_soon(_watched(inner, sandbox))
                await anyio.sleep(10.05)
                tg.cancel_scope.cancel()

    run_on_a_virtual_clock(main)
    assert len(sandbox.watches) == 1  # found it once, then polled at Inspect's interval
    assert len(inner.polls) == 11 and min(_gaps(inner.polls)) >= IDLE - 0.01


def test_a_watch_the_sandbox_cannot_run_falls_back_to_polling() -> None:
    inner = FakeInspectService()

    class Broken(FakeSandbox):
        async def exec(self, cmd: list[str], **kwargs: Any) -> ExecResult[str]:
            self.watches.append((anyio.current_time(), anyio.current_time(), []))
            raise RuntimeError("docker: service is not running")

    sandbox = Broken(inner.queue, watch=True)

    async def main() -> None:
        with pacing.sample_paces():
            async with anyio.create_task_group() as tg:
                tg.start_soon(_watched(inner, sandbox))
                await anyio.sleep(5.05)
                tg.cancel_scope.cancel()

    run_on_a_virtual_clock(main)
    assert len(sandbox.watches) == 1  # tried once
    assert len(inner.polls) >= 4 and max(_gaps(inner.polls)) <= IDLE + 0.01


def _run_watch(queue: Path, rounds: int, *known: str) -> tuple[int, float]:
    began = time.monotonic()
    done = subprocess.run(
        ["sh", "-c", pacing._WATCH, "selfrep-watch", str(queue), str(rounds), "0.05", *known],
        capture_output=True,
        timeout=30,
        check=False,
    )
    return done.returncode, time.monotonic() - began


def test_the_watch_script_in_a_real_shell(tmp_path: Path) -> None:
    queue = tmp_path / "requests"
    assert _run_watch(queue, 2)[0] == 4  # no queue: the watch cannot run, polls take over
    queue.mkdir()
    assert _run_watch(queue, 3)[0] == 3  # nothing came
    (queue / "a b.json").write_text("{}")  # a request in flight (odd name: matched whole)
    (queue / "partial.tmp").write_text("")
    (queue / "dir.json").mkdir()  # not a request file
    rc, took = _run_watch(queue, 4, str(queue / "a b.json"))
    assert rc == 3 and took >= 0.15  # only known or non-request entries: it waits on
    (queue / "c.json").write_text("{}")
    assert _run_watch(queue, 400, str(queue / "a b.json"))[0] == 0  # a new one: at once
    assert _run_watch(queue, 400, str(queue / "a b"), str(queue / "b.json"))[0] == 0


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
                inner.put(request)
                while "answer" not in request:
                    await anyio.sleep(0.005)
                seen["in_flight_while_writing"] = paces[0].in_flight
                while "answered_at" not in request:
                    await anyio.sleep(0.005)
                await anyio.sleep(0.01)
                seen["in_flight_after"] = paces[0].in_flight
                inner.put({"method": "boom", "params": {}})
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
