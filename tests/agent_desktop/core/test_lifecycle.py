"""The lifecycle: every entry of the transition table taken, every other (state, action) refused, every role
outside an entry refused, and each rule's time window and required field checked at its boundary."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from agent_desktop.core import lifecycle as lc
from agent_desktop.core.errors import InvalidCommand, PrivacyError, TransitionRefused
from agent_desktop.core.roles import Actor, Role
from agent_desktop.core.work_order import (
    AppealReason,
    Caller,
    CallLink,
    Category,
    Channel,
    CompletionOutcome,
    NotAcceptedReason,
    OrderState,
    Rating,
    RequestState,
    RevisitChannel,
    SealedValue,
    SupervisionMeans,
    SupervisionTrigger,
    Urgency,
)
from tests.agent_desktop.core.lifecycle_fixtures import (
    AGENT,
    ALL_ACTORS,
    CTX,
    LEAD,
    LEADER,
    SUPERVISOR,
    SYSTEM,
    T0,
    UNIT_LEAD,
    UNIT_OTHER,
    allowed_actor,
    at,
    opened,
    report,
    step,
    valid_command,
    walk,
)

NEEDS_OPEN_SUPERVISION = {lc.Action.ESCALATE_SUPERVISION, lc.Action.CLOSE_SUPERVISION}


def _table_cases():
    return [pytest.param(t, id=f"{t.source.value}-{t.action.value}") for t in lc.TRANSITIONS.values()]


# --- the table, walked -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("transition", _table_cases())
def test_every_table_entry_is_taken_by_an_allowed_role(transition: lc.Transition) -> None:
    order, now = walk(transition.source)
    if transition.action in NEEDS_OPEN_SUPERVISION:
        order = step(order, lc.OpenSupervision(SupervisionTrigger.MEDIA_EXPOSURE, SupervisionMeans.LETTER),
                     SUPERVISOR, now)
        record = order.supervisions[-1]
        assert record.deadline is not None
        now = record.deadline + timedelta(minutes=1)
        command: lc.Command = (
            lc.EscalateSupervision(record.record_id)
            if transition.action is lc.Action.ESCALATE_SUPERVISION
            else lc.CloseSupervision(record.record_id, "已整改")
        )
    else:
        command, now = valid_command(transition.action, order, now)
    actor = allowed_actor(transition, order)

    after = lc.apply(order, command, actor, now, CTX)

    assert after.state in transition.targets
    assert len(after.history) == len(order.history) + 1
    entry = after.history[-1]
    assert (entry.action, entry.actor_id, entry.role, entry.at) == (transition.action.value, actor.user_id,
                                                                    actor.role, now)
    assert entry.changes, "every step records what it changed"
    assert order.history == after.history[:-1], "history is append-only"


ALL_STATES = list(OrderState)


@pytest.mark.parametrize("state", ALL_STATES, ids=[s.value for s in ALL_STATES])
def test_every_action_outside_the_table_is_refused_and_changes_nothing(state: OrderState) -> None:
    order, now = walk(state)
    refused = [a for a in lc.Action if a is not lc.Action.OPEN and (state, a) not in lc.TRANSITIONS]
    assert refused, "every state refuses something"
    for action in refused:
        command = lc.COMMAND_TYPES[action]
        with pytest.raises(TransitionRefused) as info:
            lc.apply(order, _any_instance(command), SUPERVISOR, now, CTX)
        assert info.value.code == "wrong_state", action
        assert info.value.details["state"] == state.value


def _any_instance(command_type: type[lc.Command]) -> lc.Command:
    """Any instance: the state check comes before the command's own fields are looked at."""
    samples: dict[type, lc.Command] = {
        lc.EditFields: lc.EditFields({}),
        lc.LinkCall: lc.LinkCall(CallLink("x")),
        lc.NotAccept: lc.NotAccept(NotAcceptedReason.OTHER_BY_LAW),
        lc.AnswerOnLine: lc.AnswerOnLine("a"),
        lc.PromiseReply: lc.PromiseReply(True),
        lc.RecordReply: lc.RecordReply(lc.ReplyMeans.SMS, "t"),
        lc.Dispatch: lc.Dispatch(LEAD),
        lc.RequestReturn: lc.RequestReturn("r"),
        lc.ReferToCoordination: lc.ReferToCoordination("r"),
        lc.DecideCoordination: lc.DecideCoordination(LEAD, ("k",)),
        lc.RequestExtension: lc.RequestExtension(1, "r"),
        lc.ReportCompletion: lc.ReportCompletion(report(T0)),
        lc.RecordResponse: lc.RecordResponse("已联系"),
        lc.RecordRating: lc.RecordRating(Rating.SATISFIED),
        lc.FailAutomatedVisit: lc.FailAutomatedVisit("空号"),
        lc.ChangeRating: lc.ChangeRating(Rating.SATISFIED, "r"),
        lc.SendBackForRedo: lc.SendBackForRedo("r"),
        lc.FileAppeal: lc.FileAppeal(AppealReason.VISITOR_LED_CALLER, ("e",)),
        lc.DecideAppeal: lc.DecideAppeal(True),
        lc.OpenSupervision: lc.OpenSupervision(SupervisionTrigger.OTHER_BY_LAW, SupervisionMeans.OTHER),
        lc.EscalateSupervision: lc.EscalateSupervision("x"),
        lc.CloseSupervision: lc.CloseSupervision("x", "o"),
    }
    return samples.get(command_type) or command_type()


@pytest.mark.parametrize("transition", _table_cases())
def test_every_role_outside_a_table_entry_is_refused(transition: lc.Transition) -> None:
    order, now = walk(transition.source)
    if transition.action is lc.Action.ESCALATE_SUPERVISION:
        command: lc.Command = lc.EscalateSupervision("WO-1-S1")
    elif transition.action is lc.Action.CLOSE_SUPERVISION:
        command = lc.CloseSupervision("WO-1-S1", "o")
    else:
        command, now = valid_command(transition.action, order, now)
    for actor in ALL_ACTORS:
        if actor.role in transition.roles:
            continue
        with pytest.raises(TransitionRefused) as info:
            lc.apply(order, command, actor, now, CTX)
        assert info.value.code == "role_not_allowed"
        assert info.value.article == transition.article


def test_the_table_is_total_over_the_handlers_and_commands() -> None:
    actions = {t.action for t in lc.TRANSITIONS.values()}
    assert actions == set(lc.Action) - {lc.Action.OPEN}
    assert set(lc.COMMAND_TYPES) == actions
    for transition in lc.TRANSITIONS.values():
        assert transition.article.startswith("第")


def test_terminal_states_accept_nothing_but_nothing_is_a_dead_end_otherwise() -> None:
    sources = {t.source for t in lc.TRANSITIONS.values() if t.targets != frozenset({t.source})}
    for state in OrderState:
        if state in (OrderState.NOT_ACCEPTED, OrderState.ANSWERED_ON_LINE, OrderState.REPLIED):
            assert not any(s is state for s, _ in lc.TRANSITIONS)
        elif state is not OrderState.CLOSED:
            assert state in sources, f"{state} has no way out"


def test_allowed_actions_follow_role_and_lead_unit() -> None:
    order, _ = walk(OrderState.SIGNED)
    assert set(lc.allowed_actions(order, UNIT_LEAD)) == {
        lc.Action.REQUEST_RETURN, lc.Action.REQUEST_EXTENSION, lc.Action.REPORT_COMPLETION, lc.Action.LINK_CALL,
        lc.Action.RECORD_RESPONSE,
    }
    assert lc.Action.REPORT_COMPLETION not in lc.allowed_actions(order, UNIT_OTHER)
    assert lc.Action.OPEN_SUPERVISION in lc.allowed_actions(order, SUPERVISOR)
    assert lc.allowed_actions(order, AGENT) == (lc.Action.LINK_CALL,)


# --- intake ------------------------------------------------------------------------------------------------------


def test_open_records_the_seat_and_a_leader_seat_tags_its_unit() -> None:
    order = lc.open_work_order("WO-9", channel=Channel.PHONE, actor=LEADER, now=T0)
    assert order.state is OrderState.INTAKE
    assert order.taken_by_unit == "市住建局"
    assert order.history[0].action == "open" and order.history[0].seat == "L01"


def test_open_refuses_units_and_bad_input() -> None:
    with pytest.raises(TransitionRefused):
        lc.open_work_order("WO-9", channel=Channel.PHONE, actor=UNIT_LEAD, now=T0)
    with pytest.raises(InvalidCommand):
        lc.open_work_order(" ", channel=Channel.PHONE, actor=AGENT, now=T0)
    with pytest.raises(InvalidCommand, match="time zone"):
        lc.open_work_order("WO-9", channel=Channel.PHONE, actor=AGENT, now=T0.replace(tzinfo=None))


def test_non_acceptance_without_a_reason_is_refused() -> None:
    with pytest.raises(TransitionRefused) as info:
        step(opened(), lc.NotAccept(None), AGENT, T0)
    assert info.value.code == "not_accept_reason_required"
    assert "第13" in info.value.article


@pytest.mark.parametrize("reason", list(NotAcceptedReason))
def test_non_acceptance_keeps_the_reason_and_reads_its_basis(reason: NotAcceptedReason) -> None:
    order = step(opened(), lc.NotAccept(reason), AGENT, T0)
    assert order.state is OrderState.NOT_ACCEPTED
    assert order.not_accepted_reason is reason
    assert order.not_accepted_basis == reason.basis
    assert "第十三条" in order.not_accepted_basis


def test_non_acceptance_basis_can_be_worded_by_the_agent() -> None:
    order = step(opened(), lc.NotAccept(NotAcceptedReason.OTHER_LEGAL_CHANNEL, "该事项已进入诉讼程序"), AGENT, T0)
    assert order.not_accepted_basis == "该事项已进入诉讼程序"


def test_a_later_reply_needs_consent_and_is_due_in_one_working_day() -> None:
    with pytest.raises(TransitionRefused) as info:
        step(opened(), lc.PromiseReply(caller_consents=False), AGENT, T0)
    assert info.value.code == "consent_required"
    order = step(opened(), lc.PromiseReply(caller_consents=True), AGENT, T0)
    assert order.reply_due == at("2026-09-29", "17:30")


def test_a_reply_promised_before_national_day_is_due_after_it() -> None:
    order = step(opened(now=at("2026-09-30", "16:00")), lc.PromiseReply(True), AGENT, at("2026-09-30", "16:00"))
    assert order.reply_due == at("2026-10-08", "17:30")


def test_a_late_reply_is_recorded_as_late() -> None:
    order = step(opened(), lc.PromiseReply(True), AGENT, T0)
    order = step(order, lc.RecordReply(lc.ReplyMeans.THREE_WAY, "三方通话答复"), AGENT, at("2026-09-30"))
    assert order.state is OrderState.REPLIED
    assert "late" in order.history[-1].note


def test_dispatch_needs_category_description_and_a_lead_unit() -> None:
    bare = lc.open_work_order("WO-2", channel=Channel.WEB, actor=AGENT, now=T0)
    with pytest.raises(InvalidCommand, match="category"):
        step(bare, lc.Dispatch(LEAD), AGENT, T0)
    with_category = step(bare, lc.EditFields({"category": Category.HELP}), AGENT, T0)
    with pytest.raises(InvalidCommand, match="describe"):
        step(with_category, lc.Dispatch(LEAD), AGENT, T0)
    with pytest.raises(InvalidCommand, match="lead unit"):
        step(opened(), lc.Dispatch(" "), AGENT, T0)
    with pytest.raises(InvalidCommand, match="both"):
        step(opened(), lc.Dispatch(LEAD, (LEAD,)), AGENT, T0)


def test_dispatch_sets_lead_co_units_and_the_sign_deadline_of_the_next_working_day() -> None:
    order = step(opened(), lc.Dispatch(LEAD, ("市城管执法局", "市城管执法局", " ")), AGENT, T0)
    assert order.lead_unit == LEAD and order.co_units == ("市城管执法局",)
    assert order.units() == (LEAD, "市城管执法局")
    assert order.sign_due == at("2026-09-29", "17:30")


def test_dispatch_on_the_eve_of_national_day_is_signed_after_the_holiday() -> None:
    now = at("2026-09-30", "15:00")
    order = step(opened(now=now), lc.Dispatch(LEAD), AGENT, now)
    assert order.sign_due == at("2026-10-08", "17:30")


def test_edit_refuses_unknown_fields_and_bad_limits() -> None:
    with pytest.raises(InvalidCommand, match="cannot edit"):
        step(opened(), lc.EditFields({"state": "closed"}), AGENT, T0)
    with pytest.raises(InvalidCommand, match="legal_limit_wd"):
        step(opened(), lc.EditFields({"legal_limit_wd": 0}), AGENT, T0)
    with pytest.raises(InvalidCommand, match="Caller"):
        step(opened(), lc.EditFields({"caller": "张三"}), AGENT, T0)
    with pytest.raises(InvalidCommand, match="unknown category"):
        step(opened(), lc.EditFields({"category": "gossip"}), AGENT, T0)


def test_an_anonymous_caller_must_be_sealed_before_it_is_stored() -> None:
    plain = Caller(name="张三", phone="13812348000", is_anonymous=True)
    with pytest.raises(PrivacyError):
        step(opened(), lc.EditFields({"caller": plain}), AGENT, T0)
    with pytest.raises(PrivacyError):
        lc.open_work_order("WO-3", channel=Channel.PHONE, actor=AGENT, now=T0, caller=plain)
    sealed = Caller(phone=SealedValue("v1:abc", "138****8000"), is_anonymous=True)
    order = step(opened(), lc.EditFields({"caller": sealed}), AGENT, T0)
    assert "13812348000" not in repr(order.history)
    assert "138****8000" in order.history[-1].changes[0][2]


def test_steps_cannot_go_back_in_time_or_take_naive_times() -> None:
    order = opened()
    with pytest.raises(InvalidCommand, match="before"):
        step(order, lc.Dispatch(LEAD), AGENT, T0 - timedelta(seconds=1))
    with pytest.raises(InvalidCommand, match="time zone"):
        step(order, lc.Dispatch(LEAD), AGENT, T0.replace(tzinfo=None))
    with pytest.raises(InvalidCommand, match="not a lifecycle command"):
        lc.apply(order, "dispatch", AGENT, T0, CTX)  # type: ignore[arg-type]


def test_link_call_adds_a_recording_to_a_known_call_and_refuses_duplicates() -> None:
    order = opened()
    with pytest.raises(InvalidCommand, match="already linked"):
        step(order, lc.LinkCall(CallLink("1727488800.11")), AGENT, T0)
    order = step(order, lc.LinkCall(CallLink("1727488800.11", recording="q-20260928-100000.wav")), SYSTEM, T0)
    assert order.calls[0].recording == "q-20260928-100000.wav"
    assert len(order.calls) == 1
    with pytest.raises(InvalidCommand, match="uniqueid"):
        step(order, lc.LinkCall(CallLink("")), SYSTEM, T0)


# --- sign, handling limit, return ----------------------------------------------------------------------------------


def test_sign_starts_the_handling_limit_by_category() -> None:
    order, now = walk(OrderState.SIGNED)  # complaint signed 2026-09-29 09:00
    assert order.signed_at == now
    assert order.due == at("2026-10-19", "17:30"), "10 WD across National Day and its adjusted Saturday"
    assert order.return_due == at("2026-10-08", "17:30")


def test_consultation_is_due_in_three_working_days() -> None:
    order = step(opened(category=Category.CONSULTATION), lc.Dispatch(LEAD), AGENT, T0)
    order = step(order, lc.Sign(), UNIT_LEAD, at("2026-09-29", "09:00"))
    assert order.due == at("2026-10-09", "17:30")  # 09-30, 10-08, 10-09


def test_a_legal_limit_overrides_the_category_limit() -> None:
    order = step(opened(), lc.EditFields({"legal_limit_wd": 20}), AGENT, T0)
    order = step(order, lc.Dispatch(LEAD), AGENT, T0)
    order = step(order, lc.Sign(), UNIT_LEAD, at("2026-09-29", "09:00"))
    assert CTX.calendar.working_days_between(date(2026, 9, 29), order.due.date()) == 20


def test_only_the_lead_unit_signs() -> None:
    order, now = walk(OrderState.DISPATCHED)
    with pytest.raises(TransitionRefused) as info:
        step(order, lc.Sign(), Actor("u", Role.UNIT, unit="市城管执法局"), now)
    assert info.value.code == "not_lead_unit"


def test_a_late_sign_is_accepted_and_recorded_late() -> None:
    order, _ = walk(OrderState.DISPATCHED)
    order = step(order, lc.Sign(), UNIT_LEAD, at("2026-09-30", "09:00"))
    assert order.state is OrderState.SIGNED
    assert order.history[-1].note.startswith("late")


def test_a_return_request_inside_its_window_is_accepted_up_to_the_last_minute() -> None:
    order, _ = walk(OrderState.SIGNED)
    order = step(order, lc.RequestReturn("属于市住建局职责"), UNIT_LEAD, at("2026-10-08", "17:30"))
    assert order.state is OrderState.RETURN_REQUESTED
    assert order.returns[-1].unit == LEAD and order.returns[-1].state is RequestState.PENDING


def test_a_return_request_outside_its_window_is_refused() -> None:
    order, _ = walk(OrderState.SIGNED)
    with pytest.raises(TransitionRefused) as info:
        step(order, lc.RequestReturn("属于市住建局职责"), UNIT_LEAD, at("2026-10-08", "17:31"))
    assert info.value.code == "return_window_closed"
    assert info.value.article == "第17条"
    assert info.value.deadline == "2026-10-08T17:30:00+08:00"


def test_a_return_request_needs_a_reason() -> None:
    order, now = walk(OrderState.SIGNED)
    with pytest.raises(TransitionRefused) as info:
        step(order, lc.RequestReturn("  "), UNIT_LEAD, now)
    assert info.value.code == "reason_required"


def test_an_approved_return_goes_back_to_dispatch_and_can_be_dispatched_again() -> None:
    order, now = walk(OrderState.TO_DISPATCH)
    assert order.lead_unit is None and order.due is None and order.sign_due is None
    assert order.returns[-1].state is RequestState.APPROVED
    order = step(order, lc.Dispatch("市住建局"), SUPERVISOR, now)
    assert order.lead_unit == "市住建局" and order.state is OrderState.DISPATCHED


def test_a_rejected_return_keeps_the_deadlines_and_cannot_be_asked_again() -> None:
    order, now = walk(OrderState.RETURN_REQUESTED)
    due = order.due
    order = step(order, lc.RejectReturn("属于属地职责"), SUPERVISOR, now)
    assert order.state is OrderState.SIGNED and order.due == due
    assert order.returns[-1].state is RequestState.REJECTED
    with pytest.raises(TransitionRefused) as info:
        step(order, lc.RequestReturn("再次申请"), UNIT_LEAD, now)
    assert info.value.code == "return_already_rejected"


def test_coordination_decides_the_unit_and_dispatches_to_it() -> None:
    order, now = walk(OrderState.COORDINATION)
    assert order.returns[-1].state is RequestState.APPROVED
    with pytest.raises(InvalidCommand, match="keywords"):
        step(order, lc.DecideCoordination("市住建局", (" ",)), SUPERVISOR, now)
    order = step(order, lc.DecideCoordination("市住建局", ("夜间施工", "噪音"), category=Category.COMPLAINT,
                                                basis="市政府专题协调会"), SUPERVISOR, now)
    assert order.state is OrderState.DISPATCHED and order.lead_unit == "市住建局"
    assert order.coordination is not None and order.coordination.decision is not None
    assert order.coordination.decision.keywords == ("夜间施工", "噪音")


# --- extension ----------------------------------------------------------------------------------------------------


def test_an_approved_extension_moves_the_due_date_by_the_requested_working_days() -> None:
    order, now = walk(OrderState.EXTENSION_REQUESTED)  # 5 WD asked, due 2026-10-19
    order = step(order, lc.ApproveExtension("同意延期"), SUPERVISOR, now)
    assert order.state is OrderState.SIGNED
    assert order.due == at("2026-10-26", "17:30")
    assert order.extensions[-1].state is RequestState.APPROVED
    assert order.extensions[-1].new_due == order.due


def test_a_rejected_extension_leaves_the_due_date() -> None:
    order, now = walk(OrderState.EXTENSION_REQUESTED)
    due = order.due
    order = step(order, lc.RejectExtension("理由不充分"), SUPERVISOR, now)
    assert order.due == due and order.extensions[-1].state is RequestState.REJECTED


def test_a_second_extension_is_refused() -> None:
    order, now = walk(OrderState.EXTENSION_REQUESTED)
    order = step(order, lc.RejectExtension(), SUPERVISOR, now)
    with pytest.raises(TransitionRefused) as info:
        step(order, lc.RequestExtension(2, "再次申请"), UNIT_LEAD, now)
    assert info.value.code == "extension_limit_reached" and info.value.article == "第20条"


def test_the_number_of_extensions_is_configuration() -> None:
    from dataclasses import replace

    ctx = lc.RuleContext(replace(CTX.rules, max_extensions=2), CTX.calendar)
    order, now = walk(OrderState.EXTENSION_REQUESTED)
    order = lc.apply(order, lc.RejectExtension(), SUPERVISOR, now, ctx)
    order = lc.apply(order, lc.RequestExtension(2, "再次申请"), UNIT_LEAD, now, ctx)
    assert order.state is OrderState.EXTENSION_REQUESTED


def test_an_extension_after_the_due_time_is_refused() -> None:
    order, _ = walk(OrderState.SIGNED)
    with pytest.raises(TransitionRefused) as info:
        step(order, lc.RequestExtension(3, "客观原因"), UNIT_LEAD, at("2026-10-19", "17:30"))
    assert info.value.code == "extension_after_due"
    assert info.value.deadline == "2026-10-19T17:30:00+08:00"
    order = step(order, lc.RequestExtension(3, "客观原因"), UNIT_LEAD, at("2026-10-19", "17:29"))
    assert order.state is OrderState.EXTENSION_REQUESTED


def test_an_extension_needs_a_reason_and_a_sane_length() -> None:
    order, now = walk(OrderState.SIGNED)
    with pytest.raises(TransitionRefused, match="reason"):
        step(order, lc.RequestExtension(3, ""), UNIT_LEAD, now)
    with pytest.raises(InvalidCommand):
        step(order, lc.RequestExtension(0, "r"), UNIT_LEAD, now)
    with pytest.raises(TransitionRefused) as info:
        step(order, lc.RequestExtension(CTX.rules.max_extension_wd + 1, "r"), UNIT_LEAD, now)
    assert info.value.code == "extension_too_long"


def test_completing_while_an_extension_is_pending_withdraws_it() -> None:
    order, now = walk(OrderState.EXTENSION_REQUESTED)
    order = step(order, lc.ReportCompletion(report(now)), UNIT_LEAD, now)
    assert order.state is OrderState.COMPLETED
    assert order.extensions[-1].state is RequestState.WITHDRAWN


# --- completion -----------------------------------------------------------------------------------------------------


def test_the_completion_report_needs_body_process_and_result() -> None:
    from dataclasses import replace

    order, now = walk(OrderState.SIGNED)
    for missing in ("handled_by", "process", "result"):
        with pytest.raises(TransitionRefused) as info:
            step(order, lc.ReportCompletion(replace(report(now), **{missing: " "})), UNIT_LEAD, now)
        assert info.value.code == "incomplete_report" and missing in info.value.message


def test_work_in_progress_needs_measures_and_a_date() -> None:
    from dataclasses import replace

    order, now = walk(OrderState.SIGNED)
    pending = report(now, CompletionOutcome.IN_PROGRESS)
    with pytest.raises(TransitionRefused) as info:
        step(order, lc.ReportCompletion(pending), UNIT_LEAD, now)
    assert info.value.code == "plan_required"
    done = step(order, lc.ReportCompletion(replace(pending, plan="纳入2027年改造计划", planned_date=date(2027, 6, 30))),
                UNIT_LEAD, now)
    assert done.completion is not None and done.completion.planned_date == date(2027, 6, 30)


def test_a_report_cannot_claim_handling_in_the_future() -> None:
    from dataclasses import replace

    order, now = walk(OrderState.SIGNED)
    with pytest.raises(InvalidCommand, match="future"):
        step(order, lc.ReportCompletion(replace(report(now), handled_at=now + timedelta(hours=1))), UNIT_LEAD, now)


def test_a_co_unit_cannot_report() -> None:
    order, now = walk(OrderState.SIGNED)
    with pytest.raises(TransitionRefused) as info:
        step(order, lc.ReportCompletion(report(now)), Actor("cg", Role.UNIT, unit="市城管执法局"), now)
    assert info.value.code == "not_lead_unit"


# --- emergency ----------------------------------------------------------------------------------------------------


def test_emergency_orders_use_clock_hour_sign_and_response_limits() -> None:
    order = opened(urgency=Urgency.EMERGENCY, now=at("2026-10-01", "22:00"))  # a holiday night
    order = step(order, lc.Dispatch(LEAD), AGENT, at("2026-10-01", "22:00"))
    assert order.sign_due == at("2026-10-02", "00:00")
    order = step(order, lc.Sign(), UNIT_LEAD, at("2026-10-01", "22:30"))
    assert order.response_due == at("2026-10-02", "00:30")
    assert order.due == at("2026-10-20", "17:30"), "completion keeps the complaint's 10 WD (第19条)"
    assert not lc.is_overdue(order, at("2026-10-02", "03:00"))
    order = step(order, lc.RecordResponse("已到现场处置"), UNIT_LEAD, at("2026-10-02", "01:00"))
    assert order.responded_at == at("2026-10-02", "01:00")
    assert order.history[-1].note.startswith("已到现场处置; late")
    with pytest.raises(TransitionRefused) as info:
        step(order, lc.RecordResponse("again"), UNIT_LEAD, at("2026-10-02", "01:00"))
    assert info.value.code == "already_responded"


def test_re_dispatch_clears_the_previous_units_response_deadline() -> None:
    order = opened(urgency=Urgency.EMERGENCY)
    order = step(order, lc.Dispatch(LEAD), AGENT, T0)
    order = step(order, lc.Sign(), UNIT_LEAD, T0)
    order = step(order, lc.RequestReturn("属于供水企业"), UNIT_LEAD, T0)
    order = step(order, lc.ApproveReturn(), SUPERVISOR, T0)
    assert (order.response_due, order.responded_at, order.due) == (None, None, None)


# --- return visit, 72-hour rule, manual revisit, redo -------------------------------------------------------------


def test_satisfied_and_basically_satisfied_close_the_order() -> None:
    for rating in (Rating.SATISFIED, Rating.BASICALLY_SATISFIED):
        order, now = walk(OrderState.REVISITING)
        order = step(order, lc.RecordRating(rating, "dtmf"), SYSTEM, now + timedelta(hours=1))
        assert order.state is OrderState.CLOSED and order.rating is rating
        assert order.revisits[-1].rating is rating


def test_the_72_hour_rule_counts_clock_hours_not_working_days() -> None:
    order, _now = walk(OrderState.REVISITING)  # first automated attempt 2026-10-12 10:00 (a Monday)
    assert order.rating_deadline == at("2026-10-15", "10:00")
    with pytest.raises(TransitionRefused) as info:
        step(order, lc.RatingTimeout(), SYSTEM, at("2026-10-15", "09:59"))
    assert info.value.code == "rating_window_open" and info.value.deadline == "2026-10-15T10:00:00+08:00"
    assert not lc.rating_timeout_due(order, at("2026-10-15", "09:59"))
    assert lc.rating_timeout_due(order, at("2026-10-15", "10:00"))
    closed = step(order, lc.RatingTimeout(), SYSTEM, at("2026-10-15", "10:00"))
    assert closed.state is OrderState.CLOSED
    assert closed.rating is Rating.BASICALLY_SATISFIED and closed.revisits[-1].deemed


def test_the_72_hours_run_over_a_weekend_and_retries_do_not_restart_them() -> None:
    order, _ = walk(OrderState.COMPLETED)
    friday = at("2026-10-16", "18:00")
    order = step(order, lc.StartRevisit(), SYSTEM, friday)
    order = step(order, lc.StartRevisit(evidence="retry"), SYSTEM, friday + timedelta(hours=5))
    assert len(order.revisits) == 2
    assert order.rating_deadline == at("2026-10-19", "18:00")


def test_a_rating_after_72_hours_is_refused() -> None:
    order, _ = walk(OrderState.REVISITING)
    with pytest.raises(TransitionRefused) as info:
        step(order, lc.RecordRating(Rating.UNSATISFIED, "dtmf:3"), SYSTEM, at("2026-10-15", "10:01"))
    assert info.value.code == "rating_window_closed"


def test_a_manual_visit_has_no_72_hour_rule() -> None:
    order, now = walk(OrderState.COMPLETED)
    order = step(order, lc.StartRevisit(RevisitChannel.MANUAL), SUPERVISOR, now)
    assert order.rating_deadline is None
    with pytest.raises(TransitionRefused) as info:
        step(order, lc.RatingTimeout(), SYSTEM, now + timedelta(days=10))
    assert info.value.code == "no_automated_visit"


def test_unsatisfied_opens_a_manual_revisit_due_in_one_working_day() -> None:
    order, _now = walk(OrderState.MANUAL_REVISIT)  # rated 2026-10-12 12:00
    assert order.revisit_due == at("2026-10-13", "17:30")
    assert order.rating is Rating.UNSATISFIED


def test_confirming_unsatisfied_opens_the_appeal_window() -> None:
    order, _now = walk(OrderState.CLOSED)
    assert order.rating is Rating.UNSATISFIED
    assert order.appeal_due == at("2026-10-19", "17:30")  # 5 WD after 2026-10-12
    assert not order.supervisions, "no redo yet, so no automatic supervision"


def test_changing_the_rating_needs_a_reason_and_a_better_rating() -> None:
    order, now = walk(OrderState.MANUAL_REVISIT)
    with pytest.raises(TransitionRefused, match="reason"):
        step(order, lc.ChangeRating(Rating.SATISFIED, ""), SUPERVISOR, now)
    with pytest.raises(InvalidCommand, match="confirm"):
        step(order, lc.ChangeRating(Rating.UNSATISFIED, "r"), SUPERVISOR, now)
    order = step(order, lc.ChangeRating(Rating.SATISFIED, "诉求人误按"), SUPERVISOR, now)
    assert order.rating is Rating.SATISFIED and order.appeal_due is None


def test_redo_sends_the_order_back_to_the_unit_with_a_new_limit_and_no_return_window() -> None:
    order, now = walk(OrderState.MANUAL_REVISIT)
    order = step(order, lc.SendBackForRedo("办理结果不实"), SUPERVISOR, now)
    assert order.state is OrderState.SIGNED and order.redo_count == 1
    assert order.rating is None and order.completion is None
    assert order.due == CTX.calendar.due(now, 10)
    with pytest.raises(TransitionRefused) as info:
        step(order, lc.RequestReturn("不属于本单位"), UNIT_LEAD, now)
    assert info.value.code == "return_not_open"


def test_still_unsatisfied_after_redo_opens_supervision_automatically() -> None:
    order, now = walk(OrderState.MANUAL_REVISIT)
    order = step(order, lc.SendBackForRedo("办理结果不实"), SUPERVISOR, now)
    now = now + timedelta(days=2)
    order = step(order, lc.ReportCompletion(report(now)), UNIT_LEAD, now)
    order = step(order, lc.StartRevisit(), SYSTEM, now)
    order = step(order, lc.RecordRating(Rating.UNSATISFIED, "dtmf:3"), SYSTEM, now)
    order = step(order, lc.ConfirmRating("仍不满意", unit_at_fault=True), SUPERVISOR, now)
    assert [s.trigger for s in order.supervisions] == [SupervisionTrigger.UNSATISFIED_AFTER_REDO]


# --- appeal -------------------------------------------------------------------------------------------------------


def test_an_appeal_outside_its_window_is_refused() -> None:
    order, _ = walk(OrderState.CLOSED)
    with pytest.raises(TransitionRefused) as info:
        step(order, lc.FileAppeal(AppealReason.NORMAL_TIME_LIMIT, ("rec.wav",)), UNIT_LEAD, at("2026-10-19", "17:31"))
    assert info.value.code == "appeal_window_closed" and info.value.article == "第27条"
    order = step(order, lc.FileAppeal(AppealReason.NORMAL_TIME_LIMIT, ("rec.wav",)), UNIT_LEAD,
                 at("2026-10-19", "17:30"))
    assert order.state is OrderState.APPEALED


def test_an_appeal_needs_evidence_an_unsatisfied_rating_and_happens_once() -> None:
    order, now = walk(OrderState.CLOSED)
    with pytest.raises(TransitionRefused) as info:
        step(order, lc.FileAppeal(AppealReason.VISITOR_LED_CALLER, (" ",)), UNIT_LEAD, now)
    assert info.value.code == "evidence_required"
    order = step(order, lc.FileAppeal(AppealReason.VISITOR_LED_CALLER, ("rec.wav",)), UNIT_LEAD, now)
    order = step(order, lc.DecideAppeal(upheld=False, note="证据不足"), SUPERVISOR, now)
    assert not order.rating_excluded
    with pytest.raises(TransitionRefused) as info:
        step(order, lc.FileAppeal(AppealReason.VISITOR_LED_CALLER, ("rec.wav",)), UNIT_LEAD, now)
    assert info.value.code == "already_appealed"

    satisfied, now = walk(OrderState.REVISITING)
    satisfied = step(satisfied, lc.RecordRating(Rating.SATISFIED), SYSTEM, now)
    with pytest.raises(TransitionRefused) as info:
        step(satisfied, lc.FileAppeal(AppealReason.VISITOR_LED_CALLER, ("rec.wav",)), UNIT_LEAD, now)
    assert info.value.code == "not_appealable"


def test_an_upheld_appeal_excludes_the_rating() -> None:
    order, now = walk(OrderState.APPEALED)
    order = step(order, lc.DecideAppeal(upheld=True, note="回访时提出新诉求"), SUPERVISOR, now)
    assert order.state is OrderState.CLOSED and order.rating_excluded
    assert order.appeals[-1].state is RequestState.APPROVED


# --- supervision ----------------------------------------------------------------------------------------------------


def test_overdue_supervision_only_when_overdue_and_automation_suggests_it() -> None:
    order, _ = walk(OrderState.SIGNED)  # due 2026-10-19 17:30
    before, after = at("2026-10-19", "17:30"), at("2026-10-19", "17:31")
    assert lc.automatic_supervisions(order, before) == ()
    with pytest.raises(TransitionRefused) as info:
        step(order, lc.OpenSupervision(SupervisionTrigger.OVERDUE, SupervisionMeans.PHONE_CHASE), SYSTEM, before)
    assert info.value.code == "not_overdue"
    (suggested,) = lc.automatic_supervisions(order, after)
    order = step(order, suggested, SYSTEM, after)
    record = order.supervisions[-1]
    assert record.trigger is SupervisionTrigger.OVERDUE and record.record_id == "WO-1-S1"
    assert record.deadline == at("2026-10-22", "17:30")
    assert lc.automatic_supervisions(order, after) == (), "one open overdue supervision at a time"
    with pytest.raises(TransitionRefused) as info:
        step(order, suggested, SYSTEM, after)
    assert info.value.code == "duplicate_supervision"


def test_automation_cannot_open_supervision_for_human_triggers() -> None:
    order, now = walk(OrderState.SIGNED)
    with pytest.raises(TransitionRefused) as info:
        step(order, lc.OpenSupervision(SupervisionTrigger.MEDIA_EXPOSURE, SupervisionMeans.LETTER), SYSTEM, now)
    assert info.value.code == "role_not_allowed"


def test_escalation_follows_an_unsuccessful_supervision() -> None:
    order, now = walk(OrderState.SIGNED)
    order = step(order, lc.OpenSupervision(SupervisionTrigger.ASSIGNED_BY_GOVERNMENT, SupervisionMeans.MEETING),
                 SUPERVISOR, now)
    record = order.supervisions[-1]
    with pytest.raises(TransitionRefused) as info:
        step(order, lc.EscalateSupervision(record.record_id), SUPERVISOR, now)
    assert info.value.code == "supervision_still_running" and info.value.article == "第35条"
    assert record.deadline is not None
    later = record.deadline + timedelta(minutes=1)
    order = step(order, lc.EscalateSupervision(record.record_id, "呈报市政府督查室"), SUPERVISOR, later)
    assert order.supervisions[-1].escalated_at == later
    with pytest.raises(TransitionRefused, match="already escalated"):
        step(order, lc.EscalateSupervision(record.record_id), SUPERVISOR, later)


def test_supervision_records_close_once_with_an_outcome() -> None:
    order, now = walk(OrderState.SIGNED)
    order = step(order, lc.OpenSupervision(SupervisionTrigger.HOT_OR_DIFFICULT, SupervisionMeans.UNANNOUNCED_VISIT,
                                           deadline=now + timedelta(days=1)), SUPERVISOR, now)
    with pytest.raises(InvalidCommand, match="outcome"):
        step(order, lc.CloseSupervision("WO-1-S1", ""), SUPERVISOR, now)
    with pytest.raises(InvalidCommand, match="no supervision"):
        step(order, lc.CloseSupervision("WO-1-S9", "x"), SUPERVISOR, now)
    order = step(order, lc.CloseSupervision("WO-1-S1", "已解决"), SUPERVISOR, now)
    assert order.open_supervisions() == ()
    with pytest.raises(TransitionRefused, match="already closed"):
        step(order, lc.CloseSupervision("WO-1-S1", "again"), SUPERVISOR, now)
    with pytest.raises(InvalidCommand, match="future"):
        step(order, lc.OpenSupervision(SupervisionTrigger.OTHER_BY_LAW, SupervisionMeans.OTHER, deadline=now),
             SUPERVISOR, now)


def test_is_overdue_only_while_handling() -> None:
    order, _ = walk(OrderState.COMPLETED)
    assert not lc.is_overdue(order, at("2027-03-01"))
    signed, _ = walk(OrderState.SIGNED)
    assert lc.is_overdue(signed, at("2026-10-20"))


# --- the whole journey ----------------------------------------------------------------------------------------------


def test_a_full_journey_leaves_a_readable_history() -> None:
    order, _now = walk(OrderState.APPEALED)
    actions = [e.action for e in order.history]
    assert actions == ["open", "edit", "dispatch", "sign", "report_completion", "start_revisit", "record_rating",
                       "confirm_rating", "file_appeal"]
    assert [e.role for e in order.history][:3] == [Role.AGENT, Role.AGENT, Role.AGENT]
    times = [e.at for e in order.history]
    assert times == sorted(times)
    dispatch = order.history[2]
    assert ("lead_unit", "", LEAD) in dispatch.changes
    assert dispatch.seat == "A07"
    assert "calls" in {name for name, _, _ in order.history[0].changes}, "the opening call is recorded"


def test_command_fields_expose_the_payload() -> None:
    assert lc.command_fields(lc.Dispatch(LEAD, ("a",))) == {"lead_unit": LEAD, "co_units": ("a",)}


def test_a_caller_who_asks_for_confidentiality_mid_call_leaves_no_plain_number_in_the_history() -> None:
    from agent_desktop.core.privacy import FieldCipher, seal_caller
    from agent_desktop.core.serialization import work_order_to_json

    cipher = FieldCipher.generate()
    named = Caller(name="李建国", phone="13812348000", address="岳麓区望月湖小区3栋", id_number="430104198001011234")
    order = step(opened(), lc.EditFields({"caller": named}), AGENT, T0)
    anonymous = seal_caller(replace(named, is_anonymous=True), cipher, order.order_id)
    order = step(order, lc.EditFields({"caller": anonymous}), AGENT, T0)
    text = work_order_to_json(order)
    for plain in ("13812348000", "李建国", "望月湖小区3栋", "430104198001011234"):
        assert plain not in text
    assert "138****8000" in text


def test_an_emergencys_first_response_is_warned_about_until_it_is_recorded() -> None:
    from agent_desktop.core.early_warning import Severity, WarningKind, compute_warnings

    order = opened(urgency=Urgency.EMERGENCY)
    order = step(order, lc.Dispatch(LEAD), AGENT, T0)
    order = step(order, lc.Sign(), UNIT_LEAD, T0)  # response due T0 + 2 h

    def kinds(now):
        return {(w.kind, w.severity) for w in compute_warnings([order], now=now, rules=CTX.rules)
                if w.kind.value.startswith("response")}

    assert kinds(T0) == set()
    assert kinds(T0 + timedelta(hours=1)) == {(WarningKind.RESPONSE_DUE_SOON, Severity.WARNING)}
    assert kinds(T0 + timedelta(hours=2, minutes=1)) == {(WarningKind.RESPONSE_OVERDUE, Severity.CRITICAL)}
    order = step(order, lc.RecordResponse("已到现场"), UNIT_LEAD, T0 + timedelta(hours=1))
    assert kinds(T0 + timedelta(hours=3)) == set()


def test_every_state_and_history_action_has_a_chinese_name() -> None:
    assert {s.zh for s in OrderState} and all(s.zh for s in OrderState)
    assert len({s.zh for s in OrderState}) == len(OrderState)
    for action in lc.Action:
        assert lc.action_zh(action.value) != action.value, action
    assert lc.action_zh("reveal_refused") != "reveal_refused"
    assert lc.action_zh("something_new") == "something_new"


def test_after_a_redo_an_old_extension_no_longer_sets_the_deadline() -> None:
    from agent_desktop.core.assessment import effective_due
    from agent_desktop.core.early_warning import WarningKind, compute_warnings

    order, now = walk(OrderState.EXTENSION_REQUESTED)
    order = step(order, lc.ApproveExtension(), SUPERVISOR, now)  # due 2026-10-26
    now = at("2026-09-30")
    order = step(order, lc.ReportCompletion(report(now)), UNIT_LEAD, now)
    order = step(order, lc.SendBackForRedo("办理结果不实"), SUPERVISOR, now)
    assert order.due == at("2026-10-20", "17:30")  # 10 WD from the redo, earlier than the old extension's date
    assert effective_due(order) == order.due
    late = at("2026-10-23")
    assert WarningKind.OVERDUE in {w.kind for w in compute_warnings([order], now=late, rules=CTX.rules)}
