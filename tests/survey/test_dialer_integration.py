"""The survey dialer end to end: the simulator PBX's callees, the telephony facade, a real central store (SQLite and
PostgreSQL) whose clock the test sets."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from datetime import timedelta

from agent_desktop.core.announcement import AnnouncementKind
from agent_desktop.core.survey import AttemptOutcome
from agent_desktop.core.work_order import OrderState, Rating
from telephony.simulator.scenario import NumberSpec
from telephony.survey.dialer import AnsweredCall, SurveyDialer
from tests.survey.harness import (
    attempts,
    central,
    job,
    local,
    order_of,
    seed_completed,
    survey_settings,
    telephony,
    telephony_on,
)


async def test_each_digit_is_applied_through_the_lifecycle_with_the_recording(db_url: str) -> None:
    numbers = [NumberSpec("13800000001", answer_after_s=0.1, dtmf="1"),
               NumberSpec("13800000002", answer_after_s=0.1, dtmf="2"),
               NumberSpec("13800000003", answer_after_s=0.1, dtmf="3")]
    async with central(db_url, local(2026, 9, 29, 10, 0)) as rig, telephony(numbers) as (pbx, service):
        for i, spec in enumerate(numbers, 1):
            seed_completed(rig.server, rig.clock, f"WO-{i}", spec.number, local(2026, 9, 29, 9, 0))
        shown: dict[str, str] = {}

        def citizen_sees(event: object) -> None:  # the citizen's leg while the survey runs: the hotline's number
            for chan in pbx.engine.channels.values():
                if chan.name.startswith("PJSIP/trunk-") and not chan.hung_up:
                    shown[chan.cid_num] = chan.connected_num

        service.on_event(citizen_sees)
        dialer = SurveyDialer(service, await rig.client(), channels=8, calls_per_minute=600, result_timeout_s=5,
                              idle_poll_s=0.05)
        stats = await dialer.run(stop_when_idle=True)
        assert stats.placed == 3
        assert set(shown) == {spec.number for spec in numbers} and set(shown.values()) == {"12345"}
        states = {f"WO-{i}": order_of(rig.server, f"WO-{i}") for i in (1, 2, 3)}
        assert states["WO-1"].state is OrderState.CLOSED and states["WO-1"].rating is Rating.SATISFIED
        assert states["WO-2"].state is OrderState.CLOSED and states["WO-2"].rating is Rating.BASICALLY_SATISFIED
        unsatisfied = states["WO-3"]
        assert unsatisfied.state is OrderState.MANUAL_REVISIT and unsatisfied.rating is Rating.UNSATISFIED
        evidence = unsatisfied.revisits[-1].evidence
        assert evidence and evidence.startswith("survey-13800000003-") and evidence.endswith(".wav")
        assert attempts(rig.server, "WO-3")[0].recording == evidence
        assert job(rig.server, "WO-1").state == "rated"


CALLEES = {
    "13900000001": (NumberSpec("13900000001", answer_after_s=0.5, dtmf=""), "no_digit"),  # presses nothing
    "13900000002": (NumberSpec("13900000002", answer_after_s=0.5, hangup_after_s=1.0, dtmf="1"), "hung_up"),
    "13900000003": (NumberSpec("13900000003", outcome="busy", answer_after_s=0.5), "failed"),
    "13900000004": (NumberSpec("13900000004", outcome="noanswer", answer_after_s=0.5), "no_answer"),
    "13900000005": (NumberSpec("13900000005", answer_after_s=0.5, dtmf="72"), "rated"),  # invalid, then 2
    "13900000006": (NumberSpec("13900000006", answer_after_s=0.5, dtmf="9"), "no_digit"),  # invalid twice
    # through the Local channel, busy and congestion fail the Originate at once (Reason 0, as on Asterisk 20)
    "13900000007": (NumberSpec("13900000007", outcome="congestion", answer_after_s=0.5), "failed"),
}


async def test_each_callee_behaviour_gets_its_outcome_and_retry(db_url: str) -> None:
    numbers = [spec for spec, _ in CALLEES.values()]
    async with central(db_url, local(2026, 9, 29, 10, 0)) as rig, telephony(numbers) as (_pbx, service):
        for number in CALLEES:
            seed_completed(rig.server, rig.clock, f"WO-{number}", number, local(2026, 9, 29, 9, 0))
        dialer = SurveyDialer(service, await rig.client(), channels=8, calls_per_minute=600, result_timeout_s=1.0,
                              idle_poll_s=0.05)
        await dialer.run(stop_when_idle=True)
        for number, (_spec, outcome) in CALLEES.items():
            (attempt,) = attempts(rig.server, f"WO-{number}")
            assert attempt.outcome == outcome, number
            expected_state = "rated" if outcome == "rated" else "queued"  # everything else is retried
            assert job(rig.server, f"WO-{number}").state == expected_state, number
        assert order_of(rig.server, "WO-13900000005").rating is Rating.BASICALLY_SATISFIED
        assert attempts(rig.server, "WO-13900000006")[0].digit is None


async def test_the_dialer_keeps_its_pace_and_channel_cap_on_the_simulator(db_url: str) -> None:
    numbers = [NumberSpec(f"1360000{i:04d}", answer_after_s=0.5, dtmf="1") for i in range(12)]
    settings = survey_settings(channels=3, calls_per_minute=600)
    async with central(db_url, local(2026, 9, 29, 10, 0), settings) as rig, telephony(numbers) as (pbx, service):
        for spec in numbers:
            seed_completed(rig.server, rig.clock, f"WO-{spec.number}", spec.number, local(2026, 9, 29, 9, 0))
        live: list[int] = []
        most = 0

        def count_live(_event: object) -> None:
            nonlocal most
            calls = sum(1 for c in pbx.engine.channels.values()
                        if c.name.startswith("Local/") and c.name.endswith(";1") and not c.hung_up)
            live.append(calls)
            most = max(most, calls)

        service.on_event(count_live)
        dialer = SurveyDialer(service, await rig.client(), channels=3, calls_per_minute=240, result_timeout_s=5,
                              idle_poll_s=0.05)
        stats = await dialer.run(stop_when_idle=True)
        assert stats.placed == 12 and stats.outcomes == {"rated": 12}
        assert stats.max_in_flight <= 3 and most <= 3
        # never ahead of the pace: the k-th start no sooner than k intervals after the first. One gap may be shorter
        # than an interval (the pacer makes up a late start's delay), never shorter than half of one.
        interval = 60 / 240
        assert all(start - stats.starts[0] >= k * interval * 0.999 for k, start in enumerate(stats.starts))
        gaps = [b - a for a, b in itertools.pairwise(stats.starts)]
        assert min(gaps) >= interval / 2 * 0.999


async def test_two_dialers_share_the_work_without_calling_anyone_twice(db_url: str) -> None:
    numbers = [NumberSpec(f"1350000{i:04d}", answer_after_s=0.3, dtmf=str(1 + i % 2)) for i in range(16)]
    async with central(db_url, local(2026, 9, 29, 10, 0)) as rig, telephony(numbers) as (pbx, one_line), \
            telephony_on(pbx) as other_line:
        for spec in numbers:
            seed_completed(rig.server, rig.clock, f"WO-{spec.number}", spec.number, local(2026, 9, 29, 9, 0))
        first = SurveyDialer(one_line, await rig.client(), channels=4, calls_per_minute=600, result_timeout_s=5,
                             idle_poll_s=0.05)
        second = SurveyDialer(other_line, await rig.client(), channels=4, calls_per_minute=600, result_timeout_s=5,
                              idle_poll_s=0.05)
        a, b = await asyncio.gather(first.run(stop_when_idle=True), second.run(stop_when_idle=True))
        assert a.placed + b.placed == 16 and a.placed > 0 and b.placed > 0
        for spec in numbers:
            assert len(attempts(rig.server, f"WO-{spec.number}")) == 1
            order = order_of(rig.server, f"WO-{spec.number}")
            assert order.state is OrderState.CLOSED
            assert [h.action for h in order.history].count("record_rating") == 1


async def test_a_dialer_killed_mid_call_and_restarted_neither_loses_nor_repeats(db_url: str) -> None:
    numbers = [NumberSpec("13400000001", answer_after_s=0.5, dtmf="1")]
    settings = survey_settings(lease=timedelta(minutes=5), retry_interval=timedelta(minutes=20))
    async with central(db_url, local(2026, 9, 29, 10, 0), settings) as rig, telephony(numbers, 0.2) as (_pbx, service):
        seed_completed(rig.server, rig.clock, "WO-K", "13400000001", local(2026, 9, 29, 9, 0))
        crashed = SurveyDialer(service, await rig.client(), result_timeout_s=5, idle_poll_s=0.05)
        run = asyncio.create_task(crashed.run())
        while crashed.stats.in_flight == 0:
            await asyncio.sleep(0.01)
        run.cancel()  # killed while the citizen's phone rings
        with contextlib.suppress(asyncio.CancelledError):
            await run
        assert [(a.attempt_no, a.finished_at) for a in attempts(rig.server, "WO-K")] == [(1, None)]
        restarted = SurveyDialer(service, await rig.client(), result_timeout_s=5, idle_poll_s=0.05)
        assert (await restarted.run(stop_when_idle=True)).placed == 0  # the lease holds: not called again
        rig.clock.advance(minutes=6)
        assert (await restarted.run(stop_when_idle=True)).placed == 0  # interrupted; the retry waits 20 min
        rig.clock.advance(minutes=20)
        stats = await restarted.run(stop_when_idle=True)
        assert stats.placed == 1 and stats.outcomes == {"rated": 1}
        assert [(a.attempt_no, a.outcome) for a in attempts(rig.server, "WO-K")] == [(1, "interrupted"), (2, "rated")]
        order = order_of(rig.server, "WO-K")
        assert order.rating is Rating.SATISFIED
        assert [h.action for h in order.history].count("record_rating") == 1


class _CarrierByNumber:
    """An announcement detector standing in for the carriers' recordings (the real one is asr/announcements/):
    what the number's line plays when answered."""

    def __init__(self, kinds: dict[str, AttemptOutcome]) -> None:
        self.kinds = kinds
        self.asked: list[AnsweredCall] = []

    async def classify(self, call: AnsweredCall) -> AttemptOutcome | None:
        self.asked.append(call)
        return self.kinds.get(call.number)


async def test_the_announcement_detectors_verdict_ends_or_retries_the_attempts(db_url: str) -> None:
    numbers = [NumberSpec("13300000001", answer_after_s=0.3, dtmf="1"),  # 空号 played as an answered call
               NumberSpec("13300000002", answer_after_s=0.3, dtmf="1"),  # 已关机
               NumberSpec("13300000003", answer_after_s=0.3, dtmf="2")]  # a person
    detector = _CarrierByNumber({"13300000001": AttemptOutcome.NUMBER_VACANT,
                                 "13300000002": AttemptOutcome.POWERED_OFF})
    async with central(db_url, local(2026, 9, 30, 10, 0)) as rig, telephony(numbers) as (_pbx, service):
        for spec in numbers:
            seed_completed(rig.server, rig.clock, f"WO-{spec.number}", spec.number, local(2026, 9, 30, 9, 0))
        dialer = SurveyDialer(service, await rig.client(), result_timeout_s=5, idle_poll_s=0.05, detector=detector)
        await dialer.run(stop_when_idle=True)
        assert sorted(c.number for c in detector.asked) == [spec.number for spec in numbers]
        assert all(c.uniqueid and c.action_id.startswith("sv-") for c in detector.asked)
        vacant = order_of(rig.server, "WO-13300000001")
        assert vacant.state is OrderState.MANUAL_REVISIT and vacant.revisits[-1].note == "空号"
        assert vacant.revisits[-1].evidence.startswith("survey-13300000001-")
        assert vacant.revisit_due == local(2026, 10, 8, 17, 30)
        assert job(rig.server, "WO-13300000002").state == "queued"  # 关机: retried
        assert attempts(rig.server, "WO-13300000002")[0].outcome == "powered_off"
        assert order_of(rig.server, "WO-13300000003").rating is Rating.BASICALLY_SATISFIED


async def test_survey_run_hears_a_carriers_announcement_through_the_audio_fork(tmp_path) -> None:
    """The real glue of `survey run --announcements`: the survey call's Local `;1` forked over AudioSocket, the
    enrolled library's detector naming 空号, the order handed to a manual revisit; a person's answer is rated."""
    from agent_desktop.cli.survey import ForkedAnnouncementDetector
    from asr.announcements.detector import AnnouncementDetector
    from asr.announcements.library import AnnouncementLibrary
    from telephony.simulator.announcements import announcement_callee
    from tests.asr.announcements.conftest import DATA, TESTS

    library = AnnouncementLibrary(tmp_path)
    for wav in sorted((DATA / "enrol").glob("*.wav")):
        library.add(AnnouncementKind.parse(wav.stem), wav)
    clip = next(p for p in TESTS if p.stem == "空号__ulaw_a")
    numbers = [announcement_callee("13200000001", clip, answer_after_s=0.1),
               NumberSpec("13200000002", answer_after_s=0.1, dtmf="1")]
    # time scale 5: the IVR's prompt lasts 10 s, as Read(…,2,5) keeps a real call up; the fork streams in real time
    async with central(f"sqlite:///{tmp_path / 'c.sqlite3'}", local(2026, 9, 30, 10, 0)) as rig, \
            telephony(numbers, 5.0) as (_pbx, service):
        for spec in numbers:
            seed_completed(rig.server, rig.clock, f"WO-{spec.number}", spec.number, local(2026, 9, 30, 9, 0))
        detector = ForkedAnnouncementDetector(service.connection.send_action,
                                              AnnouncementDetector(library.matcher()))
        await detector.start()
        try:
            dialer = SurveyDialer(service, await rig.client(), result_timeout_s=20, idle_poll_s=0.05,
                                  detector=detector)
            await dialer.run(stop_when_idle=True)
        finally:
            await detector.stop()
        vacant = order_of(rig.server, "WO-13200000001")
        assert vacant.state is OrderState.MANUAL_REVISIT and vacant.revisits[-1].note == "空号"
        assert attempts(rig.server, "WO-13200000001")[0].outcome == "number_vacant"
        assert order_of(rig.server, "WO-13200000002").rating is Rating.SATISFIED


async def test_the_dialer_hangs_up_a_carriers_announcement_at_once(tmp_path) -> None:
    """Once the detector names an announcement the call is hung up (its Local ;1, then the ;2 and the citizen's
    leg): on the simulator every channel of that number is gone within a second of the verdict, where the carrier's
    recording and the IVR would otherwise hold it for many seconds more."""
    from agent_desktop.cli.survey import ForkedAnnouncementDetector
    from agent_desktop.core.survey import outcome_of_announcement
    from asr.announcements.detector import AnnouncementDetector
    from asr.announcements.library import AnnouncementLibrary
    from telephony.simulator.announcements import announcement_callee
    from tests.asr.announcements.conftest import DATA, TESTS

    library = AnnouncementLibrary(tmp_path)
    for wav in sorted((DATA / "enrol").glob("*.wav")):
        library.add(AnnouncementKind.parse(wav.stem), wav)
    clip = next(p for p in TESTS if p.stem == "空号__ulaw_a")
    number = "13200000011"
    loop = asyncio.get_running_loop()
    verdicts: list[tuple[float, str | None]] = []

    class Timed:
        def __init__(self, inner: ForkedAnnouncementDetector) -> None:
            self.inner = inner

        async def classify(self, call: AnsweredCall) -> object:
            verdict = await self.inner.classify(call)
            if outcome_of_announcement(verdict) is not None:
                verdicts.append((loop.time(), call.channel))
            return verdict

    async with central(f"sqlite:///{tmp_path / 'c.sqlite3'}", local(2026, 9, 30, 10, 0)) as rig, \
            telephony([announcement_callee(number, clip, answer_after_s=0.1)], 5.0) as (pbx, service):
        seed_completed(rig.server, rig.clock, f"WO-{number}", number, local(2026, 9, 30, 9, 0))
        seen: set[str] = set()
        gone_at: list[float] = []

        def of_the_call() -> list[str]:
            return [c.name for c in pbx.engine.channels.values() if number in c.name or c.cid_num == number]

        async def watch() -> None:  # the PBX's own channel list, every 10 ms
            while True:
                names = of_the_call()
                seen.update(names)
                if verdicts and not names and not gone_at:
                    gone_at.append(loop.time())
                await asyncio.sleep(0.01)

        watcher = asyncio.create_task(watch())
        detector = ForkedAnnouncementDetector(service.connection.send_action, AnnouncementDetector(library.matcher()))
        await detector.start()
        try:
            dialer = SurveyDialer(service, await rig.client(), result_timeout_s=20, idle_poll_s=0.05,
                                  detector=Timed(detector))
            await asyncio.wait_for(dialer.run(stop_when_idle=True), 60)
            for _ in range(300):  # the dialer is done at the verdict; wait for the PBX's channels (bounded)
                if gone_at:
                    break
                await asyncio.sleep(0.01)
        finally:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
            await detector.stop()
        assert len(verdicts) == 1 and verdicts[0][1] in seen  # the verdict named the survey's own Local ;1
        assert gone_at, f"still up 3 s after the verdict: {of_the_call()}"
        assert gone_at[0] - verdicts[0][0] < 1.0
        assert attempts(rig.server, f"WO-{number}")[0].outcome == "number_vacant"


async def test_a_carriers_announcement_in_early_media_is_heard_before_any_answer(tmp_path) -> None:
    """Carriers often play 空号/停机/关机 before answering (DialState PROGRESS on the dialled leg; the Originate then
    fails unanswered). The dialer forks the Local ;1 on progress: 停机 ends the attempts (manual revisit with the
    reason) though the call was never answered, 关机 is retried, and the call is hung up at the verdict rather than
    left to the carrier. Before early media was heard both counted as a failed call, retried alike."""
    from agent_desktop.cli.survey import ForkedAnnouncementDetector
    from asr.announcements.detector import AnnouncementDetector
    from asr.announcements.library import AnnouncementLibrary
    from telephony.simulator.announcements import announcement_callee
    from tests.asr.announcements.conftest import DATA, TESTS

    library = AnnouncementLibrary(tmp_path)
    for wav in sorted((DATA / "enrol").glob("*.wav")):
        library.add(AnnouncementKind.parse(wav.stem), wav)
    suspended = next(p for p in TESTS if p.stem == "停机__alaw_b")
    powered_off = next(p for p in TESTS if p.stem == "关机__noise_a")
    numbers = [announcement_callee("13200000021", suspended, early_media=True),
               announcement_callee("13200000022", powered_off, early_media=True),
               NumberSpec("13200000023", answer_after_s=0.1, dtmf="3")]
    async with central(f"sqlite:///{tmp_path / 'c.sqlite3'}", local(2026, 9, 30, 10, 0)) as rig, \
            telephony(numbers, 5.0) as (pbx, service):
        for spec in numbers:
            seed_completed(rig.server, rig.clock, f"WO-{spec.number}", spec.number, local(2026, 9, 30, 9, 0))
        progress: list[str] = []
        service.on_dial_progress(lambda channel, _dialled: progress.append(channel))
        detector = ForkedAnnouncementDetector(service.connection.send_action,
                                              AnnouncementDetector(library.matcher()))
        await detector.start()
        loop = asyncio.get_running_loop()
        started = loop.time()
        announcements_gone: list[float] = []

        async def watch() -> None:  # when no channel of the two announcement calls is left
            seen = False
            while True:
                live = [c for c in pbx.engine.channels.values()
                        if ("13200000021" in c.name or "13200000022" in c.name) and not c.hung_up]
                seen = seen or bool(live)
                if seen and not live:
                    announcements_gone.append(loop.time() - started)
                    return
                await asyncio.sleep(0.05)

        watcher = asyncio.create_task(watch())
        try:
            dialer = SurveyDialer(service, await rig.client(), result_timeout_s=20, idle_poll_s=0.05,
                                  detector=detector)
            await dialer.run(stop_when_idle=True)
        finally:
            await detector.stop()
            watcher.cancel()
        assert {c.split("@")[0] for c in progress} == {"Local/13200000021", "Local/13200000022"}
        vacant = order_of(rig.server, "WO-13200000021")
        assert vacant.state is OrderState.MANUAL_REVISIT and vacant.revisits[-1].note == "停机"
        assert attempts(rig.server, "WO-13200000021")[0].outcome == "number_suspended"
        assert job(rig.server, "WO-13200000022").state == "queued"
        assert attempts(rig.server, "WO-13200000022")[0].outcome == "powered_off"
        assert order_of(rig.server, "WO-13200000023").rating is Rating.UNSATISFIED
        # the recordings (about 4 s) would hold their calls for 5 × their length at this time scale; hung up at the
        # verdict, a few seconds of real-time audio after the progress, instead
        assert announcements_gone and announcements_gone[0] < 12, announcements_gone
