"""The survey's schedule in a real central store (SQLite and PostgreSQL), through the survey user's own messages:
calling windows, retries, one call per number, the lease after a crash, the survey role's least privilege, the
centre's clock (72 hours, manual revisits on working days around the 2026 National Day holiday)."""

from __future__ import annotations

import asyncio
from datetime import time, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from agent_desktop.core import lifecycle as lc
from agent_desktop.core.errors import SyncError
from agent_desktop.core.survey import AttemptOutcome, Window
from agent_desktop.core.work_order import OrderState, Rating
from sync import protocol
from sync.server import db
from sync.server.app import CentralServer
from sync.survey_client import SurveyClient
from tests.survey.harness import attempts, central, job, local, order_of, seed_completed, survey_settings, utc
from tests.sync.server.wsclient import WsClient


async def test_orders_are_called_only_inside_the_windows(db_url: str) -> None:
    async with central(db_url, local(2026, 9, 29, 7, 0)) as rig:
        client = await rig.client()
        # completion + 30 min: 08:30 (before the morning window), 12:20 (lunch), 20:40 (after the evening window)
        for order_id, done in (("WO-MORNING", local(2026, 9, 29, 8, 0)), ("WO-NOON", local(2026, 9, 29, 11, 50)),
                               ("WO-NIGHT", local(2026, 9, 29, 20, 10))):
            seed_completed(rig.server, rig.clock, order_id, f"1380000{len(order_id):04d}", done)
        expected = {"WO-MORNING": local(2026, 9, 29, 9, 0), "WO-NOON": local(2026, 9, 29, 14, 0),
                    "WO-NIGHT": local(2026, 9, 30, 9, 0)}
        called: dict[str, object] = {}
        moment = local(2026, 9, 29, 8, 0)
        while moment < local(2026, 9, 30, 12, 0):  # every 10 minutes for a day and a half
            rig.clock.set(moment)
            for claim in await client.claim(8):
                called[claim.order_id] = moment
                await client.finish(claim.attempt_id, AttemptOutcome.RATED, "1", "survey-x.wav")
            moment += timedelta(minutes=10)
        assert called == expected
        status = await client.status()
        assert status["queued"] == 0 and status["in_window"] is True


async def test_holiday_windows_apply_on_statutory_holidays_only(db_url: str) -> None:
    settings = survey_settings(holiday_windows=(Window(time(10), time(11)),))
    async with central(db_url, local(2026, 10, 2, 9, 0), settings) as rig:
        client = await rig.client()
        seed_completed(rig.server, rig.clock, "WO-HOLIDAY", "13800001111", local(2026, 10, 2, 8, 0))
        rig.clock.set(local(2026, 10, 2, 9, 45))  # inside the ordinary window, not the holiday's
        assert await client.claim(8) == []
        rig.clock.set(local(2026, 10, 2, 10, 0))
        assert [c.order_id for c in await client.claim(8)] == ["WO-HOLIDAY"]


async def test_retries_follow_the_settings_inside_the_windows(db_url: str) -> None:
    settings = survey_settings(max_attempts=3, retry_interval=timedelta(hours=2))
    async with central(db_url, local(2026, 9, 29, 9, 0), settings) as rig:
        client = await rig.client()
        seed_completed(rig.server, rig.clock, "WO-BUSY", "13800002222", local(2026, 9, 29, 9, 0))
        rig.clock.set(local(2026, 9, 29, 9, 30))
        (first,) = await client.claim(8)
        rig.clock.set(local(2026, 9, 29, 9, 31))
        answer = await client.finish(first.attempt_id, AttemptOutcome.BUSY, None, None)
        assert answer["job_state"] == "queued"
        # 09:31 + 2 h = 11:31, inside the morning window
        rig.clock.set(local(2026, 9, 29, 11, 30))
        assert await client.claim(8) == []
        rig.clock.set(local(2026, 9, 29, 11, 31))
        (second,) = await client.claim(8)
        assert second.attempt_no == 2
        rig.clock.set(local(2026, 9, 29, 11, 32))
        await client.finish(second.attempt_id, AttemptOutcome.NO_DIGIT, "7", "survey-2.wav")
        # 13:32 lies in the lunch break: the retry waits for 14:00
        rig.clock.set(local(2026, 9, 29, 13, 59))
        assert await client.claim(8) == []
        rig.clock.set(local(2026, 9, 29, 14, 0))
        (third,) = await client.claim(8)
        await client.finish(third.attempt_id, AttemptOutcome.CONGESTION, None, None)
        rig.clock.set(local(2026, 9, 30, 14, 0))
        assert await client.claim(8) == []
        assert job(rig.server, "WO-BUSY").state == "exhausted"
        assert [a.outcome for a in attempts(rig.server, "WO-BUSY")] == ["busy", "no_digit", "congestion"]
        order = order_of(rig.server, "WO-BUSY")
        # the visit started once per attempt; the 72 hours run from the first (第26条)
        assert [h.action for h in order.history].count("start_revisit") == 3
        assert order.rating_deadline == utc(local(2026, 9, 29, 9, 30)) + timedelta(hours=72)


async def test_one_number_is_never_in_two_calls_at_once(db_url: str) -> None:
    async with central(db_url, local(2026, 9, 29, 9, 0)) as rig:
        client = await rig.client()
        for order_id in ("WO-A", "WO-B"):
            seed_completed(rig.server, rig.clock, order_id, "13800003333", local(2026, 9, 29, 8, 0))
        rig.clock.set(local(2026, 9, 29, 9, 30))
        first = await client.claim(8)
        assert len(first) == 1
        assert await client.claim(8) == []  # the same citizen is still on the line
        await client.finish(first[0].attempt_id, AttemptOutcome.RATED, "1", "r.wav")
        second = await client.claim(8)
        assert [c.order_id for c in second] != [first[0].order_id] and len(second) == 1


async def test_the_channel_cap_and_the_pace_hold_across_dialers(db_url: str) -> None:
    settings = survey_settings(channels=3, calls_per_minute=5)
    async with central(db_url, local(2026, 9, 29, 9, 0), settings) as rig:
        one, two = await rig.client(), await rig.client()
        for i in range(10):
            seed_completed(rig.server, rig.clock, f"WO-{i}", f"139000000{i:02d}", local(2026, 9, 29, 8, 0))
        rig.clock.set(local(2026, 9, 29, 9, 30))
        mine, theirs = await one.claim(8), await two.claim(8)
        assert len(mine) + len(theirs) == 3  # N = 3 at once, whoever asks
        if theirs:
            with pytest.raises(SyncError) as foreign:  # an attempt is reported by the dialer holding it
                await one.finish(theirs[0].attempt_id, AttemptOutcome.RATED, "2", None)
            assert foreign.value.code == "not_your_attempt"
        # finishing frees channels, but M = 5 a minute: only two more within this minute
        for client, claims in ((one, mine), (two, theirs)):
            for claim in claims:
                await client.finish(claim.attempt_id, AttemptOutcome.RATED, "2", None)
        more = await one.claim(8) + await two.claim(8)
        assert len(more) == 2
        rig.clock.set(local(2026, 9, 29, 9, 31, 1))
        assert len(await two.claim(8)) == 1  # a channel is free again, and a new minute began


async def test_a_dialer_lost_mid_call_neither_loses_nor_repeats_the_attempt(db_url: str) -> None:
    settings = survey_settings(lease=timedelta(minutes=5), retry_interval=timedelta(minutes=30))
    async with central(db_url, local(2026, 9, 29, 9, 0), settings) as rig:
        crashed = await rig.client()
        seed_completed(rig.server, rig.clock, "WO-CRASH", "13800004444", local(2026, 9, 29, 8, 0))
        rig.clock.set(local(2026, 9, 29, 9, 30))
        (claim,) = await crashed.claim(8)
        await crashed.close()  # killed mid-call: never reports
        restarted = await rig.client()
        rig.clock.set(local(2026, 9, 29, 9, 34))
        assert await restarted.claim(8) == []  # the lease still runs: nobody calls the order again
        rig.clock.set(local(2026, 9, 29, 9, 36))
        assert await restarted.claim(8) == []  # lease over: counted as interrupted, the retry waits its interval
        assert [(a.attempt_no, a.outcome) for a in attempts(rig.server, "WO-CRASH")] == [(1, "interrupted")]
        rig.clock.set(local(2026, 9, 29, 10, 6))
        (retry,) = await restarted.claim(8)
        assert (retry.order_id, retry.attempt_no) == ("WO-CRASH", 2)
        await restarted.finish(retry.attempt_id, AttemptOutcome.RATED, "1", "survey-ok.wav")
        # a late or repeated report changes nothing and rates nothing twice
        again = await restarted.finish(retry.attempt_id, AttemptOutcome.RATED, "3", "other.wav")
        assert again["duplicate"] is True and again["outcome"] == "rated"
        late = await restarted.finish(claim.attempt_id, AttemptOutcome.RATED, "3", None)
        assert late["duplicate"] is True and late["outcome"] == "interrupted"
        order = order_of(rig.server, "WO-CRASH")
        assert order.state is OrderState.CLOSED and order.rating is Rating.SATISFIED
        assert [h.action for h in order.history].count("record_rating") == 1


async def test_the_survey_user_may_do_nothing_else(db_url: str) -> None:
    async with central(db_url, local(2026, 9, 29, 9, 0)) as rig:
        seed_completed(rig.server, rig.clock, "WO-1", "13800005555", local(2026, 9, 29, 8, 0))
        agent_token = rig.server.store.add_user("agent-x", "agent")
        supervisor_token = rig.server.store.add_user("sup-x", "supervisor")
        survey = await WsClient.open(rig.server.url, rig.token, seat=None)
        before = order_of(rig.server, "WO-1")
        # every lifecycle step pushed directly is refused, the visit's own steps too: only through its claims
        for command in (lc.RecordRating(Rating.SATISFIED), lc.StartRevisit(), lc.RatingTimeout(),
                        lc.OpenSupervision(lc.SupervisionTrigger.OVERDUE, lc.SupervisionMeans.PHONE_CHASE),
                        lc.Sign(), lc.EditFields({"description": "改"})):
            answer = await survey.push("WO-1", command, base_version=4)
            assert isinstance(answer, protocol.Reject) and answer.code == "role_not_allowed", answer
        assert order_of(rig.server, "WO-1") == before
        # it receives no orders from the change feed
        await asyncio.sleep(0.2)
        assert survey.changes() == []
        # pre-fill feedback is the supervisors'
        await survey.send(protocol.FeedbackRead(request_id="0c6f1a52-2d1c-4a5e-8a70-1b8d0e7a1d11"))
        refused = await survey.wait_for(lambda m: isinstance(m, protocol.Error))
        assert refused.code == "role_not_allowed"
        await survey.close()
        # and the survey verbs are its own: an agent may not claim, a supervisor may only read the status
        for token, verb, allowed in ((agent_token, protocol.SurveyVerb.CLAIM, False),
                                     (agent_token, protocol.SurveyVerb.STATUS, False),
                                     (supervisor_token, protocol.SurveyVerb.CLAIM, False),
                                     (supervisor_token, protocol.SurveyVerb.FINISH, False),
                                     (supervisor_token, protocol.SurveyVerb.STATUS, True)):
            other = SurveyClient(rig.server.url, token)
            try:
                if allowed:
                    assert "queued" in await other.request(verb)
                else:
                    with pytest.raises(SyncError) as info:
                        await other.request(verb, {"limit": 1})
                    assert info.value.code == "role_not_allowed"
            finally:
                await other.close()
        assert attempts(rig.server) == []


async def test_the_72_hours_and_the_manual_revisit_fall_on_the_right_days_around_national_day(db_url: str) -> None:
    async with central(db_url, local(2026, 9, 30, 9, 0)) as rig:
        client = await rig.client()
        for order_id, phone in (("WO-SILENT", "13800006661"), ("WO-UNHAPPY", "13800006662"),
                                ("WO-VACANT", "13800006663")):
            seed_completed(rig.server, rig.clock, order_id, phone, local(2026, 9, 30, 9, 0))
        rig.clock.set(local(2026, 9, 30, 9, 30))
        claims = {c.order_id: c for c in await client.claim(8)}
        rig.clock.set(local(2026, 9, 30, 9, 32))
        await client.finish(claims["WO-SILENT"].attempt_id, AttemptOutcome.NO_ANSWER, None, None)
        await client.finish(claims["WO-UNHAPPY"].attempt_id, AttemptOutcome.RATED, "3", "survey-unhappy.wav")
        await client.finish(claims["WO-VACANT"].attempt_id, AttemptOutcome.NUMBER_VACANT, None, "survey-vacant.wav")
        # 不满意 and 空号 on 30 September: due at the close of the next working day, 8 October (1–7 October off)
        for order_id in ("WO-UNHAPPY", "WO-VACANT"):
            order = order_of(rig.server, order_id)
            assert order.state is OrderState.MANUAL_REVISIT
            assert order.revisit_due == local(2026, 10, 8, 17, 30)
        # the seats and supervisors get the task through the change feed: state, due time, the call's recording
        agent = await WsClient.open(rig.server.url, rig.server.store.add_user("agent-y", "agent"), seat="A01")
        task = await agent.wait_for(lambda m: isinstance(m, protocol.Change) and m.order_id == "WO-UNHAPPY"
                                    and m.order.state is OrderState.MANUAL_REVISIT)
        assert task.order.revisit_due == local(2026, 10, 8, 17, 30)
        assert task.order.revisits[-1].evidence == "survey-unhappy.wav"
        await agent.close()
        vacant = order_of(rig.server, "WO-VACANT")
        assert vacant.revisits[-1].evidence == "survey-vacant.wav" and vacant.revisits[-1].note == "空号"
        assert vacant.rating is None
        # the silent one: the centre's clock, not the dialer, applies the 72 hours (from the first attempt 09:30)
        await rig.server.run_clock(utc(local(2026, 10, 3, 9, 29)))
        assert order_of(rig.server, "WO-SILENT").state is OrderState.REVISITING
        rig.clock.set(local(2026, 10, 3, 9, 31))
        counts = await rig.server.run_clock(rig.clock.now)
        assert counts["applied"] == 1
        silent = order_of(rig.server, "WO-SILENT")
        assert silent.state is OrderState.CLOSED and silent.rating is Rating.BASICALLY_SATISFIED
        assert silent.revisits[-1].deemed is True
        again = await rig.server.run_clock(rig.clock.now)
        assert again["applied"] == 0
        assert [h.action for h in order_of(rig.server, "WO-SILENT").history].count("rating_timeout") == 1


async def test_two_server_processes_rate_and_time_out_once(db_url: str, tmp_path: Path) -> None:
    async with central(db_url, local(2026, 9, 29, 9, 0)) as rig:
        other = CentralServer(db_url, clock=rig.clock, clock_interval_s=0,
                              survey_settings=rig.server.survey.policy.settings)
        await other.start()
        try:
            for i in range(6):
                seed_completed(rig.server, rig.clock, f"WO-{i}", f"1370000000{i}", local(2026, 9, 29, 8, 0))
            rig.clock.set(local(2026, 9, 29, 9, 30))
            one, two = await rig.client(), SurveyClient(other.url, rig.token)
            rig.clients.append(two)
            got = await asyncio.gather(one.claim(4), two.claim(4))
            ids = [c.attempt_id for batch in got for c in batch]
            assert len(ids) == len(set(ids)) == 6
            # each finish reported to both servers (a retry after a lost answer): applied once
            for claim, owner, stranger in [(c, one, two) for c in got[0]] + [(c, two, one) for c in got[1]]:
                await owner.finish(claim.attempt_id, AttemptOutcome.NO_ANSWER, None, None)
                again = await stranger.finish(claim.attempt_id, AttemptOutcome.RATED, "3", None)
                assert again["duplicate"] is True and again["outcome"] == "no_answer"
            # both processes' clocks tick at the deadline at once: each timeout is applied once
            rig.clock.set(rig.clock.now + timedelta(hours=72, minutes=1))
            at = rig.clock.now
            results = await asyncio.gather(rig.server.run_clock(at), other.run_clock(at))
            assert sum(r["applied"] for r in results) == 6
            for i in range(6):
                order = order_of(rig.server, f"WO-{i}")
                assert order.state is OrderState.CLOSED
                assert [h.action for h in order.history].count("rating_timeout") == 1
            # the lease: only one process holds the clock at a time
            assert rig.server.centre_clock.acquire(at, 30) is True
            assert other.centre_clock.acquire(at, 30) is False
            assert other.centre_clock.acquire(at + timedelta(seconds=61), 30) is True
        finally:
            await other.stop()


async def test_the_centres_clock_runs_by_itself_in_one_of_two_processes(db_url: str) -> None:
    async with central(db_url, local(2026, 9, 29, 9, 0)) as rig:
        client = await rig.client()
        seed_completed(rig.server, rig.clock, "WO-T", "13800008888", local(2026, 9, 29, 8, 0))
        rig.clock.set(local(2026, 9, 29, 9, 30))
        (claim,) = await client.claim(8)
        await client.finish(claim.attempt_id, AttemptOutcome.NO_ANSWER, None, None)
        rig.clock.set(local(2026, 10, 2, 9, 31))  # 72 hours and a minute after the first attempt
        processes = [CentralServer(db_url, clock=rig.clock, clock_interval_s=0.1, server_id=f"p{i}")
                     for i in (1, 2)]
        for process in processes:
            await process.start()
        try:
            for _ in range(100):
                if order_of(rig.server, "WO-T").state is OrderState.CLOSED:
                    break
                await asyncio.sleep(0.05)
            await asyncio.sleep(0.5)  # both keep ticking: nothing more happens
            order = order_of(rig.server, "WO-T")
            assert order.state is OrderState.CLOSED and order.rating is Rating.BASICALLY_SATISFIED
            assert [h.action for h in order.history].count("rating_timeout") == 1
            assert order.history[-1].actor_id == "centre-clock"
            with rig.server.engine.connect() as conn:
                owner = conn.execute(sa.select(db.server_jobs.c.owner)).scalar_one()
            assert owner in ("p1", "p2")
        finally:
            for process in processes:
                await process.stop()


async def test_the_clock_raises_each_warning_once_to_those_who_may_see_it(db_url: str) -> None:
    from agent_desktop.core.serialization import OpenWorkOrder
    from agent_desktop.core.work_order import Caller, Category, Channel
    from sync.server.store import Submitted
    from tests.survey.harness import AGENT, UNIT

    async with central(db_url, local(2026, 9, 30, 10, 0)) as rig:
        at = rig.clock.now
        for version, command in enumerate((OpenWorkOrder(Channel.PHONE, caller=Caller(phone="13800009999"),
                                                         category=Category.COMPLAINT, description="路灯不亮"),
                                           lc.Dispatch(UNIT))):
            push = protocol.Push(op_id=f"00000000-0000-4000-8000-00000000000{version}", order_id="WO-W",
                                 base_version=version, command=command, made_at=at)
            (outcome,) = rig.server.store.apply_batch([Submitted(AGENT, "S01", push, at)])
            assert outcome.applied
        store = rig.server.store
        agent = await WsClient.open(rig.server.url, store.add_user("agent-w", "agent"), seat="A02")
        lead = await WsClient.open(rig.server.url, store.add_user("unit-w", "unit", UNIT), seat=None)
        other = await WsClient.open(rig.server.url, store.add_user("unit-o", "unit", "长沙水业集团"), seat=None)
        # signing is due by the close of the next working day: 8 October 17:30 (1–7 October are the holiday)
        rig.clock.set(local(2026, 10, 8, 17, 31))
        first = await rig.server.run_clock(rig.clock.now)
        second = await rig.server.run_clock(rig.clock.now)
        assert first["warnings"] >= 1 and second["warnings"] == 0
        for desk in (agent, lead):
            notice = await desk.wait_for(lambda m: isinstance(m, protocol.WarningNotice)
                                         and m.kind == "sign_overdue")
            assert notice.order_ids == ("WO-W",) and notice.message
        await asyncio.sleep(0.3)
        assert not any(isinstance(m, protocol.WarningNotice) for m in other.received)
        notices = [m for m in agent.received if isinstance(m, protocol.WarningNotice) and m.kind == "sign_overdue"]
        assert len(notices) == 1
        for desk in (agent, lead, other):
            await desk.close()


async def test_the_claim_takes_in_orders_from_the_change_log_after_its_first_look(db_url: str) -> None:
    """After a process's first look at the orders, a claim reads only the orders whose changes came since its place
    in the change log: the orders table is never scanned again, and an order completed meanwhile is still taken in
    (a second server process starts with its own first look and takes in nothing twice)."""
    async with central(db_url, local(2026, 9, 29, 10, 0)) as rig:
        client = await rig.client()
        for i in (1, 2, 3):
            seed_completed(rig.server, rig.clock, f"WO-{i}", f"1380000000{i}", local(2026, 9, 29, 9, 0))
        assert {c.order_id for c in await client.claim(8)} == {"WO-1", "WO-2", "WO-3"}
        looked: list[str] = []

        def on_execute(*args: object) -> None:  # (conn, cursor, statement, parameters, context, executemany)
            statement, parameters = str(args[2]), args[3]
            if statement.lstrip().upper().startswith("SELECT") and "survey_jobs" in statement \
                    and "FROM orders" in statement:
                looked.append(f"{statement} {parameters}")

        sa.event.listen(rig.server.engine, "before_cursor_execute", on_execute)
        try:
            seed_completed(rig.server, rig.clock, "WO-4", "13800000004", local(2026, 9, 29, 9, 30))
            assert [c.order_id for c in await client.claim(8)] == ["WO-4"]
            assert await client.claim(8) == []
        finally:
            sa.event.remove(rig.server.engine, "before_cursor_execute", on_execute)
        taking_in = [s for s in looked if "NOT (EXISTS" in s or "NOT EXISTS" in s]
        # two claims, each reading only the orders named by the changes since the last (the visits the claim before
        # started are changes too), never the whole table
        assert len(taking_in) == 2 and all("orders.order_id IN" in s for s in taking_in)
        assert "WO-4" in taking_in[0]
        assert "WO-4" in taking_in[1] and "WO-1" not in taking_in[1]
        second = CentralServer(rig.server.db_url, clock=rig.clock, survey_settings=survey_settings(),
                               clock_interval_s=0)
        await second.start()
        try:
            token = second.store.add_user("survey-2", "survey")
            other = SurveyClient(second.url, token)
            assert await other.claim(8) == []  # its first look takes nothing in twice
            await other.close()
        finally:
            await second.stop()
        with rig.server.engine.connect() as conn:
            assert conn.execute(sa.select(sa.func.count()).select_from(db.survey_jobs)).scalar_one() == 4
