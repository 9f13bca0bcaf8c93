"""The sync wire protocol: versioned JSON messages between a seat (or a unit's / supervisor's desk) and the central
ticket store. Pure: values in, values out, no sockets.

Every message is one websocket text frame holding one JSON object with a ``"type"``. Reading is strict, because
the other end may be broken or hostile: the frame's size is checked before it is parsed, the JSON may not hold
NaN/Infinity or repeated keys, nor nest deeper than `MAX_DEPTH` (checked on the text before it is parsed), every
field is checked for its type, size, enum value and format (UUIDs in their canonical form, aware ISO 8601
times), unknown fields and unknown types are refused. Anything wrong is a `SyncError` whose `code` says what
(see `ERROR_CODES`), so the receiving side can log it and answer with an `Error` (or, for a push whose envelope is
readable but whose command is not, a `Reject` of that operation).

Conversation (client → server ⇢ server → client)::

    hello(token, seat, client_id, resume_from[, batch_changes]) ⇢  welcome(user, role, unit, cursor, time)
                                                                ⇢  change / kb_change / changes[…] …, caught_up(cursor)
    push(op_id, order_id, base_version, command, made_at        ⇢  ack(op_id, version, cursor, order)
         [, synced_at])
                                                                   | reject(op_id, code, reason, article, order)
                                                                ⇢  change (to every client allowed to see the order)
    kb_push(op_id, entry_id, command, made_at)                  ⇢  kb_ack(…, entry) | kb_reject(…, entry)
                                                                ⇢  kb_change (to every client allowed to see it)
    feedback_read(request_id, after, since, until, limit)       ⇢  feedback_page(request_id, items, next)
                                                                   (a supervisor only; others get an error)
    ping(nonce)                                                 ⇢  pong(nonce)
    anything unreadable                                         ⇢  error(code, message, fatal)

`resume_from` is the last change cursor the client has applied (0 = nothing yet); the server sends every change
after it the client may see, then `caught_up`. Cursors are assigned by the server, strictly increasing, one sequence
for work-order and knowledge-base changes together (so one resume cursor covers both); a client stores the cursor
of a change only after applying it. Cursors a client may not see are skipped, so they have gaps.

`op_id` is a UUID the seat makes when the step is taken and stores in its outbox; a replayed push with the same
`op_id` gets the same ack again (`duplicate` true), so at-least-once delivery applies every operation exactly once.
A reject is final: the operation can never succeed as sent; a replayed push of a rejected `op_id` gets the same
(stored) reject. Ack and reject carry the order as the server has it (after the operation; for a replayed ack, as
that operation left it), so the seat can set its copy at once.

The work order in a `change` is the whole new state, in `core.serialization`'s form (anonymous callers sealed;
that module refuses plain personal data in both directions). Commands travel as `command_to_dict` writes them.

A push may carry the order's pre-fill feedback (`feedback`, `core.prefill_feedback`'s form, checked like the command:
bounded, anonymous callers' values sealed): the centre stores it with the step, or refuses the whole push
(`bad_feedback`, `not_sealed`, `bad_seal`) and stores neither. The centre keeps every step's feedback; supervisors
read it back with `feedback_read`, per order the feedback of its latest step made within `since`…`until`, a page at
a time in order id order (`next` is the `after` of the next page, null at the end).
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from itertools import accumulate
from typing import Any

from agent_desktop.core.errors import AgentDesktopError, PrivacyError, SyncError
from agent_desktop.core.prefill_feedback import PrefillFeedback, feedback_from_dict, feedback_to_dict
from agent_desktop.core.privacy import check_sealed_caller
from agent_desktop.core.roles import Role
from agent_desktop.core.serialization import (
    OpenWorkOrder,
    command_from_dict,
    command_to_dict,
    work_order_dict_to_json,
    work_order_from_dict,
    work_order_to_dict,
)
from agent_desktop.core.work_order import Caller, WorkOrder

PROTOCOL_VERSION = 1
SUPPORTED_VERSIONS = frozenset({1})

# One frame: far above a real work order with its history (a few KiB to a few tens of KiB), far below what could
# exhaust a server's memory when many clients send at once. Both ends pass it to websockets as `max_size` too.
MAX_MESSAGE_BYTES = 256 * 1024
MAX_CURSOR = 2**63 - 1  # fits a signed 64-bit database column
MAX_TOKEN_CHARS = 512
MAX_NAME_CHARS = 64  # user ids, seats
MAX_UNIT_CHARS = 128
MAX_TEXT_CHARS = 4000  # reject reasons, error messages
# The deepest a real message nests is a change batch's order history (about 8 levels); json itself would go to the
# interpreter's recursion limit (about 1000), which costs memory and time on a hostile frame for nothing.
MAX_DEPTH = 32

_ORDER_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:\-]{0,63}")
_CODE = re.compile(r"[a-z][a-z0-9_]{0,63}")
_NONCE_MAX = 2**53  # exact in every JSON implementation
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

# The codes of `SyncError`s this module raises, for the receiving side's logs and `Error` answers.
ERROR_CODES = frozenset(
    {
        "bad_json",  # not UTF-8 / not JSON / NaN / repeated key / nested too deeply
        "message_too_big",  # more than MAX_MESSAGE_BYTES
        "bad_message",  # not an object, or no text "type"
        "unknown_type",  # a type this side does not accept
        "bad_field",  # a field missing, unknown, of the wrong type or size or format
        "unsupported_protocol",  # hello with a version this server does not speak
        "bad_command",  # a push whose command is not a valid lifecycle command (details carry op_id)
        "not_sealed",  # personal data of an anonymous caller in plain text
        "bad_seal",  # a "sealed" value that is not: no token of the field cipher, or a mask that is not a mask
        "bad_feedback",  # a push's pre-fill feedback is malformed or too large (details carry op_id)
    }
)


class MessageType(StrEnum):
    HELLO = "hello"
    WELCOME = "welcome"
    PUSH = "push"
    ACK = "ack"
    REJECT = "reject"
    CHANGE = "change"
    CHANGES = "changes"
    CAUGHT_UP = "caught_up"
    KB_PUSH = "kb_push"
    KB_ACK = "kb_ack"
    KB_REJECT = "kb_reject"
    KB_CHANGE = "kb_change"
    FEEDBACK_READ = "feedback_read"
    FEEDBACK_PAGE = "feedback_page"
    SURVEY = "survey"
    SURVEY_REPLY = "survey_reply"
    WARNING = "warning"
    PING = "ping"
    PONG = "pong"
    ERROR = "error"


# --- messages ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Hello:
    """The first message of a connection: who is connecting (the token; the server ignores any role a client
    might claim) and from where to resume. `client_id` is the seat installation's own UUID, for logs."""

    token: str = field(repr=False)  # a secret: never in reprs or logs
    client_id: str
    resume_from: int = 0
    seat: str | None = None
    protocol: int = PROTOCOL_VERSION
    batch_changes: bool = False  # the client reads `changes` frames (several changes in one frame)

    type = MessageType.HELLO


@dataclass(frozen=True, slots=True)
class Welcome:
    """The server's answer to a good hello: who the token belongs to, and the server's cursors and clock."""

    user_id: str
    role: Role
    unit: str | None
    server_cursor: int
    server_time: datetime
    protocol: int = PROTOCOL_VERSION

    type = MessageType.WELCOME


@dataclass(frozen=True, slots=True)
class Push:
    """One operation from the outbox. `command` is a lifecycle command object or `OpenWorkOrder`; `made_at` is
    when the step was taken at the seat (the server decides how far to trust it, see the server's docs);
    `base_version` the order version the seat had when it took the step (0 for opening); `synced_at` when the seat
    had last heard from the centre before it took the step (its own clock; None when it never had), which the step
    cannot be older than."""

    op_id: str
    order_id: str
    base_version: int
    command: Any
    made_at: datetime
    synced_at: datetime | None = None
    feedback: PrefillFeedback | None = field(default=None, repr=False)  # the order's pre-fill feedback

    type = MessageType.PUSH

    @property
    def action(self) -> str:
        return "open" if isinstance(self.command, OpenWorkOrder) else str(self.command.action.value)


@dataclass(frozen=True, slots=True)
class Ack:
    """The operation is stored (now or, when `duplicate`, earlier): the order is at `version`, and the change it
    made has cursor `cursor`."""

    op_id: str
    order_id: str
    version: int
    cursor: int
    order: WorkOrder | None = None
    duplicate: bool = False
    # `order` as the center wrote it (`work_order_dict_to_json` of the frame's object, after `order` was read from
    # it): the seat compares it with the text it computed itself and, when equal, need not encode `order` again
    order_json: str | None = field(default=None, compare=False, repr=False)

    type = MessageType.ACK


@dataclass(frozen=True, slots=True)
class Reject:
    """The operation can never be applied as sent. `code` is the core's error code (wrong_state,
    role_not_allowed, not_lead_unit, …) or the server's (order_not_found, order_exists, not_your_order,
    bad_command); `article` the regulation's article when a rule refused it; `version` the order's current
    version on the server, when it exists."""

    op_id: str
    order_id: str
    code: str
    reason: str
    article: str | None = None
    deadline: str | None = None
    version: int | None = None
    order: WorkOrder | None = None

    type = MessageType.REJECT


@dataclass(frozen=True, slots=True)
class Change:
    """The full new state of one work order after an operation stored on the server. `op_id` is the operation
    that made it (so the seat that pushed it can match it to its outbox)."""

    cursor: int
    order_id: str
    version: int
    order: WorkOrder
    op_id: str | None = None

    type = MessageType.CHANGE


@dataclass(frozen=True, slots=True)
class ChangeBatch:
    """Several changes in one frame, cursors increasing (only to a client whose hello set `batch_changes`): a
    catch-up of thousands of changes costs a few hundred frames instead of thousands. Apply them in order; each
    item is exactly a `Change` or `KbChange`."""

    items: tuple[Change | KbChange | WarningNotice, ...]

    type = MessageType.CHANGES


@dataclass(frozen=True, slots=True)
class CaughtUp:
    """Every change after the hello's resume cursor that this client may see has been sent; `cursor` is the
    server cursor at that point (a client with nothing to see may store it as its resume cursor)."""

    cursor: int

    type = MessageType.CAUGHT_UP


@dataclass(frozen=True, slots=True)
class KbPush:
    """One knowledge-base operation (create, edit, submit, publish, reject, withdraw an entry). `command` is the
    knowledge module's command object (`core.knowledge.kb_command_from_dict`); its base version travels in it."""

    op_id: str
    entry_id: str
    command: Any
    made_at: datetime

    type = MessageType.KB_PUSH


@dataclass(frozen=True, slots=True)
class KbAck:
    op_id: str
    entry_id: str
    version: int
    cursor: int
    entry: Any = None  # core.knowledge.KnowledgeEntry as the server has it after the operation
    duplicate: bool = False

    type = MessageType.KB_ACK


@dataclass(frozen=True, slots=True)
class KbReject:
    op_id: str
    entry_id: str
    code: str
    reason: str
    version: int | None = None
    entry: Any = None  # the entry as the server has it, when it exists

    type = MessageType.KB_REJECT


@dataclass(frozen=True, slots=True)
class KbChange:
    """The full new state of one knowledge-base entry; `cursor` from the same sequence as work-order changes."""

    cursor: int
    entry_id: str
    version: int
    entry: Any  # core.knowledge.KnowledgeEntry
    op_id: str | None = None

    type = MessageType.KB_CHANGE


MAX_FEEDBACK_PAGE = 500  # orders per feedback page; the server also keeps a page within one frame


@dataclass(frozen=True, slots=True)
class FeedbackRead:
    """A supervisor asks for the pre-fill feedback of the orders after `after` (order id order) with a step with
    feedback made between `since` and `until` (the seat's time; either may be open): per order, its latest such
    step's."""

    request_id: str
    after: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 100

    type = MessageType.FEEDBACK_READ


@dataclass(frozen=True, slots=True)
class FeedbackItem:
    order_id: str
    user_id: str
    made_at: datetime
    feedback: PrefillFeedback = field(repr=False)
    seat: str | None = None


@dataclass(frozen=True, slots=True)
class FeedbackPage:
    """One page of feedback; `next`: the `after` of the next page, None when this was the last."""

    request_id: str
    items: tuple[FeedbackItem, ...]
    next: str | None = None

    type = MessageType.FEEDBACK_PAGE


class SurveyVerb(StrEnum):
    CLAIM = "claim"  # body: {"limit": n} → {"claims": [...], "status": ...}
    FINISH = "finish"  # body: {"attempt_id", "outcome", "digit", "recording"} → {"job_state", "next_at", ...}
    STATUS = "status"  # body: {} → the survey's state
    # body: {} → {"attempts": [{"attempt_id", "order_id", "sealed"}]}: attempts counted interrupted (their dialer's
    # lease ran out) and not retried yet, whose rating AstDB may still hold (the dialer DBGets each)
    ORPHANS = "orphans"
    # body: {"attempt_ids": [...]} → {"released": [...]}: claimed but never placed (a dialer stopping): not attempts
    RELEASE = "release"


@dataclass(frozen=True, slots=True)
class SurveyRequest:
    """The survey dialer (role `survey`) asks the centre for attempts, reports one, or asks for the state
    (`sync.server.survey`); supervisors may ask for the state."""

    request_id: str
    verb: SurveyVerb
    body: dict[str, Any] = field(default_factory=dict)

    type = MessageType.SURVEY


@dataclass(frozen=True, slots=True)
class SurveyReply:
    request_id: str
    ok: bool
    body: dict[str, Any] = field(default_factory=dict)
    code: str | None = None

    type = MessageType.SURVEY_REPLY


MAX_SURVEY_BODY_KEYS = 16


@dataclass(frozen=True, slots=True)
class WarningNotice:
    """An early warning of 第33条 the centre's clock raised (`core.early_warning`), in the change feed like an
    order's change: every desk that may see its orders gets it once, in cursor order. `kind` and `severity` are the
    core's `WarningKind` / `Severity` values; `message` the Chinese line the UI shows (never personal data)."""

    cursor: int
    warning_id: str
    kind: str
    severity: str
    order_ids: tuple[str, ...]
    message: str
    unit: str | None = None
    deadline: str | None = None
    raised_at: str | None = None

    type = MessageType.WARNING


@dataclass(frozen=True, slots=True)
class Ping:
    nonce: int = 0

    type = MessageType.PING


@dataclass(frozen=True, slots=True)
class Pong:
    nonce: int = 0

    type = MessageType.PONG


@dataclass(frozen=True, slots=True)
class Error:
    """Something about the connection or a message was wrong. `fatal`: the server closes the connection after it
    (bad token, unsupported protocol); otherwise the message was dropped and the connection goes on."""

    code: str
    message: str
    fatal: bool = False

    type = MessageType.ERROR


Message = (Hello | Welcome | Push | Ack | Reject | Change | ChangeBatch | CaughtUp | KbPush | KbAck | KbReject
           | KbChange | FeedbackRead | FeedbackPage | SurveyRequest | SurveyReply | WarningNotice | Ping | Pong | Error)

CLIENT_MESSAGES = frozenset(
    {MessageType.HELLO, MessageType.PUSH, MessageType.KB_PUSH, MessageType.FEEDBACK_READ, MessageType.SURVEY,
     MessageType.PING, MessageType.PONG}
)
SERVER_MESSAGES = frozenset(
    {MessageType.WELCOME, MessageType.ACK, MessageType.REJECT, MessageType.CHANGE, MessageType.CHANGES,
     MessageType.CAUGHT_UP, MessageType.KB_ACK, MessageType.KB_REJECT, MessageType.KB_CHANGE,
     MessageType.FEEDBACK_PAGE, MessageType.SURVEY_REPLY, MessageType.WARNING, MessageType.PING, MessageType.PONG,
     MessageType.ERROR}
)


# --- writing -----------------------------------------------------------------------------------------------------


def encode(message: Message) -> str:
    """The message as one JSON text frame. Refuses (SyncError message_too_big) what the other end would refuse."""
    return _dump(to_dict(message))


def to_dict(message: Message) -> dict[str, Any]:
    """The JSON-ready dict of a message (the `type` first)."""
    kind = getattr(message, "type", None)
    m: Any = message
    if kind is MessageType.HELLO:
        data = {"type": kind.value, "protocol": m.protocol, "token": m.token, "client_id": m.client_id,
                "seat": m.seat, "resume_from": m.resume_from}
        if m.batch_changes:  # only when asked for, so a v1 server without batches still reads the hello
            data["batch_changes"] = True
        return data
    if kind is MessageType.WELCOME:
        return {"type": kind.value, "protocol": m.protocol, "user_id": m.user_id, "role": Role(m.role).value,
                "unit": m.unit, "server_cursor": m.server_cursor,
                "server_time": _aware(m.server_time, "server_time").isoformat()}
    if kind is MessageType.PUSH:
        data = {"type": kind.value, "op_id": m.op_id, "order_id": m.order_id, "base_version": m.base_version,
                "command": command_to_dict(m.command), "made_at": _aware(m.made_at, "made_at").isoformat()}
        if m.synced_at is not None:  # only when known, so a push without it reads as before
            data["synced_at"] = _aware(m.synced_at, "synced_at").isoformat()
        if m.feedback is not None:
            data["feedback"] = feedback_to_dict(m.feedback)
        return data
    if kind is MessageType.FEEDBACK_READ:
        return {"type": kind.value, "request_id": m.request_id, "after": m.after,
                "since": _aware(m.since, "since").isoformat() if m.since else None,
                "until": _aware(m.until, "until").isoformat() if m.until else None, "limit": m.limit}
    if kind is MessageType.FEEDBACK_PAGE:
        return {"type": kind.value, "request_id": m.request_id, "next": m.next,
                "items": [feedback_item_dict(i.order_id, i.user_id, i.seat, i.made_at, feedback_to_dict(i.feedback))
                          for i in m.items]}
    if kind is MessageType.SURVEY:
        return {"type": kind.value, "request_id": m.request_id, "verb": SurveyVerb(m.verb).value, "body": m.body}
    if kind is MessageType.WARNING:
        return {"type": kind.value, "cursor": m.cursor, "warning_id": m.warning_id, "kind": m.kind,
                "severity": m.severity, "order_ids": list(m.order_ids), "message": m.message, "unit": m.unit,
                "deadline": m.deadline, "raised_at": m.raised_at}
    if kind is MessageType.SURVEY_REPLY:
        return {"type": kind.value, "request_id": m.request_id, "ok": m.ok, "body": m.body, "code": m.code}
    if kind is MessageType.ACK:
        return {"type": kind.value, "op_id": m.op_id, "order_id": m.order_id, "version": m.version,
                "cursor": m.cursor, "duplicate": m.duplicate, "order": _order_dict(m.order)}
    if kind is MessageType.REJECT:
        return {"type": kind.value, "op_id": m.op_id, "order_id": m.order_id, "code": m.code, "reason": m.reason,
                "article": m.article, "deadline": m.deadline, "version": m.version, "order": _order_dict(m.order)}
    if kind is MessageType.CHANGE:
        return change_dict(m.cursor, m.order_id, m.version, work_order_to_dict(m.order), m.op_id)
    if kind is MessageType.CHANGES:
        return {"type": kind.value, "items": [to_dict(item) for item in m.items]}
    if kind is MessageType.KB_PUSH:
        return {"type": kind.value, "op_id": m.op_id, "entry_id": m.entry_id,
                "command": _kb_command_dict(m.command), "made_at": _aware(m.made_at, "made_at").isoformat()}
    if kind is MessageType.KB_ACK:
        return {"type": kind.value, "op_id": m.op_id, "entry_id": m.entry_id, "version": m.version,
                "cursor": m.cursor, "duplicate": m.duplicate, "entry": _entry_dict(m.entry)}
    if kind is MessageType.KB_REJECT:
        return {"type": kind.value, "op_id": m.op_id, "entry_id": m.entry_id, "code": m.code, "reason": m.reason,
                "version": m.version, "entry": _entry_dict(m.entry)}
    if kind is MessageType.KB_CHANGE:
        return kb_change_dict(m.cursor, m.entry_id, m.version, _entry_dict(m.entry), m.op_id)
    if kind in (MessageType.CAUGHT_UP, MessageType.PING, MessageType.PONG, MessageType.ERROR):
        return {"type": kind.value, **{name: getattr(m, name) for name in m.__slots__}}
    raise SyncError(f"not a sync message: {type(message).__name__}", code="bad_message")


def feedback_item_dict(order_id: str, user_id: str, seat: str | None, made_at: datetime,
                       feedback: Mapping[str, Any]) -> dict[str, Any]:
    """One item of a feedback page, the feedback in its stored (already checked) form."""
    return {"order_id": order_id, "user_id": user_id, "seat": seat, "made_at": _aware(made_at, "made_at").isoformat(),
            "feedback": dict(feedback)}


def dump_feedback_page(request_id: str, items: list[dict[str, Any]], after: str | None) -> str:
    """A feedback page from stored items (already checked when they were received), without reading them again."""
    return _dump({"type": MessageType.FEEDBACK_PAGE.value, "request_id": request_id, "next": after, "items": items})


def _order_dict(order: WorkOrder | Mapping[str, Any] | None) -> dict[str, Any] | None:
    if order is None:
        return None
    if isinstance(order, Mapping):  # the server's stored form, already checked when it was written
        return dict(order)
    return work_order_to_dict(order)


def _entry_dict(entry: Any) -> dict[str, Any] | None:
    if entry is None:
        return None
    if isinstance(entry, Mapping):
        return dict(entry)
    return dict(_knowledge().entry_to_dict(entry))


def _kb_command_dict(command: Any) -> dict[str, Any]:
    if isinstance(command, Mapping):
        return dict(command)
    return dict(_knowledge().kb_command_to_dict(command))


def _knowledge() -> Any:
    # the knowledge module is the kb helper's; imported on first use so the order messages never depend on it
    from agent_desktop.core import knowledge  # noqa: PLC0415

    return knowledge


def kb_change_dict(cursor: int, entry_id: str, version: int, entry: Mapping[str, Any], op_id: str | None) -> dict:
    return {"type": MessageType.KB_CHANGE.value, "cursor": cursor, "entry_id": entry_id, "version": version,
            "op_id": op_id, "entry": entry}


def change_dict(cursor: int, order_id: str, version: int, order: Mapping[str, Any], op_id: str | None) -> dict:
    """A change message from an order already in serialized form (the server stores it so, and fans one text out
    to many clients without decoding and re-encoding the order)."""
    return {"type": MessageType.CHANGE.value, "cursor": cursor, "order_id": order_id, "version": version,
            "op_id": op_id, "order": order}


def encode_change(cursor: int, order_id: str, version: int, order: Mapping[str, Any], op_id: str | None) -> str:
    return _dump(change_dict(cursor, order_id, version, order, op_id))


def encode_change_batch(texts: list[str]) -> str:
    """A `changes` frame from change frames already encoded (`encode_change`, the server's stored texts)."""
    return '{"type":"changes","items":[' + ",".join(texts) + "]}"


def _dump(data: dict[str, Any]) -> str:
    # ensure_ascii=False: Chinese text travels as UTF-8 (a third of the size of \\u escapes)
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    if len(text) > MAX_MESSAGE_BYTES // 4 and len(text.encode("utf-8")) > MAX_MESSAGE_BYTES:
        raise SyncError(
            f"a {data.get('type')} message would be {len(text.encode('utf-8'))} bytes, over the "
            f"{MAX_MESSAGE_BYTES}-byte limit",
            code="message_too_big",
        )
    return text


def _aware(value: datetime, name: str) -> datetime:
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise SyncError(f"{name} must be a timezone-aware datetime", code="bad_field", details={"field": name})
    return value


def new_op_id() -> str:
    """A fresh operation id (a random UUID in canonical form)."""
    return str(uuid.uuid4())


# --- reading -----------------------------------------------------------------------------------------------------


def decode_client_message(raw: str | bytes) -> Message:
    """A message a client may send (hello, push, ping, pong), read and checked; else `SyncError`."""
    return _decode(raw, CLIENT_MESSAGES)


def decode_server_message(raw: str | bytes) -> Message:
    """A message a server may send (welcome, ack, reject, change, caught_up, kb_*, ping, pong, error)."""
    return _decode(raw, SERVER_MESSAGES)


def parse_frame(raw: str | bytes) -> dict[str, Any]:
    """The frame's JSON object, after the size and JSON checks; its `type` is text (not yet checked as known)."""
    if isinstance(raw, str):
        size = len(raw) if raw.isascii() else len(raw.encode("utf-8", errors="surrogatepass"))
    elif isinstance(raw, bytes | bytearray | memoryview):
        size = len(raw)
    else:
        raise SyncError(f"a frame must be text or bytes, not {type(raw).__name__}", code="bad_message")
    if size > MAX_MESSAGE_BYTES:
        raise SyncError(f"message of {size} bytes is over the {MAX_MESSAGE_BYTES}-byte limit",
                        code="message_too_big", details={"size": size})
    try:
        text = raw if isinstance(raw, str) else bytes(raw).decode("utf-8")
        if _nests_deeper(text, MAX_DEPTH):
            raise SyncError(f"message nests deeper than {MAX_DEPTH} levels", code="bad_json")
        data = json.loads(text, parse_constant=_refuse_constant, object_pairs_hook=_unique_keys)
    except SyncError:
        raise
    except (ValueError, RecursionError) as exc:  # JSONDecodeError, UnicodeDecodeError, surrogates
        raise SyncError(f"message is not valid JSON: {str(exc)[:200]}", code="bad_json") from exc
    if not isinstance(data, dict):
        raise SyncError(f"message must be a JSON object, got {_json_kind(data)}", code="bad_message")
    kind = data.get("type")
    if not isinstance(kind, str):
        raise SyncError("message has no text field 'type'", code="bad_message")
    return data


def _decode(raw: str | bytes, accepted: frozenset[MessageType]) -> Message:
    data = parse_frame(raw)
    kind = data["type"]
    try:
        message_type = MessageType(kind)
    except ValueError:
        raise SyncError(f"unknown message type {_shown(kind)}", code="unknown_type",
                        details={"type": kind[:64]}) from None
    if message_type not in accepted:
        raise SyncError(f"a {message_type.value} message is not accepted from this side", code="unknown_type",
                        details={"type": message_type.value})
    try:
        return _READERS[message_type](_Fields(data, message_type.value))
    except RecursionError as exc:
        # json.loads bounds nesting by the interpreter's recursion limit, and the readers walk only as deep as the
        # message's types go; this is the backstop for a frame nested just under json's limit
        raise SyncError("message nests too deeply", code="bad_json") from exc


_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
_BRACKET = re.compile(r"[\[\]{}]")


def _nests_deeper(text: str, limit: int) -> bool:
    """Whether the JSON text opens more than `limit` objects and lists inside each other (strings, where brackets
    mean nothing, left out). Cheap: a frame with fewer opening brackets than the limit is not looked at further."""
    if text.count("{") + text.count("[") <= limit:
        return False
    brackets = _BRACKET.findall(_JSON_STRING.sub("", text))
    return max(accumulate(1 if b in "[{" else -1 for b in brackets), default=0) > limit


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # a repeated key is ambiguous (which one wins differs between parsers): refuse it rather than guess
    data = dict(pairs)
    if len(data) != len(pairs):
        seen: set[str] = set()
        repeated = next(k for k, _ in pairs if k in seen or seen.add(k))  # type: ignore[func-returns-value]
        raise SyncError(f"key {_shown(repeated)} appears twice in one object", code="bad_json")
    return data


def _json_kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "text", bool: "true/false", type(None): "null"}.get(
        type(value), "a number")


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


class _Fields:
    """The fields of one message, taken one by one; `done()` refuses what was not taken (unknown fields)."""

    def __init__(self, data: dict[str, Any], kind: str) -> None:
        self._data = data
        self._kind = kind
        self._taken = {"type"}

    def _bad(self, name: str, expected: str, value: Any = None, *, missing: bool = False) -> SyncError:
        what = "is missing" if missing else f"must be {expected}, got {_shown(value)}"
        return SyncError(f"{self._kind}.{name} {what}", code="bad_field",
                         details={"type": self._kind, "field": name, "expected": expected})

    def raw(self, name: str, *, default: Any = ..., expected: str = "given") -> Any:
        self._taken.add(name)
        if name not in self._data:
            if default is ...:
                raise self._bad(name, expected, missing=True)
            return default
        return self._data[name]

    def integer(self, name: str, *, default: Any = ..., low: int = 0, high: int = MAX_CURSOR,
                nullable: bool = False) -> Any:
        expected = f"a whole number from {low} to {high}" + (" or null" if nullable else "")
        value = self.raw(name, default=default, expected=expected)
        if value is None and nullable:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise self._bad(name, expected, value)
        return value

    def boolean(self, name: str, *, default: Any = ...) -> bool:
        value = self.raw(name, default=default, expected="true or false")
        if not isinstance(value, bool):
            raise self._bad(name, "true or false", value)
        return value

    def text(self, name: str, *, limit: int, default: Any = ..., nullable: bool = False,
             pattern: re.Pattern[str] | None = None, what: str = "text") -> Any:
        expected = f"{what} of at most {limit} characters" + (" or null" if nullable else "")
        value = self.raw(name, default=default, expected=expected)
        if value is None and nullable:
            return None
        if not isinstance(value, str) or not value or len(value) > limit:
            raise self._bad(name, expected, value)
        if pattern is not None and not pattern.fullmatch(value):
            raise self._bad(name, what, value)
        if pattern is None and _CONTROL.search(value) and limit <= MAX_UNIT_CHARS:
            raise self._bad(name, f"{what} without control characters", value)
        return value

    def uuid(self, name: str, *, nullable: bool = False, default: Any = ...) -> Any:
        expected = "a UUID (canonical lower-case form)" + (" or null" if nullable else "")
        value = self.raw(name, default=default, expected=expected)
        if value is None and nullable:
            return None
        if not is_uuid(value):
            raise self._bad(name, expected, value)
        return value

    def time(self, name: str, *, default: Any = ...) -> Any:
        expected = "an ISO 8601 date and time with UTC offset"
        value = self.raw(name, default=default, expected=expected)
        if value is None and default is None:
            return None
        if not isinstance(value, str) or len(value) > 64:
            raise self._bad(name, expected, value)
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise self._bad(name, expected, value) from None
        if parsed.tzinfo is None or parsed.utcoffset() is None:
            raise self._bad(name, expected, value)
        return parsed

    def role(self, name: str) -> Role:
        expected = "one of " + ", ".join(r.value for r in Role)
        value = self.raw(name, expected=expected)
        if not isinstance(value, str) or value not in Role.__members__.values():
            raise self._bad(name, expected, value)
        return Role(value)

    def done(self) -> None:
        unknown = sorted(k for k in self._data if k not in self._taken)
        if unknown:
            raise SyncError(
                f"{self._kind} has unknown field(s): {', '.join(_shown(k) for k in unknown[:5])}",
                code="bad_field",
                details={"type": self._kind, "fields": [k[:64] for k in unknown[:20]]},
            )


def is_uuid(value: Any) -> bool:
    """True for a UUID in canonical form (36 characters, lower-case hex with dashes)."""
    if not isinstance(value, str) or len(value) != 36:
        return False
    try:
        return str(uuid.UUID(value)) == value
    except ValueError:
        return False


def is_code(value: Any) -> bool:
    """True for a reason/error code as the wire carries it (lower-case letters, digits, _)."""
    return isinstance(value, str) and _CODE.fullmatch(value) is not None


def is_order_id(value: Any) -> bool:
    return isinstance(value, str) and _ORDER_ID.fullmatch(value) is not None


def _read_hello(f: _Fields) -> Hello:
    protocol = f.integer("protocol", low=0, high=2**31)
    if protocol not in SUPPORTED_VERSIONS:
        raise SyncError(
            f"protocol version {protocol} is not supported; this side speaks {sorted(SUPPORTED_VERSIONS)}",
            code="unsupported_protocol",
            details={"protocol": protocol, "supported": sorted(SUPPORTED_VERSIONS)},
        )
    token = f.raw("token", expected="text")
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_CHARS or not token.isprintable():
        # the token itself is never shown: it may be a real secret typed into the wrong field
        raise SyncError(f"hello.token must be printable text of at most {MAX_TOKEN_CHARS} characters",
                        code="bad_field", details={"type": "hello", "field": "token"})
    hello = Hello(
        token=token,
        client_id=f.uuid("client_id"),
        seat=f.text("seat", limit=MAX_NAME_CHARS, default=None, nullable=True),
        resume_from=f.integer("resume_from", default=0),
        protocol=protocol,
        batch_changes=f.boolean("batch_changes", default=False),
    )
    f.done()
    return hello


def _read_welcome(f: _Fields) -> Welcome:
    message = Welcome(
        protocol=f.integer("protocol", low=1, high=2**31),
        user_id=f.text("user_id", limit=MAX_NAME_CHARS),
        role=f.role("role"),
        unit=f.text("unit", limit=MAX_UNIT_CHARS, nullable=True, default=None),
        server_cursor=f.integer("server_cursor"),
        server_time=f.time("server_time"),
    )
    f.done()
    return message


def _read_push(f: _Fields) -> Push:
    op_id = f.uuid("op_id")
    order_id = _order_id(f)
    base_version = f.integer("base_version")
    made_at = f.time("made_at")
    synced_at = f.time("synced_at", default=None)
    raw_command = f.raw("command", expected="an object (command)")
    raw_feedback = f.raw("feedback", default=None)
    f.done()
    feedback = None
    if raw_feedback is not None:
        feedback = read_feedback(raw_feedback, f"push {op_id}", {"op_id": op_id, "order_id": order_id})
    try:
        command = command_from_dict(raw_command)
        caller = caller_of(command)
        if caller is not None:
            # proven sealed before anything stores or shows it: a token of the field cipher and a mask of it
            check_sealed_caller(caller)
    except PrivacyError as exc:
        code = "bad_seal" if exc.code == "bad_seal" else "not_sealed"
        raise SyncError(f"push {op_id}: {exc.message}", code=code,
                        details={"op_id": op_id, "order_id": order_id}) from exc
    except AgentDesktopError as exc:
        raise SyncError(f"push {op_id}: bad command: {exc.message}", code="bad_command",
                        details={"op_id": op_id, "order_id": order_id, "reason": exc.code}) from exc
    return Push(op_id=op_id, order_id=order_id, base_version=base_version, command=command, made_at=made_at,
                synced_at=synced_at, feedback=feedback)


def read_feedback(raw: Any, where: str, details: dict[str, Any]) -> PrefillFeedback:
    """A pre-fill feedback from the wire; SyncError `bad_feedback`, `not_sealed` or `bad_seal` (with `details`)."""
    try:
        return feedback_from_dict(raw)
    except PrivacyError as exc:
        code = "bad_seal" if exc.code == "bad_seal" else "not_sealed"
        raise SyncError(f"{where}: {exc.message}", code=code, details={**details, **exc.details}) from exc
    except AgentDesktopError as exc:
        raise SyncError(f"{where}: {exc.message}", code="bad_feedback", details={**details, **exc.details}) from exc


def _read_feedback_read(f: _Fields) -> FeedbackRead:
    after = f.raw("after", default=None)
    if after is not None and not is_order_id(after):
        raise f._bad("after", "an order id or null", after)
    message = FeedbackRead(request_id=f.uuid("request_id"), after=after, since=f.time("since", default=None),
                           until=f.time("until", default=None),
                           limit=f.integer("limit", default=100, low=1, high=MAX_FEEDBACK_PAGE))
    f.done()
    return message


def _survey_body(f: _Fields) -> dict[str, Any]:
    body = f.raw("body", default={})
    if not isinstance(body, dict) or len(body) > MAX_SURVEY_BODY_KEYS:
        raise f._bad("body", f"an object of at most {MAX_SURVEY_BODY_KEYS} fields", body)
    return body


def _read_survey(f: _Fields) -> SurveyRequest:
    verbs = ", ".join(SurveyVerb)
    verb = f.raw("verb", expected=verbs)
    try:
        verb = SurveyVerb(verb)
    except ValueError:
        raise f._bad("verb", verbs, verb) from None
    message = SurveyRequest(request_id=f.uuid("request_id"), verb=verb, body=_survey_body(f))
    f.done()
    return message


def _read_warning(f: _Fields) -> WarningNotice:
    order_ids = f.raw("order_ids", default=[])
    if not isinstance(order_ids, list) or not all(isinstance(o, str) for o in order_ids) or len(order_ids) > 1000:
        raise f._bad("order_ids", "a list of order ids", order_ids)
    message = WarningNotice(
        cursor=f.integer("cursor"), warning_id=f.text("warning_id", limit=64),
        kind=f.text("kind", limit=64, pattern=_CODE, what="a warning kind"),
        severity=f.text("severity", limit=64, pattern=_CODE, what="a severity"), order_ids=tuple(order_ids),
        message=f.text("message", limit=MAX_TEXT_CHARS), unit=f.text("unit", limit=MAX_TEXT_CHARS, nullable=True,
                                                                      default=None),
        deadline=f.text("deadline", limit=64, nullable=True, default=None),
        raised_at=f.text("raised_at", limit=64, nullable=True, default=None))
    f.done()
    return message


def _read_survey_reply(f: _Fields) -> SurveyReply:
    message = SurveyReply(request_id=f.uuid("request_id"), ok=f.boolean("ok"), body=_survey_body(f),
                          code=f.text("code", limit=64, pattern=_CODE, nullable=True, default=None,
                                      what="a code (lower-case letters, digits, _)"))
    f.done()
    return message


def _read_feedback_page(f: _Fields) -> FeedbackPage:
    request_id = f.uuid("request_id")
    after = f.raw("next", default=None)
    if after is not None and not is_order_id(after):
        raise f._bad("next", "an order id or null", after)
    raw_items = f.raw("items", expected="a list")
    f.done()
    if not isinstance(raw_items, list) or len(raw_items) > MAX_FEEDBACK_PAGE:
        raise f._bad("items", f"a list of at most {MAX_FEEDBACK_PAGE} items", raw_items)
    items = []
    for raw in raw_items:
        if not isinstance(raw, dict):
            raise f._bad("items", "objects", raw)
        g = _Fields({"type": "feedback_item", **raw}, "feedback_item")
        order_id = _order_id(g)
        item = FeedbackItem(order_id=order_id, user_id=g.text("user_id", limit=MAX_NAME_CHARS),
                            seat=g.text("seat", limit=MAX_NAME_CHARS, nullable=True, default=None),
                            made_at=g.time("made_at"),
                            feedback=read_feedback(g.raw("feedback"), f"feedback of {order_id}",
                                                   {"order_id": order_id}))
        g.done()
        items.append(item)
    return FeedbackPage(request_id=request_id, items=tuple(items), next=after)


def caller_of(command: Any) -> Caller | None:
    """The caller a command brings in (opening, or an edit of the caller), if any."""
    if isinstance(command, OpenWorkOrder):
        return command.caller
    changes = getattr(command, "changes", None)
    caller = changes.get("caller") if isinstance(changes, Mapping) else None
    return caller if isinstance(caller, Caller) else None


def _order_id(f: _Fields) -> str:
    return f.text("order_id", limit=64, pattern=_ORDER_ID, what="an order id (letters, digits, . _ : -)")


def _entry_id(f: _Fields) -> str:
    return f.text("entry_id", limit=64, pattern=_ORDER_ID, what="an entry id (letters, digits, . _ : -)")


def _read_order(raw: Any, kind: str, order_id: str, *, nullable: bool) -> WorkOrder | None:
    if raw is None and nullable:
        return None
    try:
        order = work_order_from_dict(raw)
    except PrivacyError as exc:
        raise SyncError(f"{kind} {order_id}: {exc.message}", code="not_sealed",
                        details={"type": kind, "order_id": order_id}) from exc
    except AgentDesktopError as exc:
        raise SyncError(f"{kind} {order_id}: bad work order: {exc.message}", code="bad_field",
                        details={"type": kind, "field": "order", "reason": exc.code}) from exc
    if order.order_id != order_id:
        raise SyncError(f"{kind} names order {order_id} but carries {order.order_id}", code="bad_field",
                        details={"type": kind, "field": "order_id"})
    return order


def _read_entry(raw: Any, kind: str, entry_id: str, *, nullable: bool) -> Any:
    if raw is None and nullable:
        return None
    try:
        entry = _knowledge().entry_from_dict(raw)
    except AgentDesktopError as exc:
        raise SyncError(f"{kind} {entry_id}: bad knowledge-base entry: {exc.message}", code="bad_field",
                        details={"type": kind, "field": "entry", "reason": exc.code}) from exc
    if getattr(entry, "entry_id", entry_id) != entry_id:
        raise SyncError(f"{kind} names entry {entry_id} but carries {entry.entry_id}", code="bad_field",
                        details={"type": kind, "field": "entry_id"})
    return entry


def _read_ack(f: _Fields) -> Ack:
    op_id, order_id = f.uuid("op_id"), _order_id(f)
    version, cursor = f.integer("version", low=1), f.integer("cursor", low=1)
    duplicate = f.boolean("duplicate", default=False)
    raw_order = f.raw("order", default=None)
    f.done()
    order = _read_order(raw_order, "ack", order_id, nullable=True)
    order_json = work_order_dict_to_json(raw_order) if order is not None else None
    return Ack(op_id=op_id, order_id=order_id, version=version, cursor=cursor, order=order, duplicate=duplicate,
               order_json=order_json)


def _read_reject(f: _Fields) -> Reject:
    op_id, order_id = f.uuid("op_id"), _order_id(f)
    code = f.text("code", limit=64, pattern=_CODE, what="a code (lower-case letters, digits, _)")
    reason = f.text("reason", limit=MAX_TEXT_CHARS)
    article = f.text("article", limit=MAX_NAME_CHARS, nullable=True, default=None)
    deadline = f.text("deadline", limit=MAX_NAME_CHARS, nullable=True, default=None)
    version = f.integer("version", nullable=True, default=None)
    raw_order = f.raw("order", default=None)
    f.done()
    order = _read_order(raw_order, "reject", order_id, nullable=True)
    return Reject(op_id=op_id, order_id=order_id, code=code, reason=reason, article=article, deadline=deadline,
                  version=version, order=order)


def _read_change(f: _Fields) -> Change:
    cursor = f.integer("cursor", low=1)
    order_id = _order_id(f)
    version = f.integer("version", low=1)
    op_id = f.uuid("op_id", nullable=True, default=None)
    raw_order = f.raw("order", expected="an object (work order)")
    f.done()
    order = _read_order(raw_order, "change", order_id, nullable=False)
    assert order is not None
    return Change(cursor=cursor, order_id=order_id, version=version, order=order, op_id=op_id)


def _read_change_batch(f: _Fields) -> ChangeBatch:
    items = f.raw("items", expected="a list of change objects")
    f.done()
    if not isinstance(items, list) or not items:
        raise SyncError("changes.items must be a non-empty list", code="bad_field",
                        details={"type": "changes", "field": "items"})
    out: list[Change | KbChange | WarningNotice] = []
    readers: dict[str, Callable[[_Fields], Any]] = {MessageType.CHANGE.value: _read_change,
                                                    MessageType.KB_CHANGE.value: _read_kb_change,
                                                    MessageType.WARNING.value: _read_warning}
    for i, item in enumerate(items):
        kind = item.get("type") if isinstance(item, dict) else None
        if kind not in readers:
            raise SyncError(f"changes.items[{i}] must be a change, kb_change or warning object", code="bad_field",
                            details={"type": "changes", "field": f"items[{i}]"})
        out.append(readers[kind](_Fields(item, kind)))
    cursors = [c.cursor for c in out]
    if cursors != sorted(set(cursors)):
        raise SyncError("changes.items must have strictly increasing cursors", code="bad_field",
                        details={"type": "changes", "field": "items"})
    return ChangeBatch(tuple(out))


def _read_caught_up(f: _Fields) -> CaughtUp:
    message = CaughtUp(cursor=f.integer("cursor"))
    f.done()
    return message


def _read_kb_push(f: _Fields) -> KbPush:
    op_id, entry_id = f.uuid("op_id"), _entry_id(f)
    made_at = f.time("made_at")
    raw_command = f.raw("command", expected="an object (knowledge-base command)")
    f.done()
    if not isinstance(raw_command, dict):
        raise SyncError(f"kb_push {op_id}: command must be an object", code="bad_command",
                        details={"op_id": op_id, "entry_id": entry_id})
    try:
        command = _knowledge().kb_command_from_dict(raw_command)
    except AgentDesktopError as exc:
        raise SyncError(f"kb_push {op_id}: bad command: {exc.message}", code="bad_command",
                        details={"op_id": op_id, "entry_id": entry_id, "reason": exc.code}) from exc
    return KbPush(op_id=op_id, entry_id=entry_id, command=command, made_at=made_at)


def _read_kb_ack(f: _Fields) -> KbAck:
    op_id, entry_id = f.uuid("op_id"), _entry_id(f)
    version, cursor = f.integer("version", low=1), f.integer("cursor", low=1)
    duplicate = f.boolean("duplicate", default=False)
    raw_entry = f.raw("entry", default=None)
    f.done()
    entry = _read_entry(raw_entry, "kb_ack", entry_id, nullable=True)
    return KbAck(op_id=op_id, entry_id=entry_id, version=version, cursor=cursor, entry=entry, duplicate=duplicate)


def _read_kb_reject(f: _Fields) -> KbReject:
    op_id, entry_id = f.uuid("op_id"), _entry_id(f)
    code = f.text("code", limit=64, pattern=_CODE, what="a code (lower-case letters, digits, _)")
    reason = f.text("reason", limit=MAX_TEXT_CHARS)
    version = f.integer("version", nullable=True, default=None)
    raw_entry = f.raw("entry", default=None)
    f.done()
    entry = _read_entry(raw_entry, "kb_reject", entry_id, nullable=True)
    return KbReject(op_id=op_id, entry_id=entry_id, code=code, reason=reason, version=version, entry=entry)


def _read_kb_change(f: _Fields) -> KbChange:
    cursor = f.integer("cursor", low=1)
    entry_id = _entry_id(f)
    version = f.integer("version", low=1)
    op_id = f.uuid("op_id", nullable=True, default=None)
    raw_entry = f.raw("entry", expected="an object (knowledge-base entry)")
    f.done()
    entry = _read_entry(raw_entry, "kb_change", entry_id, nullable=False)
    return KbChange(cursor=cursor, entry_id=entry_id, version=version, entry=entry, op_id=op_id)


def _read_ping(f: _Fields) -> Ping:
    message = Ping(nonce=f.integer("nonce", default=0, high=_NONCE_MAX))
    f.done()
    return message


def _read_pong(f: _Fields) -> Pong:
    message = Pong(nonce=f.integer("nonce", default=0, high=_NONCE_MAX))
    f.done()
    return message


def _read_error(f: _Fields) -> Error:
    message = Error(
        code=f.text("code", limit=64, pattern=_CODE, what="a code (lower-case letters, digits, _)"),
        message=f.text("message", limit=MAX_TEXT_CHARS),
        fatal=f.boolean("fatal", default=False),
    )
    f.done()
    return message


_READERS: Mapping[MessageType, Callable[[_Fields], Message]] = {
    MessageType.HELLO: _read_hello,
    MessageType.WELCOME: _read_welcome,
    MessageType.PUSH: _read_push,
    MessageType.ACK: _read_ack,
    MessageType.REJECT: _read_reject,
    MessageType.CHANGE: _read_change,
    MessageType.CHANGES: _read_change_batch,
    MessageType.CAUGHT_UP: _read_caught_up,
    MessageType.KB_PUSH: _read_kb_push,
    MessageType.KB_ACK: _read_kb_ack,
    MessageType.KB_REJECT: _read_kb_reject,
    MessageType.KB_CHANGE: _read_kb_change,
    MessageType.FEEDBACK_READ: _read_feedback_read,
    MessageType.FEEDBACK_PAGE: _read_feedback_page,
    MessageType.SURVEY: _read_survey,
    MessageType.SURVEY_REPLY: _read_survey_reply,
    MessageType.WARNING: _read_warning,
    MessageType.PING: _read_ping,
    MessageType.PONG: _read_pong,
    MessageType.ERROR: _read_error,
}


def error_for(exc: SyncError) -> Error:
    """The `Error` answer to a refused message (the message text is the error's, already free of secrets)."""
    return Error(code=exc.code if _CODE.fullmatch(exc.code) else "bad_message", message=exc.message[:MAX_TEXT_CHARS])
