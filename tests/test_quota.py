from __future__ import annotations

from bot.quota import Quota, Verdict


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_limit_answers_then_notices_once_then_drops_until_the_window_has_room() -> None:
    clock = Clock()
    limit = Quota(limit=3, window=30, clock=clock)
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
    limit = Quota(limit=1, window=10, clock=clock)
    limit.check(1)
    for _ in range(50):
        clock.now += 0.1
        limit.check(1)
    clock.now = 1010.0
    assert limit.check(1) is Verdict.ANSWER


def test_idle_users_are_forgotten() -> None:
    clock = Clock()
    limit = Quota(limit=2, window=10, clock=clock)
    for user in range(100):
        limit.check(user)
    clock.now += 11
    limit.check(7)
    limit.forget_idle()
    assert list(limit._asked) == [7]


def test_a_limit_of_zero_means_no_limit() -> None:
    limit = Quota(limit=0, window=30, clock=Clock())
    assert all(limit.check(1) is Verdict.ANSWER for _ in range(100))


def test_a_few_over_the_limit_wait_for_room_then_one_notice_says_when() -> None:
    clock = Clock()
    limit = Quota(limit=2, window=30, clock=clock, queue=3)
    assert [limit.admit(1) for _ in range(2)] == [(Verdict.ANSWER, 0.0)] * 2
    clock.now += 1
    # Two places free at 1030 (both first questions leave the window), the next at 1060.
    assert [limit.admit(1) for _ in range(3)] == [
        (Verdict.WAIT, 29.0),
        (Verdict.WAIT, 29.0),
        (Verdict.WAIT, 59.0),
    ]
    assert limit.admit(1) == (Verdict.NOTICE, 59.0)  # the next place is the third waiter's
    assert limit.admit(1) == (Verdict.DROP, 0.0)
    clock.now += 29.5  # the first two waiting were answered; the third still waits
    assert limit.admit(1) == (Verdict.WAIT, 29.5)  # beside the third, at 1060
    assert limit.admit(1) == (Verdict.WAIT, 59.5)
    assert limit.admit(1) == (Verdict.NOTICE, 59.5)


def test_waiting_is_bounded_per_user() -> None:
    limit = Quota(limit=1, window=10, clock=Clock(), queue=2)
    verdicts = [limit.check(1) for _ in range(6)]
    assert (
        verdicts
        == [Verdict.ANSWER, Verdict.WAIT, Verdict.WAIT, Verdict.NOTICE] + [Verdict.DROP] * 2
    )
    assert limit.check(2) is Verdict.ANSWER
