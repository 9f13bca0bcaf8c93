"""The work-order form of one call: per field, the agent's own value and the pre-fill's pending suggestion.

Rules owned here:
- a field the agent typed or accepted is the agent's; a later suggestion never overwrites it. A suggestion that
  differs from the agent's value is kept beside it as a *new* suggestion (`FieldEntry.suggestion`), which the
  agent may accept; a suggestion equal to the agent's value is no news and is dropped;
- "accept all" takes the pending suggestions of the fields the agent has not touched, never one that would replace
  the agent's value;
- for an anonymous caller the personal fields (the caller's name and number) are held sealed — the form keeps
  `SealedValue`s (ciphertext + mask), never the plain text — and so are the suggestions for them; their evidence
  shows the mask only.

Values are the form's text (what the agent types); the session turns them into the order's typed values when the
draft is saved, through the core, which checks them.

Pure: the field cipher is a value handed in (sealing draws a random nonce, nothing else).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import StrEnum

from agent_desktop.core.errors import InvalidCommand
from agent_desktop.core.masks import mask_field
from agent_desktop.core.privacy import FieldCipher, open_sealed, seal
from agent_desktop.core.work_order import SealedValue


class DraftField(StrEnum):
    CALLER_NAME = "caller_name"  # the caller's name or surname (personal: Caller.name)
    CALLER_PHONE = "caller_phone"  # the number to call back (personal: Caller.phone)
    FORM_OF_ADDRESS = "form_of_address"  # 先生 / 女士
    CATEGORY = "category"  # 投诉 or complaint
    DISTRICT = "district"
    STREET = "street"
    ADDRESS = "address"  # where the matter is
    DESCRIPTION = "description"
    URGENCY = "urgency"  # normal / emergency
    LEAD_UNIT = "lead_unit"  # the unit to dispatch to
    NOT_ACCEPTED_REASON = "not_accepted_reason"  # 1–8 of 第13条

    @property
    def zh(self) -> str:
        return _FIELD_ZH[self]

    @property
    def personal_field(self) -> str | None:
        """The `Caller` personal field this form field holds, if any."""
        return _PERSONAL.get(self)


_FIELD_ZH = {
    DraftField.CALLER_NAME: "诉求人",
    DraftField.CALLER_PHONE: "联系电话",
    DraftField.FORM_OF_ADDRESS: "称呼",
    DraftField.CATEGORY: "诉求类型",
    DraftField.DISTRICT: "区县",
    DraftField.STREET: "街道",
    DraftField.ADDRESS: "地址",
    DraftField.DESCRIPTION: "诉求内容",
    DraftField.URGENCY: "紧急程度",
    DraftField.LEAD_UNIT: "承办单位",
    DraftField.NOT_ACCEPTED_REASON: "不予受理理由",
}

_PERSONAL = {DraftField.CALLER_NAME: "name", DraftField.CALLER_PHONE: "phone"}

FieldValue = str | SealedValue


class ValueOrigin(StrEnum):
    TYPED = "typed"
    ACCEPTED = "accepted"  # a suggestion the agent took


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A pre-fill suggestion for one field, with the words of the transcript it came from."""

    field: DraftField
    value: FieldValue
    evidence: str = ""

    @property
    def shown(self) -> str:
        return _shown(self.value)


@dataclass(frozen=True, slots=True)
class FieldEntry:
    field: DraftField
    value: FieldValue | None = None  # the agent's value; None: the agent has not touched the field
    origin: ValueOrigin | None = None
    suggestion: Suggestion | None = None  # pending: shown, not applied
    # the pre-fill's latest suggestion for the field, kept after the agent took or replaced it: what the order's
    # pre-fill feedback compares the agent's value with (never shown)
    offered: Suggestion | None = None

    @property
    def is_agents(self) -> bool:
        return self.origin is not None

    @property
    def shown(self) -> str:
        """What the form's box shows: the agent's value (masked when sealed); "" when the agent has none."""
        return "" if self.value is None else _shown(self.value)

    @property
    def is_new_suggestion(self) -> bool:
        """A suggestion that disagrees with a value the agent already owns."""
        return self.suggestion is not None and self.is_agents


Form = tuple[FieldEntry, ...]

EMPTY_FORM: Form = tuple(FieldEntry(f) for f in DraftField)


def _shown(value: FieldValue) -> str:
    return value.masked if isinstance(value, SealedValue) else value


@dataclass(frozen=True, slots=True)
class Sealing:
    """How personal values are protected in one draft: sealed for an anonymous caller, under the order's id."""

    cipher: FieldCipher
    order_id: str
    anonymous: bool

    def protect(self, field: DraftField, value: FieldValue) -> FieldValue:
        personal = field.personal_field
        if not self.anonymous or personal is None or isinstance(value, SealedValue):
            return value
        if not value.strip():
            return value  # nothing to hide; an empty box stays empty
        return seal(self.cipher, value, order_id=self.order_id, field=personal)

    def plain(self, field: DraftField, value: FieldValue) -> str:
        """For comparing values only (machine use); never rendered."""
        if isinstance(value, SealedValue):
            personal = field.personal_field
            assert personal is not None, "only personal fields are ever sealed"
            return open_sealed(self.cipher, value, order_id=self.order_id, field=personal)
        return value

    def evidence(self, field: DraftField, value: str, evidence: str) -> str:
        if self.anonymous and field.personal_field is not None:
            return mask_field(field.personal_field, value) if value.strip() else ""
        return evidence


def entry(form: Form, field: DraftField) -> FieldEntry:
    return form[_INDEX[field]]


_INDEX = {f: i for i, f in enumerate(DraftField)}


def _put(form: Form, new: FieldEntry) -> Form:
    i = _INDEX[new.field]
    return (*form[:i], new, *form[i + 1 :])


def suggest(form: Form, field: DraftField, value: str | None, evidence: str, sealing: Sealing) -> Form:
    """A suggestion arrived. `value` None or blank withdraws a pending suggestion (the agent's value stays)."""
    current = entry(form, field)
    if value is None or not value.strip():
        # withdrawn: no longer suggested, unless the agent took it already (then the agent's value came from it)
        offered = current.offered if current.origin is ValueOrigin.ACCEPTED else None
        if current.suggestion is None and offered is current.offered:
            return form
        return _put(form, replace(current, suggestion=None, offered=offered))
    value = value.strip()
    if current.offered is not None and sealing.plain(field, current.offered.value) == value \
            and (current.suggestion is None or current.suggestion == current.offered):
        return form  # the same suggestion again (a later final result re-derived it)
    shown_evidence = sealing.evidence(field, value, evidence)
    suggestion = Suggestion(field, sealing.protect(field, value), shown_evidence)
    if current.is_agents and current.value is not None and sealing.plain(field, current.value) == value:
        # the pre-fill now agrees with the agent: nothing new to show
        return _put(form, replace(current, suggestion=None, offered=suggestion))
    return _put(form, replace(current, suggestion=suggestion, offered=suggestion))


def edit(form: Form, field: DraftField, text: str, sealing: Sealing) -> Form:
    """The agent typed `text` (possibly empty: the agent cleared the box, which is still the agent's value)."""
    if not isinstance(text, str):
        raise InvalidCommand(f"the {field.value} field takes text", code="bad_value")
    current = entry(form, field)
    value = sealing.protect(field, text)
    suggestion = current.suggestion
    if suggestion is not None and sealing.plain(field, suggestion.value) == text.strip():
        suggestion = None  # the agent typed what was suggested
    return _put(form, replace(current, value=value, origin=ValueOrigin.TYPED, suggestion=suggestion))


def accept(form: Form, field: DraftField) -> Form:
    current = entry(form, field)
    if current.suggestion is None:
        raise InvalidCommand(f"there is no suggestion for {field.value} to accept", code="no_suggestion",
                             details={"field": field.value})
    return _put(form, FieldEntry(field, current.suggestion.value, ValueOrigin.ACCEPTED, None, current.suggestion))


def accept_all(form: Form) -> Form:
    """Accept every pending suggestion of a field the agent has not touched."""
    for current in form:
        if current.suggestion is not None and not current.is_agents:
            form = accept(form, current.field)
    return form


def seal_personal(form: Form, sealing: Sealing) -> Form:
    """The caller became anonymous: seal the personal values and suggestions already in the form."""
    out = []
    for current in form:
        if current.field.personal_field is None:
            out.append(current)
            continue
        value = sealing.protect(current.field, current.value) if current.value is not None else None
        offered = _sealed(current.offered, sealing)
        suggestion = offered if current.suggestion is not None and current.suggestion == current.offered \
            else _sealed(current.suggestion, sealing)
        out.append(replace(current, value=value, suggestion=suggestion, offered=offered))
    return tuple(out)


def _sealed(suggestion: Suggestion | None, sealing: Sealing) -> Suggestion | None:
    if suggestion is None:
        return None
    plain = sealing.plain(suggestion.field, suggestion.value)
    return Suggestion(suggestion.field, sealing.protect(suggestion.field, plain),
                      sealing.evidence(suggestion.field, plain, suggestion.evidence))


def agents_values(form: Form) -> dict[DraftField, FieldValue]:
    """The values the agent owns (typed or accepted): what a saved order is made of."""
    return {e.field: e.value for e in form if e.is_agents and e.value is not None}


def has_content(form: Form) -> bool:
    return any(e.is_agents or e.suggestion is not None for e in form)


def personal_evidence(form: Form, sealing: Sealing) -> Iterable[str]:
    """The source words of suggestions for personal fields, while still plain (before sealing)."""
    for current in form:
        s = current.suggestion
        if current.field.personal_field is not None and s is not None and s.evidence and isinstance(s.value, str):
            yield s.evidence
