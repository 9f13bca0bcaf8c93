"""Anonymous callers' return visits through the real `agent-desktop server` command holding the field key
(`--field-key`): the survey dialer gets the opened number for the attempt it claimed and nothing of it is stored or
logged at the centre; a forged seal is refused. SQLite and PostgreSQL, the simulator PBX playing the citizen."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from agent_desktop.core import lifecycle as lc
from agent_desktop.core.privacy import FieldCipher, seal_caller
from agent_desktop.core.serialization import OpenWorkOrder
from agent_desktop.core.work_order import (
    Caller,
    Category,
    Channel,
    CompletionOutcome,
    CompletionReport,
    OrderState,
    Rating,
)
from sync import protocol
from sync.server.db import create_engine, migrate
from sync.server.store import CentralStore
from sync.survey_client import SurveyClient
from telephony.simulator.scenario import NumberSpec
from telephony.survey.dialer import SurveyDialer
from tests.survey.harness import UNIT, telephony
from tests.sync.server.wsclient import WsClient

PHONE = "13987654321"
MASKED = "139****4321"


@contextlib.asynccontextmanager
async def served(db_url: str, tmp_path: Path, key_file: Path) -> AsyncIterator[tuple[str, list[str]]]:
    """`agent-desktop server --field-key` in its own process, calling windows open all day; yields its URL and the
    lines it logged so far (read after it stopped)."""
    config = tmp_path / "config.toml"
    config.write_text(f'[paths]\ndata_dir = "{tmp_path / "data"}"\n\n'
                      '[survey]\nwindows = ["00:00-23:59"]\ndelay_minutes = 0\n', encoding="utf-8")
    log_file = tmp_path / "server.log"
    with log_file.open("w", encoding="utf-8") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "agent_desktop", "--config", str(config), "server", "--db", db_url,
             "--listen", "127.0.0.1:0", "--field-key", str(key_file), "--log-level", "DEBUG"],
            stdout=subprocess.PIPE, stderr=stderr, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    lines: list[str] = []
    try:
        assert process.stdout is not None
        first = await asyncio.wait_for(asyncio.to_thread(process.stdout.readline), 60)
        assert first.startswith("listening on "), (first, log_file.read_text(encoding="utf-8"))
        yield first.removeprefix("listening on ").strip(), lines
    finally:
        process.terminate()
        await asyncio.to_thread(process.wait, 30)
        if process.stdout is not None:
            process.stdout.close()
        lines.extend(log_file.read_text(encoding="utf-8").splitlines())


def stored_text(db_url: str) -> str:
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            return "\n".join(str(tuple(row)) for table in ("orders", "changes", "operations", "survey_jobs",
                                                           "survey_attempts")
                             for row in conn.execute(sa.text(f"SELECT * FROM {table}")).all())
    finally:
        engine.dispose()


async def test_an_anonymous_callers_completed_order_is_surveyed_with_the_right_number(db_url: str,
                                                                                      tmp_path: Path) -> None:
    key_file = tmp_path / "field.key"
    cipher = FieldCipher.from_key_file(key_file)  # the hotline's key, the seats' and now the centre's
    engine = create_engine(db_url)
    migrate(engine)
    store = CentralStore(engine)
    tokens = {name: store.add_user(name, role, unit) for name, role, unit in (
        ("agent-a", "agent", None), ("unit-a", "unit", UNIT), ("survey-1", "survey", None))}
    engine.dispose()
    numbers = [NumberSpec(PHONE, answer_after_s=0.1, dtmf="1")]
    async with served(db_url, tmp_path, key_file) as (url, logged), telephony(numbers) as (pbx, service):
        agent = await WsClient.open(url, tokens["agent-a"])
        unit = await WsClient.open(url, tokens["unit-a"], seat=None)
        caller = seal_caller(Caller(name="王女士", phone=PHONE, is_anonymous=True), cipher, "WO-ANON")
        assert caller.phone.masked == MASKED
        steps = [(agent, OpenWorkOrder(Channel.PHONE, caller=caller, category=Category.COMPLAINT,
                                       description="小区夜间施工噪音扰民")),
                 (agent, lc.Dispatch(UNIT)), (unit, lc.Sign()), (unit, None)]
        for version, (who, step) in enumerate(steps):
            await asyncio.sleep(0.01)  # each step after the one before
            command = step or lc.ReportCompletion(CompletionReport(
                "岳麓区城管执法局", datetime.now(UTC), "现场核查", "已责令停止夜间施工", CompletionOutcome.SOLVED))
            answer = await who.push("WO-ANON", command, base_version=version)
            assert isinstance(answer, protocol.Ack), answer
        dialled: set[str] = set()

        def citizen_rings(event: object) -> None:
            dialled.update(chan.cid_num for chan in pbx.engine.channels.values()
                           if chan.name.startswith("PJSIP/trunk-"))

        service.on_event(citizen_rings)
        client = SurveyClient(url, tokens["survey-1"])
        dialer = SurveyDialer(service, client, channels=2, calls_per_minute=600, result_timeout_s=5, idle_poll_s=0.05)
        stats = await asyncio.wait_for(dialer.run(stop_when_idle=True), 60)
        await client.close()
        assert stats.placed == 1 and dict(stats.outcomes or {}) == {"rated": 1}
        assert dialled == {PHONE}  # the citizen's own number was rung, opened by the centre for this attempt
        closed = await agent.wait_for(lambda m: isinstance(m, protocol.Change) and m.order.order_id == "WO-ANON"
                                      and m.order.state is OrderState.CLOSED)
        assert closed.order.rating is Rating.SATISFIED
        evidence = closed.order.revisits[-1].evidence
        assert evidence and evidence.endswith(".wav") and PHONE not in evidence
        await agent.close()
        await unit.close()
    text = stored_text(db_url)
    assert PHONE not in text  # not in the orders, the change log, the operations, nor the survey's own rows
    assert cipher.phone_key(PHONE)[:32] in text  # the jobs keep the number's fingerprint (one call per number at once)
    assert logged and not [line for line in logged if PHONE in line]  # nor in any log line, even at DEBUG
    assert any("opened the sealed phone number of order WO-ANON for survey attempt WO-ANON#1" in line
               for line in logged)


async def test_a_forged_seal_is_refused_by_the_server_holding_the_key(db_url: str, tmp_path: Path) -> None:
    key_file = tmp_path / "field.key"
    cipher = FieldCipher.from_key_file(key_file)
    engine = create_engine(db_url)
    migrate(engine)
    token = CentralStore(engine).add_user("agent-a", "agent", None)
    engine.dispose()
    async with served(db_url, tmp_path, key_file) as (url, _):
        agent = await WsClient.open(url, token)
        # well-formed token and a proper mask, but sealed under another key: only a centre holding the key can tell
        forged = seal_caller(Caller(phone=PHONE, is_anonymous=True), FieldCipher.generate(), "WO-F")
        answer = await agent.push("WO-F", OpenWorkOrder(Channel.PHONE, caller=forged))
        assert isinstance(answer, protocol.Reject) and answer.code == "bad_seal"
        moved = seal_caller(Caller(phone=PHONE, is_anonymous=True), cipher, "WO-ELSEWHERE")  # another order's seal
        answer = await agent.push("WO-F", OpenWorkOrder(Channel.PHONE, caller=moved))
        assert isinstance(answer, protocol.Reject) and answer.code == "bad_seal"
        good = seal_caller(Caller(phone=PHONE, is_anonymous=True), cipher, "WO-F")
        assert isinstance(await agent.push("WO-F", OpenWorkOrder(Channel.PHONE, caller=good)), protocol.Ack)
        await agent.close()


def test_a_field_key_others_may_read_or_that_is_missing_is_refused(tmp_path: Path) -> None:
    from agent_desktop.cli import main

    key_file = tmp_path / "field.key"
    FieldCipher.from_key_file(key_file)
    key_file.chmod(0o644)
    config = tmp_path / "config.toml"
    config.write_text(f'[paths]\ndata_dir = "{tmp_path / "data"}"\n', encoding="utf-8")
    args = ["--config", str(config), "server", "--db", f"sqlite:///{tmp_path / 'c.sqlite3'}", "--listen",
            "127.0.0.1:0", "--field-key"]
    assert main([*args, str(key_file)]) != 0
    assert main([*args, str(tmp_path / "missing.key")]) != 0
    assert not (tmp_path / "missing.key").exists()  # the centre never makes a key of its own
