"""Work orders to and from JSON-ready dicts: the one form in which a work order leaves the core (outbox, wire,
central store, exports of whole orders).

The mapping is generic, driven by the dataclasses' field type hints, so a new field on a work-order value needs no
change here as long as its type is one of: str, int, float, bool, None, StrEnum, IntEnum, datetime (aware, ISO 8601
with offset), date (ISO), tuple[X, ...] / tuple[X, Y], a union of those, or another such dataclass.

Reading is strict: an unknown key, a missing required field, a wrong type, a bad enum value or a naive datetime is
an `InvalidCommand` naming the path of the value (e.g. ``history[2].role``).

Privacy (第15条, 第28条): an anonymous caller whose personal fields are not all sealed is refused with
`PrivacyError` in both directions, so plain personal data of an anonymous caller never leaves the core this way.
History entries hold only display strings, which `work_order.describe` builds from masks for sealed values.

Standard library only.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from datetime import date, datetime
from enum import Enum, IntEnum, StrEnum
from functools import cache
from typing import Any

from agent_desktop.core.errors import InvalidCommand, PrivacyError
from agent_desktop.core.work_order import Caller, WorkOrder

_NoneType = type(None)


def work_order_to_dict(order: WorkOrder) -> dict[str, Any]:
    """A JSON-ready dict of `order`: enums as their values, datetimes and dates as ISO 8601 text, tuples as lists,
    nested values as dicts."""
    if not isinstance(order, WorkOrder):
        raise InvalidCommand(f"expected a WorkOrder, got {type(order).__name__}", code="bad_value")
    _check_caller_sealed(order.caller, order.order_id)
    encoded = _encode(order, "")
    assert isinstance(encoded, dict)
    return encoded


def work_order_from_dict(data: Any) -> WorkOrder:
    """The work order `data` describes (as `work_order_to_dict` writes it); anything else is `InvalidCommand`."""
    order = _decode(WorkOrder, data, "")
    _check_caller_sealed(order.caller, order.order_id)
    return order


def work_order_to_json(order: WorkOrder, *, indent: int | None = None) -> str:
    # ensure_ascii=False keeps Chinese text readable (and tests that search the text for plain data meaningful)
    return json.dumps(work_order_to_dict(order), ensure_ascii=False, indent=indent, allow_nan=False)


def work_order_from_json(text: str | bytes) -> WorkOrder:
    try:
        data = json.loads(text, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError and bad UTF-8 are ValueErrors
        raise InvalidCommand(f"a work order is not valid JSON: {exc}", code="bad_json") from exc
    return work_order_from_dict(data)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _check_caller_sealed(caller: Caller, order_id: str) -> None:
    if caller.is_anonymous and not caller.is_sealed():
        plain = [f for f in Caller.PERSONAL_FIELDS if isinstance(getattr(caller, f), str)]
        raise PrivacyError(
            f"order {order_id}: the anonymous caller's {', '.join(plain)} not sealed; "
            "plain personal data of an anonymous caller may not leave the core (第15条)",
            code="not_sealed",
            details={"order_id": order_id, "fields": plain},
        )


# --- writing --------------------------------------------------------------------------------------------------


def _encode(value: Any, path: str) -> Any:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, IntEnum):
        return int(value)
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, int | float | str):
        return value
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise InvalidCommand(f"{_where(path)}: a naive datetime cannot be written", code="naive_datetime")
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple):
        return [_encode(item, f"{path}[{i}]") for i, item in enumerate(value)]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _encode(getattr(value, f.name), _join(path, f.name)) for f in dataclasses.fields(value)}
    raise InvalidCommand(
        f"{_where(path)}: a {type(value).__name__} cannot be written", code="unsupported_value"
    )


# --- reading --------------------------------------------------------------------------------------------------


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _where(path: str) -> str:
    return path or "work order"


def _bad(path: str, expected: str, raw: Any) -> InvalidCommand:
    shown = repr(raw)
    if len(shown) > 60:
        shown = shown[:57] + "..."
    return InvalidCommand(
        f"{_where(path)}: expected {expected}, got {shown}",
        code="bad_value",
        details={"path": path, "expected": expected},
    )


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _decode(hint: Any, raw: Any, path: str) -> Any:
    origin = typing.get_origin(hint)
    if origin is typing.Union or origin is types.UnionType:
        return _decode_union(typing.get_args(hint), raw, path)
    if origin is tuple:
        return _decode_tuple(typing.get_args(hint), raw, path)
    if hint is _NoneType:
        if raw is not None:
            raise _bad(path, "null", raw)
        return None
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return _decode_dataclass(hint, raw, path)
    if isinstance(hint, type) and issubclass(hint, Enum):
        return _decode_enum(hint, raw, path)
    if hint is datetime:
        return _decode_datetime(raw, path)
    if hint is date:
        return _decode_date(raw, path)
    if hint is bool:
        if not isinstance(raw, bool):
            raise _bad(path, "true or false", raw)
        return raw
    if hint is int:
        if isinstance(raw, bool) or not isinstance(raw, int):
            raise _bad(path, "a whole number", raw)
        return raw
    if hint is float:
        if isinstance(raw, bool) or not isinstance(raw, int | float):
            raise _bad(path, "a number", raw)
        return float(raw)
    if hint is str:
        if not isinstance(raw, str):
            raise _bad(path, "text", raw)
        return raw
    # a field of a type this module does not know: a programming error, caught by the round-trip tests
    raise TypeError(f"{_where(path)}: no reader for type {hint!r}")


def _decode_union(options: tuple[Any, ...], raw: Any, path: str) -> Any:
    if raw is None and _NoneType in options:
        return None
    # pick the options of the raw value's JSON kind, so a bad nested object reports its own path and problem
    candidates = [o for o in options if o is not _NoneType and _json_kind(o) == _json_kind_of(raw)]
    if len(candidates) == 1:
        return _decode(candidates[0], raw, path)
    for option in candidates:
        try:
            return _decode(option, raw, path)
        except InvalidCommand:
            continue
    names = " or ".join("null" if o is _NoneType else getattr(o, "__name__", str(o)) for o in options)
    raise _bad(path, names, raw)


def _json_kind(hint: Any) -> str:
    if typing.get_origin(hint) is tuple:
        return "list"
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return "object"
    return "scalar"


def _json_kind_of(raw: Any) -> str:
    if isinstance(raw, list):
        return "list"
    if isinstance(raw, dict):
        return "object"
    return "scalar"


def _decode_tuple(args: tuple[Any, ...], raw: Any, path: str) -> tuple[Any, ...]:
    if not isinstance(raw, list):
        raise _bad(path, "a list", raw)
    if len(args) == 2 and args[1] is Ellipsis:
        return tuple(_decode(args[0], item, f"{path}[{i}]") for i, item in enumerate(raw))
    if len(raw) != len(args):
        raise _bad(path, f"a list of {len(args)} items", raw)
    return tuple(_decode(arg, item, f"{path}[{i}]") for i, (arg, item) in enumerate(zip(args, raw, strict=True)))


def _decode_dataclass(cls: type, raw: Any, path: str) -> Any:
    if not isinstance(raw, dict):
        raise _bad(path, f"an object ({cls.__name__})", raw)
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}
    unknown = sorted(str(k) for k in raw if k not in fields)
    if unknown:
        where = ", ".join(_join(path, k) for k in unknown)
        raise InvalidCommand(f"unknown field(s): {where}", code="unknown_field", details={"paths": unknown})
    missing = [
        name
        for name, f in fields.items()
        if name not in raw and f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    ]
    if missing:
        where = ", ".join(_join(path, k) for k in missing)
        raise InvalidCommand(f"missing field(s): {where}", code="missing_field", details={"paths": missing})
    hints = _hints(cls)
    kwargs = {name: _decode(hints[name], value, _join(path, name)) for name, value in raw.items()}
    try:
        return cls(**kwargs)
    except InvalidCommand as exc:  # a value's own check (e.g. an Actor without a user id)
        raise InvalidCommand(f"{_where(path)}: {exc.message}", code=exc.code, details=exc.details) from exc


def _decode_enum(cls: type[Enum], raw: Any, path: str) -> Enum:
    want_int = issubclass(cls, int)
    if isinstance(raw, bool) or not isinstance(raw, int if want_int else str):
        raise _bad(path, f"a {cls.__name__} value", raw)
    try:
        return cls(raw)
    except ValueError:
        allowed = ", ".join(str(m.value) for m in cls)
        raise _bad(path, f"one of {allowed}", raw) from None


def _decode_datetime(raw: Any, path: str) -> datetime:
    if not isinstance(raw, str):
        raise _bad(path, "an ISO 8601 date and time", raw)
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise _bad(path, "an ISO 8601 date and time", raw) from None
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidCommand(
            f"{_where(path)}: {raw!r} has no UTC offset; times must be timezone-aware",
            code="naive_datetime",
            details={"path": path},
        )
    return value


def _decode_date(raw: Any, path: str) -> date:
    if not isinstance(raw, str):
        raise _bad(path, "an ISO 8601 date", raw)
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise _bad(path, "an ISO 8601 date", raw) from None
