"""Which model API failures on bridged calls fail the sample (pure logic)."""

from __future__ import annotations

import pytest

from inspect_selfrep.deployment.bridge import REQUEST_FAULTS, api_status


class Status(Exception):
    def __init__(self, status_code: int) -> None:
        super().__init__(f"status {status_code}")
        self.status_code = status_code


def test_status_found_on_the_error_and_its_causes():
    assert api_status(Status(503)) == 503
    try:
        try:
            raise Status(429)
        except Status as inner:
            raise RuntimeError("retries exhausted") from inner
    except RuntimeError as outer:
        assert api_status(outer) == 429


def test_no_status():
    assert api_status(RuntimeError("connection reset")) is None


class Code(Exception):
    code = True  # a bool is not a status


def test_bool_is_not_a_status():
    assert api_status(Code()) is None


@pytest.mark.parametrize("status", [None, 401, 403, 408, 429, 500, 502, 503, 529])
def test_api_failures_are_not_request_faults(status):
    assert status not in REQUEST_FAULTS


@pytest.mark.parametrize("status", [400, 404, 413, 422])
def test_malformed_requests_are_request_faults(status):
    assert status in REQUEST_FAULTS
