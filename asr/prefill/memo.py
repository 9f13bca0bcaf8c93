"""What one call's extractions can share: pure work on a piece of text, kept by the piece.

A call's transcript grows by appending finals; most of what an extraction computes from it is a function of a
piece of the text (jieba's words of a stretch between two safe cuts, the summary's windows of a clause, the digit
runs of a document) that is the same piece in the next extraction. `Memo` keeps those results keyed by the piece
itself, so a later extraction computes only the pieces that are new (the tail the last finals added) and gives
exactly what computing them again would give — the key is the whole input of a pure function.

One `Memo` per call (`CallPrefill` owns it), never shared between calls: a call's words are no other call's, and
its memory goes with the call. Bounded: past `MAX_ENTRIES` pieces it starts empty again (results stay the same,
only the time goes back to a first extraction's). Used from one thread at a time (the call's pre-fill pass).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")

MAX_ENTRIES = 8192


class Memo:
    __slots__ = ("_recent", "_store", "hits", "misses")

    def __init__(self) -> None:
        self._store: dict[tuple[str, Hashable], Any] = {}
        self._recent: dict[str, list[Any]] = {}
        self.hits = 0
        self.misses = 0

    def get(self, kind: str, key: Hashable, compute: Callable[[], T]) -> T:
        """`compute()` for `key` (a pure function's whole input) of this `kind`, computed once. The value must not be
        changed by whoever gets it (tuples, frozen values)."""
        slot = (kind, key)
        try:
            value: T = self._store[slot]
        except KeyError:
            self.misses += 1
            value = compute()
            if len(self._store) >= MAX_ENTRIES:
                self._store.clear()
            self._store[slot] = value
            return value
        self.hits += 1
        return value

    def recent(self, kind: str) -> list[Any]:
        """A short list the owner keeps of its latest results of this `kind`, for work that extends an earlier
        result instead of repeating it (the owner bounds its length)."""
        return self._recent.setdefault(kind, [])

    def __len__(self) -> int:
        return len(self._store)
