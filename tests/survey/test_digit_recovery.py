"""A digit pressed just before a dialer dies is not lost (issue 13): the survey IVR keeps it in Asterisk's AstDB, the
next dialer reads it back (AMI DBGet) for the attempt the centre counted interrupted and reports it once; and a dialer
stopped gracefully (SIGTERM) hands back the claims it had not placed.

The dialer that dies is a real `agent-desktop survey run` process, SIGKILLed by the simulator PBX's listener the
moment the citizen presses the digit (before the UserEvent can reach it); the centre and the PBX run in this test's
loop, the centre on SQLite and PostgreSQL with a clock the test sets."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
import os
import re
import signal
import sys
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path

import pytest

from agent_desktop.core.survey import AttemptOutcome
from agent_desktop.core.work_order import OrderState, Rating
from telephony.ami.connection import AmiSettings
from telephony.control import SeatConfig
from telephony.service import TelephonyService
from telephony.simulator import SimulatorPbx, load_manager_user
from telephony.simulator.model import Event
from telephony.simulator.scenario import NumberSpec
from telephony.survey.dialer import SurveyDialer
from tests.survey.harness import (
    Rig,
    attempts,
    central,
    job,
    local,
    order_of,
    pbx_scenario,
    seed_completed,
    survey_settings,
    telephony,
    telephony_on,
)

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = survey_settings(lease=timedelta(minutes=5), retry_interval=timedelta(minutes=20))


@contextlib.asynccontextmanager
async def dialer_process(rig: Rig, pbx: SimulatorPbx, *extra: str) -> AsyncIterator[asyncio.subprocess.Process]:
    """`agent-desktop survey run` in a process of its own, against this loop's centre and PBX."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "AGENT_DESKTOP_SURVEY_TOKEN": rig.token,
           "AGENT_DESKTOP_AMI_SECRET": "desk123"}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", "import sys; from agent_desktop.cli import main; sys.exit(main())",
        "survey", "run", "--ami", f"127.0.0.1:{pbx.port}", "--user", "desk", "--center", rig.server.url,
        "--result-timeout", "5", *extra, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        yield proc
    finally:
        if proc.returncode is None:
            proc.kill()
        await proc.wait()


def kill_on_the_digit(pbx: SimulatorPbx, proc: asyncio.subprocess.Process) -> Callable[[], None]:
    """SIGKILL the dialer when the citizen's digit reaches the survey (its DTMFBegin): the dialplan then writes
    AstDB and sends the UserEvent to a dead session."""

    def listener(event: Event) -> None:
        if event.name == "DTMFBegin" and proc.returncode is None:
            os.kill(proc.pid, signal.SIGKILL)

    return pbx.add_listener(listener)


def calls_to(events: list[Event], number: str) -> int:
    """How many survey Originates reached the number: the Local `;1` channels created for it."""
    return sum(1 for e in events if e.name == "Newchannel"
               and dict(e.headers).get("Channel", "").startswith(f"Local/{number}@outbound-")
               and dict(e.headers).get("Channel", "").endswith(";1"))


async def until(predicate: Callable[[], bool], timeout: float = 20.0) -> None:
    async def poll() -> None:
        while not predicate():
            await asyncio.sleep(0.02)

    await asyncio.wait_for(poll(), timeout)


async def a_dialer_dies_after_the_digit(rig: Rig, pbx: SimulatorPbx, order_id: str) -> str:
    """Run a dialer process until the citizen of `order_id` presses the digit, kill it there; the AstDB value."""
    async with dialer_process(rig, pbx, "--channels", "1") as proc:
        kill_on_the_digit(pbx, proc)
        await asyncio.wait_for(proc.wait(), 60)
        assert proc.returncode == -signal.SIGKILL
    ((attempt_no, finished_at, attempt_id),) = [(a.attempt_no, a.finished_at, a.attempt_id)
                                                for a in attempts(rig.server, order_id)]
    assert (attempt_no, finished_at) == (1, None)  # the report never came
    await until(lambda: ("survey", attempt_id) in pbx.astdb)
    return pbx.astdb[("survey", attempt_id)]


async def test_a_dialer_killed_right_after_the_digit_loses_nothing_and_calls_no_one_twice(db_url: str) -> None:
    number = "13400000021"
    async with central(db_url, local(2026, 9, 29, 10, 0), SETTINGS) as rig, \
            telephony([NumberSpec(number, answer_after_s=0.5, dtmf="3")], 0.2) as (pbx, service):
        seen: list[Event] = []
        pbx.add_listener(seen.append)
        seed_completed(rig.server, rig.clock, "WO-D", number, local(2026, 9, 29, 9, 0))
        kept = await a_dialer_dies_after_the_digit(rig, pbx, "WO-D")
        assert re.fullmatch(rf"3,survey-{number}-[0-9.]+\.wav", kept)
        restarted = SurveyDialer(service, await rig.client(), result_timeout_s=5, idle_poll_s=0.05)
        assert (await restarted.run(stop_when_idle=True)).placed == 0  # the lease still runs: nothing to do yet
        assert order_of(rig.server, "WO-D").state is OrderState.REVISITING
        rig.clock.advance(minutes=6)  # the lease ran out: the centre counts the attempt interrupted
        stats = await restarted.run(stop_when_idle=True)
        assert stats.placed == 0 and stats.recovered == 1
        (attempt,) = attempts(rig.server, "WO-D")
        assert (attempt.outcome, attempt.digit, attempt.recording) == ("rated", "3", kept.split(",", 1)[1])
        order = order_of(rig.server, "WO-D")
        assert order.state is OrderState.MANUAL_REVISIT and order.rating is Rating.UNSATISFIED
        assert order.revisits[-1].evidence == attempt.recording
        assert [h.action for h in order.history].count("record_rating") == 1
        assert job(rig.server, "WO-D").state == "rated"
        assert ("survey", attempt.attempt_id) not in pbx.astdb  # reported: the entry is deleted
        rig.clock.advance(hours=3)  # long after the retry interval: no second call
        assert (await restarted.run(stop_when_idle=True)).placed == 0
        assert calls_to(seen, number) == 1


async def test_two_dialers_recovering_at_once_rate_the_order_once(db_url: str) -> None:
    number = "13400000022"
    async with central(db_url, local(2026, 9, 29, 10, 0), SETTINGS) as rig, \
            telephony([NumberSpec(number, answer_after_s=0.5, dtmf="1")], 0.2) as (pbx, one_line), \
            telephony_on(pbx) as other_line:
        seed_completed(rig.server, rig.clock, "WO-T", number, local(2026, 9, 29, 9, 0))
        await a_dialer_dies_after_the_digit(rig, pbx, "WO-T")
        rig.clock.advance(minutes=6)
        first = SurveyDialer(one_line, await rig.client(), result_timeout_s=5, idle_poll_s=0.05)
        second = SurveyDialer(other_line, await rig.client(), result_timeout_s=5, idle_poll_s=0.05)
        a, b = await asyncio.gather(first.run(stop_when_idle=True), second.run(stop_when_idle=True))
        assert a.placed + b.placed == 0 and a.recovered + b.recovered == 1
        order = order_of(rig.server, "WO-T")
        assert order.state is OrderState.CLOSED and order.rating is Rating.SATISFIED
        assert [h.action for h in order.history].count("record_rating") == 1
        assert [(x.attempt_no, x.outcome) for x in attempts(rig.server, "WO-T")] == [(1, "rated")]


async def test_with_the_sample_manager_conf_the_rating_is_recovered_and_the_entry_stays(
        db_url: str, caplog: pytest.LogCaptureFixture) -> None:
    """The sample AMI user has `reporting` write (DBGet) but not `system` (DBDel): the rating is still recovered;
    its entry stays, and the dialer says so once."""
    number = "13400000023"
    user = dataclasses.replace(load_manager_user(ROOT / "resources" / "asterisk" / "manager.conf", "desk"),
                               secret="desk123")
    pbx = SimulatorPbx(pbx_scenario([NumberSpec(number, answer_after_s=0.5, dtmf="2"),
                                     NumberSpec("13400000024", answer_after_s=0.5, dtmf="1")], 0.2), users=[user])
    await pbx.start()
    service = TelephonyService(AmiSettings("127.0.0.1", pbx.port, "desk", "desk123", ping_interval=30.0),
                               SeatConfig("Local/survey@survey", ring_timeout_seconds=5.0,
                                          after_call_work_seconds=0), resync_interval=None)
    try:
        await service.start()
        async with central(db_url, local(2026, 9, 29, 10, 0), SETTINGS) as rig:
            seed_completed(rig.server, rig.clock, "WO-S", number, local(2026, 9, 29, 9, 0))
            kept = await a_dialer_dies_after_the_digit(rig, pbx, "WO-S")
            rig.clock.advance(minutes=6)
            seed_completed(rig.server, rig.clock, "WO-S2", "13400000024", local(2026, 9, 29, 9, 0))
            with caplog.at_level(logging.WARNING, logger="telephony.survey.dialer"):
                stats = await SurveyDialer(service, await rig.client(), result_timeout_s=5,
                                           idle_poll_s=0.05).run(stop_when_idle=True)
            assert stats.recovered == 1 and stats.placed == 1 and stats.outcomes == {"rated": 1}
            assert order_of(rig.server, "WO-S").rating is Rating.BASICALLY_SATISFIED
            assert order_of(rig.server, "WO-S2").rating is Rating.SATISFIED
            (attempt,) = attempts(rig.server, "WO-S")
            assert pbx.astdb[("survey", attempt.attempt_id)] == kept  # DBDel refused: the entry stays
            assert len(pbx.astdb) == 2  # the other call's too: nothing reads it again
            refusals = [r for r in caplog.records if "may not DBDel" in r.getMessage()]
            assert len(refusals) == 1
    finally:
        await service.stop()
        await pbx.stop()


async def test_the_centre_takes_a_late_rating_only_before_the_retry(db_url: str) -> None:
    async with central(db_url, local(2026, 9, 29, 9, 0), SETTINGS) as rig:
        crashed, other = await rig.client(), await rig.client()
        for order_id, phone in (("WO-L1", "13800007001"), ("WO-L2", "13800007002")):
            seed_completed(rig.server, rig.clock, order_id, phone, local(2026, 9, 29, 8, 0))
        rig.clock.set(local(2026, 9, 29, 9, 30))
        claims = {c.order_id: c for c in await crashed.claim(8)}
        assert set(claims) == {"WO-L1", "WO-L2"}
        await crashed.close()  # died after both digits, before either report
        assert await other.orphans() == []  # leases still run
        rig.clock.set(local(2026, 9, 29, 9, 36))
        orphans = await other.orphans()
        assert sorted(o["attempt_id"] for o in orphans) == sorted(c.attempt_id for c in claims.values())
        assert all(o["sealed"] is False for o in orphans)
        late = await other.finish(claims["WO-L1"].attempt_id, AttemptOutcome.RATED, "2", "survey-x-1.1.wav")
        assert late["late"] is True and late["duplicate"] is False and late["job_state"] == "rated"
        again = await other.finish(claims["WO-L1"].attempt_id, AttemptOutcome.RATED, "1", "other.wav")
        assert again["duplicate"] is True and again["outcome"] == "rated"
        not_a_rating = await other.finish(claims["WO-L2"].attempt_id, AttemptOutcome.NO_DIGIT, None, None)
        assert not_a_rating["duplicate"] is True and not_a_rating["outcome"] == "interrupted"
        assert [o["attempt_id"] for o in await other.orphans()] == [claims["WO-L2"].attempt_id]
        rig.clock.set(local(2026, 9, 29, 9, 57))  # WO-L2's retry
        (retry,) = await other.claim(8)
        assert (retry.order_id, retry.attempt_no) == ("WO-L2", 2)
        assert await other.orphans() == []  # retried: its first attempt takes no rating any more
        refused = await other.finish(claims["WO-L2"].attempt_id, AttemptOutcome.RATED, "3", None)
        assert refused["duplicate"] is True and refused["outcome"] == "interrupted"
        order = order_of(rig.server, "WO-L1")
        assert order.state is OrderState.CLOSED and order.rating is Rating.BASICALLY_SATISFIED
        assert order.revisits[-1].evidence == "survey-x-1.1.wav"
        assert order_of(rig.server, "WO-L2").rating is None


async def test_sigterm_hands_back_the_claims_not_yet_placed(db_url: str) -> None:
    numbers = [NumberSpec(f"1340000003{i}", answer_after_s=0.5, dtmf="1") for i in range(4)]
    async with central(db_url, local(2026, 9, 29, 10, 0), SETTINGS) as rig, \
            telephony(numbers, 0.5) as (pbx, _service):
        seen: list[Event] = []
        pbx.add_listener(seen.append)
        for spec in numbers:
            seed_completed(rig.server, rig.clock, f"WO-{spec.number}", spec.number, local(2026, 9, 29, 9, 0))
        # 6 calls a minute: the first goes at once, the others wait 10 s each for their slot, claimed ahead
        async with dialer_process(rig, pbx, "--calls-per-minute", "6") as proc:
            await until(lambda: sum(calls_to(seen, s.number) for s in numbers) == 1, 60)
            await until(lambda: len(attempts(rig.server)) == 4)  # every order's attempt claimed ahead
            proc.send_signal(signal.SIGTERM)
            _out, err = await asyncio.wait_for(proc.communicate(), 60)
            assert proc.returncode == 0, err.decode()
        summary = json.loads(err.decode().strip().splitlines()[-1])
        assert summary["placed"] == 1 and summary["outcomes"] == {"rated": 1}
        (placed,) = attempts(rig.server)
        assert placed.outcome == "rated"  # the call in the air ended and reported
        for spec in numbers:
            row = job(rig.server, f"WO-{spec.number}")
            if spec.number == placed.number:
                assert row.state == "rated"
            else:  # handed back: not an attempt, due again
                assert (row.state, row.attempts) == ("queued", 0)
        assert sum(calls_to(seen, s.number) for s in numbers) == 1
        rig.clock.advance(minutes=6)  # no lease to run out: nothing is counted interrupted
        stats = await SurveyDialer(_service, await rig.client(), calls_per_minute=600, result_timeout_s=5,
                                   idle_poll_s=0.05).run(stop_when_idle=True)
        assert stats.placed == 3 and stats.outcomes == {"rated": 3}
        assert sorted(a.attempt_no for a in attempts(rig.server)) == [1, 1, 1, 1]
