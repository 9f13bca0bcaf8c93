"""The seat session as a pure value: a whole call from the offer to the saved order, the agent's value against the
pre-fill's, anonymity asked for mid-call, after-call work, autosave, restore, and the center's answers."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path

import pytest

from agent_desktop.core import lifecycle as lc
from agent_desktop.core.errors import InvalidCommand, PrivacyError, TransitionRefused
from agent_desktop.core.privacy import open_sealed, seal_caller
from agent_desktop.core.work_order import (
    Caller,
    Category,
    Channel,
    NotAcceptedReason,
    OrderState,
    SealedValue,
    Urgency,
)
from agent_desktop.desk import events as ev
from agent_desktop.desk.calls import ActionNotAllowed, CallState, EndReason
from agent_desktop.desk.form import DraftField, ValueOrigin
from agent_desktop.desk.intents import (
    ApplyOrderCommand,
    AutosaveDraft,
    DeleteDraft,
    LookUpCaller,
    OfferRestore,
    OpenOrder,
)
from agent_desktop.desk.records import DraftRecord, check_sealed, draft_from_json, draft_to_json
from agent_desktop.desk.session import OrderAction
from sync.drafts import DraftStore
from sync.local_store import LocalStore
from tests.agent_desktop.desk.desk_fixtures import AGENT, CALL, CIPHER, NUMBER, T0, Seat, seat_with_call_in
from tests.agent_desktop.desk.store_runner import carry_out, drafts_found

F = DraftField
LEAD = "岳麓区人民政府"


def _suggest(*pairs: tuple[DraftField, str | None], evidence: str = "") -> ev.SuggestionsArrived:
    return ev.SuggestionsArrived(CALL, tuple(ev.FieldSuggestion(f, v, evidence or (v or "")) for f, v in pairs))


def _earlier_order(order_id: str, *, days_ago: int):
    when = T0 - timedelta(days=days_ago)
    caller = seal_caller(Caller(phone=NUMBER), CIPHER, order_id)
    return lc.open_work_order(order_id, channel=Channel.PHONE, actor=AGENT, now=when, caller=caller,
                              category=Category.COMPLAINT, description="楼下烧烤油烟")


def test_a_whole_call_from_the_offer_to_the_dispatched_order(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "seat.sqlite3")
    drafts = DraftStore(store, CIPHER)
    seat = Seat()
    seat(ev.AmiConnectionRestored())
    seat(ev.QueueLoggedIn())

    # the offer: the pop asks the store about the number
    [lookup] = seat(ev.CallOffered(CALL, NUMBER, "王先生", queue="12345"))
    assert lookup == LookUpCaller(CALL, CIPHER.phone_key(NUMBER))
    rules = seat.state.settings.ctx.rules
    calls = [seat.now - timedelta(hours=h) for h in range(rules.frequent_caller_calls)]
    seat(ev.CallerHistoryFound(CALL, orders=[_earlier_order("WO-OLD", days_ago=2)], call_times=calls))
    pop = seat.call.pop
    assert pop.shown_number == NUMBER and pop.is_repeat_caller and pop.is_frequent_caller
    assert [o.order_id for o in pop.earlier_orders] == ["WO-OLD"]

    # suggestions before the agent has touched anything are shown, not applied
    seat(_suggest((F.CATEGORY, "投诉"), (F.DISTRICT, "岳麓区"), (F.DESCRIPTION, "楼下烧烤油烟扰民")))
    assert seat.call.field(F.CATEGORY).value is None and seat.call.field(F.CATEGORY).suggestion.value == "投诉"
    seat(ev.CallRinging(CALL))
    assert seat.of(AutosaveDraft) == []  # nothing worth keeping before the answer
    seat(ev.CallAnswered(CALL, recording="q-1741510800.42.wav"))
    assert [i.record.call_state for i in seat.of(AutosaveDraft)] == [CallState.TALKING]

    # the transcript: a partial is replaced by the final
    seat(ev.TranscriptPartial(CALL, "楼下 烧"))
    assert seat.call.transcript.partial == "楼下 烧"
    seat(ev.TranscriptFinal(CALL, "楼下 烧烤 油烟 很 大"))
    assert seat.call.transcript.finals == ("楼下 烧烤 油烟 很 大",) and seat.call.transcript.partial == ""

    # the agent types a district; suggestions during and after that never replace it
    seat(ev.EditField(CALL, F.DISTRICT, "雨花区"))
    seat(_suggest((F.DISTRICT, "岳麓区"), (F.CATEGORY, "咨询")))
    district = seat.call.field(F.DISTRICT)
    assert (district.value, district.origin) == ("雨花区", ValueOrigin.TYPED)
    assert district.suggestion.value == "岳麓区" and district.is_new_suggestion
    seat(ev.AcceptSuggestion(CALL, F.CATEGORY))
    seat(_suggest((F.CATEGORY, "投诉")))  # the pre-fill changed its mind after the agent accepted
    category = seat.call.field(F.CATEGORY)
    assert (category.value, category.origin, category.suggestion.value) == ("咨询", ValueOrigin.ACCEPTED, "投诉")
    seat(ev.AcceptAllSuggestions(CALL))  # takes the untouched description only
    assert seat.call.field(F.DESCRIPTION).value == "楼下烧烤油烟扰民"
    assert (seat.call.field(F.DISTRICT).value, seat.call.field(F.CATEGORY).value) == ("雨花区", "咨询")
    seat(_suggest((F.CATEGORY, "咨询")))  # agreeing with the agent clears the new suggestion
    assert seat.call.field(F.CATEGORY).suggestion is None
    seat(ev.EditField(CALL, F.CATEGORY, "投诉"))

    seat(ev.CallHeld(CALL))
    seat(ev.CallResumed(CALL))
    seat(ev.CallEnded(CALL, EndReason.COMPLETED))
    assert seat.call.is_after_call_work and seat.state.order_actions(CALL) == {
        OrderAction.SAVE, OrderAction.DISPATCH, OrderAction.NOT_ACCEPT, OrderAction.REPLY_DIRECTLY,
        OrderAction.PROMISE_REPLY, OrderAction.DISCARD}
    states = [i.record.call_state for i in seat.of(AutosaveDraft)]
    # one at the answer, some on the timer while the agent typed, then one at each change of the call's state
    assert states[0] is CallState.TALKING and states[-3:] == [CallState.HELD, CallState.TALKING, CallState.ENDED]
    carry_out(seat.intents, store, drafts)
    assert drafts.draft_ids() == [seat.call.order_id]

    # dispatch from after-call work: the core checked it, the store takes it, the draft is gone
    order_id = seat.call.order_id
    done = seat(ev.DispatchOrder(CALL, LEAD, ("长沙市生态环境局",)))
    assert [type(i) for i in done] == [OpenOrder, ApplyOrderCommand, ApplyOrderCommand, DeleteDraft]
    assert seat.state.find(CALL) is None
    carry_out(done, store, drafts)
    order = store.get_order(order_id)
    assert order.state is OrderState.DISPATCHED and order.lead_unit == LEAD
    assert (order.category, order.district, order.description) == (Category.COMPLAINT, "雨花区", "楼下烧烤油烟扰民")
    assert order.caller.phone == NUMBER and order.caller.phone_key == CIPHER.phone_key(NUMBER)
    assert order.calls[0].uniqueid == CALL and order.calls[0].recording == "q-1741510800.42.wav"
    assert drafts.draft_ids() == []

    [note] = seat.state.orders
    assert (note.order_id, note.state, note.acked) == (order_id, OrderState.DISPATCHED, False)
    seat(ev.OrderAcked(order_id, 3))
    assert seat.state.orders[0].acked
    seat(ev.OrderRejected(order_id, "wrong_state", "已派单", article="第16条"))
    assert seat.state.orders[0].rejection.article == "第16条" and not seat.state.orders[0].acked
    seat(ev.OrderChangedRemotely(order_id, OrderState.SIGNED))
    assert seat.state.orders[0].state is OrderState.SIGNED


def test_a_step_the_core_refuses_emits_nothing_and_changes_nothing() -> None:
    seat = seat_with_call_in(CallState.ENDED)
    before = seat.state
    with pytest.raises(InvalidCommand, match="category"):  # the matter must be described before a dispatch
        seat(ev.DispatchOrder(CALL, LEAD))
    with pytest.raises(TransitionRefused, match="eight reasons"):
        seat(ev.NotAcceptOrder(CALL))
    seat.state = before
    seat(ev.EditField(CALL, F.CATEGORY, "不是类型"))
    with pytest.raises(InvalidCommand, match="unknown category"):
        seat(ev.SaveDraft(CALL))
    assert seat.call.state is CallState.ENDED and seat.call.order_state is None


def test_not_accept_takes_the_reason_from_the_form_and_reply_directly_from_the_knowledge_base() -> None:
    seat = seat_with_call_in(CallState.TALKING)
    seat(ev.EditField(CALL, F.NOT_ACCEPTED_REASON, "6"))
    intents = seat(ev.NotAcceptOrder(CALL))
    assert [type(i) for i in intents] == [OpenOrder, ApplyOrderCommand, DeleteDraft]  # autosaved at the answer
    assert intents[1].command == lc.NotAccept(NotAcceptedReason.ALREADY_HANDLED)
    assert seat.call.order_state is OrderState.NOT_ACCEPTED and seat.state.order_actions(CALL) == frozenset()
    with pytest.raises(ActionNotAllowed, match="form is closed"):
        seat(ev.EditField(CALL, F.DESCRIPTION, "再补充"))
    seat(ev.CallEnded(CALL))
    assert seat.state.find(CALL) is None  # saved and nothing changed since: no after-call work left

    other = seat_with_call_in(CallState.TALKING)
    other(ev.EditField(CALL, F.CATEGORY, "咨询"))
    intents = other(ev.ReplyDirectly(CALL, "公积金提取需要身份证和银行卡。", kb_entry_id="KB-0012"))
    assert intents[1].command == lc.AnswerOnLine("公积金提取需要身份证和银行卡。", "KB-0012")
    assert other.call.order_state is OrderState.ANSWERED_ON_LINE


def test_save_then_edit_then_promise_a_reply_edits_only_what_changed() -> None:
    seat = seat_with_call_in(CallState.TALKING)
    seat(ev.EditField(CALL, F.CATEGORY, "求助"))
    seat(ev.EditField(CALL, F.DESCRIPTION, "停水"))
    first = seat(ev.SaveDraft(CALL))
    assert [type(i) for i in first] == [OpenOrder, DeleteDraft]
    assert seat.call.order_state is OrderState.INTAKE and not seat.call.unsaved
    seat(ev.FlagUrgent(CALL, urgent=False))
    seat(ev.EditField(CALL, F.DESCRIPTION, "停水两天"))
    seat(ev.CallEnded(CALL))
    assert seat.call.is_after_call_work  # edited since the save: kept until saved again or discarded
    then = seat(ev.PromiseReply(CALL))
    assert [type(i) for i in then] == [ApplyOrderCommand, ApplyOrderCommand, DeleteDraft]
    assert then[0].command == lc.EditFields({"description": "停水两天"})
    assert seat.state.find(CALL) is None


def test_an_urgent_flag_is_the_urgency_field() -> None:
    seat = seat_with_call_in(CallState.TALKING)
    seat(ev.FlagUrgent(CALL))
    seat(ev.EditField(CALL, F.CATEGORY, "求助"))
    seat(ev.EditField(CALL, F.DESCRIPTION, "燃气泄漏"))
    [opening, dispatch, _] = seat(ev.DispatchOrder(CALL, "长沙新奥燃气"))
    assert opening.opening.urgency is Urgency.EMERGENCY
    assert dispatch.command == lc.Dispatch("长沙新奥燃气")


def test_discard_drops_the_draft_after_the_call_only() -> None:
    seat = seat_with_call_in(CallState.TALKING)
    seat(ev.EditField(CALL, F.DESCRIPTION, "打错了"))
    with pytest.raises(ActionNotAllowed, match="still going"):
        seat(ev.DiscardDraft(CALL))
    seat(ev.CallEnded(CALL))
    assert seat(ev.DiscardDraft(CALL)) == [DeleteDraft(seat.state.settings.order_id_prefix + CALL)]
    assert seat.state.calls == ()


def test_an_unanswered_call_leaves_nothing_behind_unless_the_agent_typed() -> None:
    seat = seat_with_call_in(CallState.RINGING)
    seat(ev.CallEnded(CALL, EndReason.ANSWERED_ELSEWHERE))
    assert seat.state.calls == ()
    typed = seat_with_call_in(CallState.RINGING)
    typed(ev.EditField(CALL, F.CALLER_NAME, "王"))
    typed(ev.CallEnded(CALL, EndReason.ABANDONED))
    assert typed.call.is_after_call_work and typed.call.end_reason is EndReason.ABANDONED


# --- autosave ------------------------------------------------------------------------------------------------


def test_autosave_every_few_seconds_while_the_draft_changes_and_at_every_change_of_call_state() -> None:
    seat = seat_with_call_in(CallState.TALKING)
    saved = len(seat.of(AutosaveDraft))
    seat(ev.EditField(CALL, F.DESCRIPTION, "噪"), after_s=1)
    seat(ev.EditField(CALL, F.DESCRIPTION, "噪音"), after_s=1)
    assert len(seat.of(AutosaveDraft)) == saved  # within the interval of the answer's autosave
    seat(ev.Tick(), after_s=3.5)
    assert len(seat.of(AutosaveDraft)) == saved + 1
    assert seat.of(AutosaveDraft)[-1].record.form[list(DraftField).index(F.DESCRIPTION)].value == "噪音"
    seat(ev.Tick(), after_s=10)
    assert len(seat.of(AutosaveDraft)) == saved + 1  # nothing changed: nothing to save
    seat(ev.CallHeld(CALL), after_s=0.1)  # a change of call state saves at once
    assert seat.of(AutosaveDraft)[-1].record.call_state is CallState.HELD


# --- anonymity -----------------------------------------------------------------------------------------------


def _strings(value: object) -> list[str]:
    """Every text inside a value, through dataclasses, tuples and dicts (what a view could possibly render)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, SealedValue):
        return [value.masked]  # the ciphertext is no plain text
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [s for f in dataclasses.fields(value) if f.name != "settings" for s in
                _strings(getattr(value, f.name))]
    if isinstance(value, tuple | list):
        return [s for v in value for s in _strings(v)]
    if isinstance(value, dict):
        return [s for kv in value.items() for v in kv for s in _strings(v)]
    return []


def test_anonymity_asked_mid_call_masks_at_once_and_seals_every_saved_copy(tmp_path: Path) -> None:
    seat = seat_with_call_in(CallState.TALKING)
    seat(ev.TranscriptFinal(CALL, "我 叫 王小明 电话 13812348000"))
    seat(ev.SuggestionsArrived(CALL, (ev.FieldSuggestion(F.CALLER_NAME, "王小明", "王小明"),
                                      ev.FieldSuggestion(F.CALLER_PHONE, NUMBER, NUMBER))))
    seat(ev.AcceptSuggestion(CALL, F.CALLER_NAME))
    seat(ev.EditField(CALL, F.DESCRIPTION, "举报小区违建"))
    assert "王小明" in _strings(seat.state) and NUMBER in _strings(seat.state)

    before = len(seat.of(AutosaveDraft))
    seat(ev.MarkAnonymous(CALL))
    call = seat.call
    assert call.anonymous and call.pop.shown_number == "138****8000"
    assert call.field(F.CALLER_NAME).shown == "王**" and call.field(F.CALLER_PHONE).suggestion.shown == "138****8000"
    assert call.transcript.finals == ("我 叫 *** 电话 ***********",)
    texts = _strings(seat.state)
    assert not [t for t in texts if "王小明" in t or NUMBER in t]
    # the copy written before the request is replaced at once by a sealed one
    [record] = seat.of(AutosaveDraft)[before:]
    check_sealed(record.record)
    assert NUMBER not in draft_to_json(record.record) and "王小明" not in draft_to_json(record.record)

    # a later suggestion for the number arrives in plain from the pre-fill and is sealed on arrival
    seat(ev.TranscriptFinal(CALL, "再 说 一 遍 一三八一二三四八零零零"))
    seat(ev.SuggestionsArrived(CALL, (ev.FieldSuggestion(F.CALLER_PHONE, "13812348001", "一三八一二三四八零零零"),)))
    assert seat.call.transcript.finals[-1] == "再 说 一 遍 ***********"
    assert not [t for t in _strings(seat.state) if "13812348001" in t or "一三八一二三四八零零零" in t]

    # the saved order is anonymous and sealed under its own id: the core and the store take it as it is
    store = LocalStore(tmp_path / "seat.sqlite3")
    drafts = DraftStore(store, CIPHER)
    carry_out(seat.intents, store, drafts)
    seat(ev.EditField(CALL, F.CATEGORY, "举报"))
    order_id = seat.call.order_id
    saved = seat(ev.SaveDraft(CALL))
    carry_out(saved, store, drafts)
    order = store.get_order(order_id)
    assert order.caller.is_anonymous and order.caller.is_sealed()
    assert open_sealed(CIPHER, order.caller.name, order_id=order_id, field="name") == "王小明"
    assert open_sealed(CIPHER, order.caller.phone, order_id=order_id, field="phone") == NUMBER
    assert order.caller.phone_key == CIPHER.phone_key(NUMBER)
    store.close()
    for path in tmp_path.iterdir():  # no plain copy anywhere on disk: orders, outbox, drafts, WAL
        content = path.read_bytes()
        assert NUMBER.encode() not in content and "王小明".encode() not in content, path.name


def test_the_pre_fill_hearing_a_request_for_confidentiality_masks_at_once() -> None:
    seat = seat_with_call_in(CallState.TALKING)
    seat(ev.TranscriptFinal(CALL, "请 帮 我 保密 不要 留 名字"))
    seat(ev.SuggestionsArrived(CALL, caller_asked_anonymity=True, anonymity_evidence="保密"))
    assert seat.call.anonymous and seat.call.pop.shown_number == "138****8000"


def test_an_anonymous_draft_in_plain_is_refused_before_it_is_written() -> None:
    seat = seat_with_call_in(CallState.TALKING)
    record = dataclasses.replace(seat.of(AutosaveDraft)[-1].record, anonymous=True)
    with pytest.raises(PrivacyError, match="plain"):
        draft_to_json(record)


# --- restore ---------------------------------------------------------------------------------------------------


def test_a_draft_record_survives_its_json() -> None:
    seat = seat_with_call_in(CallState.TALKING)
    seat(_suggest((F.DISTRICT, "岳麓区")))
    seat(ev.EditField(CALL, F.DESCRIPTION, "路灯不亮"))
    seat(ev.MarkAnonymous(CALL))
    record = seat.of(AutosaveDraft)[-1].record
    assert draft_from_json(draft_to_json(record)) == record
    with pytest.raises(InvalidCommand, match="malformed"):
        draft_from_json('{"version": 1}')


def test_a_crash_mid_call_brings_the_typed_draft_back_on_the_next_start(tmp_path: Path) -> None:
    path = tmp_path / "seat.sqlite3"
    store = LocalStore(path)
    drafts = DraftStore(store, CIPHER)
    seat = seat_with_call_in(CallState.TALKING)
    seat(ev.RecordingStarted(CALL, "q-1.wav"))
    seat(_suggest((F.DISTRICT, "岳麓区")))
    seat(ev.EditField(CALL, F.DESCRIPTION, "楼上漏水三天了,物业不管"))
    seat(ev.EditField(CALL, F.CATEGORY, "投诉"))
    seat(ev.Tick(), after_s=6)
    carry_out(seat.intents, store, drafts)
    order_id = seat.call.order_id
    store.close()  # the desktop dies here: the session's state is gone, only the store remains

    store = LocalStore(path)
    drafts = DraftStore(store, CIPHER)
    after = Seat(at=seat.now + timedelta(minutes=3))
    after(ev.AmiConnectionRestored())
    [offer] = after(drafts_found(drafts))
    assert isinstance(offer, OfferRestore) and [d.draft_id for d in offer.drafts] == [order_id]
    assert after.state.restore_offers == offer.drafts
    after(ev.RestoreDraft(order_id))
    call = after.call
    assert call.is_after_call_work and call.end_reason is EndReason.LOST and after.state.restore_offers == ()
    assert call.field(F.DESCRIPTION).value == "楼上漏水三天了,物业不管"
    assert call.field(F.DESCRIPTION).origin is ValueOrigin.TYPED
    assert call.field(F.DISTRICT).suggestion.value == "岳麓区" and call.field(F.DISTRICT).value is None
    assert call.pop.shown_number == NUMBER and call.recording == "q-1.wav"
    done = after(ev.DispatchOrder(CALL, LEAD))
    carry_out(after.intents, store, drafts)
    assert DeleteDraft(order_id) in done and drafts.draft_ids() == []
    order = store.get_order(order_id)
    assert order.description == "楼上漏水三天了,物业不管" and order.calls[0].recording == "q-1.wav"


def test_a_declined_restore_deletes_the_draft_and_an_unknown_one_is_refused() -> None:
    seat = seat_with_call_in(CallState.TALKING)
    seat(ev.EditField(CALL, F.DESCRIPTION, "x"))
    record: DraftRecord = seat.of(AutosaveDraft)[-1].record
    fresh = Seat()
    fresh(ev.StoredDraftsLoaded((record,)))
    with pytest.raises(InvalidCommand, match="no draft"):
        fresh(ev.RestoreDraft("WO-none"))
    assert fresh(ev.DeclineRestore(record.draft_id)) == [DeleteDraft(record.draft_id)]
    assert fresh.state.restore_offers == ()


def test_a_restored_draft_joins_its_call_when_the_call_outlived_the_crash() -> None:
    seat = seat_with_call_in(CallState.TALKING)
    seat(ev.EditField(CALL, F.DESCRIPTION, "还在通话"))
    seat(ev.MarkAnonymous(CALL))
    record = seat.of(AutosaveDraft)[-1].record
    after = Seat()
    after(ev.AmiConnectionRestored())
    after(ev.CallAnswered(CALL, NUMBER, ""))  # the tracker's resync after the restart
    after(ev.StoredDraftsLoaded((record,)))
    after(ev.RestoreDraft(record.draft_id))
    call = after.call
    assert call.state is CallState.TALKING and call.field(F.DESCRIPTION).value == "还在通话"
    assert call.anonymous and call.pop.shown_number == "138****8000"
    assert not [t for t in _strings(after.state) if NUMBER in t]


def test_an_anonymous_callers_order_saved_then_edited_is_not_re_sealed_for_nothing(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "seat.sqlite3")
    drafts = DraftStore(store, CIPHER)
    seat = seat_with_call_in(CallState.TALKING)
    seat(ev.MarkAnonymous(CALL))
    seat(ev.EditField(CALL, F.CATEGORY, "举报"))
    seat(ev.EditField(CALL, F.DESCRIPTION, "小区违建"))
    seat(ev.SaveDraft(CALL))
    seat(ev.EditField(CALL, F.DESCRIPTION, "小区违建,三层"))
    seat(ev.Tick(), after_s=6)
    carry_out(seat.intents, store, drafts)
    order_id = seat.call.order_id
    # the sealed caller differs from the saved one in its nonces only: no caller edit, only the description
    [edit, _] = [i for i in seat(ev.SaveDraft(CALL)) if isinstance(i, ApplyOrderCommand | DeleteDraft)]
    assert edit.command == lc.EditFields({"description": "小区违建,三层"})

    # the same draft after a crash: the session no longer holds the saved order; the step is checked on a probe
    after = Seat(at=seat.now)
    after(drafts_found(drafts))
    after(ev.RestoreDraft(order_id))
    assert after.call.order_state is OrderState.INTAKE
    done = after(ev.DispatchOrder(CALL, LEAD))
    assert not [i for i in done if isinstance(i, OpenOrder)]
    assert "caller" not in done[0].command.changes and done[1].command == lc.Dispatch(LEAD)
    carry_out(done, store, drafts)
    order = store.get_order(order_id)
    assert order.state is OrderState.DISPATCHED and order.description == "小区违建,三层"


def test_a_seat_that_never_finishes_its_drafts_keeps_a_bounded_after_call_work_and_loses_no_draft() -> None:
    from agent_desktop.desk.session import MAX_AFTER_CALL_WORK

    seat = seat_with_call_in(CallState.TALKING)
    seat(ev.CallEnded(CALL))
    for n in range(1000):
        call_id = f"flood.{n}"
        seat(ev.CallOffered(call_id, NUMBER, "王"))
        seat(ev.CallAnswered(call_id))
        seat(ev.EditField(call_id, F.DESCRIPTION, f"第{n}个"))
        seat(ev.CallEnded(call_id))
    ended = [c for c in seat.state.calls if c.is_after_call_work]
    assert len(seat.state.calls) == len(ended) == MAX_AFTER_CALL_WORK
    assert [c.call_id for c in ended] == [f"flood.{n}" for n in range(1000 - MAX_AFTER_CALL_WORK, 1000)]
    assert seat.state.active_call.call_id == "flood.999"
    # every forgotten call's latest draft was autosaved: typed text survives for the next start
    last_saved = {i.record.call_id: i.record for i in seat.of(AutosaveDraft)}
    assert not seat.of(DeleteDraft)
    for n in (0, 500, 1000 - MAX_AFTER_CALL_WORK - 1):
        record = last_saved[f"flood.{n}"]
        assert record.call_state is CallState.ENDED
        assert record.form[list(DraftField).index(F.DESCRIPTION)].value == f"第{n}个"
    assert last_saved[CALL].call_state is CallState.ENDED
