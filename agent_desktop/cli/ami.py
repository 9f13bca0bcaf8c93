"""`agent-desktop ami`: check an Asterisk Manager Interface from the operator's shell.

    agent-desktop ami probe --ami HOST:PORT --user USER [--secret SECRET] [--json] [--timeout SECONDS]

Logs in, prints the Asterisk version (CoreSettings), the AMI version (banner), the current channels (CoreShowChannels)
and queues with their members (QueueStatus), logs off. Any failure (unreachable, wrong credentials, timeout, missing
permission) is one `agent-desktop: error: ...` line and exit code 1.

The secret may come from the environment variable AGENT_DESKTOP_AMI_SECRET instead of the command line (command lines
are visible to other users in `ps`); the address and user from AGENT_DESKTOP_AMI and AGENT_DESKTOP_AMI_USER. Without
option or variable, the config file's [ami] table is used (host, port, user; the secret from the variable its
`secret_env` names, else its `secret`), else the defaults 127.0.0.1:5038, user desk. The secret is never printed or
logged.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from typing import TYPE_CHECKING, Any

from agent_desktop.config import ENV_AMI
from agent_desktop.config import ENV_AMI_SECRET as ENV_SECRET
from agent_desktop.config import ENV_AMI_USER as ENV_USER
from agent_desktop.core.errors import TelephonyError

if TYPE_CHECKING:  # the adapter is imported lazily by the handlers (the CLI must start fast)
    from telephony.ami.connection import AmiSettings
    from telephony.ami.protocol import AmiMessage



def register(subparsers: argparse._SubParsersAction) -> None:
    """Add this group's subcommands to the parser."""
    ami = subparsers.add_parser(
        "ami",
        help="check an Asterisk Manager Interface (AMI)",
        description="Talk to an Asterisk Manager Interface: check that the desktop can log in and what it sees.",
    )
    commands = ami.add_subparsers(dest="ami_command", metavar="SUBCOMMAND")
    commands.required = True
    probe = commands.add_parser(
        "probe",
        help="log in and print Asterisk/AMI versions, channels and queues",
        description="Log in to AMI and print the Asterisk version, the AMI version, the current channels and the "
        "queues with their members. One clear error line if anything fails.",
    )
    add_ami_arguments(probe)
    probe.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    probe.set_defaults(handler=run_probe)


def add_ami_arguments(parser: argparse.ArgumentParser) -> None:
    """--ami / --user / --secret / --timeout, shared with `calls`."""
    parser.add_argument("--ami", metavar="HOST:PORT",
                        help=f"the Asterisk AMI address (default ${ENV_AMI}, else [ami] host/port of the config file)")
    parser.add_argument("--user", metavar="USER",
                        help=f"AMI user from manager.conf (default ${ENV_USER}, else [ami] user)")
    parser.add_argument("--secret", metavar="SECRET", default=None,
                        help=f"AMI secret (better: set ${ENV_SECRET}; a command line is visible in ps)")
    parser.add_argument("--timeout", type=float, default=5.0, metavar="SECONDS",
                        help="connect/login/action timeout (default 5)")
    parser.add_argument("--auth-type", choices=("md5", "plain"), default=None,
                        help="md5: challenge login, the secret never crosses the wire (default, else [ami] auth_type); "
                        "plain: the Secret header")


def settings_from_args(args: argparse.Namespace, **overrides: Any) -> AmiSettings:
    """AmiSettings from the shared arguments; a missing address/user/secret is a clear TelephonyError."""
    from agent_desktop.cli.options import command_config  # noqa: PLC0415
    from agent_desktop.settings import ami_secret  # noqa: PLC0415
    from telephony.ami.connection import AmiSettings, parse_host_port  # noqa: PLC0415 (lazy adapter import)

    # option (whose default is the environment variable) > config file [ami] > embedded default
    config = command_config(args)
    address = args.ami or config.environment.get(ENV_AMI)
    if address:
        host, port = parse_host_port(address)
    else:
        host, port = config.ami.host, config.ami.port
    user = args.user or config.environment.get(ENV_USER) or config.ami.user
    secret = args.secret if args.secret is not None else ami_secret(config)
    if secret is None:
        raise TelephonyError(
            f"no AMI secret: set {ENV_SECRET} or the variable [ami] secret_env names (or give --secret)",
            code="ami_auth_failed",
        )
    if args.timeout <= 0:
        raise TelephonyError("--timeout must be positive", code="invalid_timeout")
    options: dict[str, Any] = {
        "connect_timeout": args.timeout, "login_timeout": args.timeout, "action_timeout": args.timeout,
        "auth_type": getattr(args, "auth_type", None) or config.ami.auth_type,
    }
    options.update(overrides)
    return AmiSettings(host=host, port=port, username=user, secret=secret, **options)


def run_probe(args: argparse.Namespace) -> int:
    settings = settings_from_args(args, ping_interval=0.0)
    report = asyncio.run(probe(settings))
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
    else:
        print(format_probe(report))
    return 0


async def probe(settings: AmiSettings) -> dict[str, Any]:
    """Log in once (no reconnects), query, log off. Returns a JSON-ready report."""
    from telephony.ami.connection import AmiConnection  # noqa: PLC0415 (lazy adapter import)

    connection = AmiConnection(settings)
    refused: dict[str, str] = {}

    async def ask(name: str, as_list: bool) -> list[AmiMessage]:
        """One query; a permission the AMI user lacks is reported in the output, not fatal (that is what we probe)."""
        try:
            reply = await connection.send_action(name, as_list=as_list)
        except TelephonyError as exc:
            if exc.code != "ami_action_failed":
                raise
            refused[name] = str(exc.details.get("message", exc.message))
            return []
        return reply if isinstance(reply, list) else [reply]

    try:
        await connection.connect()
        core = await ask("CoreSettings", False)
        channels = await ask("CoreShowChannels", True)
        queues = await ask("QueueStatus", True)
    finally:
        await connection.aclose()
    settings_reply = core[0] if core else None
    return {
        "ami": f"{settings.host}:{settings.port}",
        "user": settings.username,
        "asterisk_version": settings_reply.get("AsteriskVersion", "") if settings_reply else "",
        "ami_version": connection.protocol.parser.ami_version if connection.protocol else None,
        "channels": [_channel(m) for m in channels if m.event == "CoreShowChannel"],
        "queues": _queues([m for m in queues if m.event in ("QueueParams", "QueueMember", "QueueEntry")]),
        "refused": refused,
    }


def _channel(m: AmiMessage) -> dict[str, str]:
    return {
        "channel": m.get("Channel", ""), "state": m.get("ChannelStateDesc", ""),
        "caller": m.get("CallerIDNum", ""), "connected_to": m.get("ConnectedLineNum", ""),
        "application": m.get("Application", ""), "duration": m.get("Duration", ""),
        "uniqueid": m.get("Uniqueid", ""), "linkedid": m.get("Linkedid", ""),
    }


def _queues(items: list[AmiMessage]) -> list[dict[str, Any]]:
    queues: dict[str, dict[str, Any]] = {}
    for m in items:
        name = m.get("Queue", "")
        queue = queues.setdefault(name, {"queue": name, "strategy": "", "calls": 0, "members": [], "waiting": []})
        if m.event == "QueueParams":
            queue["strategy"] = m.get("Strategy", "")
            queue["calls"] = int(m.get("Calls", "0") or 0)
        elif m.event == "QueueMember":  # QueueStatus spells them Name/Location (tech brief §0.6)
            queue["members"].append({
                "name": m.get("Name", ""), "interface": m.get("Location", "") or m.get("Interface", ""),
                "status": m.get("Status", ""), "paused": m.get("Paused", "") == "1",
                "paused_reason": m.get("PausedReason", ""), "in_call": m.get("InCall", "") == "1",
            })
        else:
            queue["waiting"].append({"position": m.get("Position", ""), "caller": m.get("CallerIDNum", ""),
                                     "wait": m.get("Wait", "")})
    return list(queues.values())


_MEMBER_STATUS = {"0": "unknown", "1": "not in use", "2": "in use", "3": "busy", "4": "invalid", "5": "unavailable",
                  "6": "ringing", "7": "ring in use", "8": "on hold"}


def format_probe(report: dict[str, Any]) -> str:
    refused = report.get("refused", {})

    def count(action: str, items: list[Any]) -> str:
        return f"not allowed for this user ({refused[action]})" if action in refused else str(len(items))

    lines = [
        f"Asterisk {report['asterisk_version'] or '?'}, AMI {report['ami_version'] or '?'} "
        f"at {report['ami']} (user {report['user']})",
        f"channels: {count('CoreShowChannels', report['channels'])}",
    ]
    for c in report["channels"]:
        lines.append(f"  {c['channel']}  {c['state']}  caller {c['caller'] or '-'}  {c['application']}  "
                     f"{c['duration']}".rstrip())
    lines.append(f"queues: {count('QueueStatus', report['queues'])}")
    for q in report["queues"]:
        lines.append(f"  {q['queue']}  strategy {q['strategy'] or '?'}  waiting {q['calls']}  "
                     f"members {len(q['members'])}")
        for m in q["members"]:
            pause = f"  paused ({m['paused_reason']})" if m["paused"] and m["paused_reason"] else (
                "  paused" if m["paused"] else "")
            status = _MEMBER_STATUS.get(m["status"], m["status"])
            lines.append(f"    {m['interface']} ({m['name']})  {status}{pause}")
    return "\n".join(lines)
