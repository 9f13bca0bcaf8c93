"""Checking values against the type hints of the core's dataclasses, before a step uses them.

Commands come from the UI, the sync wire and the CLI; a wrong type there must become an `InvalidCommand` with code
`bad_value` (or `naive_datetime`, `too_long`), never a `TypeError` deep inside a handler, and never a value stored
that the core's own serialization would later refuse. `normalise` also converts what is unambiguous: an enum given
by its value ("emergency" → Urgency.EMERGENCY), a list where a tuple is expected.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import types
import typing
from collections.abc import Mapping
from datetime import date, datetime, time
from enum import Enum, IntEnum
from typing import Any

from agent_desktop.core.errors import InvalidCommand

# Longer than any real work order's description or note; bounds what one command can make the history copy.
MAX_TEXT_CHARS = 20_000

# Each text field gets a limit that fits its meaning, by its name (the last part of its path: `call.recording`,
# `request_return.reason`, `changes.caller.phone.masked`): identifiers from the PBX and the directory are short, a
# recording is a file name, what a person writes (a reason, a note, a report) is a paragraph or a few. Without them
# a unit could push a reason or recording names so long that the order reaches the size of one sync frame and the
# centre's own steps on it are refused (issue 15).
TEXT_LIMITS: Mapping[str, int] = {
    "uniqueid": 64, "linkedid": 64, "record_id": 64, "kb_answer_ref": 128,
    "recording": 255,  # a file name (NAME_MAX)
    "evidence": 500,  # a recording name, a DTMF log, an SMS reply
    "lead_unit": 128, "co_units": 128, "unit": 128, "handled_by": 128, "keywords": 64,
    "district": 64, "street": 64, "form_of_address": 16, "phone_key": 64,
    "name": 64, "phone": 32, "id_number": 32, "address": 500,  # plain for callers who are not anonymous
    "ciphertext": 4096, "masked": 64,  # the sealed form (privacy.MAX_CIPHERTEXT_CHARS, MAX_MASK_CHARS)
    "reason": 1000, "note": 1000, "how": 1000, "basis": 1000, "outcome": 1000, "text": 2000,
    "statement": 2000, "process": 2000, "result": 2000, "plan": 2000,
    "answer": 5000, "description": 5000,
}
# Repeated items a command carries, counted as the regulation needs them: a few units, a handful of evidence.
COUNT_LIMITS: Mapping[str, int] = {"co_units": 10, "evidence": 20, "keywords": 20}

_LAST_NAME = re.compile(r"([A-Za-z_]+)(?:\[\d*\])*$")
# a path through a caller: its values are personal data, never repeated in an error (第15条)
_PERSONAL_PATH = re.compile(r"(?:^|\.)caller(?:$|[.\[])")


def field_name(path: str) -> str:
    """The field a path ends at: `file_appeal.evidence[2]` → `evidence`."""
    match = _LAST_NAME.search(path)
    return match.group(1) if match else path


def is_personal_path(path: str) -> bool:
    """Whether `path` leads into a caller (name, phone, ID number, address and their sealed forms)."""
    return _PERSONAL_PATH.search(path) is not None


def shown_value(path: str, value: Any) -> str:
    """A value as an error may show it: never a caller's (personal data), at most 60 characters of anything else."""
    if is_personal_path(path):
        return f"a {type(value).__name__} (not shown: personal data)"
    shown = repr(value)
    return shown if len(shown) <= 60 else shown[:57] + "..."


def bad_value(path: str, expected: str, value: Any) -> InvalidCommand:
    return InvalidCommand(f"{path} must be {expected}, got {shown_value(path, value)}", code="bad_value",
                          details={"field": path})


@functools.cache
def field_hints(cls: type) -> dict[str, Any]:
    """The resolved type hints of a dataclass's fields (ClassVars excluded)."""
    hints = typing.get_type_hints(cls)
    return {f.name: hints[f.name] for f in dataclasses.fields(cls)}


def normalise_dataclass(value: Any, cls: type, path: str) -> Any:
    """`value` checked field by field against `cls`; a new instance where a field was converted."""
    if not isinstance(value, cls):
        raise bad_value(path, f"a {cls.__name__}", value)
    changes = {}
    for name, hint in field_hints(cls).items():
        current = getattr(value, name)
        checked = normalise(current, hint, f"{path}.{name}")
        if checked is not current:
            changes[name] = checked
    return dataclasses.replace(value, **changes) if changes else value


def normalise(value: Any, hint: Any, path: str) -> Any:
    """`value` as the type `hint` wants it, or `InvalidCommand`."""
    if hint is Any:
        return value
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return _union(value, typing.get_args(hint), path)
    if origin is tuple:
        return _tuple(value, typing.get_args(hint), path)
    if origin in (Mapping, dict) or hint is Mapping:
        return _mapping(value, path)
    if origin is frozenset:
        if not isinstance(value, frozenset):
            raise bad_value(path, "a set", value)
        return value
    if hint is type(None):
        if value is not None:
            raise bad_value(path, "empty", value)
        return None
    if isinstance(hint, type):
        return _plain(value, hint, path)
    raise AssertionError(f"no check for type hint {hint!r} at {path}")  # a new field type: teach this module


def _plain(value: Any, hint: type, path: str) -> Any:
    if issubclass(hint, Enum):
        return _enum(value, hint, path)
    if hint is str:
        if not isinstance(value, str):
            raise bad_value(path, "text", value)
        limit = TEXT_LIMITS.get(field_name(path), MAX_TEXT_CHARS)
        if len(value) > limit:
            raise InvalidCommand(f"{path} is longer than {limit} characters", code="too_long",
                                 details={"field": path, "limit": limit})
        return value
    if hint is bool:
        if not isinstance(value, bool):
            raise bad_value(path, "true or false", value)
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise bad_value(path, "a whole number", value)
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise bad_value(path, "a number", value)
        return value
    if hint is datetime:
        if not isinstance(value, datetime):
            raise bad_value(path, "a date and time", value)
        if value.tzinfo is None or value.utcoffset() is None:
            raise InvalidCommand(f"{path} {value.isoformat()} has no time zone", code="naive_datetime",
                                 details={"field": path})
        return value
    if hint is date:
        if not isinstance(value, date) or isinstance(value, datetime):
            raise bad_value(path, "a date", value)
        return value
    if hint is time:
        if not isinstance(value, time):
            raise bad_value(path, "a time of day", value)
        return value
    if dataclasses.is_dataclass(hint):
        return normalise_dataclass(value, hint, path)
    if not isinstance(value, hint):
        raise bad_value(path, f"a {hint.__name__}", value)
    return value


def _enum(value: Any, hint: type[Enum], path: str) -> Enum:
    if isinstance(value, hint):
        return value
    # an IntEnum takes its number, a StrEnum its text; never a bool, never "1" for an IntEnum
    wrong_kind = isinstance(value, bool) or (issubclass(hint, IntEnum) and not isinstance(value, int))
    if not wrong_kind:
        try:
            return hint(value)
        except (ValueError, TypeError):
            pass
    known = ", ".join(str(m.value) for m in hint)
    raise bad_value(path, f"one of {known}", value)


def _union(value: Any, options: tuple[Any, ...], path: str) -> Any:
    if value is None:
        if type(None) in options:
            return None
        raise bad_value(path, "given", value)
    first_error: InvalidCommand | None = None
    for option in options:
        if option is type(None):
            continue
        try:
            return normalise(value, option, path)
        except InvalidCommand as exc:
            first_error = first_error or exc
    assert first_error is not None
    raise first_error


def _tuple(value: Any, args: tuple[Any, ...], path: str) -> tuple[Any, ...]:
    if isinstance(value, str | bytes) or not isinstance(value, tuple | list):
        raise bad_value(path, "a list", value)
    limit = COUNT_LIMITS.get(field_name(path))
    if limit is not None and len(value) > limit:
        raise InvalidCommand(f"{path} has {len(value)} items, at most {limit} allowed", code="too_many",
                             details={"field": path, "limit": limit})
    if len(args) == 2 and args[1] is Ellipsis:
        items = tuple(normalise(item, args[0], f"{path}[{i}]") for i, item in enumerate(value))
    else:
        if len(value) != len(args):
            raise bad_value(path, f"a list of {len(args)}", value)
        items = tuple(normalise(item, hint, f"{path}[{i}]") for i, (item, hint) in enumerate(zip(value, args,
                                                                                                  strict=True)))
    return value if isinstance(value, tuple) and all(a is b for a, b in zip(items, value, strict=True)) else items


def _mapping(value: Any, path: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
        raise bad_value(path, "a table of field names", value)
    return value
