"""The manual return visit (人工回访, 第26条) from the seat: the desk turns the agent's rating and note into the
lifecycle's manual-revisit step, which the core accepts from a seat agent (and closes the order with the visit);
the task of "my tasks" carries the automated call's recording."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from agent_desktop.core import lifecycle as lc
from agent_desktop.core.errors import InvalidCommand
from agent_desktop.core.work_order import OrderState, Rating, RevisitChannel
from agent_desktop.desk import events as ev
from agent_desktop.desk.intents import ApplyOrderCommand
from agent_desktop.desk.tasks import TaskKind, my_tasks, visit_recording
from tests.agent_desktop.core.lifecycle_fixtures import CTX, walk
from tests.agent_desktop.desk.desk_fixtures import Seat

RECORDING = "survey-13800138000-1795702525.17.wav"


def manual_revisit_order():
    order, now = walk(OrderState.MANUAL_REVISIT)
    last = order.revisits[-1]
    return replace(order, revisits=(*order.revisits[:-1], replace(last, evidence=RECORDING))), now


def test_unsatisfied_with_a_note_confirms_the_rating_and_the_core_closes_the_order() -> None:
    order, now = manual_revisit_order()
    seat = Seat(at=now)
    intents = seat(ev.RecordRevisit(order.order_id, Rating.UNSATISFIED, "  路灯仍未修好,\n诉求人仍不满意 "))
    (apply,) = [i for i in intents if isinstance(i, ApplyOrderCommand)]
    assert isinstance(apply.command, lc.ConfirmRating) and apply.command.note == "路灯仍未修好, 诉求人仍不满意"
    # the step as the seat's store applies it: a seat agent may take it, and the visit is on the order
    closed = lc.apply(order, apply.command, apply.actor, apply.at, CTX)
    assert closed.state is OrderState.CLOSED and closed.rating is Rating.UNSATISFIED
    visit = closed.revisits[-1]
    assert visit.channel is RevisitChannel.MANUAL and visit.note == "路灯仍未修好, 诉求人仍不满意"
    # the desk follows the order's answer from the centre like its other saved orders
    assert [n.order_id for n in seat.state.orders] == [order.order_id]


def test_a_better_rating_changes_it_with_the_reason() -> None:
    order, now = manual_revisit_order()
    seat = Seat(at=now)
    (apply,) = seat(ev.RecordRevisit(order.order_id, Rating.BASICALLY_SATISFIED, "已修复,误按3"))
    assert isinstance(apply.command, lc.ChangeRating) and apply.command.reason == "已修复,误按3"
    closed = lc.apply(order, apply.command, apply.actor, apply.at, CTX)
    assert closed.state is OrderState.CLOSED and closed.rating is Rating.BASICALLY_SATISFIED


@pytest.mark.parametrize(("rating", "code"), [(Rating.UNSATISFIED, "revisit_note_required"),
                                              (Rating.SATISFIED, "reason_required")])
def test_no_note_no_step(rating: Rating, code: str) -> None:
    order, now = manual_revisit_order()
    seat = Seat(at=now)
    with pytest.raises(InvalidCommand) as refused:
        seat(ev.RecordRevisit(order.order_id, rating, "  "))
    assert refused.value.code == code and refused.value.details["article"] == "第26条"
    assert seat.intents == [] and seat.state.orders == ()


def test_sending_back_for_redo_stays_the_centres() -> None:
    order, now = manual_revisit_order()
    with pytest.raises(lc.TransitionRefused) as refused:
        lc.apply(order, lc.SendBackForRedo("再办"), Seat().state.settings.actor, now, CTX)
    assert refused.value.article == "第33条"


def test_the_task_carries_the_automated_calls_recording() -> None:
    order, now = manual_revisit_order()
    (task,) = my_tasks([order], now=now + timedelta(hours=1), ctx=CTX)
    assert task.kind is TaskKind.MANUAL_REVISIT and task.recording == RECORDING
    # evidence that is no recording (a DTMF log) is nothing to play
    plain, _ = walk(OrderState.MANUAL_REVISIT)
    assert visit_recording(plain) is None
