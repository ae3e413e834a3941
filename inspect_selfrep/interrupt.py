"""SIGTERM ends an eval the way Ctrl+C does.

Inspect turns SIGINT into a cancelled eval: it tears every sandbox down and writes a log
that `inspect eval-retry` resumes. SIGTERM (a CI job cancelled, a pod evicted, `timeout`)
would kill the process at once and leave the samples' containers running. Our tasks
install this handler when they are created, only on the main thread and only where
nobody handles SIGTERM already (an embedding program keeps its own).
"""

from __future__ import annotations

import os
import signal
import threading
from types import FrameType


def _as_sigint(signum: int, frame: FrameType | None) -> None:
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:  # e.g. a background job of a script
        signal.signal(signal.SIGTERM, signal.SIG_DFL)  # then SIGTERM must still end the process
        os.kill(os.getpid(), signal.SIGTERM)
        return
    os.kill(os.getpid(), signal.SIGINT)  # through whatever handles SIGINT: Inspect, asyncio, Python


def sigterm_as_interrupt() -> bool:
    """Route SIGTERM to SIGINT in this process; True when the handler is (now) installed."""
    if threading.current_thread() is not threading.main_thread():
        return False
    current = signal.getsignal(signal.SIGTERM)
    if current is _as_sigint:
        return True
    if current not in (signal.SIG_DFL, None) or signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        return False  # someone else's handler, or SIGINT would be ignored
    signal.signal(signal.SIGTERM, _as_sigint)
    return True
