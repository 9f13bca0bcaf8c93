"""Pre-fill feedback: per saved order and form field, what the pre-fill suggested, what the agent kept, and how.

The seat session makes one `PrefillFeedback` when an order is saved (`agent_desktop.desk.feedback`); it travels with
the order's step to the central store (`sync.protocol.Push.feedback`), where a supervisor reads it back
(`agent-desktop prefill evaluate`) to measure the pre-fill on real calls and to turn the disagreements into new
development cases. The agent never sees any of it.

Privacy (第15条): for an anonymous caller the values of the personal fields (`PERSONAL_FIELDS`: the caller's name
and number, and the address of the matter, which is often the caller's home) are `SealedValue`s sealed for the
order and its field — the same seal as the order's own caller, proven the same way (`core.privacy`) — and they
carry no evidence; the transcript is not sent at all. `feedback_from_dict` refuses anything else, so a broken or
hostile desk cannot slip a plain number into the centre through this door.

Sizes are bounded (`MAX_*`): a feedback is at most a few KiB, whatever the desk sends. Everything wrong is an
`InvalidCommand` with code `bad_feedback` (or a `PrivacyError`: `not_sealed` / `bad_seal`) naming the field and
the problem, never the value.

Pure: the standard library and the core only.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from agent_desktop.core.errors import InvalidCommand, PrivacyError
from agent_desktop.core.masks import mask_field, normalise_phone
from agent_desktop.core.privacy import FieldCipher, check_sealed_value
from agent_desktop.core.roles import Role
from agent_desktop.core.work_order import Category, SealedValue

FEEDBACK_VERSION = 1

# The order form's fields (`desk.form.DraftField` values; a test keeps the two equal).
FORM_FIELDS = ("caller_name", "caller_phone", "form_of_address", "category", "district", "street", "address",
               "description", "urgency", "lead_unit", "not_accepted_reason")
# form field → the personal field its value is sealed as for an anonymous caller
PERSONAL_FIELDS = {"caller_name": "name", "caller_phone": "phone", "address": "address"}

MAX_VALUE_CHARS = 2000  # a description; every other field is far shorter
MAX_EVIDENCE_CHARS = 200  # the words a suggestion came from
MAX_TRANSCRIPT_CHARS = 4000  # the finals of one call (a few minutes of speech)
MAX_FEEDBACK_BYTES = 32 * 1024  # the whole value as UTF-8 JSON

# Who may read the feedback of all orders: the hotline centre's supervisors (第7–8条), never an agent or a unit.
FEEDBACK_READERS = frozenset({Role.SUPERVISOR})
# Who may send it: the seats that take calls.
FEEDBACK_SENDERS = frozenset({Role.AGENT, Role.LEADER_SEAT})


class FeedbackOutcome(StrEnum):
    ACCEPTED = "accepted"  # the order holds what was suggested (taken with a click or typed the same)
    OVERRIDDEN = "overridden"  # the agent put something else
    TYPED = "typed_without_suggestion"  # the pre-fill suggested nothing, the agent filled the field
    IGNORED = "suggestion_ignored"  # the agent left the field empty although something was suggested


FeedbackValue = str | SealedValue


@dataclass(frozen=True, slots=True)
class FieldFeedback:
    field: str
    outcome: FeedbackOutcome
    suggested: FeedbackValue | None = field(default=None, repr=False)
    final: FeedbackValue | None = field(default=None, repr=False)
    evidence: str = field(default="", repr=False)


@dataclass(frozen=True, slots=True)
class PrefillFeedback:
    anonymous: bool
    fields: tuple[FieldFeedback, ...]
    transcript: str = field(default="", repr=False)  # the call's final results; "" for an anonymous caller

    def field(self, name: str) -> FieldFeedback | None:
        return next((f for f in self.fields if f.field == name), None)


def outcome_of(suggested: str | None, final: str | None, same: bool) -> FeedbackOutcome | None:
    """The outcome of one field from its (plain) suggested and final values; None when neither exists. `same`: the
    two values mean the same (the caller compares them as the order does: a category's code or label, ...)."""
    has_s, has_f = bool(suggested and suggested.strip()), bool(final and final.strip())
    if has_s and has_f:
        return FeedbackOutcome.ACCEPTED if same else FeedbackOutcome.OVERRIDDEN
    if has_s:
        return FeedbackOutcome.IGNORED
    if has_f:
        return FeedbackOutcome.TYPED
    return None


# --- JSON ----------------------------------------------------------------------------------------------------------


def _value_out(value: FeedbackValue | None) -> Any:
    if isinstance(value, SealedValue):
        return {"ciphertext": value.ciphertext, "masked": value.masked}
    return value


def feedback_to_dict(feedback: PrefillFeedback) -> dict[str, Any]:
    data = {
        "version": FEEDBACK_VERSION,
        "anonymous": feedback.anonymous,
        "transcript": feedback.transcript,
        "fields": [{"field": f.field, "outcome": f.outcome.value, "suggested": _value_out(f.suggested),
                    "final": _value_out(f.final), "evidence": f.evidence} for f in feedback.fields],
    }
    feedback_from_dict(data)  # what is sent is what the centre accepts: refuse early, at the desk
    return data


def _bad(message: str, **details: Any) -> InvalidCommand:
    return InvalidCommand(f"pre-fill feedback: {message}", code="bad_feedback", details=details)


def _text(raw: Any, what: str, limit: int) -> str:
    if not isinstance(raw, str):
        raise _bad(f"{what} must be text", field=what)
    if len(raw) > limit:
        raise _bad(f"{what} is longer than {limit} characters", field=what, limit=limit)
    return raw


def _value_in(raw: Any, name: str, what: str, *, anonymous: bool) -> FeedbackValue | None:
    if raw is None:
        return None
    personal = PERSONAL_FIELDS.get(name)
    if isinstance(raw, str):
        value = _text(raw, f"{name}.{what}", MAX_VALUE_CHARS)
        if anonymous and personal is not None and value.strip():
            raise PrivacyError(f"pre-fill feedback: the {what} {name} of an anonymous caller is not sealed (第15条)",
                               code="not_sealed", details={"field": name})
        return value
    if isinstance(raw, Mapping) and set(raw) == {"ciphertext", "masked"}:
        if personal is None:
            raise _bad(f"{name}.{what} is sealed but {name} is not a personal field", field=name)
        sealed = SealedValue(_text(raw["ciphertext"], f"{name}.{what}", MAX_VALUE_CHARS),
                             _text(raw["masked"], f"{name}.{what}", MAX_VALUE_CHARS))
        check_sealed_value(sealed, field=personal)  # its form: a token of the field cipher and a mask
        return sealed
    raise _bad(f"{name}.{what} must be text, a sealed value or null", field=name)


def feedback_from_dict(data: Any) -> PrefillFeedback:
    """Read and check a feedback (from the wire or a store). Raises InvalidCommand `bad_feedback`, or PrivacyError
    `not_sealed` / `bad_seal`."""
    if not isinstance(data, Mapping):
        raise _bad("expected an object")
    if set(data) != {"version", "anonymous", "transcript", "fields"}:
        raise _bad(f"expected the keys version, anonymous, transcript, fields; got {sorted(map(str, data))[:8]}")
    if data["version"] != FEEDBACK_VERSION or isinstance(data["version"], bool):
        raise _bad(f"unknown version {str(data['version'])[:20]!r}", field="version")
    anonymous = data["anonymous"]
    if not isinstance(anonymous, bool):
        raise _bad("anonymous must be true or false", field="anonymous")
    transcript = _text(data["transcript"], "transcript", MAX_TRANSCRIPT_CHARS)
    if anonymous and transcript:
        raise PrivacyError("pre-fill feedback: an anonymous caller's transcript is never sent (第15条)",
                           code="not_sealed", details={"field": "transcript"})
    raw_fields = data["fields"]
    if not isinstance(raw_fields, list):
        raise _bad("fields must be a list", field="fields")
    if len(raw_fields) > len(FORM_FIELDS):
        raise _bad(f"more than {len(FORM_FIELDS)} fields", field="fields", limit=len(FORM_FIELDS))
    fields: list[FieldFeedback] = []
    for raw in raw_fields:
        if not isinstance(raw, Mapping) or set(raw) != {"field", "outcome", "suggested", "final", "evidence"}:
            raise _bad("each field is an object with field, outcome, suggested, final, evidence", field="fields")
        name = raw["field"]
        if name not in FORM_FIELDS:
            raise _bad(f"unknown field {str(name)[:40]!r}", field="field")
        if any(f.field == name for f in fields):
            raise _bad(f"the field {name} appears twice", field=name)
        try:
            outcome = FeedbackOutcome(raw["outcome"])
        except ValueError:
            raise _bad(f"unknown outcome for {name}", field=name) from None
        suggested = _value_in(raw["suggested"], name, "suggested", anonymous=anonymous)
        final = _value_in(raw["final"], name, "final", anonymous=anonymous)
        evidence = _text(raw["evidence"], f"{name}.evidence", MAX_EVIDENCE_CHARS)
        if anonymous and name in PERSONAL_FIELDS and evidence:
            raise PrivacyError(f"pre-fill feedback: evidence for the {name} of an anonymous caller (第15条)",
                               code="not_sealed", details={"field": name})
        _check_outcome(name, outcome, suggested, final)
        fields.append(FieldFeedback(name, outcome, suggested, final, evidence))
    feedback = PrefillFeedback(anonymous, tuple(fields), transcript)
    size = len(json.dumps(data, ensure_ascii=False, default=str).encode("utf-8"))
    if size > MAX_FEEDBACK_BYTES:
        raise _bad(f"{size} bytes, over the {MAX_FEEDBACK_BYTES}-byte limit", field="feedback",
                   limit=MAX_FEEDBACK_BYTES)
    return feedback


def _present(value: FeedbackValue | None) -> bool:
    return isinstance(value, SealedValue) or bool(value and value.strip())


def _check_outcome(name: str, outcome: FeedbackOutcome, suggested: FeedbackValue | None,
                   final: FeedbackValue | None) -> None:
    has_s, has_f = _present(suggested), _present(final)
    expected = {FeedbackOutcome.ACCEPTED: (True, True), FeedbackOutcome.OVERRIDDEN: (True, True),
                FeedbackOutcome.TYPED: (False, True), FeedbackOutcome.IGNORED: (True, False)}[outcome]
    if (has_s, has_f) != expected:
        raise _bad(f"{name}: the outcome {outcome.value} does not fit the values given", field=name)


def check_feedback_seals(feedback: PrefillFeedback, *, order_id: str, cipher: FieldCipher) -> None:
    """With the field key (the centre's check): every sealed value opens for this order and its field, and its
    mask is the mask of what it holds."""
    for f in feedback.fields:
        for value in (f.suggested, f.final):
            if isinstance(value, SealedValue):
                check_sealed_value(value, field=PERSONAL_FIELDS[f.field], order_id=order_id, cipher=cipher)


def feedback_to_json(feedback: PrefillFeedback) -> str:
    return json.dumps(feedback_to_dict(feedback), ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def feedback_from_json(text: str) -> PrefillFeedback:
    try:
        data = json.loads(text)
    except (ValueError, TypeError) as exc:
        raise _bad(f"not JSON: {exc}") from exc
    return feedback_from_dict(data)


# --- evaluation (a supervisor's figures) ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FieldScore:
    """One field over many orders. `accuracy`: the share of orders with the field filled or suggested where the
    order holds exactly the suggestion; `precision`: the share of suggestions the order kept."""

    field: str
    counts: Mapping[FeedbackOutcome, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def suggested(self) -> int:
        return self.counts.get(FeedbackOutcome.ACCEPTED, 0) + self.counts.get(FeedbackOutcome.OVERRIDDEN, 0) \
            + self.counts.get(FeedbackOutcome.IGNORED, 0)

    @property
    def accuracy(self) -> float | None:
        return self.counts.get(FeedbackOutcome.ACCEPTED, 0) / self.total if self.total else None

    @property
    def precision(self) -> float | None:
        return self.counts.get(FeedbackOutcome.ACCEPTED, 0) / self.suggested if self.suggested else None


@dataclass(frozen=True, slots=True)
class Evaluation:
    orders: int
    fields: tuple[FieldScore, ...]

    @property
    def overall(self) -> float | None:
        total = sum(s.total for s in self.fields)
        accepted = sum(s.counts.get(FeedbackOutcome.ACCEPTED, 0) for s in self.fields)
        return accepted / total if total else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "orders": self.orders,
            "overall_accuracy": _round(self.overall),
            "fields": {s.field: {"accuracy": _round(s.accuracy), "precision": _round(s.precision), "total": s.total,
                                 **{o.value: s.counts.get(o, 0) for o in FeedbackOutcome}} for s in self.fields},
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def evaluate(feedbacks: Iterable[PrefillFeedback]) -> Evaluation:
    counts: dict[str, Counter[FeedbackOutcome]] = {name: Counter() for name in FORM_FIELDS}
    orders = 0
    for feedback in feedbacks:
        orders += 1
        for f in feedback.fields:
            counts[f.field][f.outcome] += 1
    return Evaluation(orders, tuple(FieldScore(name, dict(counts[name])) for name in FORM_FIELDS
                                    if counts[name]))


# the dev-set keys (tests/data/prefill/*.jsonl `expected`) of the form fields that have one
_DEV_KEYS = {"caller_name": "surname", "caller_phone": "phone", "form_of_address": "form_of_address",
             "category": "category", "district": "district", "street": "street", "address": "address_contains",
             "not_accepted_reason": "not_accepted_reason", "lead_unit": "unit", "urgency": "is_urgent",
             "description": "summary_any"}


def _shown(name: str, value: FeedbackValue | None) -> str | None:
    """A value as an export may hold it: masks for sealed values and for every personal value."""
    if value is None:
        return None
    if isinstance(value, SealedValue):
        return value.masked
    personal = PERSONAL_FIELDS.get(name)
    if personal in ("name", "phone") and value.strip():
        return mask_field(personal, value)
    return value


# a number said or typed: seven digits or more, Arabic or spoken (幺 两 洞 as callers say them), spaced or not
_DIGIT = "[0-9０-９零〇一二两三四五六七八九幺洞]"
_LONG_NUMBER = re.compile(rf"(?:{_DIGIT}[\s\-]*){{6,}}{_DIGIT}")


def _masked_transcript(feedback: PrefillFeedback) -> str:
    """The transcript with the caller's name and number starred wherever they stand, and every long number (a
    phone or ID number, however it was said) starred too."""
    return _mask_numbers(feedback.transcript, feedback)


def _mask_numbers(text: str, feedback: PrefillFeedback) -> str:
    """`text` with the caller's name and number of `feedback` starred, and every long number."""
    text = _LONG_NUMBER.sub(lambda m: "*" * len(m.group(0).split()), text)
    for name in ("caller_name", "caller_phone"):
        f = feedback.field(name)
        for value in (f.suggested, f.final) if f else ():
            if isinstance(value, str) and value.strip():
                text = text.replace(value.strip(), "*" * len(value.strip()))
                digits = normalise_phone(value) if name == "caller_phone" else ""
                if digits:
                    text = text.replace(digits, "*" * len(digits))
    return text


# the keys of a dev case's `expected` the order cannot tell: a reviewer sets them before the case joins a set
_UNKNOWN_TO_THE_ORDER = ("is_repeat", "keywords_any")


def disagreement_cases(items: Sequence[tuple[str, PrefillFeedback]]) -> list[dict[str, Any]]:
    """The orders where the agent disagreed with the pre-fill, as development cases in the dev set's form (see
    tests/data/prefill/README.md): `text` the transcript (masked) and `expected` with EVERY key a dev case has —
    the agent's final value of every form field, agreed or disputed (a field neither suggested nor filled is
    empty: None), and what follows from them (an order not accepted under 第13条(二) is an emergency; no case is
    anonymous). What the order cannot tell is listed under `review` with a placeholder (whether it is a repeat
    call, the keywords, which emergency line, and the personal values, which are masked: a reviewer restores them
    from the recording if the case is kept). Beside them: `prefill` (what was suggested, per field), `outcomes`
    (per field), `disputed` (the fields the agent changed, typed or emptied) and `evidence` (the words each disputed
    suggestion came from, masked like the text). Anonymous callers' orders carry no transcript and give no case."""
    cases: list[dict[str, Any]] = []
    for order_id, feedback in items:
        disputed = [f for f in feedback.fields if f.outcome is not FeedbackOutcome.ACCEPTED]
        if not disputed or feedback.anonymous or not feedback.transcript.strip():
            continue
        finals = {f.field: _shown(f.field, f.final) for f in feedback.fields}
        reason = finals.get("not_accepted_reason")
        reason_number = int(reason) if reason is not None and reason.strip().isdigit() else None
        emergency = reason_number == 2  # 第13条(二): transferred to 110/119/120/122
        expected: dict[str, Any] = {
            "category": _category_label(finals.get("category")),
            "surname": finals.get("caller_name"),
            "form_of_address": finals.get("form_of_address"),
            "phone": finals.get("caller_phone"),
            "district": finals.get("district"),
            "street": finals.get("street"),
            "is_anonymous": False,
            "is_emergency": emergency,
            "emergency_service": None,
            "not_accepted_reason": reason_number,
            "is_repeat": False,
            "is_urgent": (finals.get("urgency") or "").strip() in ("emergency", "紧急"),
            "summary_any": [],  # the agent's description is a whole text, not a word the summary must hold
            "keywords_any": [],
            "address_contains": finals.get("address"),
            "unit": finals.get("lead_unit"),
        }
        review = list(_UNKNOWN_TO_THE_ORDER)
        if emergency:
            review.append("emergency_service")
        review += [key for name, key in (("caller_name", "surname"), ("caller_phone", "phone"))
                   if finals.get(name)]  # masked: restored from the recording
        text = _masked_transcript(feedback)
        case = {"id": f"fb-{order_id}", "split": "feedback", "style": "vosk" if " " in text.strip() else "plain",
                "text": text, "expected": expected, "review": review,
                "prefill": {_DEV_KEYS.get(f.field, f.field): _shown(f.field, f.suggested) for f in feedback.fields},
                "outcomes": {f.field: f.outcome.value for f in feedback.fields},
                "disputed": [f.field for f in disputed],
                "evidence": {f.field: _mask_numbers(f.evidence, feedback) for f in disputed if f.evidence}}
        if finals.get("description"):
            case["description"] = finals["description"]  # the agent's own summary, for the reviewer
        cases.append(case)
    return cases


def _category_label(value: str | None) -> str | None:
    """The category as the dev set writes it (投诉), whether the form held its label or its code."""
    if value is None or not value.strip():
        return None
    try:
        return Category.parse(value.strip()).zh
    except InvalidCommand:
        return value.strip()
