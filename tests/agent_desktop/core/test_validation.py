"""The type checks every command goes through before a handler sees it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import pytest

from agent_desktop.core.errors import InvalidCommand
from agent_desktop.core.validation import MAX_TEXT_CHARS, normalise, normalise_dataclass
from agent_desktop.core.work_order import CallLink, Category, NotAcceptedReason, Rating

AWARE = datetime(2026, 9, 28, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "hint", "expected"),
    [
        ("text", str, "text"),
        (True, bool, True),
        (3, int, 3),
        (2, float, 2),
        (2.5, float, 2.5),
        (AWARE, datetime, AWARE),
        (date(2026, 9, 28), date, date(2026, 9, 28)),
        (time(17, 30), time, time(17, 30)),
        ("complaint", Category, Category.COMPLAINT),
        (Rating.SATISFIED, Rating, Rating.SATISFIED),
        (6, NotAcceptedReason, NotAcceptedReason.ALREADY_HANDLED),
        (None, str | None, None),
        ("x", str | None, "x"),
        (["a", "b"], tuple[str, ...], ("a", "b")),
        (("a", 1), tuple[str, int], ("a", 1)),
        ({"district": "岳麓区"}, Mapping[str, Any], {"district": "岳麓区"}),
        (frozenset({1}), frozenset[int], frozenset({1})),
        (None, type(None), None),
        (object(), Any, None),
        (Path("/tmp"), Path, Path("/tmp")),
    ],
)
def test_accepted_values_come_back_as_the_type_wants_them(value: Any, hint: Any, expected: Any) -> None:
    result = normalise(value, hint, "field")
    if hint is Any:
        assert result is value
    else:
        assert result == expected and type(result) is type(expected)


@pytest.mark.parametrize(
    ("value", "hint", "code"),
    [
        (5, str, "bad_value"),
        ("x" * (MAX_TEXT_CHARS + 1), str, "too_long"),
        ("yes", bool, "bad_value"),
        (True, int, "bad_value"),
        ("3", int, "bad_value"),
        (True, float, "bad_value"),
        ("2.5", float, "bad_value"),
        ("2026-09-28T10:00+00:00", datetime, "bad_value"),
        (datetime(2026, 9, 28, 10, 0), datetime, "naive_datetime"),
        (AWARE, date, "bad_value"),
        ("17:30", time, "bad_value"),
        ("gossip", Category, "bad_value"),
        ("6", NotAcceptedReason, "bad_value"),
        (True, NotAcceptedReason, "bad_value"),
        (9, NotAcceptedReason, "bad_value"),
        (None, str, "bad_value"),
        (None, str | int, "bad_value"),
        (1.5, str | int, "bad_value"),
        ("ab", tuple[str, ...], "bad_value"),
        ([1], tuple[str, ...], "bad_value"),
        (("a",), tuple[str, int], "bad_value"),
        ({1: "x"}, Mapping[str, Any], "bad_value"),
        ([("a", 1)], Mapping[str, Any], "bad_value"),
        ({1}, frozenset[int], "bad_value"),
        (0, type(None), "bad_value"),
        ("x", CallLink, "bad_value"),
        ("/tmp", Path, "bad_value"),
    ],
)
def test_refused_values_are_invalid_commands_naming_the_field(value: Any, hint: Any, code: str) -> None:
    with pytest.raises(InvalidCommand) as info:
        normalise(value, hint, "command.field")
    assert info.value.code == code
    assert "command.field" in info.value.message


def test_a_long_repr_is_shortened_in_the_message() -> None:
    with pytest.raises(InvalidCommand) as info:
        normalise(["x" * 500], str, "note")
    assert len(info.value.message) < 150


@dataclass(frozen=True)
class _Sample:
    name: str
    category: Category
    tags: tuple[str, ...] = ()


def test_a_dataclass_is_checked_field_by_field_and_converted_only_where_needed() -> None:
    exact = _Sample("a", Category.HELP, ("x",))
    assert normalise_dataclass(exact, _Sample, "sample") is exact
    converted = normalise_dataclass(_Sample("a", "help", ["x"]), _Sample, "sample")  # type: ignore[arg-type]
    assert converted == exact and isinstance(converted.tags, tuple)
    with pytest.raises(InvalidCommand, match=r"sample\.tags\[1\]"):
        normalise_dataclass(_Sample("a", Category.HELP, ("x", 2)), _Sample, "sample")  # type: ignore[arg-type]
    with pytest.raises(InvalidCommand, match="a _Sample"):
        normalise_dataclass("a", _Sample, "sample")


def test_a_type_nobody_taught_it_is_a_programming_error() -> None:
    with pytest.raises(AssertionError, match="no check"):
        normalise("x", list[str], "field")
