"""What the process keeps about chats to keep them tidy, each bounded (the latest entries):
which of the bot's messages answered a user's message (an edited question edits its answer),
and the votes each answer got (a group's vote buttons show the counts). Both are a convenience
of this process: behind several replicas, an edit another replica answered gets a new reply,
and a replica counts the votes it was given (the question log has them all)."""

from __future__ import annotations

from collections import OrderedDict
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")
KEPT = 10_000


class Bounded(Generic[K, V]):
    """A map that keeps its `kept` latest entries."""

    def __init__(self, kept: int = KEPT) -> None:
        self.kept = kept
        self._items: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K) -> V | None:
        return self._items.get(key)

    def put(self, key: K, value: V) -> None:
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self.kept:
            self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)


class Replies(Bounded[tuple[int, int], int]):
    """(chat id, a user's message id) → the id of the bot's message that answered it."""


class Tally:
    """Each answer's votes (by its id in the question log): one per voter, the latest."""

    def __init__(self, kept: int = KEPT) -> None:
        self._votes: Bounded[str, dict[str, int]] = Bounded(kept)

    def vote(self, answer: str, voter: str, vote: int) -> tuple[int, int]:
        """Record `voter`'s `vote` (1 or -1) on `answer`; its 👍 and 👎 now."""
        votes = self._votes.get(answer) or {}
        votes[voter] = vote
        self._votes.put(answer, votes)
        return sum(v > 0 for v in votes.values()), sum(v < 0 for v in votes.values())
