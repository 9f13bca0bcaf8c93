"""`agent-desktop calls`: follow and place calls through AMI from the operator's shell.

    agent-desktop calls watch --ami HOST:PORT --user USER [--interface IFACE] [--queue Q ...] [--json]
                              [--transcribe [--model DIR] [--listen HOST:PORT]]
    agent-desktop calls callback --ami HOST:PORT --user USER --interface IFACE --number N
                                 [--work-order ID] [--hotline-number 12345] [--context callback] [--json]

`watch` prints the call tracker's domain events (call offered, ringing, answered, held, transferred, conference party
joined/left, ended, queue membership, pause, after-call work, callback outcome, survey result) until interrupted
(Ctrl-C, exit 0). With `--json` each event is one JSON object per line with at least `event`, `call_id`, `caller` and
`time`. It reconnects by itself and resynchronises after a reconnect; connection changes go to stderr. `--interface`
limits it to one seat's calls (e.g. PJSIP/1001).

With `--transcribe` it also does what the desk does while a call goes on: each answered call's caller-only audio is
forked to a local AudioSocket listener (`[asr]` listen/advertise address, or `--listen`), recognised with the Vosk
model (`--model`, else `[asr] model_dir` or the installed one), and printed as `partial` / `final` events; after each
final result the work order's pre-fill from the call's transcript so far is printed as a `prefill` event.

Options left out come from the config file: the AMI address/user from [ami], `--interface` and `--hotline-number`
from [seat] (see `agent_desktop.config`).

`callback` rings the seat's phone (`--interface`), then the caller's number with the hotline's caller ID, and prints
the outcome: exit 0 when the caller was connected to the agent, 3 when the call was placed but not connected (agent or
caller busy / no answer / failed), 1 on an error. Secrets: see `agent-desktop ami --help` (AGENT_DESKTOP_AMI_SECRET).
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agent_desktop.app import App, AppParts, SpeechParts, TelephonyParts
from agent_desktop.cli.ami import add_ami_arguments, settings_from_args
from agent_desktop.cli.options import command_config, stop_on_signals
from agent_desktop.core.errors import TelephonyError
from agent_desktop.core.health import HealthState

if TYPE_CHECKING:
    from telephony.ami.connection import AmiSettings, ConnectionState
    from telephony.control import CallbackResult, SeatConfig
    from telephony.tracking.events import DomainEvent

EXIT_NOT_CONNECTED = 3


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add this group's subcommands to the parser."""
    calls = subparsers.add_parser(
        "calls",
        help="watch the call events of a PBX, or place a callback",
        description="Follow calls as the desktop sees them (domain events), or place a callback.",
    )
    commands = calls.add_subparsers(dest="calls_command", metavar="SUBCOMMAND")
    commands.required = True

    watch = commands.add_parser(
        "watch",
        help="print call events until interrupted",
        description="Print the call tracker's events until Ctrl-C. Reconnects and resynchronises by itself.",
    )
    add_ami_arguments(watch)
    watch.add_argument("--interface", metavar="IFACE",
                       help="only this seat's calls, e.g. PJSIP/1001 (default: [seat] interface; none = all calls)")
    watch.add_argument("--queue", action="append", metavar="QUEUE", help="only these queues (repeatable)")
    watch.add_argument("--json", action="store_true", help="one JSON object per line")
    watch.add_argument("--transcribe", action="store_true",
                       help="fork each answered call's audio, recognise it and pre-fill the work order")
    watch.add_argument("--model", metavar="DIR", help="Vosk model folder (default: [asr] model_dir, else installed)")
    watch.add_argument("--listen", metavar="HOST:PORT",
                       help="AudioSocket listener for the fork (default: [asr] listen_host:listen_port)")
    watch.set_defaults(handler=run_watch)

    callback = commands.add_parser(
        "callback",
        help="ring the seat's phone, then the caller, and print the outcome",
        description="Place a callback: the seat's phone rings first; once answered the caller's number is dialled "
        "with the hotline's caller ID. Exit 0 connected, 3 placed but not connected, 1 error.",
    )
    add_ami_arguments(callback)
    callback.add_argument("--interface", metavar="IFACE",
                          help="the seat's phone, e.g. PJSIP/1001 (default: [seat] interface of the config file)")
    callback.add_argument("--number", required=True, metavar="N", help="the caller's number")
    callback.add_argument("--work-order", metavar="ID", help="work order id (passed to the dialplan as WORK_ORDER)")
    callback.add_argument("--hotline-number", metavar="N",
                          help="caller ID shown (default: [seat] hotline_number, else 12345)")
    callback.add_argument("--context", default="callback", metavar="CONTEXT",
                          help="dialplan context that dials the caller (default callback)")
    callback.add_argument("--ring-timeout", type=float, default=30.0, metavar="SECONDS",
                          help="how long each phone rings (default 30)")
    callback.add_argument("--json", action="store_true", help="print the outcome as one JSON object")
    callback.set_defaults(handler=run_callback)


# watch ----------------------------------------------------------------------------------------------------------------
def run_watch(args: argparse.Namespace) -> int:
    config = command_config(args)
    settings = settings_from_args(args, reconnect_initial=1.0, reconnect_max=30.0)
    interface = args.interface or config.seat.interface
    speech = _speech_parts(args, config) if args.transcribe else None
    parts = AppParts(telephony=TelephonyParts(settings, interface=interface,
                                              queues=tuple(args.queue) if args.queue else None),
                     speech=speech, zone=config.rules.zone)
    return watch(parts, as_json=args.json)


def _speech_parts(args: argparse.Namespace, config: Any) -> SpeechParts:
    """The speech service from [asr], with --model and --listen winning; pre-fill after every final result."""
    from agent_desktop.settings import speech_service_options  # noqa: PLC0415 (imports asr lazily)

    options = speech_service_options(config, model_dir=Path(args.model) if args.model else None)
    if args.listen:
        host, sep, port = args.listen.rpartition(":")
        if not sep or not host or not port.isdigit() or int(port) > 65535:
            raise TelephonyError(f"not an AudioSocket address (HOST:PORT): {args.listen!r}", code="bad_address")
        options.update(listen_host=host, listen_port=int(port))
    # the shell prints a pre-fill for each final result as it comes (no debounce); finals that arrive while one is
    # being read are read together in the next pass
    return SpeechParts(options, fork_by_uniqueid=config.asr.fork_by_uniqueid, prefill=True, prefill_debounce_s=0.0)


def _print_event(event: DomainEvent, as_json: bool) -> None:
    _print_record(event.to_json(), as_json)


def _print_record(data: dict[str, Any], as_json: bool) -> None:
    if as_json:
        line = json.dumps(data, ensure_ascii=False)
    else:
        extras = " ".join(f"{k}={v}" for k, v in data.items()
                          if k not in ("event", "call_id", "caller", "time") and v not in ("", None, False))
        line = f"{data['time']}  {data['event']:<24} call {data['call_id'] or '-'}  caller {data['caller'] or '-'}  " \
               f"{extras}".rstrip()
    print(line, flush=True)


def watch(parts: AppParts, *, as_json: bool = False) -> int:
    """Run until SIGINT/SIGTERM (exit 0) or until the PBX refuses the login (TelephonyError). The services run on
    the application's runtime (`agent_desktop.app`); this thread only prints what their listeners hand over and
    waits. Event times are given in `parts.zone` (the hotline's), as the seats read them."""
    from telephony.ami.connection import ConnectionState  # noqa: PLC0415 (lazy adapter import)

    app = App(parts)
    stop = threading.Event()
    failure: list[TelephonyError] = []

    def on_state(state: ConnectionState, error: TelephonyError | None) -> None:
        note = f" ({error.message})" if error is not None and state is not ConnectionState.CONNECTED else ""
        print(f"agent-desktop: AMI {state.value}{note}", file=sys.stderr, flush=True)
        if state is ConnectionState.FAILED and error is not None:
            failure.append(error)
            stop.set()

    with stop_on_signals(stop):
        try:
            app.build()
            assert app.telephony is not None
            app.telephony.on_event(lambda event: _print_event(event, as_json))
            app.telephony.on_connection(on_state)
            if app.speech is not None:
                _print_speech(app, as_json)
            app.start()
            stop.wait()
        finally:
            app.stop()
    if failure:
        raise failure[0]
    return 0


def _print_speech(app: App, as_json: bool) -> None:
    """The desk's speech path beside the watch: recognition events, and the pre-fill of the call so far after each
    final result (computed off the event loop by the speech service)."""
    from asr.service import PrefillSuggested  # noqa: PLC0415 (lazy adapter import)

    speech = app.speech
    assert speech is not None

    def on_recognition(event: Any) -> None:
        _print_record({**event.to_json(), "caller": "", "time": app.clock().isoformat()}, as_json)

    def on_prefill(suggested: PrefillSuggested) -> None:
        _print_record({"event": "prefill", "call_id": suggested.call_id, "caller": "",
                       "time": app.clock().isoformat(), **suggested.prefill.to_json()}, as_json)

    def on_health(health: Any) -> None:
        if health.state is HealthState.UP and speech.model is not None:
            print(f"agent-desktop: AudioSocket listening on {speech.server.host}:{speech.server.port}, model "
                  f"{speech.model.layout.path}", file=sys.stderr, flush=True)

    speech.on_event(on_recognition)
    speech.on_prefill(on_prefill)
    speech.on_health(on_health)


# callback -------------------------------------------------------------------------------------------------------------
def run_callback(args: argparse.Namespace) -> int:
    from agent_desktop.settings import seat_config  # noqa: PLC0415 (imports telephony lazily)

    settings = settings_from_args(args, ping_interval=5.0)
    # the options win over [seat]; no after-call pause for a callback placed from the shell
    seat = seat_config(command_config(args), interface=args.interface,
                       hotline_number=args.hotline_number, hotline_name=args.hotline_number,
                       callback_context=args.context, ring_timeout_seconds=args.ring_timeout,
                       after_call_work_seconds=0)
    result = place_callback(settings, seat, args.number, args.work_order)
    if args.json:
        print(json.dumps(result.to_json(), ensure_ascii=False))
    else:
        print(format_callback(result))
    return 0 if result.connected else EXIT_NOT_CONNECTED


def place_callback(settings: AmiSettings, seat: SeatConfig, number: str, work_order: str | None) -> CallbackResult:
    """Through the telephony service on the application's runtime: log in, place the callback, log off."""
    with App(AppParts(telephony=TelephonyParts(settings, seat=seat))) as app:
        assert app.telephony is not None
        return app.runtime.run(app.telephony.callback(number, work_order_id=work_order))


_AGENT = {"answered": "the agent answered", "busy": "the agent's phone was busy",
          "no_answer": "the agent did not answer", "congestion": "the network was congested",
          "hung_up": "the agent's phone hung up", "failed": "the agent's phone could not be rung"}


def format_callback(result: CallbackResult) -> str:
    if result.agent_outcome != "answered":
        return f"callback {result.number}: not placed — {_AGENT.get(result.agent_outcome, result.agent_outcome)}"
    status = result.customer_status or "unknown (no answer reported)"
    verdict = "connected" if result.connected else "not connected"
    return f"callback {result.number}: {verdict} — the agent answered, the caller: {status}"
