"""Findings of an adversarial review of the domain core, one test each: hostile and malformed input, gaps
against the regulation, time order and privacy of display helpers. Each failed before its fix."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest

from agent_desktop.core import lifecycle as lc
from agent_desktop.core.caller_flags import CallerRecord, lift_harassing_mark, mark_harassing
from agent_desktop.core.errors import (
    CalendarError,
    ConfigError,
    InvalidCommand,
    PrivacyError,
    TransitionRefused,
)
from agent_desktop.core.privacy import FieldCipher, mask_address, reveal, seal_caller
from agent_desktop.core.roles import Actor, Role
from agent_desktop.core.rule_parameters import RuleParameters
from agent_desktop.core.serialization import work_order_from_json, work_order_to_json
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
    ReplyMeans,
    RevisitChannel,
    SupervisionMeans,
    SupervisionTrigger,
    Urgency,
    describe,
)
from tests.agent_desktop.core.lifecycle_fixtures import (
    AGENT,
    CTX,
    LEAD,
    OTHER_UNIT,
    SUPERVISOR,
    SYSTEM,
    T0,
    UNIT_LEAD,
    at,
    opened,
    report,
    step,
    walk,
)

S = OrderState


# --- 1. roles given as raw strings bypass the identity checks (`is Role.UNIT`, `is Role.SYSTEM`) ------------


def test_raw_string_unit_role_cannot_sign_for_another_unit() -> None:
    order, now = walk(S.DISPATCHED)
    impostor = Actor("unit-water", "unit", unit=OTHER_UNIT)
    with pytest.raises(TransitionRefused) as info:
        step(order, lc.Sign(), impostor, now)
    assert info.value.code == "not_lead_unit"


def test_raw_string_system_role_cannot_open_a_human_supervision_trigger() -> None:
    order, now = walk(S.SIGNED)
    bot = Actor("survey-dialer", "system")
    with pytest.raises(TransitionRefused) as info:
        step(order, lc.OpenSupervision(SupervisionTrigger.MEDIA_EXPOSURE, SupervisionMeans.LETTER), bot, now)
    assert info.value.code == "role_not_allowed"


@pytest.mark.parametrize("role", ["bogus", "unit", 3])
def test_actor_refuses_unknown_roles_and_unit_without_unit(role: object) -> None:
    with pytest.raises(InvalidCommand):
        Actor("x", role)


def test_leader_seat_actor_must_name_its_unit() -> None:
    with pytest.raises(InvalidCommand):
        Actor("leader-2", Role.LEADER_SEAT, seat="L02")


# --- 2. open_work_order does not coerce or check its inputs -------------------------------------------------


def test_open_with_raw_emergency_urgency_uses_hour_limits() -> None:
    order = lc.open_work_order("WO-9", channel=Channel.PHONE, actor=AGENT, now=T0,
                               category=Category.COMPLAINT, description="燃气泄漏", urgency="emergency")
    order = step(order, lc.Dispatch(LEAD), AGENT, T0)
    assert order.sign_due == T0 + timedelta(hours=CTX.rules.emergency_sign_limit_h)


def test_open_with_chinese_category_label_is_parsed_or_refused() -> None:
    order = lc.open_work_order("WO-9", channel=Channel.PHONE, actor=AGENT, now=T0,
                               category="投诉", description="噪音")
    assert order.category is Category.COMPLAINT


@pytest.mark.parametrize(
    "kwargs",
    [
        {"channel": "fax"},
        {"caller": {"name": "张三"}},
        {"order_id": 5},
        {"category": "bogus"},
        {"description": None},
        {"call": "1727488800.11"},
    ],
    ids=["channel", "caller-dict", "order-id-int", "category-bogus", "description-none", "call-str"],
)
def test_open_refuses_malformed_arguments(kwargs: dict[str, object]) -> None:
    args: dict[str, object] = {"order_id": "WO-9", "channel": Channel.PHONE, "actor": AGENT, "now": T0}
    args.update(kwargs)
    order_id = args.pop("order_id")
    with pytest.raises(InvalidCommand):
        lc.open_work_order(order_id, **args)


# --- 3. EditFields: values are not type-checked -------------------------------------------------------------


@pytest.mark.parametrize(
    "changes",
    [{"urgency": "bogus"}, {"urgency": None}, {"category": "bogus"}, {"category": 3}],
    ids=["urgency-bogus", "urgency-none", "category-bogus", "category-int"],
)
def test_edit_with_bad_enum_values_is_invalid_command(changes: dict[str, object]) -> None:
    order, now = walk(S.INTAKE)
    with pytest.raises(InvalidCommand):
        step(order, lc.EditFields(changes), AGENT, now)


def test_edit_accepts_the_chinese_category_label() -> None:
    order, now = walk(S.INTAKE)
    assert step(order, lc.EditFields({"category": "投诉"}), AGENT, now).category is Category.COMPLAINT


@pytest.mark.parametrize(
    "changes",
    [{"district": 123}, {"description": None}, {"description": 5}, {"street": []}, {"address": 1.5},
     {"kb_answer_ref": 7}],
    ids=["district-int", "description-none", "description-int", "street-list", "address-float", "kb-ref-int"],
)
def test_edit_refuses_non_text_fields(changes: dict[str, object]) -> None:
    order, now = walk(S.INTAKE)
    with pytest.raises(InvalidCommand) as info:
        step(order, lc.EditFields(changes), AGENT, now)
    assert info.value.code == "bad_value"


def test_every_order_the_core_accepts_round_trips_through_serialization() -> None:
    order, now = walk(S.INTAKE)
    try:
        edited = step(order, lc.EditFields({"district": 123}), AGENT, now)
    except InvalidCommand:
        return
    assert work_order_from_json(work_order_to_json(edited)) == edited


@pytest.mark.parametrize("changes", [None, [("district", "岳麓区")], {1: 2}], ids=["none", "list", "int-key"])
def test_edit_refuses_a_payload_that_is_not_a_mapping_of_names(changes: object) -> None:
    order, now = walk(S.INTAKE)
    with pytest.raises(InvalidCommand):
        step(order, lc.EditFields(changes), AGENT, now)


def test_absurd_legal_limit_is_refused() -> None:
    order, now = walk(S.INTAKE)
    with pytest.raises(InvalidCommand):
        step(order, lc.EditFields({"legal_limit_wd": 10**6}), AGENT, now)


def test_huge_description_is_refused() -> None:
    order, now = walk(S.INTAKE)
    with pytest.raises(InvalidCommand) as info:
        step(order, lc.EditFields({"description": "噪" * 2_000_000}), AGENT, now)
    assert info.value.code == "too_long"


# --- 4. callers with wrongly typed fields -------------------------------------------------------------------


def test_anonymous_caller_with_non_text_phone_is_a_privacy_error() -> None:
    order, now = walk(S.INTAKE)
    caller = Caller(phone=13812348000, is_anonymous=True)
    with pytest.raises(PrivacyError) as info:
        step(order, lc.EditFields({"caller": caller}), AGENT, now)
    assert info.value.code == "unsealed_personal_data"


@pytest.mark.parametrize(
    "caller",
    [Caller(name=123), Caller(name=b"x"), Caller(is_anonymous="no"), Caller(form_of_address=5)],
    ids=["name-int", "name-bytes", "anonymous-str", "form-int"],
)
def test_caller_fields_of_the_wrong_type_are_invalid_command(caller: Caller) -> None:
    order, now = walk(S.INTAKE)
    with pytest.raises(InvalidCommand):
        step(order, lc.EditFields({"caller": caller}), AGENT, now)


# --- 5. command payloads of the wrong type ------------------------------------------------------------------

_ACTOR = {S.INTAKE: AGENT, S.REPLY_PENDING: AGENT, S.SIGNED: UNIT_LEAD, S.RETURN_REQUESTED: SUPERVISOR,
          S.COORDINATION: SUPERVISOR, S.COMPLETED: SUPERVISOR, S.REVISITING: SYSTEM,
          S.MANUAL_REVISIT: SUPERVISOR, S.CLOSED: UNIT_LEAD, S.APPEALED: SUPERVISOR}

_BAD_TEXT = [
    (S.INTAKE, lc.Dispatch(123)),
    (S.INTAKE, lc.Dispatch(LEAD, (1, 2))),
    (S.INTAKE, lc.Dispatch(LEAD, None)),
    (S.INTAKE, lc.NotAccept(NotAcceptedReason.OTHER_BY_LAW, 5)),
    (S.INTAKE, lc.AnswerOnLine(5)),
    (S.INTAKE, lc.LinkCall(None)),
    (S.INTAKE, lc.LinkCall(CallLink(5))),
    (S.REPLY_PENDING, lc.RecordReply(ReplyMeans.SMS, 5)),
    (S.SIGNED, lc.RequestReturn(5)),
    (S.SIGNED, lc.RequestExtension(2, 5)),
    (S.SIGNED, lc.ReportCompletion(None)),
    (S.SIGNED, lc.ReportCompletion(replace(report(at("2026-09-29", "09:00")), handled_by=5))),
    (S.RETURN_REQUESTED, lc.ReferToCoordination(5)),
    (S.RETURN_REQUESTED, lc.ApproveReturn(5)),
    (S.COORDINATION, lc.DecideCoordination(5, ("夜间施工",))),
    (S.COORDINATION, lc.DecideCoordination(LEAD, None)),
    (S.COORDINATION, lc.DecideCoordination(LEAD, (5,))),
    (S.COORDINATION, lc.DecideCoordination(LEAD, ("夜间施工",), district=5)),
    (S.COMPLETED, lc.SendBackForRedo(5)),
    (S.COMPLETED, lc.StartRevisit(RevisitChannel.AUTOMATED_CALL, 5)),
    (S.MANUAL_REVISIT, lc.ChangeRating(Rating.SATISFIED, 5)),
    (S.MANUAL_REVISIT, lc.ConfirmRating(5)),
    (S.CLOSED, lc.FileAppeal(AppealReason.NEW_DEMANDS_AT_VISIT, None)),
    (S.CLOSED, lc.FileAppeal(AppealReason.NEW_DEMANDS_AT_VISIT, (5,))),
    (S.CLOSED, lc.FileAppeal(AppealReason.NEW_DEMANDS_AT_VISIT, ("rec.wav",), None)),
    (S.APPEALED, lc.DecideAppeal(True, 5)),
]


@pytest.mark.parametrize(("state", "command"), _BAD_TEXT, ids=[f"{s.value}-{c!r}"[:60] for s, c in _BAD_TEXT])
def test_non_text_payloads_are_invalid_command(state: OrderState, command: lc.Command) -> None:
    order, now = walk(state)
    with pytest.raises(InvalidCommand) as info:
        step(order, command, _ACTOR[state], now)
    assert info.value.code == "bad_value"


_BAD_ENUM = [
    (S.INTAKE, lc.NotAccept(9)),
    (S.INTAKE, lc.NotAccept("1")),
    (S.INTAKE, lc.PromiseReply(caller_consents=True, means="bogus")),
    (S.INTAKE, lc.LinkCall(CallLink("1727490000.5", kind="bogus"))),
    (S.REPLY_PENDING, lc.RecordReply("bogus", "已回电")),
    (S.SIGNED, lc.ReportCompletion(replace(report(at("2026-09-29", "09:00")), outcome="bogus"))),
    (S.SIGNED, lc.OpenSupervision(9, SupervisionMeans.LETTER)),
    (S.SIGNED, lc.OpenSupervision(SupervisionTrigger.MEDIA_EXPOSURE, "bogus")),
    (S.COORDINATION, lc.DecideCoordination(LEAD, ("夜间施工",), category="bogus")),
    (S.COMPLETED, lc.StartRevisit("bogus")),
    (S.REVISITING, lc.RecordRating("bogus")),
    (S.REVISITING, lc.RecordRating(None)),
    (S.MANUAL_REVISIT, lc.ChangeRating("bogus", "回访核实")),
    (S.CLOSED, lc.FileAppeal(9, ("rec.wav",))),
]


@pytest.mark.parametrize(("state", "command"), _BAD_ENUM, ids=[f"{s.value}-{c!r}"[:60] for s, c in _BAD_ENUM])
def test_unknown_enum_values_are_invalid_command(state: OrderState, command: lc.Command) -> None:
    order, now = walk(state)
    actor = SUPERVISOR if isinstance(command, lc.OpenSupervision) else _ACTOR[state]
    with pytest.raises(InvalidCommand) as info:
        step(order, command, actor, now)
    assert info.value.code == "bad_value"


_STR_AS_TUPLE = [
    (S.INTAKE, lc.Dispatch(LEAD, "市城管执法局")),
    (S.CLOSED, lc.FileAppeal(AppealReason.NEW_DEMANDS_AT_VISIT, "recording-0931.wav")),
    (S.COORDINATION, lc.DecideCoordination(LEAD, "夜间施工")),
]


@pytest.mark.parametrize(("state", "command"), _STR_AS_TUPLE, ids=["co_units", "evidence", "keywords"])
def test_a_string_is_not_taken_for_a_tuple_of_strings(state: OrderState, command: lc.Command) -> None:
    order, now = walk(state)
    with pytest.raises(InvalidCommand) as info:
        step(order, command, _ACTOR[state], now)
    assert info.value.code == "bad_value"


_TRUTHY_FLAGS = [
    (S.INTAKE, lc.PromiseReply(caller_consents="no")),
    (S.MANUAL_REVISIT, lc.ConfirmRating("仍不满意", unit_at_fault="no")),
    (S.APPEALED, lc.DecideAppeal(upheld="no")),
]


@pytest.mark.parametrize(("state", "command"), _TRUTHY_FLAGS, ids=["consent", "unit_at_fault", "upheld"])
def test_boolean_flags_must_be_bools(state: OrderState, command: lc.Command) -> None:
    order, now = walk(state)
    with pytest.raises(InvalidCommand) as info:
        step(order, command, _ACTOR[state], now)
    assert info.value.code == "bad_value"


@pytest.mark.parametrize("which", ["order", "actor"])
def test_apply_refuses_a_missing_order_or_actor(which: str) -> None:
    order, now = walk(S.DISPATCHED)
    args = {"order": order, "actor": UNIT_LEAD}
    args[which] = None
    with pytest.raises(InvalidCommand):
        lc.apply(args["order"], lc.Sign(), args["actor"], now, CTX)


# --- 6. times inside commands -------------------------------------------------------------------------------


def test_a_linked_call_with_a_naive_time_is_refused() -> None:
    order, now = walk(S.INTAKE)
    with pytest.raises(InvalidCommand) as info:
        step(order, lc.LinkCall(CallLink("1727490000.7", at=datetime(2026, 9, 28, 10, 5))), AGENT, now)
    assert info.value.code == "naive_datetime"


def test_a_report_cannot_claim_handling_before_the_order_was_signed() -> None:
    order, now = walk(S.SIGNED)
    assert order.signed_at is not None
    early = replace(report(now), handled_at=T0 - timedelta(days=30))
    with pytest.raises(InvalidCommand):
        step(order, lc.ReportCompletion(early), UNIT_LEAD, now)


@pytest.mark.parametrize(
    "planned", ["2026-10-10", datetime(2026, 10, 10, tzinfo=T0.tzinfo), date(2020, 1, 1)],
    ids=["str", "datetime", "past"],
)
def test_in_progress_report_needs_a_future_date(planned: object) -> None:
    order, now = walk(S.SIGNED)
    wip = replace(report(now), outcome=CompletionOutcome.IN_PROGRESS, plan="分期整改", planned_date=planned)
    with pytest.raises((InvalidCommand, TransitionRefused)):
        step(order, lc.ReportCompletion(wip), UNIT_LEAD, now)


def test_a_deadline_past_year_9999_is_a_calendar_error() -> None:
    with pytest.raises(CalendarError):
        CTX.calendar.due(datetime(9999, 12, 31, 10, tzinfo=T0.tzinfo), 1)


@pytest.mark.parametrize("count", ["3", 2.5, True])
def test_add_working_days_refuses_non_integer_counts(count: object) -> None:
    with pytest.raises(CalendarError) as info:
        CTX.calendar.add_working_days(date(2026, 9, 28), count)
    assert info.value.code == "bad_working_days"


# --- 7. rule parameters -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [{"sign_limit_wd": "1"}, {"office_close": "17:30"}, {"timezone": 5}, {"handling_limits_wd": None}],
    ids=["limit-str", "close-str", "tz-int", "limits-none"],
)
def test_rule_parameters_refuse_wrong_types(kwargs: dict[str, object]) -> None:
    with pytest.raises(ConfigError):
        RuleParameters(**kwargs)


# --- 8. regulation gaps -------------------------------------------------------------------------------------


def test_an_emergency_order_cannot_wait_for_a_reply_in_one_working_day() -> None:
    order = opened(urgency=Urgency.EMERGENCY)
    with pytest.raises(TransitionRefused):
        step(order, lc.PromiseReply(caller_consents=True), AGENT, T0)


def test_an_emergency_complaint_is_not_overdue_for_completion_after_the_response_limit() -> None:
    order = opened(urgency=Urgency.EMERGENCY)
    order = step(order, lc.Dispatch(LEAD), AGENT, T0)
    signed = T0 + timedelta(minutes=30)
    order = step(order, lc.Sign(), UNIT_LEAD, signed)
    assert not lc.is_overdue(order, signed + timedelta(hours=3))


def test_a_newly_dispatched_unit_may_request_its_own_extension() -> None:
    order, now = walk(S.SIGNED)
    order = step(order, lc.RequestExtension(3, "需第三方检测"), UNIT_LEAD, now)
    order = step(order, lc.ApproveExtension(), SUPERVISOR, now)
    order = step(order, lc.RequestReturn("属于水务职责"), UNIT_LEAD, now)
    order = step(order, lc.ApproveReturn(), SUPERVISOR, now)
    order = step(order, lc.Dispatch(OTHER_UNIT), SUPERVISOR, now)
    water = Actor("unit-water", Role.UNIT, unit=OTHER_UNIT)
    order = step(order, lc.Sign(), water, now)
    order = step(order, lc.RequestExtension(2, "需停水检修"), water, now)
    assert order.state is S.EXTENSION_REQUESTED


def test_unsatisfied_after_redo_does_not_open_a_duplicate_supervision() -> None:
    order, now = walk(S.MANUAL_REVISIT)
    order = step(order, lc.SendBackForRedo("办理结果不实"), SUPERVISOR, now)
    redo_trigger = SupervisionTrigger.UNSATISFIED_AFTER_REDO
    order = step(order, lc.OpenSupervision(redo_trigger, SupervisionMeans.LETTER), SUPERVISOR, now)
    now = now + timedelta(days=1)
    order = step(order, lc.ReportCompletion(report(now)), UNIT_LEAD, now)
    order = step(order, lc.StartRevisit(), SYSTEM, now)
    order = step(order, lc.RecordRating(Rating.UNSATISFIED, "dtmf:3"), SYSTEM, now)
    order = step(order, lc.ConfirmRating("仍不满意"), SUPERVISOR, now)
    open_redo = [s for s in order.open_supervisions() if s.trigger is redo_trigger]
    assert len(open_redo) == 1


def test_dispatch_from_reply_pending_clears_the_reply_task() -> None:
    order, now = walk(S.REPLY_PENDING)
    order = step(order, lc.Dispatch(LEAD), AGENT, now)
    assert (order.reply_due, order.reply_means) == (None, None)


# --- 9. caller flags and reveal: time order and types -------------------------------------------------------


def test_harassment_mark_needs_a_text_reason() -> None:
    with pytest.raises(InvalidCommand):
        mark_harassing(CallerRecord("k"), actor=SUPERVISOR, now=T0, reason=None)


def test_a_mark_cannot_be_lifted_before_it_was_made() -> None:
    record = mark_harassing(CallerRecord("k"), actor=SUPERVISOR, now=T0, reason="辱骂坐席")
    with pytest.raises(InvalidCommand):
        lift_harassing_mark(record, actor=SUPERVISOR, now=T0 - timedelta(days=1), reason="误标")


def _anonymous_order():
    cipher = FieldCipher.generate()
    order, now = walk(S.INTAKE)
    caller = seal_caller(Caller(name="张三丰", phone="13812348000", is_anonymous=True), cipher, order.order_id)
    return step(order, lc.EditFields({"caller": caller}), AGENT, now), now, cipher


def test_reveal_cannot_be_dated_before_the_last_step() -> None:
    order, now, cipher = _anonymous_order()
    with pytest.raises(InvalidCommand):
        reveal(order, "phone", reader=SUPERVISOR, now=now - timedelta(days=1), cipher=cipher, rules=CTX.rules,
               purpose="核实身份")


def test_reveal_refuses_a_time_that_is_not_a_datetime() -> None:
    order, _, cipher = _anonymous_order()
    with pytest.raises(InvalidCommand) as info:
        reveal(order, "phone", reader=SUPERVISOR, now="2026-09-28T10:00+08:00", cipher=cipher,
               rules=CTX.rules, purpose="核实身份")
    assert info.value.code == "naive_datetime"


# --- 10. privacy of display helpers -------------------------------------------------------------------------


def test_describe_never_shows_an_anonymous_callers_plain_phone() -> None:
    text = describe(Caller(name="张三丰", phone="13812348000", is_anonymous=True))
    assert "13812348000" not in text
    assert "张三丰" not in text


@pytest.mark.parametrize("address", ["万达广场C区3栋1201", "东方新城二区5栋1201"])
def test_address_mask_keeps_only_a_real_district(address: str) -> None:
    assert mask_address(address) == "****"
