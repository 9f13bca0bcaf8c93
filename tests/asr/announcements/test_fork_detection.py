"""End to end: the survey's call to a number that answers with a carrier's 空号 announcement, on the simulator PBX
over AMI; the real audio fork (asr/fork.py) of the call's Local `;1`, the simulator streaming the callee's audio
over AudioSocket at real-time pace to a real AudioSocketServer on loopback, and the detector naming it."""

from __future__ import annotations

import asyncio

from agent_desktop.core.announcement import AnnouncementKind
from asr.announcements.detector import AnnouncementDetector, ForkListener
from asr.audiosocket.server import AudioSocketServer, CallRegistry, StreamInfo
from asr.fork import AudioFork, ForkTarget
from tests.asr.announcements.conftest import NEGATIVES, TESTS

NUMBER = "13900139001"


async def survey_call_detection(matcher, clip) -> tuple[object, str, object]:
    from telephony.ami.connection import AmiConnection, AmiSettings
    from telephony.simulator.announcements import announcement_callee
    from telephony.simulator.scenario import PbxSettings, Scenario
    from telephony.simulator.server import SimulatorPbx

    # time_scale 5: the simulator's survey IVR gives up after 2 s of scenario time; Read(SAT,prompt,1,,2,5) on
    # Asterisk waits for the prompt and twice 5 s, so 10 s is the nearer picture of how long the call stays up
    scenario = Scenario(pbx=PbxSettings(time_scale=5.0), numbers=(announcement_callee(NUMBER, clip,
                                                                                      answer_after_s=0.1),))
    listeners: dict[str | None, ForkListener] = {}

    def sink(info: StreamInfo) -> ForkListener:
        listeners[info.call_id] = ForkListener(info.call_id)
        return listeners[info.call_id]

    registry = CallRegistry()
    async with AudioSocketServer(registry, sink) as audiosocket, SimulatorPbx(scenario, audio_speed=1.0) as pbx:
        connection = AmiConnection(AmiSettings("127.0.0.1", pbx.port, "desk", "desk123", ping_interval=0))
        answered: asyncio.Future[str] = asyncio.get_running_loop().create_future()

        def on_event(message) -> None:
            if message.event == "OriginateResponse" and not answered.done():
                answered.set_result(message.get("Channel") if message.get("Response") == "Success" else "")

        connection.add_event_listener(on_event)
        await connection.start()
        try:
            # the survey dialer's call (resources/asterisk/extensions.conf, `survey`)
            await connection.send_action("Originate", {"Channel": f"Local/{NUMBER}@outbound", "Context": "survey",
                                                       "Exten": "s", "Priority": "1", "CallerID": "12345",
                                                       "Async": "true"})
            channel = await asyncio.wait_for(answered, 10)
            assert channel.startswith(f"Local/{NUMBER}@outbound-") and channel.endswith(";1")
            fork = AudioFork(connection.send_action, registry, ForkTarget("127.0.0.1", audiosocket.port))
            started = await fork.start("survey-1", channel)
            assert started.action["Data"] == f"{channel},qEo"
            async with asyncio.timeout(10):
                while "survey-1" not in listeners:
                    await asyncio.sleep(0.01)
            detection = await asyncio.wait_for(AnnouncementDetector(matcher).classify(listeners["survey-1"]), 20)
            return detection, channel, listeners["survey-1"]
        finally:
            await connection.aclose()


async def test_the_fork_of_a_survey_call_to_an_empty_number_hears_kong_hao(matcher) -> None:
    clip = next(p for p in TESTS if p.stem == "空号__ulaw_a")
    detection, _channel, listener = await survey_call_detection(matcher, clip)
    assert detection.kind is AnnouncementKind.EMPTY_NUMBER, detection
    assert detection.decided_after_s <= 4.0  # of audio from the answer
    assert listener.audio_s >= detection.decided_after_s - 0.05  # it was the fork's audio that decided


async def test_the_fork_of_a_survey_call_answered_by_a_person_hears_no_announcement(matcher) -> None:
    clip = next(p for p in NEGATIVES if p.stem == "human_wei_nawei_f")
    detection, _channel, listener = await survey_call_detection(matcher, clip)
    assert detection.kind is None
    assert listener.audio_s >= 1.5  # the person's whole answer came through the fork
