from __future__ import annotations

import httpx
import pytest
from telegram.error import BadRequest, NetworkError, TimedOut

from bot.retry import worth_retrying


def caused(exc: NetworkError, cause: BaseException) -> NetworkError:
    exc.__cause__ = cause
    return exc


@pytest.mark.parametrize(
    ("exc", "retry"),
    [
        (NetworkError("Internal Server Error"), True),
        (caused(NetworkError("refused"), httpx.ConnectError("refused")), True),
        (caused(TimedOut(), httpx.ConnectTimeout("connect")), True),
        (caused(TimedOut(), httpx.PoolTimeout("pool")), True),
        (caused(TimedOut(), httpx.ReadTimeout("read")), False),
        # Sent, then the connection broke or stalled: the Bot API may have carried it out.
        (caused(NetworkError("reset"), httpx.ReadError("reset")), False),
        (caused(NetworkError("gone"), httpx.RemoteProtocolError("no response")), False),
        (caused(TimedOut(), httpx.WriteTimeout("write")), False),
        (TimedOut(), False),
        (BadRequest("Bad Request: message text is empty"), False),
    ],
)
def test_only_requests_that_surely_did_not_reach_the_bot_api_are_retried(
    exc: NetworkError, retry: bool
) -> None:
    assert worth_retrying(exc) is retry
