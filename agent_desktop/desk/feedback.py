"""The pre-fill feedback of a call's order, made when the order is saved (`core.prefill_feedback`).

Per form field: the pre-fill's latest suggestion (`FieldEntry.offered`, kept after the agent took or replaced it),
the value the order is saved with, and the outcome. Values are compared as the order uses them (a category's code
or label, a phone number's digits, the urgency's words). For an anonymous caller the name, number and address are
sealed for the order (the form holds the first two sealed already), their evidence is dropped and no transcript is
sent. Nothing here reaches the agent's screen.

Pure: the core and the form only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from agent_desktop.core.errors import InvalidCommand
from agent_desktop.core.masks import normalise_phone
from agent_desktop.core.prefill_feedback import (
    MAX_EVIDENCE_CHARS,
    MAX_TRANSCRIPT_CHARS,
    MAX_VALUE_CHARS,
    PERSONAL_FIELDS,
    FieldFeedback,
    PrefillFeedback,
    feedback_to_dict,
    outcome_of,
)
from agent_desktop.core.privacy import seal
from agent_desktop.core.work_order import Category
from agent_desktop.desk.form import DraftField, FieldValue, Form, Sealing

SHORT_VALUE_CHARS = 200
_URGENCY_WORDS = {"": "normal", "normal": "normal", "一般": "normal", "普通": "normal", "emergency": "emergency",
                  "紧急": "emergency"}


def _meaning(field: DraftField, text: str) -> str:
    text = text.strip()
    if field is DraftField.CATEGORY:
        try:
            return Category.parse(text).value
        except InvalidCommand:
            return text
    if field is DraftField.CALLER_PHONE:
        return normalise_phone(text) or text
    if field is DraftField.URGENCY:
        return _URGENCY_WORDS.get(text, text)
    return text


def build_feedback(form: Form, sealing: Sealing, *, finals: tuple[str, ...] = (),
                   overrides: Mapping[DraftField, str] | None = None) -> PrefillFeedback | None:
    """The feedback of the form as saved now. `overrides`: final values the save step takes from elsewhere than
    the form (the lead unit named in the dispatch, the reason chosen when not accepting). None when the pre-fill
    suggested nothing at all (no pre-fill ran: nothing to learn)."""
    if not any(e.offered is not None for e in form):
        return None
    overrides = overrides or {}
    fields: list[FieldFeedback] = []
    for entry in form:
        name = entry.field
        suggested = sealing.plain(name, entry.offered.value) if entry.offered is not None else None
        final: str | None
        if name in overrides:
            final = overrides[name]
        elif entry.is_agents and entry.value is not None:
            final = sealing.plain(name, entry.value)
        else:
            final = None
        same = suggested is not None and final is not None and _meaning(name, suggested) == _meaning(name, final)
        outcome = outcome_of(suggested, final, same)
        if outcome is None:
            continue
        evidence = entry.offered.evidence if entry.offered is not None else ""
        fields.append(FieldFeedback(name.value, outcome, _out(name, suggested, sealing),
                                    _out(name, final, sealing), "" if _hidden(name, sealing) else
                                    evidence[:MAX_EVIDENCE_CHARS]))
    transcript = "" if sealing.anonymous else _clip(" ".join(finals), MAX_TRANSCRIPT_CHARS)
    feedback = PrefillFeedback(sealing.anonymous, tuple(fields), transcript)
    try:
        feedback_to_dict(feedback)
    except InvalidCommand:
        # over the size limit only with very long texts: keep the outcomes, shorten what they are about
        feedback = PrefillFeedback(sealing.anonymous, tuple(
            replace(f, suggested=_short(f.suggested), final=_short(f.final)) for f in fields))
    return feedback


def _short(value: FieldValue | None) -> FieldValue | None:
    return _clip(value, SHORT_VALUE_CHARS) if isinstance(value, str) else value


def _hidden(name: DraftField, sealing: Sealing) -> bool:
    return sealing.anonymous and name.value in PERSONAL_FIELDS


def _out(name: DraftField, value: str | None, sealing: Sealing) -> FieldValue | None:
    if value is None or not value.strip():
        return None
    if _hidden(name, sealing):
        return seal(sealing.cipher, value.strip(), order_id=sealing.order_id, field=PERSONAL_FIELDS[name.value])
    return _clip(value, MAX_VALUE_CHARS)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit]
