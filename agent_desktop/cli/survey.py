"""`agent-desktop survey`: the automated return-visit dialer (自动回访) and its state.

    agent-desktop survey run --ami HOST:PORT --user USER --center ws://HOST:PORT [--token-file FILE]
                             [--channels N] [--calls-per-minute M] [--result-timeout S] [--until-idle]
                             [--announcements [--fork-listen HOST] [--fork-advertise HOST]]
    agent-desktop survey status --center ws://HOST:PORT [--token-file FILE] [--json]

`run` is a service of its own: it logs in to the central store as a user of role `survey` (create one with
`agent-desktop server add-user survey-1 survey`; the token from `--token-file` or AGENT_DESKTOP_SURVEY_TOKEN) and
to Asterisk as the AMI user, then claims attempts from the centre and places each call into the survey IVR until
Ctrl-C. The schedule (calling windows, delay after completion, retries, the channel cap and the pace across every
dialer) is the centre's `[survey]` configuration; `--channels` and `--calls-per-minute` cap this process too.

SIGTERM (or Ctrl-C) stops `run` gracefully: nothing more is placed, claims fetched ahead are handed back to the
centre, calls in the air end and report (at most --result-timeout + 15 s). A rating pressed before a dialer died
is read back from Asterisk's AstDB by the next dialer that runs (docs/survey.md).
`status` prints what the centre holds: queued and due jobs, calls in the air, today's outcomes by kind and ratings
by digit, whether a calling window is open and when the next one opens. A supervisor's token may read it too.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import json
import logging
import sys
import threading
from typing import Any

from agent_desktop.cli.ami import add_ami_arguments, settings_from_args
from agent_desktop.cli.options import command_config, stop_on_signals
from agent_desktop.config import ENV_SURVEY_TOKEN as ENV_TOKEN
from agent_desktop.core.errors import ConfigError
from agent_desktop.resources import process_environment, set_process_environment


def register(subparsers: argparse._SubParsersAction) -> None:
    survey = subparsers.add_parser("survey", help="the automated return-visit dialer and its state",
                                   description="Automated return visits (自动回访): run the dialer, or show its state.")
    commands = survey.add_subparsers(dest="survey_command", metavar="SUBCOMMAND")
    commands.required = True

    run = commands.add_parser("run", help="claim survey attempts from the centre and call them until Ctrl-C")
    add_ami_arguments(run)
    _center_arguments(run)
    run.add_argument("--channels", type=int, default=8, metavar="N", help="calls at once (default 8)")
    run.add_argument("--calls-per-minute", type=float, default=20.0, metavar="M",
                     help="new calls a minute, evenly spaced (default 20)")
    run.add_argument("--result-timeout", type=float, default=60.0, metavar="SECONDS",
                     help="an answered call without a survey result after this long hung up during the prompt")
    run.add_argument("--until-idle", action="store_true", help="exit when nothing is due and no call is in the air")
    run.add_argument("--announcements", action="store_true",
                     help="listen to each answered call's first seconds for a carrier announcement (the library "
                     "`survey announcements add` enrolled); 空号/停机 end the attempts")
    run.add_argument("--fork-listen", metavar="HOST", default="127.0.0.1",
                     help="address of the AudioSocket listener for the announcement fork (default 127.0.0.1)")
    run.add_argument("--fork-advertise", metavar="HOST", help="the listener's address as Asterisk reaches it")
    run.set_defaults(handler=run_dialer)

    status = commands.add_parser("status", help="queued, in flight, today's outcomes, the next calling window")
    _center_arguments(status)
    status.add_argument("--json", action="store_true", help="one JSON object")
    status.set_defaults(handler=run_status)
    # `survey announcements …` (agent_desktop/cli/announcements.py) joins this group when it registers after it


def _center_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--center", metavar="URL",
                        help="the central store, ws://HOST:PORT or wss:// (default [sync] url)")
    parser.add_argument("--token-file", metavar="FILE",
                        help=f"file holding the survey user's token (else ${ENV_TOKEN})")


def _client(args: argparse.Namespace) -> Any:
    from sync.survey_client import SurveyClient  # noqa: PLC0415 - adapters only when the command runs

    config = command_config(args)
    url = args.center or config.sync.url
    if not url:
        raise ConfigError("no central store: give --center ws://HOST:PORT (or [sync] url)", code="missing_value")
    if args.token_file:
        from agent_desktop.config import read_token_file  # noqa: PLC0415

        token = read_token_file(args.token_file)
    else:
        token = config.environment.get(ENV_TOKEN) or ""
    if not token:
        raise ConfigError(f"no survey token: give --token-file or set {ENV_TOKEN}", code="missing_value")
    return SurveyClient(url, token)


def run_status(args: argparse.Namespace) -> int:
    from agent_desktop.runtime import Runtime  # noqa: PLC0415

    client = _client(args)
    runtime = Runtime()
    runtime.start()
    try:
        status = runtime.run(client.status(), timeout=60)
        runtime.run(client.close(), timeout=10)
    finally:
        runtime.stop()
    if args.json:
        print(json.dumps(status, ensure_ascii=False))
        return 0
    print(f"排队 queued: {status['queued']} (due now {status['due_now']})   呼叫中 in flight: {status['in_flight']}")
    outcomes = ", ".join(f"{k} {v}" for k, v in sorted(status["today"].items())) or "none"
    print(f"今日 today: {outcomes}")
    ratings = status["ratings_today"]
    print(f"评价 ratings today: 满意 {ratings.get('1', 0)}  基本满意 {ratings.get('2', 0)}  "
          f"不满意 {ratings.get('3', 0)}")
    if status["in_window"]:
        print(f"calling window open until {status['window_ends']}; next opens {status['next_window']}")
    else:
        print(f"outside the calling windows; next opens {status['next_window']}")
    return 0


def run_dialer(args: argparse.Namespace) -> int:
    from agent_desktop.runtime import Runtime  # noqa: PLC0415
    from telephony.control import SeatConfig  # noqa: PLC0415
    from telephony.service import TelephonyService  # noqa: PLC0415
    from telephony.survey.dialer import SurveyDialer  # noqa: PLC0415

    if args.channels < 1 or args.calls_per_minute <= 0 or args.result_timeout <= 0:
        raise ConfigError("--channels, --calls-per-minute and --result-timeout must be positive", code="bad_value")
    client = _client(args)
    config = command_config(args)
    settings = settings_from_args(args)
    # the survey's Originate needs no seat phone; the outbound context shows the hotline's number to the citizen
    telephony = TelephonyService(settings, SeatConfig("Local/survey@survey",
                                                       hotline_number=config.seat.hotline_number or "12345",
                                                       after_call_work_seconds=0), resync_interval=None)
    detector = None
    if args.announcements:
        # numpy's OpenBLAS would spread each small matching product over every core and spin there between
        # them: on a machine shared with the PBX that cost the matcher about 6 times the CPU of one thread
        # (bench/announcement_bench.py, docs/speech.md); read once, when numpy loads
        if "numpy" not in sys.modules and "OPENBLAS_NUM_THREADS" not in process_environment():
            set_process_environment("OPENBLAS_NUM_THREADS", "1")
        from asr.announcements.detector import AnnouncementDetector  # noqa: PLC0415
        from asr.announcements.library import AnnouncementLibrary  # noqa: PLC0415

        matcher = AnnouncementLibrary(config.data_dir).matcher()
        detector = ForkedAnnouncementDetector(telephony.connection.send_action, AnnouncementDetector(matcher),
                                              host=args.fork_listen, advertise=args.fork_advertise)
    dialer = SurveyDialer(telephony, client, channels=args.channels, calls_per_minute=args.calls_per_minute,
                          result_timeout_s=args.result_timeout, detector=detector)
    runtime = Runtime()
    runtime.start()
    stop = threading.Event()
    try:
        runtime.run(telephony.start(), timeout=30)
        if detector is not None:
            runtime.run(detector.start(), timeout=30)
        future = runtime.submit(dialer.run(stop_when_idle=args.until_idle))
        future.add_done_callback(lambda _f: stop.set())
        with stop_on_signals(stop):
            stop.wait()
        if not future.done():
            # SIGTERM/Ctrl-C: a graceful stop hands the claims fetched ahead back to the centre (they are not
            # attempts) and lets the calls in the air end and report; only what outlasts that is cut off
            runtime.run(dialer.stop(), timeout=10)
            with contextlib.suppress(concurrent.futures.TimeoutError, concurrent.futures.CancelledError):
                future.result(timeout=args.result_timeout + 15)
        if not future.done():
            future.cancel()
        stats = dialer.stats
        print(json.dumps({"placed": stats.placed, "outcomes": dict(stats.outcomes or {}),
                          "max_in_flight": stats.max_in_flight}, ensure_ascii=False), file=sys.stderr)
    finally:
        closings = [client.close(), telephony.stop()] + ([detector.stop()] if detector is not None else [])
        for closing in closings:
            try:
                runtime.run(closing, timeout=10)
            except Exception as exc:
                print(f"agent-desktop: closing: {exc}", file=sys.stderr)
        runtime.stop()
    return 0


class ForkedAnnouncementDetector:
    """The dialer's announcement detector (`telephony.survey.dialer.AnnouncementDetector`): forks each answered
    survey call's audio (its Local `;1`, ChanSpy `o`) to a local AudioSocket server and lets
    `asr.announcements.detector.AnnouncementDetector` listen to its first seconds."""

    def __init__(self, send_action: Any, detector: Any, *, host: str = "127.0.0.1",
                 advertise: str | None = None, arrive_timeout_s: float = 5.0, decide_timeout_s: float = 18.0) -> None:
        from asr.audiosocket.server import AudioSocketServer, CallRegistry  # noqa: PLC0415

        self._send_action = send_action
        self._detector = detector
        self._advertise = advertise or host
        self.registry = CallRegistry()
        self.server = AudioSocketServer(self.registry, self._sink, host=host)
        self._listeners: dict[str, Any] = {}
        self._arrived: dict[str, Any] = {}
        self.arrive_timeout_s = arrive_timeout_s
        self.decide_timeout_s = decide_timeout_s
        self._fork: Any = None

    async def start(self) -> None:
        from asr.fork import AudioFork, ForkTarget  # noqa: PLC0415

        await self.server.start()
        self._fork = AudioFork(self._send_action, self.registry, ForkTarget(self._advertise, self.server.port))

    async def stop(self) -> None:
        await self.server.stop()

    def _sink(self, info: Any) -> Any:
        from asr.announcements.detector import ForkListener  # noqa: PLC0415

        listener = ForkListener(info.call_id)
        self._listeners[info.call_id] = listener
        arrived = self._arrived.get(info.call_id)
        if arrived is not None:
            arrived.set()
        return listener

    async def classify(self, call: Any) -> Any:
        import asyncio  # noqa: PLC0415

        if not call.channel or self._fork is None:
            return None
        key = call.attempt_id
        self._arrived[key] = arrived = asyncio.Event()
        try:
            await self._fork.start(key, call.channel)
            await asyncio.wait_for(arrived.wait(), self.arrive_timeout_s)
            return await asyncio.wait_for(self._detector.classify(self._listeners[key]), self.decide_timeout_s)
        except TimeoutError:
            # no audio came (or no verdict in time): the IVR's answer decides, as without a detector
            logging.getLogger(__name__).warning("survey attempt %s: no audio from the fork in time", key)
            return None
        finally:
            self._fork.forget(key)
            self._arrived.pop(key, None)
            self._listeners.pop(key, None)
