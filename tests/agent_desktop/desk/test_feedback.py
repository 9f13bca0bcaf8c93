"""The pre-fill feedback the seat session attaches to a saved order (issue 14 part 3): per field what was suggested
last, what the order holds and the outcome; sealed and without transcript or evidence for an anonymous caller; kept
across a crash in the autosaved draft; never on the agent's screen (the form's entries show what they showed)."""

from __future__ import annotations

from agent_desktop.core.prefill_feedback import (
    FORM_FIELDS,
    PERSONAL_FIELDS,
    FeedbackOutcome,
    feedback_from_dict,
    feedback_to_dict,
)
from agent_desktop.core.privacy import open_sealed
from agent_desktop.core.work_order import NotAcceptedReason, SealedValue
from agent_desktop.desk import events as ev
from agent_desktop.desk.calls import CallState
from agent_desktop.desk.form import DraftField
from agent_desktop.desk.intents import ApplyOrderCommand, AutosaveDraft, OpenOrder
from agent_desktop.desk.records import draft_from_json, draft_to_json
from tests.agent_desktop.desk.desk_fixtures import CALL, CIPHER, NUMBER, seat_with_call_in

F = DraftField
Out = FeedbackOutcome
LEAD = "岳麓区人民政府"


def _suggest(*pairs: tuple[DraftField, str | None]) -> ev.SuggestionsArrived:
    return ev.SuggestionsArrived(CALL, tuple(ev.FieldSuggestion(f, v, f"说 {v}") for f, v in pairs))


def _saved(intents: list) -> tuple[list, object]:
    steps = [i for i in intents if isinstance(i, OpenOrder | ApplyOrderCommand)]
    return steps, steps[-1].feedback


def test_the_form_fields_are_the_feedback_fields() -> None:
    assert tuple(f.value for f in DraftField) == FORM_FIELDS
    assert {F(k).personal_field for k in PERSONAL_FIELDS} - {None} == {"name", "phone"}  # address: sealed here


def test_each_outcome_from_what_the_agent_did() -> None:
    seat = seat_with_call_in(CallState.TALKING)
    seat(ev.TranscriptFinal(CALL, "我 姓 王 岳麓区 麓山 南路 停水 了"))
    seat(_suggest((F.CATEGORY, "投诉"), (F.DISTRICT, "岳麓区"), (F.STREET, "岳麓街道"), (F.CALLER_NAME, "王"),
                  (F.DESCRIPTION, "麓山南路停水"), (F.LEAD_UNIT, "长沙水业集团")))
    seat(ev.AcceptSuggestion(CALL, F.DISTRICT))  # taken with a click
    seat(ev.EditField(CALL, F.CALLER_NAME, "王"))  # typed the same: the pre-fill was right
    seat(ev.AcceptSuggestion(CALL, F.CATEGORY))
    seat(_suggest((F.CATEGORY, "咨询")))  # the pre-fill changed its mind after the agent took 投诉
    seat(ev.EditField(CALL, F.CATEGORY, "complaint"))  # the code of 投诉: the same category, so the last one is wrong
    seat(ev.EditField(CALL, F.DESCRIPTION, "麓山南路一带停水半天"))
    seat(ev.EditField(CALL, F.FORM_OF_ADDRESS, "先生"))  # nothing suggested
    seat(ev.EditField(CALL, F.STREET, ""))  # suggested, and the agent cleared it
    seat(_suggest((F.URGENCY, "emergency")))
    seat(_suggest((F.URGENCY, None)))  # withdrawn before anyone took it: never suggested
    seat(ev.CallEnded(CALL))
    steps, feedback = _saved(seat(ev.DispatchOrder(CALL, lead_unit=LEAD)))  # not the suggested unit
    assert all(s.feedback is None for s in steps[:-1])  # only the last step of the save carries it
    outcomes = {f.field: f.outcome for f in feedback.fields}
    assert outcomes == {"district": Out.ACCEPTED, "caller_name": Out.ACCEPTED, "category": Out.OVERRIDDEN,
                        "description": Out.OVERRIDDEN, "form_of_address": Out.TYPED, "street": Out.IGNORED,
                        "lead_unit": Out.OVERRIDDEN}
    lead = feedback.field("lead_unit")
    assert (lead.suggested, lead.final, lead.evidence) == ("长沙水业集团", LEAD, "说 长沙水业集团")
    assert feedback.field("category").suggested == "咨询"
    assert not feedback.anonymous and feedback.transcript == "我 姓 王 岳麓区 麓山 南路 停水 了"
    assert feedback_from_dict(feedback_to_dict(feedback)) == feedback


def test_not_accepting_records_the_reason_chosen() -> None:
    seat = seat_with_call_in(CallState.TALKING)
    seat(_suggest((F.NOT_ACCEPTED_REASON, "2"), (F.DESCRIPTION, "邻居 吵架")))
    seat(ev.AcceptSuggestion(CALL, F.DESCRIPTION))
    seat(ev.CallEnded(CALL))
    _, feedback = _saved(seat(ev.NotAcceptOrder(CALL, NotAcceptedReason(4))))
    reason = feedback.field("not_accepted_reason")
    assert (reason.suggested, reason.final, reason.outcome) == ("2", "4", Out.OVERRIDDEN)


def test_no_pre_fill_no_feedback() -> None:
    seat = seat_with_call_in(CallState.TALKING)
    seat(ev.EditField(CALL, F.DESCRIPTION, "咨询 公积金"))
    seat(ev.EditField(CALL, F.CATEGORY, "咨询"))
    steps, feedback = _saved(seat(ev.SaveDraft(CALL)))
    assert feedback is None and steps


def test_an_anonymous_callers_feedback_holds_sealed_values_only() -> None:
    seat = seat_with_call_in(CallState.TALKING)
    seat(ev.TranscriptFinal(CALL, f"我 姓 李 电话 {NUMBER} 住 在 枫林 路 八号"))
    seat(_suggest((F.CALLER_NAME, "李"), (F.CALLER_PHONE, NUMBER), (F.ADDRESS, "枫林路8号"),
                  (F.CATEGORY, "举报")))
    seat(ev.MarkAnonymous(CALL))
    seat(ev.AcceptAllSuggestions(CALL))
    seat(ev.EditField(CALL, F.CALLER_NAME, "李四"))
    seat(ev.EditField(CALL, F.DESCRIPTION, "举报 噪音"))
    seat(ev.CallEnded(CALL))
    _, feedback = _saved(seat(ev.SaveDraft(CALL)))
    assert feedback.anonymous and feedback.transcript == ""
    order_id = seat.state.orders[-1].order_id
    for name, personal in PERSONAL_FIELDS.items():
        f = feedback.field(name)
        assert isinstance(f.suggested, SealedValue) and isinstance(f.final, SealedValue) and f.evidence == ""
        assert open_sealed(CIPHER, f.final, order_id=order_id, field=personal)  # sealed for this order and field
    assert feedback.field("caller_name").outcome is Out.OVERRIDDEN
    assert feedback.field("caller_phone").outcome is Out.ACCEPTED
    text = str(feedback_to_dict(feedback))
    assert NUMBER not in text and "枫林路8号" not in text and "李四" not in text
    assert feedback.field("category").evidence == "说 举报"  # non-personal evidence stays


def test_the_last_suggestion_survives_a_crash_in_the_draft() -> None:
    seat = seat_with_call_in(CallState.TALKING)
    seat(_suggest((F.CATEGORY, "求助")))
    seat(ev.AcceptSuggestion(CALL, F.CATEGORY))
    seat(ev.EditField(CALL, F.DESCRIPTION, "停电"))
    seat(ev.Tick(), after_s=6)
    record = seat.of(AutosaveDraft)[-1].record
    restored = draft_from_json(draft_to_json(record))
    category = next(e for e in restored.form if e.field is F.CATEGORY)
    assert category.offered is not None and category.offered.value == "求助" and category.suggestion is None
