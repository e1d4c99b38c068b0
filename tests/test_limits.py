from __future__ import annotations

import httpx
import pytest
from telegram.error import BadRequest, NetworkError, TimedOut

from bot.limits import QuestionLimit, Verdict, worth_retrying


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_limit_answers_then_notices_once_then_drops_until_the_window_has_room() -> None:
    clock = Clock()
    limit = QuestionLimit(limit=3, window=30, clock=clock)
    assert [limit.check(1) for _ in range(3)] == [Verdict.ANSWER] * 3
    assert limit.check(1) is Verdict.NOTICE
    assert limit.check(1) is Verdict.DROP
    assert limit.check(2) is Verdict.ANSWER  # others are not affected
    clock.now += 29.9
    assert limit.check(1) is Verdict.DROP
    clock.now += 0.2  # the first three questions left the window
    verdicts = [limit.check(1) for _ in range(4)]
    assert verdicts == [Verdict.ANSWER] * 3 + [Verdict.NOTICE]  # a new notice for a new run


def test_dropped_questions_do_not_extend_the_wait() -> None:
    clock = Clock()
    limit = QuestionLimit(limit=1, window=10, clock=clock)
    limit.check(1)
    for _ in range(50):
        clock.now += 0.1
        limit.check(1)
    clock.now = 1010.0
    assert limit.check(1) is Verdict.ANSWER


def test_idle_users_are_forgotten() -> None:
    clock = Clock()
    limit = QuestionLimit(limit=2, window=10, clock=clock)
    for user in range(100):
        limit.check(user)
    clock.now += 11
    limit.check(7)
    limit.forget_idle()
    assert list(limit._asked) == [7]


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
        (caused(NetworkError("reset"), httpx.ReadError("reset")), True),
        (caused(NetworkError("gone"), httpx.RemoteProtocolError("no response")), True),
        (TimedOut(), False),
        (BadRequest("Bad Request: message text is empty"), False),
    ],
)
def test_requests_that_did_not_get_through_are_retried_timeouts_are_not(
    exc: NetworkError, retry: bool
) -> None:
    assert worth_retrying(exc) is retry


def test_a_limit_of_zero_means_no_limit() -> None:
    limit = QuestionLimit(limit=0, window=30, clock=Clock())
    assert all(limit.check(1) is Verdict.ANSWER for _ in range(100))
