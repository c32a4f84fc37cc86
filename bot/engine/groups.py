"""Numbers grouped by a key, flattened: the shape of every term table of a large fact base.

A term table (entries using a term, stories using it, facts using it) has hundreds of thousands of keys at
100,000 facts, most with a row or two. An array per key costs more than its rows, and caching the engine
would copy each one; here each column is one array and a key names its slice.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any


class Groups(Mapping[str, tuple[array, ...]]):
    """Read-only: key -> one array per column, the rows of that key (copies, so they can be kept)."""

    def __init__(self, typecodes: str, groups: Iterable[tuple[str, Sequence[Iterable[float]]]]) -> None:
        """``typecodes``: one ``array`` type code per column; ``groups``: (key, one iterable per column)."""
        self._at: dict[str, int] = {}
        self._starts = array("q", [0])  # key number -> where its rows start; the next key's start ends them
        self._columns = tuple(array(code) for code in typecodes)
        for key, values in groups:
            for column, these in zip(self._columns, values, strict=True):
                column.extend(these)
            if any(len(column) != len(self._columns[0]) for column in self._columns):
                raise ValueError(f"columns of unequal length for {key!r}")
            self._at[key] = len(self._starts) - 1
            self._starts.append(len(self._columns[0]))

    def span(self, key: str) -> tuple[int, int]:
        """Where the key's rows are in :attr:`columns` (an empty span for an unknown key), to search in place."""
        at = self._at.get(key)
        return (0, 0) if at is None else (self._starts[at], self._starts[at + 1])

    @property
    def columns(self) -> tuple[array, ...]:
        return self._columns

    def __getitem__(self, key: str) -> tuple[array, ...]:
        at = self._at[key]
        low, high = self._starts[at], self._starts[at + 1]
        return tuple([column[low:high] for column in self._columns])

    def get(self, key: str, default: Any = None) -> Any:
        """As ``Mapping.get``, without raising (and catching) a KeyError for every unknown key."""
        return default if key not in self._at else self[key]

    def any_of(self, keys: Iterable[str]) -> set[int]:
        """The rows of the first column of any of ``keys`` (an unknown key has none), as one set, made in C."""
        starts, first = self._starts, self._columns[0]
        return set().union(*[first[starts[at] : starts[at + 1]] for at in map(self._at.get, keys) if at is not None])

    def __contains__(self, key: object) -> bool:
        return key in self._at

    def __iter__(self) -> Iterator[str]:
        return iter(self._at)

    def __len__(self) -> int:
        return len(self._at)
