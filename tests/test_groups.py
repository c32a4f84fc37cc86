"""Term tables kept flat: each key gives back its own rows, and only its own."""

from __future__ import annotations

import pytest

from bot.engine.groups import Groups


def test_each_key_gives_back_its_rows() -> None:
    table = Groups("id", [("a", ([3, 5], [0.5, 1.5])), ("b", ([], [])), ("c", ([7], [2.0]))])
    assert [(key, [list(column) for column in table[key]]) for key in table] == [
        ("a", [[3, 5], [0.5, 1.5]]),
        ("b", [[], []]),
        ("c", [[7], [2.0]]),
    ]
    stories, _ = table.columns
    low, high = table.span("c")
    assert list(stories[low:high]) == [7]
    assert table.span("unknown") == (0, 0)
    assert "unknown" not in table
    assert table.get("unknown") is None
    assert len(table) == 3


def test_columns_must_be_as_long_as_each_other() -> None:
    with pytest.raises(ValueError, match="unequal"):
        Groups("ii", [("a", ([1, 2], [1]))])
