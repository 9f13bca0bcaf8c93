"""A call's draft as it is autosaved: `DraftRecord`, and its JSON form.

The record is what survives a crash of the desktop: the caller pop, the form (the agent's values with their origin,
pending suggestions with evidence), the transcript's final results, and where the call was. For an anonymous caller
every personal value in it is already sealed by the session (the form holds nothing else), and `check_sealed`
refuses a record that is not, so no plain name or number reaches the disk. The JSON form writes a sealed value as
``{"sealed": <ciphertext>, "masked": <mask>}``.

Pure: standard library and the core only.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from agent_desktop.core.errors import AgentDesktopError, InvalidCommand, PrivacyError
from agent_desktop.core.work_order import OrderState, SealedValue
from agent_desktop.core.working_days import require_aware
from agent_desktop.desk.calls import CallState, EndReason
from agent_desktop.desk.form import DraftField, FieldEntry, FieldValue, Form, Suggestion, ValueOrigin
from agent_desktop.desk.transcript import TranscriptSource

RECORD_VERSION = 1


@dataclass(frozen=True, slots=True)
class DraftRecord:
    draft_id: str  # the order id the draft will be saved under
    call_id: str
    saved_at: datetime
    call_state: CallState
    form: Form
    anonymous: bool = False
    number: FieldValue | None = None
    name: FieldValue | None = None
    phone_key: str | None = None
    end_reason: EndReason | None = None
    finals: tuple[str, ...] = ()
    transcript_source: TranscriptSource = TranscriptSource.RECOGNIZER
    order_state: OrderState | None = None  # the order was saved (受理中) and edited since
    offered_at: datetime | None = None
    answered_at: datetime | None = None
    recording: str | None = None  # the MixMonitor file, linked to the order when it is saved


def check_sealed(record: DraftRecord) -> None:
    """An anonymous caller's draft holds personal data only sealed (第15条)."""
    if not record.anonymous:
        return
    values: list[tuple[str, FieldValue | None]] = [("number", record.number), ("name", record.name)]
    for e in record.form:
        if e.field.personal_field is not None:
            values.append((e.field.value, e.value))
            if e.suggestion is not None:
                values.append((f"{e.field.value} suggestion", e.suggestion.value))
            if e.offered is not None:
                values.append((f"{e.field.value} suggestion", e.offered.value))
    for what, value in values:
        if isinstance(value, str) and value.strip():
            raise PrivacyError(f"the draft {record.draft_id} of an anonymous caller holds its {what} in plain text",
                               code="unsealed_personal_data")


# --- JSON --------------------------------------------------------------------------------------------------------


def _value_out(value: FieldValue | None) -> Any:
    if isinstance(value, SealedValue):
        return {"sealed": value.ciphertext, "masked": value.masked}
    return value


def _value_in(raw: Any, path: str) -> FieldValue | None:
    if raw is None or isinstance(raw, str):
        return raw
    if isinstance(raw, dict) and set(raw) == {"sealed", "masked"} and all(isinstance(v, str) for v in raw.values()):
        return SealedValue(raw["sealed"], raw["masked"])
    raise InvalidCommand(f"draft {path}: expected text or a sealed value", code="bad_draft")


def draft_to_dict(record: DraftRecord) -> dict[str, Any]:
    check_sealed(record)
    return {
        "version": RECORD_VERSION,
        "draft_id": record.draft_id,
        "call_id": record.call_id,
        "saved_at": record.saved_at.isoformat(),
        "call_state": record.call_state.value,
        "anonymous": record.anonymous,
        "number": _value_out(record.number),
        "name": _value_out(record.name),
        "phone_key": record.phone_key,
        "end_reason": record.end_reason.value if record.end_reason else None,
        "finals": list(record.finals),
        "transcript_source": record.transcript_source.value,
        "order_state": record.order_state.value if record.order_state else None,
        "offered_at": record.offered_at.isoformat() if record.offered_at else None,
        "answered_at": record.answered_at.isoformat() if record.answered_at else None,
        "recording": record.recording,
        "form": [
            {
                "field": e.field.value,
                "value": _value_out(e.value),
                "origin": e.origin.value if e.origin else None,
                "suggestion": None if e.suggestion is None else {
                    "value": _value_out(e.suggestion.value), "evidence": e.suggestion.evidence},
                "offered": None if e.offered is None else {
                    "value": _value_out(e.offered.value), "evidence": e.offered.evidence},
            }
            for e in record.form
            if e.is_agents or e.suggestion is not None or e.offered is not None
        ],
    }


def draft_to_json(record: DraftRecord) -> str:
    return json.dumps(draft_to_dict(record), ensure_ascii=False, allow_nan=False)


def draft_from_json(text: str) -> DraftRecord:
    try:
        data = json.loads(text)
    except (ValueError, TypeError) as exc:
        raise InvalidCommand(f"a stored draft is not JSON: {exc}", code="bad_draft") from exc
    return draft_from_dict(data)


def draft_from_dict(data: Any) -> DraftRecord:
    if not isinstance(data, Mapping):
        raise InvalidCommand("a stored draft must be an object", code="bad_draft")
    if data.get("version") != RECORD_VERSION:
        raise InvalidCommand(f"unknown draft version {data.get('version')!r}", code="bad_draft")
    try:
        form = {f: FieldEntry(f) for f in DraftField}
        for raw in data["form"]:
            f = DraftField(raw["field"])
            suggestion, offered = raw["suggestion"], raw.get("offered")  # drafts of before issue 14 have none
            form[f] = FieldEntry(
                f,
                _value_in(raw["value"], f"form.{f.value}"),
                ValueOrigin(raw["origin"]) if raw["origin"] else None,
                None if suggestion is None else Suggestion(
                    f, _required(_value_in(suggestion["value"], f"form.{f.value}.suggestion")),
                    str(suggestion["evidence"])),
                None if offered is None else Suggestion(
                    f, _required(_value_in(offered["value"], f"form.{f.value}.offered")), str(offered["evidence"])),
            )
        record = DraftRecord(
            draft_id=_text(data["draft_id"], "draft_id"),
            call_id=_text(data["call_id"], "call_id"),
            saved_at=_moment(data["saved_at"]),
            call_state=CallState(data["call_state"]),
            form=tuple(form[f] for f in DraftField),
            anonymous=bool(data["anonymous"]),
            number=_value_in(data["number"], "number"),
            name=_value_in(data["name"], "name"),
            phone_key=data["phone_key"],
            end_reason=EndReason(data["end_reason"]) if data["end_reason"] else None,
            finals=tuple(_text(t, "finals") for t in data["finals"]),
            transcript_source=TranscriptSource(data["transcript_source"]),
            order_state=OrderState(data["order_state"]) if data["order_state"] else None,
            offered_at=_moment(data["offered_at"]) if data["offered_at"] else None,
            answered_at=_moment(data["answered_at"]) if data["answered_at"] else None,
            recording=data["recording"] if isinstance(data["recording"], str) else None,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidCommand(f"a stored draft is malformed: {exc!r}", code="bad_draft") from exc
    check_sealed(record)
    return record


def read_drafts(payloads: Iterable[tuple[str, str]]) -> tuple[tuple[DraftRecord, ...], tuple[tuple[str, str], ...]]:
    """Records from stored (draft id, JSON) pairs; the ones that cannot be read come back as (draft id, why),
    so one damaged draft never hides the others."""
    good: list[DraftRecord] = []
    bad: list[tuple[str, str]] = []
    for draft_id, text in payloads:
        try:
            record = draft_from_json(text)
        except AgentDesktopError as exc:
            bad.append((draft_id, f"{exc.code}: {exc.message}"))
            continue
        if record.draft_id != draft_id:
            bad.append((draft_id, f"bad_draft: the payload is the draft {record.draft_id}"))
            continue
        good.append(record)
    return tuple(good), tuple(bad)


def _required(value: FieldValue | None) -> FieldValue:
    if value is None:
        raise ValueError("a suggestion needs a value")
    return value


def _text(raw: Any, what: str) -> str:
    if not isinstance(raw, str):
        raise ValueError(f"{what} must be text")
    return raw


def _moment(raw: Any) -> datetime:
    return require_aware(datetime.fromisoformat(_text(raw, "time")))
