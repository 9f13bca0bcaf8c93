"""A carrier announcement of a kind nobody enrolled, end to end (issue 13): the library lacks 关机, a callee plays
关机 through the simulator's audio fork. Before, the detector named the nearest enrolled kind (停机, whose words
differ by one syllable), which ended the order's attempts and sent it to a manual revisit; now it is an
announcement of unknown kind, the call is hung up and the attempt retried."""

from __future__ import annotations

from agent_desktop.core.announcement import AnnouncementKind
from agent_desktop.core.work_order import OrderState, Rating
from telephony.simulator.scenario import NumberSpec
from telephony.survey.dialer import SurveyDialer
from tests.survey.harness import attempts, central, job, local, order_of, seed_completed, telephony


async def test_an_announcement_of_a_kind_not_enrolled_is_retried_not_taken_for_stopped(tmp_path) -> None:
    from agent_desktop.cli.survey import ForkedAnnouncementDetector
    from asr.announcements.detector import AnnouncementDetector
    from asr.announcements.library import AnnouncementLibrary
    from telephony.simulator.announcements import announcement_callee
    from tests.asr.announcements.conftest import DATA, TESTS

    library = AnnouncementLibrary(tmp_path)
    for wav in sorted((DATA / "enrol").glob("*.wav")):
        if AnnouncementKind.parse(wav.stem) is not AnnouncementKind.SWITCHED_OFF:
            library.add(AnnouncementKind.parse(wav.stem), wav)
    assert AnnouncementKind.SWITCHED_OFF not in {e.kind for e in library.entries()}
    switched_off = next(p for p in TESTS if p.stem == "关机__ulaw_a")
    suspended = next(p for p in TESTS if p.stem == "停机__ulaw_a")
    numbers = [announcement_callee("13200000031", switched_off, answer_after_s=0.1),
               announcement_callee("13200000032", suspended, answer_after_s=0.1),
               NumberSpec("13200000033", answer_after_s=0.1, dtmf="1")]
    async with central(f"sqlite:///{tmp_path / 'c.sqlite3'}", local(2026, 9, 30, 10, 0)) as rig, \
            telephony(numbers, 5.0) as (_pbx, service):
        for spec in numbers:
            seed_completed(rig.server, rig.clock, f"WO-{spec.number}", spec.number, local(2026, 9, 30, 9, 0))
        detector = ForkedAnnouncementDetector(service.connection.send_action, AnnouncementDetector(library.matcher()))
        await detector.start()
        try:
            dialer = SurveyDialer(service, await rig.client(), result_timeout_s=20, idle_poll_s=0.05,
                                  detector=detector)
            await dialer.run(stop_when_idle=True)
        finally:
            await detector.stop()
        (unknown,) = attempts(rig.server, "WO-13200000031")
        assert unknown.outcome == "announcement_unknown"
        assert job(rig.server, "WO-13200000031").state == "queued"  # retried, not handed to a manual revisit
        assert order_of(rig.server, "WO-13200000031").state is OrderState.REVISITING
        # the enrolled kinds are still named: 停机 ends the attempts, a person is rated
        assert attempts(rig.server, "WO-13200000032")[0].outcome == "number_suspended"
        stopped = order_of(rig.server, "WO-13200000032")
        assert stopped.state is OrderState.MANUAL_REVISIT and stopped.revisits[-1].note == "停机"
        assert order_of(rig.server, "WO-13200000033").rating is Rating.SATISFIED


async def test_a_recording_starting_late_after_the_answer_is_named_and_ends_the_attempts(tmp_path) -> None:
    """The carrier answers, 4 s of quiet line, then 您拨打的电话已停机 played twice. The detector knows it hears a
    recording at 5.4 s, inside its 6 s limit, and listens on for the kind's own words: 停机 ends the attempts and
    the order goes to a manual revisit. Before, the detector stopped at 6 s and the attempt was retried as an
    announcement of unknown kind (a suspended number called again until the attempts ran out)."""
    import wave

    import numpy as np

    from agent_desktop.cli.survey import ForkedAnnouncementDetector
    from asr.announcements.detector import AnnouncementDetector
    from asr.announcements.library import AnnouncementLibrary
    from asr.recognition.wav import read_wav
    from telephony.simulator.announcements import announcement_callee
    from tests.asr.announcements.conftest import ENROL, TESTS

    library = AnnouncementLibrary(tmp_path)
    for kind, wav in ENROL.items():
        library.add(kind, wav)
    voice = np.frombuffer(read_wav(next(p for p in TESTS if p.stem == "停机__ulaw_a")).pcm, "<i2")
    line = np.random.default_rng(5).normal(0, 30, 4 * 8000).astype("<i2")
    late = tmp_path / "late_tingji.wav"
    with wave.open(str(late), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(np.concatenate([line, voice, line[:4800], voice]).tobytes())
    numbers = [announcement_callee("13200000041", late, answer_after_s=0.1)]
    async with central(f"sqlite:///{tmp_path / 'c.sqlite3'}", local(2026, 9, 30, 10, 0)) as rig, \
            telephony(numbers, 10.0) as (_pbx, service):
        seed_completed(rig.server, rig.clock, "WO-13200000041", "13200000041", local(2026, 9, 30, 9, 0))
        detector = ForkedAnnouncementDetector(service.connection.send_action, AnnouncementDetector(library.matcher()))
        await detector.start()
        try:
            dialer = SurveyDialer(service, await rig.client(), result_timeout_s=30, idle_poll_s=0.05,
                                  detector=detector)
            await dialer.run(stop_when_idle=True)
        finally:
            await detector.stop()
        (attempt,) = attempts(rig.server, "WO-13200000041")
        assert attempt.outcome == "number_suspended"
        stopped = order_of(rig.server, "WO-13200000041")
        assert stopped.state is OrderState.MANUAL_REVISIT and stopped.revisits[-1].note == "停机"
