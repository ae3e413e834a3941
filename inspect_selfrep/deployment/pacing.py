"""Prompt answers from the model bridge: Inspect's bridge looks for model calls every 2 s.

Inspect serves the model calls a sandbox makes by polling a request directory with an
exec, every 2 s for the agent bridge (hard-coded in inspect_ai's
`agent/_bridge/sandbox/service.py`), so each call waits about that long before the model
sees it: 2.2 s median per thought of the original (benchmarks/bench_mind.py), and as much
per step of every greeting; and on Docker each poll is a `docker compose exec` that costs
the host about a fifth of a CPU-second, most of them finding nothing. `paced` runs the same
service, Inspect's own `sandbox_service` asked not to run its loop, with its own loop: a
`Watch` waits inside the sandbox (one exec) until the queue holds a request not in flight,
then one poll serves it; a call is seen within 0.1 s and a bridge at rest makes one exec per
20 s. Where the watch cannot run, the loop polls at the sandbox's floor (0.2 s on Docker)
while the harness waits on a call it caused (`expect_calls`: a thought of the original, the
probe's greeting) until that call is taken, and right after any call is answered (an
agent's next call follows soon), doubling back to Inspect's interval when nothing comes.

`install` puts it in place once per process, for every agent bridge the process opens
(an agent's own bridge inside a sample is paced too, and joins the sample's expectations:
timing only), through `_inspect.hook_bridge_service` (the hook lives there, with Inspect's
other private names). Where an Inspect release no longer has the hook, it warns once and
Inspect's fixed interval stays (slower, never wrong). docs/upstream.md proposes a polling
interval for `sandbox_agent_bridge` that would make the hook unnecessary.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
from typing import Any, Literal

import anyio
import anyio.abc

from inspect_selfrep._inspect import (
    BRIDGE_MODEL_SERVICE,
    SERVICE_LOGGER,
    ServiceFn,
    bridge_requests_dir,
    hook_bridge_service,
    service_execs,
)

logger = logging.getLogger(__name__)

MODEL_SERVICE = BRIDGE_MODEL_SERVICE  # Inspect's name for the bridge's service
_DRAIN = 30.0  # seconds answers in flight get to finish when the service stops (as Inspect)
_MIN_FLOOR = 0.05  # a sandbox that reports no floor is not polled without pause
EXPECT_FOR = 10.0  # most seconds a call is awaited at the floor (a broken relay never sends it)
WATCH_FOR = 20.0  # most seconds one watch waits in the sandbox before the service polls anyway
WATCH_STEP = 0.1  # seconds between the watch's looks at the queue (inside the sandbox: no exec)

# The watch: looks at the queue inside the sandbox, a step at a time, until it holds a request
# other than the known ones in flight (exit 0) or `rounds` steps pass (exit 3); a queue it
# cannot read is exit 4. Only `sleep` forks: the glob and the tests are the shell's own.
_WATCH = """
dir=$1 rounds=$2 step=$3
shift 3
[ -d "$dir" ] && [ -r "$dir" ] && [ -x "$dir" ] || exit 4
i=0
while [ "$i" -lt "$rounds" ]; do
  for f in "$dir"/*.json; do
    [ -f "$f" ] || continue
    known=0
    for k in "$@"; do
      [ "$f" = "$k" ] && known=1 && break
    done
    [ "$known" = 1 ] || exit 0
  done
  sleep "$step" || exit 5
  i=$((i + 1))
done
exit 3
"""

# What the wait before a poll saw: a new request ("found"), none in WATCH_FOR ("quiet"), a watch
# that cannot run here ("failed"), or no watch: the pace's interval was waited out ("paced").
Seen = Literal["found", "quiet", "failed", "paced"]


class Expectation:
    """A call the harness is about to cause: met once any of the sample's bridges takes a call,
    lapsed `EXPECT_FOR` seconds after it was announced."""

    def __init__(self) -> None:
        self.met = False
        self.lapses = anyio.current_time() + EXPECT_FOR

    @property
    def open(self) -> bool:
        return not self.met and anyio.current_time() < self.lapses


class Pace:
    """When one bridge's service polls next: the floor while a call is expected or just answered,
    then doubling up to the idle interval."""

    def __init__(self, floor: float, idle: float) -> None:
        self.floor, self.idle = floor, max(idle, floor)
        self.interval = self.idle
        self.expectations: list[Expectation] = []  # open harness waits (expect_calls)
        self.in_flight = 0  # requests dispatched and not yet answered (read, call, answer written)
        self.dispatched = 0  # requests a poll has started serving, ever
        self.in_flight_files: set[str] = set()  # their queue files, where Inspect names them
        self.taken = 0
        self._fresh = False  # hurried since the last poll: keep the floor for the next one
        self._last = float("-inf")
        self._changed = anyio.Event()

    @property
    def pending(self) -> bool:
        """A call is expected and no bridge of the sample has taken one since."""
        return any(e.open for e in self.expectations)

    def _hurry(self, last: float | None = None) -> None:
        self.interval = self.floor
        self._fresh = True
        if last is not None:
            self._last = last
        self._changed.set()

    def expect(self, expectation: Expectation) -> None:
        self.expectations.append(expectation)
        self._hurry()

    def expected(self, expectation: Expectation) -> None:
        self.expectations.remove(expectation)

    async def wait(self) -> None:
        """Until the next poll is due (sooner when a call is expected or answered meanwhile)."""
        while (remaining := self._last + self.interval - anyio.current_time()) > 0:
            with anyio.move_on_after(remaining):
                await self._changed.wait()
            if self._changed.is_set():
                self._changed = anyio.Event()
        self._last = anyio.current_time()

    def waited(self) -> None:
        """A wait of another kind (the watch) just ended: the next interval counts from now."""
        self._last = anyio.current_time()

    def polled(self) -> None:
        if self._fresh or self.pending:
            self._fresh = False  # an answer during this poll: the next one still at the floor
        else:
            self.interval = min(self.idle, self.interval * 2)

    def track(self, method: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        """The service method, telling the pace when a call is taken and when it is answered."""

        @functools.wraps(method)
        async def tracked(*args: Any, **kwargs: Any) -> Any:
            for expectation in self.expectations:
                expectation.met = True  # for every bridge of the sample: the call came
            self.taken += 1
            try:
                return await method(*args, **kwargs)
            finally:
                # the answer is written next; the caller's next call, if any, comes soon after
                self._hurry(last=anyio.current_time())

        return tracked


class _Counted:
    """The loop's task group as Inspect's request handling sees it: each request it starts is
    counted in flight until its answer is written (what the drain at the end waits for)."""

    def __init__(self, tg: anyio.abc.TaskGroup, pace: Pace) -> None:
        self._tg, self._pace = tg, pace

    def start_soon(self, func: Callable[..., Awaitable[Any]], *args: Any, name: Any = None) -> None:
        pace = self._pace
        pace.dispatched += 1
        pace.in_flight += 1
        # Inspect hands each request's queue file first: the watch after this poll knows it
        file = args[0] if args and isinstance(args[0], str) else None
        if file is not None:
            pace.in_flight_files.add(file)

        async def counted() -> None:
            try:
                await func(*args)
            finally:
                pace.in_flight -= 1
                if file is not None:
                    pace.in_flight_files.discard(file)

        self._tg.start_soon(counted, name=name)

    def __getattr__(self, attr: str) -> Any:
        return getattr(self._tg, attr)


class Watch:
    """Waits inside the sandbox for a new request in the bridge's queue: one exec that returns
    when one comes, instead of an exec every interval that mostly finds nothing. Each exec
    costs the host a `docker compose exec` (a fifth of a CPU-second or so on Docker, and the
    battery's samples run thousands); watching, a bridge makes one exec every `WATCH_FOR`
    seconds at rest and two per call, and sees a call within `WATCH_STEP`, expected or not."""

    def __init__(self, sandbox: Any, requests_dir: str, user: str | None) -> None:
        self.sandbox, self.requests_dir, self.user = sandbox, requests_dir, user

    async def look(self, known: set[str]) -> Seen:
        rounds = max(1, round(WATCH_FOR / WATCH_STEP))
        command = ["sh", "-c", _WATCH, "selfrep-watch", self.requests_dir, str(rounds)]
        command += [f"{WATCH_STEP:g}", *sorted(known)]
        try:
            with service_execs():
                result = await self.sandbox.exec(
                    command,
                    cwd="/",
                    user=self.user,
                    timeout=int(WATCH_FOR) + 30,
                    concurrency=False,
                )
        except (TimeoutError, RuntimeError, OSError, ValueError) as ex:  # poll as Inspect does
            logger.info("bridge watch unavailable (%s): polling the queue instead", ex)
            return "failed"
        if result.returncode in (0, 3):
            return "found" if result.returncode == 0 else "quiet"
        logger.info(
            "bridge watch unavailable (exit %s: %s): polling the queue instead",
            result.returncode,
            result.stderr.strip()[:200],
        )
        return "failed"


# The paces of the bridges open in this sample (a list shared by its tasks).
_paces: ContextVar[list[Pace] | None] = ContextVar("selfrep_bridge_paces", default=None)


@contextmanager
def sample_paces() -> Any:
    """Open around a bridge: pacing is installed, and the services started inside register
    their pace for `expect_calls`."""
    install()
    if _paces.get() is not None:
        yield
        return
    token = _paces.set([])
    try:
        yield
    finally:
        _paces.reset(token)


@asynccontextmanager
async def expect_calls() -> AsyncIterator[None]:
    """The harness is about to cause model calls over this sample's bridges: poll promptly."""
    paces, expectation = list(_paces.get() or []), Expectation()
    for pace in paces:
        pace.expect(expectation)
    try:
        yield
    finally:
        for pace in paces:
            pace.expected(expectation)


def paced(inspect_service: ServiceFn) -> ServiceFn:
    """Inspect's `sandbox_service`, with the bridge model service's loop paced (others unchanged)."""

    @functools.wraps(inspect_service)
    async def service(*args: Any, **kwargs: Any) -> Any:
        methods = kwargs.get("methods")
        if (
            args
            or kwargs.get("name") != MODEL_SERVICE
            or not kwargs.get("handle_requests", True)
            or not isinstance(methods, dict)
        ):
            return await inspect_service(*args, **kwargs)
        sandbox, until = kwargs["sandbox"], kwargs["until"]
        floor = max(float(sandbox.default_polling_interval()), _MIN_FLOOR)
        pace = Pace(floor, float(kwargs.get("polling_interval") or floor))
        kwargs["methods"] = {name: pace.track(m) for name, m in methods.items()}
        handle = await inspect_service(**{**kwargs, "handle_requests": False})
        requests_dir = bridge_requests_dir(kwargs.get("instance"))
        watch = Watch(sandbox, requests_dir, kwargs.get("user")) if requests_dir else None
        registry = _paces.get()
        if registry is not None:
            registry.append(pace)
        try:
            # as Inspect's own loop: answers run on a task group that outlives each poll
            async with anyio.create_task_group() as tg:
                counted = _Counted(tg, pace)
                stale = False  # the queue holds a request no poll serves: watching would spin
                while not until():
                    seen: Seen = "paced"
                    if watch is not None and not stale:
                        seen = await watch.look(set(pace.in_flight_files))
                        pace.waited()
                        if seen == "failed":
                            watch = None
                    else:
                        await pace.wait()
                    before = pace.dispatched
                    await handle(counted)
                    pace.polled()
                    stale = (stale or seen == "found") and pace.dispatched == before
                with anyio.move_on_after(_DRAIN):
                    while pace.in_flight:
                        await anyio.sleep(floor)
                tg.cancel_scope.cancel()
        finally:
            if registry is not None and pace in registry:
                registry.remove(pace)
        return None

    service._selfrep_paced = True  # type: ignore[attr-defined]
    return service


class _AnsweredRequestFilter(logging.Filter):
    """Drops Inspect's warning about a request file that vanished before it was read.

    A poll lists the requests, then skips those in flight; a request answered while the listing
    ran (its response written, its file removed, then taken off the in-flight set) is read again
    and is gone: `cat` says "No such file or directory". Nothing is lost or served twice (the file
    is removed before the request leaves the in-flight set), but polling at the sandbox's floor
    right after answers makes the race common and the warning noise in every log."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not (
            message.startswith("Error handling sandbox service request: Error reading request")
            and "No such file or directory" in message
        )


_warned = False
_filtered = False


def install() -> bool:
    """Pace Inspect's bridge model service from now on (idempotent); False where this Inspect has no hook."""
    global _warned
    global _filtered
    if not _filtered:
        _filtered = True
        logging.getLogger(SERVICE_LOGGER).addFilter(_AnsweredRequestFilter())
    if hook_bridge_service(paced):
        return True
    if not _warned:
        _warned = True
        logger.warning(
            "inspect_selfrep: this inspect_ai has no bridge model service to pace; "
            "each bridged model call waits for Inspect's 2 s poll."
        )
    return False
