"""Any interleaving of pre-fill suggestions, the agent's edits and acceptances, and a request for anonymity keeps
the agent's value: a suggestion never changes a field the agent typed or accepted, and what the agent owns is
exactly what a plain model of the rules says."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from agent_desktop.core.work_order import SealedValue
from agent_desktop.desk import events as ev
from agent_desktop.desk.calls import CallState
from agent_desktop.desk.form import DraftField, Sealing
from tests.agent_desktop.desk.desk_fixtures import CALL, CIPHER, seat_with_call_in

FIELDS = (DraftField.CALLER_NAME, DraftField.CALLER_PHONE, DraftField.DISTRICT, DraftField.DESCRIPTION)
VALUES = st.sampled_from(["岳麓区", "雨花区", "王小明", "13812348000", "", "楼道 灯 坏了"])

steps = st.lists(
    st.one_of(
        st.tuples(st.just("suggest"), st.sampled_from(FIELDS), st.one_of(st.none(), VALUES)),
        st.tuples(st.just("edit"), st.sampled_from(FIELDS), VALUES),
        st.tuples(st.just("accept"), st.sampled_from(FIELDS), st.none()),
        st.tuples(st.just("accept_all"), st.none(), st.none()),
        st.tuples(st.just("anonymous"), st.none(), st.none()),
    ),
    max_size=25,
)


def _plain(seat, field: DraftField, value) -> str | None:
    if value is None:
        return None
    sealing = Sealing(CIPHER, seat.call.order_id, seat.call.anonymous)
    return sealing.plain(field, value)


@settings(max_examples=150, deadline=None)
@given(steps)
def test_the_agents_value_always_wins(plan: list[tuple[str, DraftField | None, str | None]]) -> None:
    seat = seat_with_call_in(CallState.TALKING)
    owned: dict[DraftField, str] = {}  # the model: what the agent typed or accepted
    pending: dict[DraftField, str] = {}  # the suggestion shown beside the field
    offered: dict[DraftField, str] = {}  # the pre-fill's latest value: the same value re-derived is not news
    accepted: set[DraftField] = set()
    for kind, field, value in plan:
        if kind == "suggest":
            before = seat.call.field(field).value
            seat(ev.SuggestionsArrived(CALL, (ev.FieldSuggestion(field, value, value or ""),)))
            assert seat.call.field(field).value == before  # never applied, even sealed values stay the same
            text = (value or "").strip()
            if not text:
                pending.pop(field, None)
                if field not in accepted:
                    offered.pop(field, None)
            elif offered.get(field) == text:
                pass  # a later final result re-derived what the agent already saw (and took or replaced)
            elif owned.get(field) == text:
                pending.pop(field, None)
                offered[field] = text
            else:
                pending[field] = offered[field] = text
        elif kind == "edit":
            seat(ev.EditField(CALL, field, value))
            owned[field] = value
            accepted.discard(field)
            if pending.get(field) == value.strip():
                pending.pop(field)
        elif kind == "accept":
            if field not in pending:
                continue
            seat(ev.AcceptSuggestion(CALL, field))
            owned[field] = offered[field] = pending.pop(field)
            accepted.add(field)
        elif kind == "accept_all":
            seat(ev.AcceptAllSuggestions(CALL))
            for f in [f for f in pending if f not in owned]:
                owned[f] = offered[f] = pending.pop(f)
                accepted.add(f)
        else:
            seat(ev.MarkAnonymous(CALL))
        for f in FIELDS:
            entry = seat.call.field(f)
            assert _plain(seat, f, entry.value) == owned.get(f)
            suggestion = entry.suggestion
            assert (None if suggestion is None else _plain(seat, f, suggestion.value)) == pending.get(f)
            if seat.call.anonymous and f.personal_field:
                assert not (isinstance(entry.value, str) and entry.value.strip()), f"{f} is plain"
    if seat.call.anonymous:
        for f in (DraftField.CALLER_NAME, DraftField.CALLER_PHONE):
            value = seat.call.field(f).value
            assert value is None or isinstance(value, SealedValue) or not value.strip()
