"""SIGTERM is routed to SIGINT only where nobody handles it (pure, in-process)."""

from __future__ import annotations

import os
import signal
import threading

from inspect_selfrep import interrupt


def test_installs_on_default_and_forwards_to_sigint():
    previous_term = signal.signal(signal.SIGTERM, signal.SIG_DFL)
    got: list[int] = []
    previous_int = signal.signal(signal.SIGINT, lambda signum, frame: got.append(signum))
    try:
        assert interrupt.sigterm_as_interrupt() is True
        assert interrupt.sigterm_as_interrupt() is True  # idempotent
        os.kill(os.getpid(), signal.SIGTERM)
        assert got == [signal.SIGINT]
    finally:
        signal.signal(signal.SIGTERM, previous_term)
        signal.signal(signal.SIGINT, previous_int)


def test_keeps_an_existing_handler():
    def mine(signum, frame):
        pass

    previous = signal.signal(signal.SIGTERM, mine)
    try:
        assert interrupt.sigterm_as_interrupt() is False
        assert signal.getsignal(signal.SIGTERM) is mine
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_not_from_another_thread():
    result: list[bool] = []
    t = threading.Thread(target=lambda: result.append(interrupt.sigterm_as_interrupt()))
    t.start()
    t.join()
    assert result == [False]


def test_not_when_sigint_is_ignored():
    """A background job of a script ignores SIGINT: SIGTERM must keep killing it."""
    previous_term = signal.signal(signal.SIGTERM, signal.SIG_DFL)
    previous_int = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        assert interrupt.sigterm_as_interrupt() is False
        assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
    finally:
        signal.signal(signal.SIGTERM, previous_term)
        signal.signal(signal.SIGINT, previous_int)


def test_sigint_ignored_later_falls_back_to_sigterm():
    previous_term = signal.signal(signal.SIGTERM, signal.SIG_DFL)
    # SIGINT handled at first, whatever this process inherited (a background job of a script
    # starts with SIGINT ignored), and ignored later
    previous_int = signal.signal(signal.SIGINT, signal.default_int_handler)
    got: list[int] = []
    try:
        assert interrupt.sigterm_as_interrupt() is True
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        real_kill = os.kill
        os.kill = lambda pid, sig: got.append(sig)  # type: ignore[assignment]
        try:
            interrupt._as_sigint(signal.SIGTERM, None)
        finally:
            os.kill = real_kill
        assert got == [signal.SIGTERM] and signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
    finally:
        signal.signal(signal.SIGTERM, previous_term)
        signal.signal(signal.SIGINT, previous_int)
