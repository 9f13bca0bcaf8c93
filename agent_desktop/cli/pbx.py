"""`agent-desktop pbx-sim`: run the simulator PBX standalone — an AMI server that behaves like Asterisk 20.

    agent-desktop pbx-sim [--listen 127.0.0.1:5038] [--scenario FILE] [--user desk] [--secret S]
                          [--time-scale X] [--audio-speed X] [--read CLASSES] [--write CLASSES] [--verbose]

It plays the scenario's inbound calls (TOML or JSON; see `telephony/simulator/scenario.py`, default
`scenarios/demo.toml` under the resources folder) and answers AMI actions — QueueAdd, Originate, Redirect, Hangup, … —
like the sample configuration in `resources/asterisk/`, until Ctrl-C. Point the desktop (or `agent-desktop ami probe`)
at the listen address with the same user and secret. The secret may come from AGENT_DESKTOP_PBX_SECRET; it is never
printed. `--listen 127.0.0.1:0` picks a free port and prints it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from pathlib import Path

from agent_desktop.cli.options import command_config
from agent_desktop.config import ENV_PBX_SECRET
from agent_desktop.core.errors import ConfigError
from agent_desktop.resources import resources_dir

DEFAULT_LISTEN = "127.0.0.1:5038"
DEFAULT_USER = "desk"
DEFAULT_SECRET = "desk123"
ENV_SECRET = ENV_PBX_SECRET


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add this group's subcommands to the parser."""
    sim = subparsers.add_parser(
        "pbx-sim",
        help="run the simulator PBX (AMI like Asterisk 20) until interrupted",
        description="Run the built-in simulator PBX: an AMI server with Asterisk 20's banner, actions and event "
        "sequences, playing a scenario of inbound calls. It is the demo's PBX and the peer of the integration tests.",
    )
    sim.add_argument("--listen", default=DEFAULT_LISTEN, metavar="HOST:PORT",
                     help=f"address to listen on (default {DEFAULT_LISTEN}; port 0 = any free port)")
    sim.add_argument("--scenario", metavar="FILE",
                     help="scenario file, .toml or .json (default: scenarios/demo.toml in the resources folder)")
    sim.add_argument("--user", default=DEFAULT_USER, metavar="U", help=f"AMI user name (default {DEFAULT_USER})")
    sim.add_argument("--secret", metavar="S",
                     help=f"AMI secret (default: ${ENV_SECRET}, else the demo secret {DEFAULT_SECRET!r})")
    sim.add_argument("--read", default="all", metavar="CLASSES", help="the user's read classes (default all)")
    sim.add_argument("--write", default="all", metavar="CLASSES", help="the user's write classes (default all)")
    sim.add_argument("--time-scale", type=float, metavar="X",
                     help="multiply every scenario duration by X (overrides the scenario's pbx.time_scale)")
    sim.add_argument("--audio-speed", type=float, default=1.0, metavar="X",
                     help="pace of the audio fork: 1 = real time (default), 2 = twice as fast, 0 = unpaced")
    sim.add_argument("--verbose", action="store_true", help="log every AMI event the PBX emits")
    sim.set_defaults(handler=run_pbx_sim)


def parse_listen(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ConfigError(f"--listen must be HOST:PORT, not {text!r}", code="pbx_listen_invalid")
    return host.strip("[]"), int(port)


def run_pbx_sim(args: argparse.Namespace) -> int:
    from telephony.simulator import SimulatorPbx, load_scenario  # noqa: PLC0415 — heavy adapter, loaded on use

    host, port = parse_listen(args.listen)
    scenario_path = Path(args.scenario) if args.scenario else resources_dir() / "scenarios" / "demo.toml"
    scenario = load_scenario(scenario_path)
    if args.time_scale is not None and args.time_scale <= 0:
        raise ConfigError("--time-scale must be positive", code="pbx_time_scale_invalid")
    if args.audio_speed < 0:
        raise ConfigError("--audio-speed must be 0 or more", code="pbx_audio_speed_invalid")
    # the environment as the command's configuration read it (agent_desktop.config: its one reader)
    secret = args.secret or command_config(args).environment.get(ENV_SECRET) or DEFAULT_SECRET
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    pbx = SimulatorPbx(scenario, host=host, port=port, username=args.user, secret=secret, read=args.read,
                       write=args.write, time_scale=args.time_scale, audio_speed=args.audio_speed)
    return asyncio.run(_serve(pbx, scenario_path, verbose=args.verbose))


async def _serve(pbx: object, scenario_path: Path, *, verbose: bool) -> int:
    from telephony.simulator import SimulatorPbx  # noqa: PLC0415

    assert isinstance(pbx, SimulatorPbx)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):  # Windows has no add_signal_handler
            loop.add_signal_handler(signum, stop.set)
    if verbose:
        pbx.add_listener(lambda event: print(f"{event.name} {event.get('Channel') or ''}".rstrip(), flush=True))
    await pbx.start()
    scenario = pbx.scenario
    print(f"pbx-sim: listening on {pbx.host}:{pbx.port} (AMI user {sorted(pbx.users)[0]}, Asterisk 20 / AMI 9.0.0)",
          flush=True)
    print(f"pbx-sim: scenario {scenario_path}: {len(scenario.agents)} agent(s), {len(scenario.calls)} call(s), "
          f"queue {scenario.pbx.queue}, time scale {pbx.time_scale:g} — Ctrl-C to stop", flush=True)
    try:
        await stop.wait()
    finally:
        await pbx.stop()
        print("pbx-sim: stopped", file=sys.stderr, flush=True)
    return 0
