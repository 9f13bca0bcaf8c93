"""Pre-fill feedback end to end (issue 14 part 3): seats take a simulated month's phone calls through the seat session
with a pre-fill that is sometimes wrong, their local stores push the orders over real websockets to a real central
store (SQLite, and PostgreSQL when marked), and a supervisor's `prefill evaluate` reports per-field accuracy equal to
what the simulation's agents really did. Agents and units may not read it; a malformed or oversized feedback is
refused with its code and nothing is stored; anonymous callers' personal values reach the centre only sealed."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from agent_desktop.cli import main
from agent_desktop.core import lifecycle as lc
from agent_desktop.core.errors import SyncError
from agent_desktop.core.prefill_feedback import (
    MAX_TRANSCRIPT_CHARS,
    FeedbackOutcome,
    FieldFeedback,
    PrefillFeedback,
    evaluate,
)
from agent_desktop.core.privacy import FieldCipher, seal
from agent_desktop.core.roles import Actor, Role
from agent_desktop.core.serialization import OpenWorkOrder
from agent_desktop.core.work_order import Category, Channel
from agent_desktop.desk.intents import OpenOrder
from agent_desktop.resources import load_unit_directory
from agent_desktop.simulation.month import plan_month
from agent_desktop.simulation.seat_calls import SeatCall, seat_calls
from sync import protocol
from sync.client import Backoff, SyncClient
from sync.feedback_reader import read_feedback
from sync.local_store import LocalStore
from sync.server import db
from sync.server.app import CentralServer
from tests.sync.server.conftest import Tokens
from tests.sync.server.wsclient import WsClient

CALLS = 36
CIPHER = FieldCipher.generate()


@pytest.fixture
async def server(db_url: str):  # the shared fixture, with the field key: the centre proves every seal
    central = CentralServer(db_url, cipher=CIPHER)
    await central.start()
    try:
        yield central
    finally:
        await central.stop()


def _times(now: datetime) -> list[datetime]:
    # within the centre's step age (7 days): three days, twelve calls each
    start = now - timedelta(days=5)
    return [start + timedelta(days=i // 12, minutes=25 * (i % 12)) for i in range(CALLS)]


def _calls(now: datetime) -> list[SeatCall]:
    plan = plan_month(2026, 11, count=120, seed=14, zone=ZoneInfo("Asia/Shanghai"))
    return seat_calls(plan, cipher=CIPHER, directory=load_unit_directory(), times=_times(now),
                      actor=Actor("agent-007", Role.AGENT, seat="S01"), seed=1)


def _carry_out(calls: list[SeatCall], store: LocalStore) -> None:
    for call in calls:
        for intent in call.store_intents:
            if isinstance(intent, OpenOrder):
                o = intent.opening
                store.open_order(intent.order_id, channel=o.channel, actor=intent.actor, now=intent.at,
                                 caller=o.caller, category=o.category, description=o.description, urgency=o.urgency,
                                 call=o.call, feedback=intent.feedback)
            else:
                store.apply_local(intent.order_id, intent.command, intent.actor, intent.at, feedback=intent.feedback)


async def _sync(store: LocalStore, url: str, token: str) -> None:
    client = SyncClient(store, url, token, seat="S01", backoff=Backoff(initial_s=0.05, max_s=0.5),
                        poll_interval_s=0.1)
    task = asyncio.create_task(client.run())
    try:
        status = await client.wait_synced(60)
        assert status.rejections == 0 and status.queue_depth == 0, status
    finally:
        await client.stop()
        await asyncio.wait_for(task, 10)


def _tally(calls: list[SeatCall]) -> dict[str, Counter[FeedbackOutcome]]:
    tally: dict[str, Counter[FeedbackOutcome]] = {}
    for call in calls:
        for name, outcome in call.expected.items():
            tally.setdefault(name, Counter())[outcome] += 1
    return tally


async def test_evaluate_reports_what_the_agents_changed(server: CentralServer, tokens: Tokens, tmp_path: Path) -> None:
    now = datetime.now(UTC)
    calls = _calls(now)
    assert any(c.anonymous for c in calls) and len(calls) == CALLS
    with LocalStore(tmp_path / "seat.sqlite3") as store:
        await asyncio.to_thread(_carry_out, calls, store)
        await _sync(store, server.url, tokens.agent)

    items = await read_feedback(server.url, tokens.supervisor)
    assert sorted(i.order_id for i in items) == sorted(c.order_id for c in calls)
    result = evaluate(i.feedback for i in items).to_dict()
    expected = _tally(calls)
    assert result["orders"] == CALLS
    assert set(result["fields"]) == set(expected)
    for name, counts in expected.items():
        got = result["fields"][name]
        for outcome in FeedbackOutcome:
            assert got[outcome.value] == counts[outcome], (name, outcome)
        # accuracy from the known changes: kept suggestions over every order where the field was filled or suggested
        assert got["accuracy"] == round(counts[FeedbackOutcome.ACCEPTED] / sum(counts.values()), 4)
    # the simulation's agents really did change suggestions of every kind
    assert all(sum(c[o] for c in expected.values()) > 0 for o in FeedbackOutcome)

    # anonymous callers: their name and number are at the centre only sealed, and no transcript of theirs
    anonymous = [c for c in calls if c.anonymous]
    plan = plan_month(2026, 11, count=120, seed=14, zone=ZoneInfo("Asia/Shanghai"))
    by_id = {plan.order_id(i): intake.person for i, intake in enumerate(plan.intakes)}
    with server.engine.connect() as conn:
        stored = dict(conn.execute(sa.select(db.prefill_feedback.c.order_id, db.prefill_feedback.c.payload)).all())
    for call in anonymous:
        payload = stored[call.order_id]
        person = by_id[call.order_id]
        assert person.phone not in payload and person.name not in payload, payload
        assert json.loads(payload)["transcript"] == ""
    known = next(c for c in calls if not c.anonymous)
    assert json.loads(stored[known.order_id])["transcript"]  # a known caller's words travel, for new dev cases

    # --from / --to: the seat's day of the step (the calls were taken over three days)
    first_day = _times(now)[0]
    since = first_day.replace(hour=0, minute=0, second=0, microsecond=0)
    one_day = await read_feedback(server.url, tokens.supervisor, since=since, until=since + timedelta(days=1))
    assert 0 < len(one_day) < CALLS
    assert {i.order_id for i in one_day} == {
        i.order_id for i in items if since <= i.made_at <= since + timedelta(days=1)}


async def test_only_a_supervisor_reads_the_feedback(server: CentralServer, tokens: Tokens) -> None:
    for token in (tokens.agent, tokens.unit, tokens.leader):
        with pytest.raises(SyncError) as refused:
            await read_feedback(server.url, token)
        assert refused.value.code == "role_not_allowed"
    assert await read_feedback(server.url, tokens.supervisor) == []


def _feedback_push(order_id: str, feedback: dict) -> str:
    push = protocol.Push(op_id=protocol.new_op_id(), order_id=order_id, base_version=0,
                         command=OpenWorkOrder(channel=Channel.PHONE, category=Category.HELP, description="停水"),
                         made_at=datetime.now(UTC))
    data = protocol.to_dict(push)
    data["feedback"] = feedback
    return json.dumps(data, ensure_ascii=False), push.op_id


def _good() -> dict:
    return {"version": 1, "anonymous": False, "transcript": "我们 小区 停水 了",
            "fields": [{"field": "category", "outcome": "accepted", "suggested": "求助", "final": "求助",
                        "evidence": "停水"}]}


@pytest.mark.parametrize(("change", "code"), [
    (lambda d: d.update(transcript="停" * (MAX_TRANSCRIPT_CHARS + 1)), "bad_feedback"),
    (lambda d: d["fields"][0].update(evidence="停" * 201), "bad_feedback"),
    (lambda d: d["fields"].extend([d["fields"][0]] * 11), "bad_feedback"),
    (lambda d: d["fields"][0].update(field="password"), "bad_feedback"),
    (lambda d: d["fields"][0].update(outcome="typed_without_suggestion"), "bad_feedback"),
    (lambda d: d.update(extra=1), "bad_feedback"),
    (lambda d: d.update(fields="all"), "bad_feedback"),
    (lambda d: d.update(anonymous=True), "not_sealed"),  # an anonymous caller's transcript
    (lambda d: d.update(anonymous=True, transcript="", fields=[
        {"field": "caller_phone", "outcome": "typed_without_suggestion", "suggested": None,
         "final": "13812348000", "evidence": ""}]), "not_sealed"),
    (lambda d: d.update(anonymous=True, transcript="", fields=[
        {"field": "caller_phone", "outcome": "typed_without_suggestion", "suggested": None,
         "final": {"ciphertext": "v1:AAAA", "masked": "13812348000"}, "evidence": ""}]), "bad_seal"),
])
async def test_a_bad_feedback_is_refused_and_nothing_is_stored(server: CentralServer, tokens: Tokens, change,
                                                               code: str) -> None:
    feedback = _good()
    change(feedback)
    client = await WsClient.open(server.url, tokens.agent)
    try:
        text, op_id = _feedback_push("WO-FB-1", feedback)
        await client.send_raw(text)
        answer = await client.answer(op_id)
        assert isinstance(answer, protocol.Reject) and answer.code == code
        # a good one after it goes through: the connection and the order id are untouched
        text, op_id = _feedback_push("WO-FB-1", _good())
        await client.send_raw(text)
        assert isinstance(await client.answer(op_id), protocol.Ack)
    finally:
        await client.close()
    with server.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(db.prefill_feedback)).scalar_one() == 1
        assert conn.execute(sa.select(sa.func.count()).select_from(db.operations)).scalar_one() == 1


async def test_a_seal_that_does_not_open_for_the_order_is_refused(server: CentralServer, tokens: Tokens) -> None:
    """Well-formed but sealed for another order: only the centre's key can tell, and it does."""
    other = seal(CIPHER, "13812348000", order_id="WO-ELSEWHERE", field="phone")
    feedback = PrefillFeedback(True, (FieldFeedback("caller_phone", FeedbackOutcome.TYPED, None, other),))
    client = await WsClient.open(server.url, tokens.agent)
    try:
        push = protocol.Push(op_id=protocol.new_op_id(), order_id="WO-FB-2", base_version=0,
                             command=OpenWorkOrder(channel=Channel.PHONE, category=Category.HELP, description="x"),
                             made_at=datetime.now(UTC), feedback=feedback)
        await client.send(push)
        answer = await client.answer(push.op_id)
        assert isinstance(answer, protocol.Reject) and answer.code == "bad_seal"
    finally:
        await client.close()
    assert server.store.order("WO-FB-2") is None


async def test_a_unit_sends_no_feedback(server: CentralServer, tokens: Tokens) -> None:
    client = await WsClient.open(server.url, tokens.leader)
    try:
        text, op_id = _feedback_push("WO-FB-3", _good())
        await client.send_raw(text)
        # a leader seat takes calls: its feedback is welcome
        assert isinstance(await client.answer(op_id), protocol.Ack)
    finally:
        await client.close()
    client = await WsClient.open(server.url, tokens.supervisor)
    try:
        text, op_id = _feedback_push("WO-FB-4", _good())
        await client.send_raw(text)
        answer = await client.answer(op_id)
        assert isinstance(answer, protocol.Reject) and answer.code == "feedback_not_allowed"
    finally:
        await client.close()
    assert server.store.order("WO-FB-4") is None


async def test_every_step_is_kept_and_a_period_takes_each_orders_latest_step_within_it(
        server: CentralServer, tokens: Tokens) -> None:
    """An order saved on Monday (category accepted) and again on Wednesday (the agent changed it): both steps are
    kept; Monday's figures still hold Monday's save, the whole week's the order as last saved, each order once."""
    now = datetime.now(UTC)
    monday, wednesday = now - timedelta(days=3), now - timedelta(days=1)
    first = PrefillFeedback(False, (FieldFeedback("category", FeedbackOutcome.ACCEPTED, "求助", "求助", "停水"),),
                            "我们 小区 停水 了")
    second = PrefillFeedback(False, (FieldFeedback("category", FeedbackOutcome.OVERRIDDEN, "求助", "投诉", "停水"),),
                             "我们 小区 停水 了 物业 也 不 管")
    client = await WsClient.open(server.url, tokens.agent)
    try:
        opening = protocol.Push(op_id=protocol.new_op_id(), order_id="WO-FB-9", base_version=0,
                                command=OpenWorkOrder(channel=Channel.PHONE, category=Category.HELP,
                                                      description="停水"), made_at=monday, feedback=first)
        await client.send(opening)
        assert isinstance(await client.answer(opening.op_id), protocol.Ack)
        # (based on version 0, as an offline seat sends it: the centre had no version when the seat acted)
        edit = protocol.Push(op_id=protocol.new_op_id(), order_id="WO-FB-9", base_version=0,
                             command=lc.EditFields({"category": Category.COMPLAINT}), made_at=wednesday,
                             feedback=second)
        await client.send(edit)
        assert isinstance(await client.answer(edit.op_id), protocol.Ack)
    finally:
        await client.close()
    with server.engine.connect() as conn:
        rows = conn.execute(sa.select(db.prefill_feedback.c.version, db.prefill_feedback.c.op_id)
                            .order_by(db.prefill_feedback.c.version)).all()
    assert [(r.version, r.op_id) for r in rows] == [(1, opening.op_id), (2, edit.op_id)]

    [week] = await read_feedback(server.url, tokens.supervisor, since=monday - timedelta(hours=1), until=now)
    assert week.feedback == second and evaluate([week.feedback]).to_dict()["fields"]["category"]["overridden"] == 1
    [on_monday] = await read_feedback(server.url, tokens.supervisor, since=monday - timedelta(hours=1),
                                      until=monday + timedelta(hours=1))
    assert on_monday.feedback == first and on_monday.made_at == monday
    assert await read_feedback(server.url, tokens.supervisor, since=now - timedelta(hours=12)) == []


async def test_the_cli_prints_the_figures_and_exports_masked_cases(server: CentralServer, tokens: Tokens,
                                                                   tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    now = datetime.now(UTC)
    calls = _calls(now)
    with LocalStore(tmp_path / "seat.sqlite3") as store:
        await asyncio.to_thread(_carry_out, calls, store)
        await _sync(store, server.url, tokens.agent)
    token_file = tmp_path / "supervisor.token"
    token_file.write_text(tokens.supervisor, encoding="utf-8")
    token_file.chmod(0o600)
    export = tmp_path / "disagreements.jsonl"
    code = await asyncio.to_thread(main, ["prefill", "evaluate", "--center", server.url, "--token-file",
                                          str(token_file), "--json", "--export", str(export)])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    tally = _tally(calls)
    accepted = sum(c[FeedbackOutcome.ACCEPTED] for c in tally.values())
    assert data["orders"] == CALLS
    assert data["overall_accuracy"] == round(accepted / sum(sum(c.values()) for c in tally.values()), 4)
    cases = [json.loads(line) for line in export.read_text(encoding="utf-8").splitlines()]
    disputed = [c for c in calls if not c.anonymous
                and any(o is not FeedbackOutcome.ACCEPTED for o in c.expected.values())]
    assert sorted(case["id"] for case in cases) == sorted(f"fb-{c.order_id}" for c in disputed)
    plan = plan_month(2026, 11, count=120, seed=14, zone=ZoneInfo("Asia/Shanghai"))
    phones = {intake.person.phone for intake in plan.intakes}
    text = export.read_text(encoding="utf-8")
    assert not any(p in text for p in phones)  # masked: no caller's number in a case
    case = cases[0]
    assert set(case) >= {"id", "split", "style", "text", "expected"} and case["text"]

    # an agent's token is refused with the centre's code
    agent_file = tmp_path / "agent.token"
    agent_file.write_text(tokens.agent, encoding="utf-8")
    agent_file.chmod(0o600)
    code = await asyncio.to_thread(main, ["prefill", "evaluate", "--center", server.url, "--token-file",
                                          str(agent_file)])
    assert code != 0
    assert "may not read pre-fill feedback" in capsys.readouterr().err


def test_the_feedback_of_a_store_at_0004_survives_the_upgrade_with_its_steps_version(db_url: str) -> None:
    """A centre that kept one feedback per order (0003) is upgraded in place: each row becomes its step's, with
    the version its operation made."""
    engine = db.create_engine(db_url)
    config = Config()
    config.set_main_option("script_location", str(db.MIGRATIONS_DIR))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0004")
    made = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    payload = json.dumps(_good(), ensure_ascii=False)
    with engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO operations (op_id, kind, entity_id, action, user_id, made_at, received_at, status, version, "
            "command) VALUES ('op-1', 'order', 'WO-OLD', 'edit', 'agent-007', :made, :made, 'applied', 3, '{}')"),
            {"made": made})
        conn.execute(sa.text(
            "INSERT INTO prefill_feedback (order_id, op_id, user_id, seat, made_at, stored_at, payload) "
            "VALUES ('WO-OLD', 'op-1', 'agent-007', 'S01', :made, :made, :payload)"),
            {"made": made, "payload": payload})
    assert db.migrate(engine) == "0005"
    with engine.connect() as conn:
        rows = conn.execute(sa.select(db.prefill_feedback)).all()
        assert not sa.inspect(conn).has_table("prefill_feedback")
    assert [(r.order_id, r.version, r.op_id, r.seat, r.payload) for r in rows] == [
        ("WO-OLD", 3, "op-1", "S01", payload)]
    engine.dispose()
