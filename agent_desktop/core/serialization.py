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
from collections.abc import Callable
from datetime import date, datetime
from enum import Enum, IntEnum, StrEnum
from functools import cache
from typing import Any

from agent_desktop.core.errors import InvalidCommand, PrivacyError
from agent_desktop.core.lifecycle import COMMAND_TYPES, Command, EditFields, open_work_order
from agent_desktop.core.validation import shown_value
from agent_desktop.core.work_order import Caller, CallLink, Category, Channel, HistoryEntry, Urgency, WorkOrder

_NoneType = type(None)


def work_order_to_dict(order: WorkOrder) -> dict[str, Any]:
    """A JSON-ready dict of `order`: enums as their values, datetimes and dates as ISO 8601 text, tuples as lists,
    nested values as dicts."""
    if not isinstance(order, WorkOrder):
        raise InvalidCommand(f"expected a WorkOrder, got {type(order).__name__}", code="bad_value")
    _check_caller_sealed(order.caller, order.order_id)
    encoded = _encode_quickly(order)
    assert isinstance(encoded, dict)
    return encoded


def work_order_from_dict(data: Any) -> WorkOrder:
    """The work order `data` describes (as `work_order_to_dict` writes it); anything else is `InvalidCommand`."""
    order = _decode_quickly(WorkOrder, data)
    _check_caller_sealed(order.caller, order.order_id)
    return order


def work_order_to_json(order: WorkOrder, *, indent: int | None = None) -> str:
    return work_order_dict_to_json(work_order_to_dict(order), indent=indent)


def work_order_dict_to_json(data: typing.Mapping[str, Any], *, indent: int | None = None) -> str:
    """The text `work_order_to_json` writes for an order whose dict is `data`. For a dict read from JSON (not
    necessarily in the canonical form) it is only a cheap text to compare with a canonical one: equal texts mean
    the same order."""
    # ensure_ascii=False keeps Chinese text readable (and tests that search the text for plain data meaningful)
    return json.dumps(data, ensure_ascii=False, indent=indent, allow_nan=False)


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
    shown = shown_value(path, raw)  # a caller's values are personal data: named, never shown
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


# --- commands: the form in which a lifecycle step travels (outbox, sync wire, central store) -------------------


@dataclasses.dataclass(frozen=True, slots=True)
class OpenWorkOrder:
    """The operation form of `lifecycle.open_work_order`: opening an order is a step a seat takes like any other,
    so it travels through the outbox and the sync wire as data. The order id travels beside it (in the operation),
    because every operation names the order it acts on."""

    ACTION: typing.ClassVar[str] = "open"

    channel: Channel
    caller: Caller | None = None
    category: Category | None = None
    description: str = ""
    urgency: Urgency = Urgency.NORMAL
    call: CallLink | None = None

    def open(self, order_id: str, actor: Any, now: datetime) -> WorkOrder:
        """The new order, checked by the core exactly as a local `open_work_order` call would be."""
        return open_work_order(order_id, channel=self.channel, actor=actor, now=now, caller=self.caller,
                               category=self.category, description=self.description, urgency=self.urgency,
                               call=self.call)


def command_to_dict(command: Any) -> dict[str, Any]:
    """A JSON-ready dict of a lifecycle command (or `OpenWorkOrder`): ``{"action": "sign", ...fields}``.

    `EditFields.changes` is written field by field with the work order's own field types, so an edited caller is
    checked for sealing like a whole order is."""
    if isinstance(command, OpenWorkOrder):
        if command.caller is not None:
            _check_caller_sealed(command.caller, "(new)")
        encoded = _encode_quickly(command)
        return {"action": OpenWorkOrder.ACTION, **encoded}
    if not isinstance(command, Command) or not dataclasses.is_dataclass(command):
        raise InvalidCommand(f"expected a lifecycle command, got {type(command).__name__}", code="bad_value")
    if isinstance(command, EditFields):
        return {"action": command.action.value, "changes": _encode_changes(command.changes)}
    encoded = _encode_quickly(command)
    assert isinstance(encoded, dict)
    return {"action": command.action.value, **encoded}


def command_from_dict(data: Any) -> Any:
    """The command `data` describes (as `command_to_dict` writes it). Strict like `work_order_from_dict`: an
    unknown action or field, a missing field, a wrong type or a naive datetime is `InvalidCommand` naming the path;
    an anonymous caller with plain personal data is `PrivacyError`."""
    if not isinstance(data, dict):
        raise _bad("", "an object (command)", data)
    action = data.get("action")
    types_by_action = _command_types()
    if not isinstance(action, str) or action not in types_by_action:
        known = ", ".join(sorted(types_by_action))
        raise InvalidCommand(
            f"action: expected one of {known}, got {action!r}"[:400],
            code="unknown_action",
            details={"path": "action"},
        )
    cls = types_by_action[action]
    fields = {k: v for k, v in data.items() if k != "action"}
    if action == "edit":
        unknown = sorted(str(k) for k in fields if k != "changes")
        if unknown:
            raise InvalidCommand(f"unknown field(s): {', '.join(unknown)}", code="unknown_field",
                                 details={"paths": unknown})
        if "changes" not in fields:
            raise InvalidCommand("missing field(s): changes", code="missing_field", details={"paths": ["changes"]})
        return cls(_decode_changes(fields["changes"]))
    command = _decode_quickly(cls, fields)
    if isinstance(command, OpenWorkOrder) and command.caller is not None:
        _check_caller_sealed(command.caller, "(new)")
    return command


def command_action(command: Any) -> str:
    """The action name of a command or of `OpenWorkOrder` ("open")."""
    if isinstance(command, OpenWorkOrder):
        return OpenWorkOrder.ACTION
    return str(command.action.value)


@cache
def _command_types() -> dict[str, type]:
    found: dict[str, type] = {action.value: cls for action, cls in COMMAND_TYPES.items()}
    found[OpenWorkOrder.ACTION] = OpenWorkOrder
    return found


def _work_order_field_hints() -> dict[str, Any]:
    return {f.name: _hints(WorkOrder)[f.name] for f in dataclasses.fields(WorkOrder)}


def _encode_changes(changes: Any) -> dict[str, Any]:
    if not isinstance(changes, typing.Mapping):
        raise InvalidCommand("changes: expected a table of field names", code="bad_value")
    hints = _work_order_field_hints()
    out: dict[str, Any] = {}
    for name, value in changes.items():
        if name not in hints:
            raise InvalidCommand(f"unknown field(s): changes.{name}", code="unknown_field",
                                 details={"paths": [f"changes.{name}"]})
        if isinstance(value, Caller):
            _check_caller_sealed(value, "(edit)")
        if name == "category" and isinstance(value, str) and not isinstance(value, Category):
            # the form may hold the Chinese label; the wire carries the code
            out[name] = Category.parse(value).value
            continue
        out[name] = _encode(value, f"changes.{name}")
    return out


def _decode_changes(raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise _bad("changes", "an object (field: value)", raw)
    hints = _work_order_field_hints()
    unknown = sorted(str(k) for k in raw if k not in hints)
    if unknown:
        paths = [f"changes.{k}" for k in unknown]
        raise InvalidCommand(f"unknown field(s): {', '.join(paths)}", code="unknown_field", details={"paths": paths})
    changes = {name: _decode(hints[name], value, f"changes.{name}") for name, value in raw.items()}
    caller = changes.get("caller")
    if isinstance(caller, Caller):
        _check_caller_sealed(caller, "(edit)")
    return changes


def history_entry_to_dict(entry: HistoryEntry) -> dict[str, Any]:
    """One history entry as `work_order_to_dict` writes it inside ``history``. History is append-only, so a store
    that writes an order at every step can keep the entries it already encoded and encode only the new ones."""
    if not isinstance(entry, HistoryEntry):
        raise InvalidCommand(f"expected a HistoryEntry, got {type(entry).__name__}", code="bad_value")
    encoded = _encode_quickly(entry, "history[]")
    assert isinstance(encoded, dict)
    return encoded


# --- the fast path ----------------------------------------------------------------------------------------------
# Every step of a seat, every ack and every change decodes and encodes whole orders, and resolving the type hints
# per value (typing.get_origin, dataclasses.fields, a path string for every value) cost several times the work
# itself. So each type gets a reader and a writer built once from its hints, with the same checks but no paths. On
# any refusal the path-tracking `_decode` / `_encode` above run again on the same value: they are the one source of
# the error messages (with the path), and the fast functions never accept what they would refuse.


class _Refused(Exception):
    """A fast reader or writer met something it refuses; the slow path says what and where."""


_Reader = Callable[[Any], Any]
_Writer = Callable[[Any], Any]


def _decode_quickly(hint: Any, raw: Any) -> Any:
    try:
        return _reader(hint)(raw)
    except (_Refused, InvalidCommand):
        return _decode(hint, raw, "")  # raises the error with its path


def _encode_quickly(value: Any, path: str = "") -> Any:
    try:
        return _write(value)
    except _Refused:
        return _encode(value, path)  # raises the error with its path


@cache
def _reader(hint: Any) -> _Reader:
    origin = typing.get_origin(hint)
    if origin is typing.Union or origin is types.UnionType:
        return _union_reader(typing.get_args(hint))
    if origin is tuple:
        return _tuple_reader(typing.get_args(hint))
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return _dataclass_reader(hint)
    if isinstance(hint, type) and issubclass(hint, Enum):
        return _enum_reader(hint)
    return _SCALAR_READERS.get(hint, _refuse)  # an unknown type: the slow path raises its TypeError


def _refuse(_raw: Any) -> Any:
    raise _Refused


def _read_none(raw: Any) -> None:
    if raw is not None:
        raise _Refused


def _read_bool(raw: Any) -> bool:
    if not isinstance(raw, bool):
        raise _Refused
    return raw


def _read_int(raw: Any) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise _Refused
    return raw


def _read_float(raw: Any) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise _Refused
    return float(raw)


def _read_str(raw: Any) -> str:
    if not isinstance(raw, str):
        raise _Refused
    return raw


def _read_iso(parse: Callable[[str], Any], raw: Any) -> Any:
    if not isinstance(raw, str):
        raise _Refused
    try:
        return parse(raw)
    except ValueError:
        raise _Refused from None


def _read_datetime(raw: Any) -> datetime:
    value = _read_iso(datetime.fromisoformat, raw)
    if value.tzinfo is None or value.utcoffset() is None:
        raise _Refused
    return value


def _read_date(raw: Any) -> date:
    return _read_iso(date.fromisoformat, raw)


_SCALAR_READERS: dict[Any, _Reader] = {
    _NoneType: _read_none, bool: _read_bool, int: _read_int, float: _read_float, str: _read_str,
    datetime: _read_datetime, date: _read_date,
}


def _union_reader(options: tuple[Any, ...]) -> _Reader:
    nullable = _NoneType in options
    # the options of each JSON kind, in declaration order (as `_decode_union` picks them)
    by_kind = {kind: [o for o in options if o is not _NoneType and _json_kind(o) == kind]
               for kind in ("list", "object", "scalar")}

    def read(raw: Any) -> Any:
        if raw is None and nullable:
            return None
        for option in by_kind[_json_kind_of(raw)]:
            try:
                return _reader(option)(raw)
            except (_Refused, InvalidCommand):
                continue
        raise _Refused

    return read


def _tuple_reader(args: tuple[Any, ...]) -> _Reader:
    if len(args) == 2 and args[1] is Ellipsis:
        item_hint = args[0]

        def read_many(raw: Any) -> tuple[Any, ...]:
            if not isinstance(raw, list):
                raise _Refused
            return tuple(map(_reader(item_hint), raw))

        return read_many

    def read_fixed(raw: Any) -> tuple[Any, ...]:
        if not isinstance(raw, list) or len(raw) != len(args):
            raise _Refused
        return tuple(_reader(arg)(item) for arg, item in zip(args, raw, strict=True))

    return read_fixed


def _dataclass_reader(cls: type) -> _Reader:
    fields = [f for f in dataclasses.fields(cls) if f.init]
    known = frozenset(f.name for f in fields)
    required = frozenset(f.name for f in fields
                         if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING)
    readers: dict[str, _Reader] = {}  # filled on first use: a dataclass may (indirectly) contain itself

    def read(raw: Any) -> Any:
        if not isinstance(raw, dict):
            raise _Refused
        keys = raw.keys()
        if not (required <= keys <= known):
            raise _Refused
        if not readers:
            hints = _hints(cls)
            readers.update({name: _reader(hints[name]) for name in known})
        return cls(**{name: readers[name](value) for name, value in raw.items()})

    return read


def _enum_reader(cls: type[Enum]) -> _Reader:
    kind: type = int if issubclass(cls, int) else str
    members = {member.value: member for member in cls}

    def read(raw: Any) -> Enum:
        if isinstance(raw, bool) or not isinstance(raw, kind):
            raise _Refused
        member = members.get(raw)
        if member is None:
            try:
                return cls(raw)  # an alias or a _missing_ hook
            except ValueError:
                raise _Refused from None
        return member

    return read


def _write(value: Any) -> Any:
    cls = type(value)
    if cls is str or cls is int or value is None:  # most values of an order: no lookup, no call
        return value
    return _writer(cls)(value)


@cache
def _writer(cls: type) -> _Writer:
    # the order of the checks is `_encode`'s: bool before int, the int and str enums before plain int and str
    if cls is _NoneType or cls is bool:
        return _same
    if issubclass(cls, IntEnum):
        return int
    if issubclass(cls, StrEnum):
        return _enum_value
    if issubclass(cls, int | float | str):
        return _same
    if issubclass(cls, datetime):
        return _write_datetime
    if issubclass(cls, date):
        return cls.isoformat
    if issubclass(cls, tuple):
        return _write_tuple
    if dataclasses.is_dataclass(cls):
        return _dataclass_writer(cls)
    return _refuse


def _same(value: Any) -> Any:
    return value


def _enum_value(value: Enum) -> Any:
    return value.value


def _write_datetime(value: datetime) -> str:
    if value.tzinfo is None or value.utcoffset() is None:
        raise _Refused
    return value.isoformat()


def _write_tuple(value: tuple[Any, ...]) -> list[Any]:
    return [_write(item) for item in value]


def _dataclass_writer(cls: type) -> _Writer:
    names = tuple(f.name for f in dataclasses.fields(cls))

    def write(value: Any) -> dict[str, Any]:
        return {name: _write(getattr(value, name)) for name in names}

    return write
