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
        # Sent, then the connection broke or stalled: sent again, as silence is worse.
        (caused(TimedOut(), httpx.ReadTimeout("read")), True),
        (caused(NetworkError("reset"), httpx.ReadError("reset")), True),
        (caused(NetworkError("gone"), httpx.RemoteProtocolError("no response")), True),
        (TimedOut(), True),
        (BadRequest("Bad Request: message text is empty"), False),
    ],
)
def test_every_request_that_failed_on_the_way_is_retried_but_a_bad_one(
    exc: NetworkError, retry: bool
) -> None:
    assert worth_retrying(exc) is retry
