"""`SimulatorPbx`: the asyncio TCP server that speaks AMI like Asterisk 20 and drives the call engine.

Wire behaviour (tech brief §1.1-1.3, checked against the captures in `reference/ami/`):
- banner `Asterisk Call Manager/9.0.0`, no blank line after it; every reply echoes the action's `ActionID` right after
  `Response:`; list actions answer `EventList: start`, then items (no `Privilege`), then `…Complete` with
  `EventList: Complete` and `ListItems`;
- Login checks the secret; a wrong one waits (1 s by default), answers "Authentication failed" and closes the socket
  (01b_login_fail); after success `FullyBooted` comes only to a session that receives `system` events, and a
  `SuccessfulAuth` security event is broadcast; Logoff answers Goodbye and closes;
- every action needs the write class Asterisk requires ("Permission denied" otherwise); before Login everything but
  Login/Challenge/Logoff is "Permission denied"; unknown → "Invalid/unknown command"; no Action → "Missing action in
  request";
- an event reaches a session when one of its classes is in the user's `read` classes *and* in the session's event mask
  (Login `Events:` / the `Events` action), and it passes the user's `eventfilter`s and the session's `Filter`s
  (legacy regex with `!` to exclude, or the advanced `action(…),name(…),header(…),method(…)` criteria);
- a client that does not read is dropped once its unsent data passes `max_write_buffer` (Asterisk drops it after
  `writetimeout`).

The Python API drives scenarios from tests: `place_call`, `hangup_party`, `agent_hangs_up`, `phone_hold`, `start_flood`,
`drop_sessions`, `wait_for_event`, …
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import math
import re
import secrets as secrets_module
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent_desktop.core.errors import TelephonyError
from telephony.ami.protocol import AmiMessage, AmiParser
from telephony.simulator.engine import KNOWN_CONTEXTS, ActionFailed, Engine
from telephony.simulator.flood import Flood
from telephony.simulator.model import Channel, Event, Headers
from telephony.simulator.scenario import CallSpec, Scenario, load_scenario
from telephony.simulator.wire import (
    AMI_VERSION,
    ASTERISK_VERSION,
    BANNER,
    PERMISSION_CLASSES,
    encode,
    one_line,
    parse_classes,
)

log = logging.getLogger(__name__)

ALL = frozenset(PERMISSION_CLASSES)
#: Write classes each action needs; any one of them suffices (A20 main/manager.c:7159; tech brief §1.2).
ACTION_AUTHORITY: dict[str, tuple[str, ...]] = {
    "login": (), "logoff": (), "challenge": (), "ping": (), "events": (), "listcommands": (),
    "filter": ("system",), "coresettings": ("system", "reporting"), "corestatus": ("system", "reporting"),
    "coreshowchannels": ("system", "reporting"), "status": ("system", "call", "reporting"),
    "command": ("command",), "getvar": ("call", "reporting"), "setvar": ("call",),
    "originate": ("originate",), "hangup": ("system", "call"), "redirect": ("call",),
    "blindtransfer": ("call",), "atxfer": ("call",), "bridge": ("call",), "playdtmf": ("call",),
    "queueadd": ("agent",), "queueremove": ("agent",), "queuepause": ("agent",),
    "queuestatus": (), "queuesummary": (), "mixmonitor": ("system",), "stopmixmonitor": ("system", "call"),
    "confbridgelist": ("reporting",), "confbridgelistrooms": ("reporting",), "confbridgekick": ("call",),
    "confbridgemute": ("call",), "confbridgeunmute": ("call",), "userevent": ("user",),
    # AstDB (A20 main/db.c astdb_init): DBGet is system or reporting, the writes system only
    "dbget": ("system", "reporting"), "dbput": ("system",), "dbdel": ("system",), "dbdeltree": ("system",),
    # simulator-only (benchmarks): start/stop a flood of queue calls and noise
    "simflood": (), "simfloodstop": (),
}
#: Originate of these applications, or data with these words, needs `system` (A20 main/manager.c:5142-5169).
_SYSTEM_APPS = frozenset({"system", "exec", "execif", "agi", "eagi", "deadagi", "mixmonitor", "originate",
                          "externalivr", "trysystem"})
_SYSTEM_DATA = ("SHELL", "EVAL", "FILE", "DB", "CURL", "ODBC", "REALTIME")
_TRUE = frozenset({"1", "yes", "true", "y", "t", "on"})


@dataclass(frozen=True)
class AmiUser:
    """One `[user]` of manager.conf. `eventfilters` take manager.conf's forms: `!Event: VarSet` (legacy regex;
    `!` excludes) or `action(exclude),name(VarSet)` / `action(include),name(Hangup),header(Cause),method(exact)=16`."""

    username: str
    secret: str = field(repr=False)
    read: str = "all"
    write: str = "all"
    eventfilters: tuple[str, ...] = ()


def load_manager_user(path: str | Path, username: str) -> AmiUser:
    """The `[username]` section of a manager.conf (secret, read, write, every `eventfilter` line), so the simulator
    can run with exactly the permissions and filters of `resources/asterisk/manager.conf`."""
    file = Path(path)
    try:
        lines = file.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise TelephonyError(f"cannot read {file}: {exc.strerror or exc}", code="manager_conf_unreadable") from exc
    section: str | None = None
    values: dict[str, str] = {}
    filters: list[str] = []
    for raw in lines:
        line = re.split(r"(?<!\\);", raw, maxsplit=1)[0].strip()
        if not line:
            continue
        header = re.match(r"^\[([^\]]+)\]", line)
        if header:
            section = header.group(1).strip()
            continue
        if section != username or "=" not in line:
            continue
        if line.lower().startswith("eventfilter("):
            # `eventfilter(action(exclude),name(VarSet)) = expr` → "action(exclude),name(VarSet)=expr"
            key, _, value = line.partition("=")
            filters.append(f"{key.strip()[len('eventfilter('):-1]}={value.strip()}")
            continue
        key, _, value = line.partition("=")
        key = key.strip().lower()
        if key == "eventfilter":
            filters.append(value.strip())
        else:
            values[key] = value.strip()
    if "secret" not in values:
        raise TelephonyError(f"{file} has no user [{username}] with a secret", code="manager_conf_no_user")
    return AmiUser(username, values["secret"], values.get("read", "all"), values.get("write", "all"),
                   tuple(filters))


@dataclass(frozen=True)
class _Filter:
    include: bool
    name: str | None = None
    header: str | None = None
    method: str = "regex"
    expr: str = ""
    regex: re.Pattern[str] | None = None

    def matches(self, event: Event) -> bool:
        if self.name is not None and event.name.lower() != self.name.lower():
            return False
        if self.method == "none":
            return True
        subject = event.get(self.header, None) if self.header is not None else event.text
        if subject is None:
            return False
        if self.method == "regex":
            return self.regex is not None and self.regex.search(subject) is not None
        if self.method == "exact":
            return subject == self.expr
        if self.method == "starts_with":
            return subject.startswith(self.expr)
        if self.method == "ends_with":
            return subject.endswith(self.expr)
        return self.expr in subject  # contains


def parse_filter(criteria: str | None, expr: str) -> _Filter:
    """A `Filter` action (MatchCriteria + Filter) or a manager.conf `eventfilter` line, as a matcher."""
    if not criteria:
        include = not expr.startswith("!")
        body = expr[1:] if not include else expr
        try:
            return _Filter(include=include, expr=body, regex=re.compile(body))
        except re.error as exc:
            raise TelephonyError(f"invalid event filter regex: {exc}", code="ami_filter_invalid") from exc
    parts = dict(re.findall(r"(\w+)\(([^)]*)\)", criteria))
    unknown = set(parts) - {"action", "name", "header", "method"}
    method = parts.get("method", "regex" if expr else "none").lower()
    if unknown or method not in ("regex", "exact", "starts_with", "ends_with", "contains", "none"):
        raise TelephonyError(f"invalid event filter criteria {criteria!r}", code="ami_filter_invalid")
    try:
        regex = re.compile(expr) if method == "regex" else None
    except re.error as exc:
        raise TelephonyError(f"invalid event filter regex: {exc}", code="ami_filter_invalid") from exc
    return _Filter(include=parts.get("action", "include").lower() != "exclude", name=parts.get("name") or None,
                   header=parts.get("header") or None, method=method, expr=expr, regex=regex)


def _user_filter(line: str) -> _Filter:
    """manager.conf: `eventfilter = !Event: VarSet` is given here as `!Event: VarSet`; the advanced
    `eventfilter(action(exclude),name(VarSet)) = expr` as `action(exclude),name(VarSet)=expr`."""
    if re.match(r"^\s*(action|name|header|method)\(", line):
        criteria, sep, expr = line.partition(")=")
        return parse_filter(criteria + ")" if sep else line, expr.strip())
    return parse_filter(None, line)


class _Session:
    def __init__(self, pbx: SimulatorPbx, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.pbx, self.reader, self.writer = pbx, reader, writer
        self.parser = AmiParser(max_message_bytes=64 * 1024)
        self.user: AmiUser | None = None
        self.read: frozenset[str] = frozenset()
        self.write: frozenset[str] = frozenset()
        self.mask: frozenset[str] = frozenset()
        self.filters: list[_Filter] = []
        self.challenge: str | None = None
        self.closing = False
        self.id = f"0x{id(self):x}"
        # Events an action causes are held until its response is written: Asterisk answers first (03_queue_inbound:
        # "Added interface to queue" precedes QueueMemberAdded).
        self._held: list[bytes] | None = None
        self.delivered = 0  # events written to this session (SimFloodComplete reports it)

    # ---------------------------------------------------------------------------------------------- transport
    def send(self, headers: Iterable[tuple[str, str]]) -> None:
        self._write(encode((k, one_line(v)) for k, v in headers))

    def _write(self, data: bytes) -> None:
        if self.closing or self.writer.is_closing():
            return
        self.writer.write(data)
        if self.writer.transport.get_write_buffer_size() > self.pbx.max_write_buffer:
            log.warning("simulator PBX: dropping AMI session %s: it does not read (like writetimeout)", self.id)
            self.close()

    def close(self) -> None:
        self.closing = True
        self.writer.close()

    def deliver(self, event: Event) -> None:
        if self.user is None or self.closing:
            return
        if not any(c in self.read and c in self.mask for c in event.classes):
            return
        if self.filters and not self._passes(event):
            return
        self.delivered += 1
        if self._held is not None:
            self._held.append(event.wire)
            return
        self._write(event.wire)

    def _passes(self, event: Event) -> bool:
        includes = [f for f in self.filters if f.include]
        excludes = [f for f in self.filters if not f.include]
        if includes and not any(f.matches(event) for f in includes):
            return False
        return not any(f.matches(event) for f in excludes)

    def respond(self, message: AmiMessage, status: str, text: str | None = None, *,
                extra: Headers | None = None, eventlist: bool = False) -> None:
        headers: Headers = [("Response", status)]
        if message.action_id is not None:
            headers.append(("ActionID", message.action_id))
        if eventlist:
            headers.append(("EventList", "start"))
        if text is not None:
            headers.append(("Message", text))
        headers += extra or []
        self.send(headers)

    def list_item(self, message: AmiMessage, name: str, headers: Headers, *, action_id_last: bool = False) -> None:
        aid = [("ActionID", message.action_id)] if message.action_id is not None else []
        body = [*headers, *aid] if action_id_last else [*aid, *headers]
        self.send([("Event", name), *body])

    def list_complete(self, message: AmiMessage, name: str, items: int) -> None:
        aid = [("ActionID", message.action_id)] if message.action_id is not None else []
        self.send([("Event", name), *aid, ("EventList", "Complete"), ("ListItems", str(items))])

    # ---------------------------------------------------------------------------------------------- reading
    async def run(self) -> None:
        self.writer.write(BANNER)
        try:
            while not self.closing:
                data = await self.reader.read(65536)
                if not data:
                    break
                for message in self.parser.feed(data):
                    await self.handle(message)
                    if self.closing:
                        break
                for error in self.parser.drain_errors():
                    log.warning("simulator PBX: session %s sent a bad frame: %s", self.id, error.message)
                    if error.code == "ami_malformed_frame":
                        # Asterisk answers a message without `Action:` (the parser could not keep its ActionID).
                        self.send([("Response", "Error"), ("Message", "Missing action in request")])
        except (ConnectionError, OSError):
            pass
        finally:
            self.close()
            with contextlib.suppress(ConnectionError, OSError):
                await self.writer.wait_closed()

    async def handle(self, message: AmiMessage) -> None:
        action = (message.action or "").strip()
        if not action:
            self.respond(message, "Error", "Missing action in request")
            return
        name = action.lower()
        handler = getattr(self, f"_action_{name}", None)
        if self.user is None and name not in ("login", "challenge", "logoff"):
            self.respond(message, "Error", "Permission denied")
            return
        if handler is None or name not in ACTION_AUTHORITY:
            self.respond(message, "Error", "Invalid/unknown command")
            return
        needed = ACTION_AUTHORITY[name]
        if needed and not (set(needed) & self.write):
            self.respond(message, "Error", "Permission denied")
            return
        self._held = [] if name != "login" else None
        try:
            result = handler(message)
            if asyncio.iscoroutine(result):
                await result
        except ActionFailed as exc:
            self.respond(message, "Error", str(exc))
        except TelephonyError as exc:
            self.respond(message, "Error", exc.message)
        except Exception:
            # A bug or an input we did not foresee must cost one action, never the session or the PBX.
            log.exception("simulator PBX: action %s failed", action)
            self.respond(message, "Error", "Internal error")
        finally:
            held, self._held = self._held, None
            for data in held or ():
                self._write(data)

    # ---------------------------------------------------------------------------------------------- session
    async def _action_login(self, m: AmiMessage) -> None:
        if self.user is not None:
            self.respond(m, "Success", "Already authenticated")
            return
        username = m.get("Username", "")
        user = self.pbx.users.get(username)
        ok = False
        if user is not None:
            if m.get("AuthType", "").lower() == "md5" and self.challenge:
                expected = hashlib.md5((self.challenge + user.secret).encode()).hexdigest()
                ok = secrets_module.compare_digest(m.get("Key", ""), expected)
            else:
                ok = secrets_module.compare_digest(m.get("Secret", ""), user.secret)
        if not ok:
            log.info("simulator PBX: failed AMI login for user %r", username)
            await asyncio.sleep(self.pbx.auth_failure_delay_s)
            self.respond(m, "Error", "Authentication failed")
            with contextlib.suppress(ConnectionError, OSError):
                await self.writer.drain()
            self.close()
            return
        assert user is not None
        self.user = user
        self.read = parse_classes(user.read, default=ALL)
        self.write = parse_classes(user.write, default=ALL)
        self.mask = parse_classes(m.get("Events"), default=ALL)
        self.filters = [_user_filter(line) for line in user.eventfilters]
        self.respond(m, "Success", "Authentication accepted")
        uptime = str(int(time.monotonic() - self.pbx.engine.started_monotonic))
        self.deliver(Event("FullyBooted", ("system",), [("Uptime", uptime), ("LastReload", uptime),
                                                        ("Status", "Fully Booted")]))
        now = _event_tv()
        sock = self.writer.get_extra_info("sockname") or ("127.0.0.1", 0)
        peer = self.writer.get_extra_info("peername") or ("127.0.0.1", 0)
        self.pbx.engine.emit("SuccessfulAuth", ("security",), [
            ("EventTV", now), ("Severity", "Informational"), ("Service", "AMI"), ("EventVersion", "1"),
            ("AccountID", user.username), ("SessionID", self.id),
            ("LocalAddress", f"IPV4/TCP/{sock[0]}/{sock[1]}"), ("RemoteAddress", f"IPV4/TCP/{peer[0]}/{peer[1]}"),
            ("UsingPassword", "0"), ("SessionTV", now)])

    def _action_challenge(self, m: AmiMessage) -> None:
        if m.get("AuthType", "").lower() != "md5":
            self.respond(m, "Error", "Must specify AuthType")
            return
        self.challenge = f"{secrets_module.randbelow(10**9):09d}"
        self.respond(m, "Success", None, extra=[("Challenge", self.challenge)])

    async def _action_logoff(self, m: AmiMessage) -> None:
        self.respond(m, "Goodbye", "Thanks for all the fish.")
        with contextlib.suppress(ConnectionError, OSError):
            await self.writer.drain()
        self.close()

    def _action_ping(self, m: AmiMessage) -> None:
        self.respond(m, "Success", None, extra=[("Ping", "Pong"), ("Timestamp", f"{time.time():.6f}")])

    def _action_events(self, m: AmiMessage) -> None:
        self.mask = parse_classes(m.get("EventMask", "on"), default=ALL)
        self.respond(m, "Success", None, extra=[("Events", "On" if self.mask else "Off")])

    def _action_filter(self, m: AmiMessage) -> None:
        if m.get("Operation", "Add").lower() != "add":
            raise ActionFailed("Unknown operation")
        self.filters.append(parse_filter(m.get("MatchCriteria"), m.get("Filter", "")))
        self.respond(m, "Success", "Filter Added Successfully")

    def _action_listcommands(self, m: AmiMessage) -> None:
        extra = [(name, f"Simulated.  (Priv: {','.join((*needed, 'all')) if needed else '<none>'})")
                 for name, needed in sorted(ACTION_AUTHORITY.items())]
        self.respond(m, "Success", None, extra=extra)

    # ---------------------------------------------------------------------------------------------- core
    def _action_coresettings(self, m: AmiMessage) -> None:
        self.respond(m, "Success", None, extra=[
            ("AMIversion", AMI_VERSION), ("AsteriskVersion", ASTERISK_VERSION), ("SystemName", ""),
            ("CoreMaxCalls", "0"), ("CoreMaxLoadAvg", "0.000000"), ("CoreRunUser", ""), ("CoreRunGroup", ""),
            ("CoreMaxFilehandles", "0"), ("CoreRealTimeEnabled", "No"), ("CoreCDRenabled", "Yes"),
            ("CoreHTTPenabled", "No"), ("SoundsSearchCustomDir", "No")])

    def _action_corestatus(self, m: AmiMessage) -> None:
        started = time.gmtime(self.pbx.engine.epoch)
        self.respond(m, "Success", None, extra=[
            ("CoreStartupDate", time.strftime("%Y-%m-%d", started)),
            ("CoreStartupTime", time.strftime("%H:%M:%S", started)),
            ("CoreReloadDate", time.strftime("%Y-%m-%d", started)),
            ("CoreReloadTime", time.strftime("%H:%M:%S", started)),
            ("CoreCurrentCalls", str(sum(1 for c in self.pbx.engine.channels.values() if c.uniqueid == c.linkedid))),
            ("CoreProcessedCalls", str(self.pbx.engine.processed_calls))])

    def _action_coreshowchannels(self, m: AmiMessage) -> None:
        self.respond(m, "Success", "Channels will follow", eventlist=True)
        channels = list(self.pbx.engine.channels.values())
        now = time.time()
        for chan in channels:
            seconds = int(now - chan.created_at)
            duration = f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
            self.list_item(m, "CoreShowChannel", [
                *chan.snapshot(), ("Application", chan.application), ("ApplicationData", one_line(chan.app_data)),
                ("Duration", duration), ("BridgeId", chan.bridge.uniqueid if chan.bridge else "")])
        self.list_complete(m, "CoreShowChannelsComplete", len(channels))

    def _action_status(self, m: AmiMessage) -> None:
        """`Status [Channel]`: one `Status` item per channel (A20 manager.c action_status), then StatusComplete."""
        engine = self.pbx.engine
        wanted = m.get("Channel", "")
        channels = list(engine.channels.values())
        if wanted and wanted.lower() != "all":
            chan = engine.find_channel(wanted)
            if chan is None:
                raise ActionFailed("No such channel")
            channels = [chan]
        self.respond(m, "Success", "Channel status will follow", eventlist=True)
        now = time.time()
        for chan in channels:
            self.list_item(m, "Status", [
                ("Privilege", "Call"), *chan.snapshot(), ("Type", chan.name.split("/", 1)[0]), ("DNID", ""),
                ("EffectiveConnectedLineNum", chan.connected_num or "<unknown>"),
                ("EffectiveConnectedLineName", chan.connected_name or "<unknown>"), ("TimeToHangup", "0"),
                ("BridgeID", chan.bridge.uniqueid if chan.bridge else ""), ("Application", chan.application),
                ("Data", one_line(chan.app_data)), ("Nativeformats", "(slin)"), ("Readformat", "slin"),
                ("Readtrans", ""), ("Writeformat", "slin"), ("Writetrans", ""), ("Callgroup", "0"),
                ("Pickupgroup", "0"), ("Seconds", str(int(now - chan.created_at)))])
        aid = [("ActionID", m.action_id)] if m.action_id is not None else []
        self.send([("Event", "StatusComplete"), *aid, ("EventList", "Complete"), ("ListItems", str(len(channels))),
                   ("Items", str(len(channels)))])

    def _action_command(self, m: AmiMessage) -> None:
        command = " ".join(m.get("Command", "").split()).lower()
        engine = self.pbx.engine
        if command == "core show version":
            lines = [f"Asterisk {ASTERISK_VERSION} (simulated by agent-desktop pbx-sim)"]
        elif command in ("core show channels", "core show channels count"):
            count = len(engine.channels)
            calls = sum(1 for c in engine.channels.values() if c.uniqueid == c.linkedid)
            lines = [] if command.endswith("count") else [c.name for c in engine.channels.values()]
            lines += [f"{count} active channel{'s' if count != 1 else ''}",
                      f"{calls} active call{'s' if calls != 1 else ''}",
                      f"{engine.processed_calls} call{'s' if engine.processed_calls != 1 else ''} processed"]
        elif command == "queue show" or command.startswith("queue show "):
            lines = []
            for queue in engine.queues.values():
                lines.append(f"{queue.name} has {len(queue.entries)} calls (max unlimited) in 'ringall' strategy")
                lines += [f"      {mem.name} ({mem.interface}) ({'paused' if mem.paused else 'Not in use'})"
                          for mem in queue.members.values()]
        else:
            self.respond(m, "Error", "Command output follows",
                         extra=[("Output", f"No such command '{one_line(m.get('Command', ''))}' "
                                           "(type 'core show help' for other possible commands)")])
            return
        self.respond(m, "Success", "Command output follows", extra=[("Output", line) for line in lines])

    def _action_getvar(self, m: AmiMessage) -> None:
        variable = m.get("Variable", "")
        if not variable:
            raise ActionFailed("No variable specified")
        value = ""
        if m.get("Channel"):
            chan = self._channel(m.get("Channel", ""))
            value = chan.variables.get(variable, "")
        self.respond(m, "Success", None, extra=[("Variable", variable), ("Value", value)])

    def _action_setvar(self, m: AmiMessage) -> None:
        variable = m.get("Variable", "")
        if not variable:
            raise ActionFailed("No variable specified")
        if m.get("Channel"):
            self.pbx.engine.varset(self._channel(m.get("Channel", "")), variable, m.get("Value", ""))
        self.respond(m, "Success", "Variable Set")

    def _action_userevent(self, m: AmiMessage) -> None:
        name = m.get("UserEvent", "")
        if not name:
            raise ActionFailed("Missing UserEvent")
        headers = [(k, v) for k, v in m.headers if k.lower() not in ("action", "userevent")]
        self.respond(m, "Success", "Event Sent")
        self.pbx.engine.emit("UserEvent", ("user",), [("UserEvent", name), *headers])

    # ---------------------------------------------------------------------------------------------- AstDB
    # The answers of A20 main/db.c: manager_dbput, manager_dbget (a list: ack "Result will follow", DBGetResponse
    # with its ActionID last, DBGetComplete), manager_dbdel, manager_dbdeltree.
    def _db_names(self, m: AmiMessage, *, key_needed: bool = True, dot: str = ".") -> tuple[str, str]:
        family, key = m.get("Family", ""), m.get("Key", "")
        if not family:
            raise ActionFailed(f"No family specified{dot}")
        if key_needed and not key:
            raise ActionFailed(f"No key specified{dot}")
        return family, key

    def _action_dbput(self, m: AmiMessage) -> None:
        family, key = self._db_names(m, dot="")
        self.pbx.astdb[(family, key)] = m.get("Val", "")
        self.respond(m, "Success", "Updated database successfully")

    def _action_dbget(self, m: AmiMessage) -> None:
        family, key = self._db_names(m)
        value = self.pbx.astdb.get((family, key))
        if value is None:
            raise ActionFailed("Database entry not found")
        self.respond(m, "Success", "Result will follow", eventlist=True)
        self.list_item(m, "DBGetResponse", [("Family", family), ("Key", key), ("Val", value)], action_id_last=True)
        self.list_complete(m, "DBGetComplete", 1)

    def _action_dbdel(self, m: AmiMessage) -> None:
        family, key = self._db_names(m)
        if self.pbx.astdb.pop((family, key), None) is None:
            raise ActionFailed("Database entry not found")
        self.respond(m, "Success", "Key deleted successfully")

    def _action_dbdeltree(self, m: AmiMessage) -> None:
        family, key = self._db_names(m, key_needed=False)
        # ast_db_deltree(family, key) removes /family/key and everything under /family/key/
        doomed = [k for k in self.pbx.astdb if k[0] == family and (
            not key or k[1] == key or k[1].startswith(f"{key}/"))]
        if not doomed:
            raise ActionFailed("Database entry not found")
        for k in doomed:
            del self.pbx.astdb[k]
        self.respond(m, "Success", "Key tree deleted successfully")

    # ---------------------------------------------------------------------------------------------- calls
    def _channel(self, name: str, what: str = "Channel") -> Channel:
        chan = self.pbx.engine.find_channel(name)
        if chan is None:
            raise ActionFailed(f"{what} does not exist: {name}")
        return chan

    def _action_originate(self, m: AmiMessage) -> None:
        dial = m.get("Channel", "")
        if not dial:
            raise ActionFailed("Channel not specified")
        app = m.get("Application", "")
        data = m.get("Data", "")
        context, exten = m.get("Context", ""), m.get("Exten", "")
        if not app and exten and not context:
            raise ActionFailed("Originate with 'Exten' requires 'Context' and 'Priority'")
        if "system" not in self.write and (app.lower() in _SYSTEM_APPS or any(w in data for w in _SYSTEM_DATA)):
            raise ActionFailed("Originate Access Forbidden: Data" if app.lower() not in _SYSTEM_APPS
                               else "Originate Access Forbidden: Application")
        if not app and context and context not in KNOWN_CONTEXTS:
            raise ActionFailed("Extension does not exist.")
        priority = m.get("Priority", "1") or "1"
        if not app and not priority.isdigit():
            raise ActionFailed("Invalid priority")
        timeout = m.get("Timeout", "30000") or "30000"
        if not timeout.isdigit():
            raise ActionFailed("Invalid timeout")
        variables = [part for value in m.get_all("Variable") for part in value.split(",") if part]
        fields: dict[str, Any] = {"channel": dial, "application": app, "data": data, "context": context,
                                  "exten": exten, "priority": int(priority) if priority.isdigit() else 1,
                                  "timeout_ms": int(timeout), "callerid": m.get("CallerID", ""),
                                  "variables": variables}
        is_async = m.get("Async", "false").strip().lower() in _TRUE
        if is_async:
            self.pbx.engine.parse_dial(dial)
            self.respond(m, "Success", "Originate successfully queued")
            self.pbx.engine.originate(fields, m.action_id, None)
            return

        def respond(ok: bool, text: str) -> None:
            self.respond(m, "Success" if ok else "Error", text)

        self.pbx.engine.originate(fields, m.action_id, respond)

    def _action_hangup(self, m: AmiMessage) -> None:
        name = m.get("Channel", "")
        if not name:
            raise ActionFailed("No channel specified")
        cause_text = m.get("Cause", "") or "16"
        cause = int(cause_text) if cause_text.isdigit() else 16
        engine = self.pbx.engine
        if len(name) > 2 and name.startswith("/") and name.endswith("/"):
            try:
                pattern = re.compile(name[1:-1])
            except re.error as exc:
                raise ActionFailed("Regex compile failed on: " + name) from exc
            victims = [c for c in list(engine.channels.values()) if pattern.search(c.name)]
            for chan in victims:
                engine.hangup(chan, cause, source="ami")
            self.respond(m, "Success", f"{len(victims)} channels hung up.")
            return
        chan = engine.find_channel(name)
        if chan is None:
            raise ActionFailed("No such channel")
        engine.hangup(chan, cause, source="ami")
        self.respond(m, "Success", "Channel Hungup")

    def _action_redirect(self, m: AmiMessage) -> None:
        if not m.get("Channel"):
            raise ActionFailed("Channel not specified")
        if not m.get("Exten") or not m.get("Context"):
            raise ActionFailed("Extension does not exist.")
        moves = [(self._channel(m["Channel"]), m["Context"], m["Exten"], _priority(m.get("Priority")))]
        if m.get("ExtraChannel"):
            moves.append((self._channel(m["ExtraChannel"], "ExtraChannel"), m.get("ExtraContext") or m["Context"],
                          m.get("ExtraExten") or m["Exten"], _priority(m.get("ExtraPriority"))))
        self.pbx.engine.redirect(moves)
        self.respond(m, "Success", "Dual Redirect successful" if len(moves) == 2 else "Redirect successful")

    def _action_blindtransfer(self, m: AmiMessage) -> None:
        if not m.get("Channel"):
            raise ActionFailed("No channel specified")
        if not m.get("Exten"):
            raise ActionFailed("No extension specified")
        chan = self.pbx.engine.find_channel(m["Channel"])
        if chan is None:
            raise ActionFailed("Channel specified does not exist")
        self.pbx.engine.blind_transfer(chan, m.get("Context") or chan.context, m["Exten"])
        self.respond(m, "Success", "Transfer succeeded")

    def _action_atxfer(self, m: AmiMessage) -> None:
        # The simulator has no DTMF feature map; a real Asterisk without `atxfer` in features.conf says the same.
        raise ActionFailed("No attended transfer feature code found")

    def _action_bridge(self, m: AmiMessage) -> None:
        first = self._channel(m.get("Channel1", ""), "Channel1")
        second = self._channel(m.get("Channel2", ""), "Channel2")
        self.pbx.engine.bridge_channels(first, second)
        self.respond(m, "Success", "Channels have been bridged")

    def _action_playdtmf(self, m: AmiMessage) -> None:
        chan = self._channel(m.get("Channel", ""))
        digit = m.get("Digit", "")
        if not digit:
            raise ActionFailed("No digit specified")
        direction = "Received" if m.get("Receive", "").lower() in _TRUE else "Sent"
        engine = self.pbx.engine
        engine.emit("DTMFBegin", ("dtmf",), [*chan.snapshot(), ("Digit", digit[0]), ("Direction", direction)])
        engine.emit("DTMFEnd", ("dtmf",), [*chan.snapshot(), ("Digit", digit[0]),
                                           ("DurationMs", m.get("Duration", "") or "250"), ("Direction", direction)])
        self.respond(m, "Success", "DTMF successfully queued")

    def _action_mixmonitor(self, m: AmiMessage) -> None:
        chan = self._channel(m.get("Channel", ""))
        path = self.pbx.engine.start_mixmonitor(chan, m.get("File", "") or f"{chan.uniqueid}.wav",
                                                m.get("Options", ""))
        self.respond(m, "Success", None, extra=[("MixMonitorID", f"mixmonitor-{chan.uniqueid}"), ("File", path)])

    def _action_stopmixmonitor(self, m: AmiMessage) -> None:
        chan = self._channel(m.get("Channel", ""))
        self.pbx.engine.emit("MixMonitorStop", ("call",), chan.snapshot())
        self.respond(m, "Success", "Stopped MixMonitor")

    # ---------------------------------------------------------------------------------------------- queues
    def _action_queueadd(self, m: AmiMessage) -> None:
        interface = m.get("Interface", "")
        if not m.get("Queue") or not interface:
            raise ActionFailed("'Queue' and 'Interface' not specified.")
        penalty = m.get("Penalty", "0") or "0"
        self.pbx.engine.queue_add(m["Queue"], interface, m.get("MemberName", "") or interface,
                                  penalty=int(penalty) if penalty.isdigit() else 0,
                                  paused=m.get("Paused", "").lower() in _TRUE, reason=m.get("Reason", ""))
        self.respond(m, "Success", "Added interface to queue")

    def _action_queueremove(self, m: AmiMessage) -> None:
        if not m.get("Queue") or not m.get("Interface"):
            raise ActionFailed("Need 'Queue' and 'Interface' parameters.")
        self.pbx.engine.queue_remove(m["Queue"], m["Interface"])
        self.respond(m, "Success", "Removed interface from queue")

    def _action_queuepause(self, m: AmiMessage) -> None:
        interface, paused = m.get("Interface", ""), m.get("Paused", "")
        if not interface or not paused:
            raise ActionFailed("Need 'Interface' and 'Paused' parameters.")
        on = paused.lower() in _TRUE
        self.pbx.engine.queue_pause(interface, on, m.get("Queue") or None, m.get("Reason", ""))
        self.respond(m, "Success", "Interface paused successfully" if on else "Interface unpaused successfully")

    def _action_queuestatus(self, m: AmiMessage) -> None:
        engine = self.pbx.engine
        wanted, member_filter = m.get("Queue", ""), m.get("Member", "")
        self.respond(m, "Success", "Queue status will follow", eventlist=True)
        items = 0
        now = time.time()
        for queue in engine.queues.values():
            if wanted and queue.name != wanted:
                continue
            completed = max(queue.completed, 1)
            self.list_item(m, "QueueParams", [
                ("Queue", queue.name), ("Max", "0"), ("Strategy", queue.strategy), ("Calls", str(len(queue.entries))),
                ("Holdtime", str(int(queue.holdtime_total / completed))),
                ("TalkTime", str(int(queue.talktime_total / completed))), ("Completed", str(queue.completed)),
                ("Abandoned", str(queue.abandoned)), ("ServiceLevel", "0"), ("ServicelevelPerf", "0.0"),
                ("ServicelevelPerf2", "0.0"), ("Weight", "0")], action_id_last=True)
            items += 1
            for member in queue.members.values():
                if member_filter and member_filter not in (member.name, member.interface):
                    continue
                self.list_item(m, "QueueMember", member.fields(list_form=True), action_id_last=True)
                items += 1
            for entry in queue.entries:
                chan = entry.channel
                snap = dict(chan.snapshot())
                self.list_item(m, "QueueEntry", [
                    ("Queue", queue.name), ("Position", str(entry.position)), ("Channel", chan.name),
                    ("Uniqueid", chan.uniqueid), ("CallerIDNum", snap["CallerIDNum"]),
                    ("CallerIDName", snap["CallerIDName"]), ("ConnectedLineNum", snap["ConnectedLineNum"]),
                    ("ConnectedLineName", snap["ConnectedLineName"]), ("Wait", str(int(now - entry.joined_at))),
                    ("Priority", "0")], action_id_last=True)
                items += 1
        self.list_complete(m, "QueueStatusComplete", items)

    def _action_queuesummary(self, m: AmiMessage) -> None:
        engine = self.pbx.engine
        wanted = m.get("Queue", "")
        self.respond(m, "Success", "Queue summary will follow", eventlist=True)
        items = 0
        now = time.time()
        for queue in engine.queues.values():
            if wanted and queue.name != wanted:
                continue
            completed = max(queue.completed, 1)
            longest = max((int(now - e.joined_at) for e in queue.entries), default=0)
            self.list_item(m, "QueueSummary", [
                ("Queue", queue.name), ("LoggedIn", str(len(queue.members))),
                ("Available", str(sum(1 for mem in queue.members.values() if mem.available))),
                ("Callers", str(len(queue.entries))), ("HoldTime", str(int(queue.holdtime_total / completed))),
                ("TalkTime", str(int(queue.talktime_total / completed))), ("LongestHoldTime", str(longest))],
                action_id_last=True)
            items += 1
        self.list_complete(m, "QueueSummaryComplete", items)

    # ---------------------------------------------------------------------------------------------- flood
    def _action_simflood(self, m: AmiMessage) -> None:
        """Simulator-only: `Calls` queue calls (0 = until SimFloodStop) at `CallRate`/s (0 = as fast as this session
        reads), `NoiseRate` noise events/s, to `Interface`; ends with `Event: SimFloodComplete`, `Events: <n>`."""
        def number(name: str, default: str) -> float:
            text = m.get(name, default) or default
            try:
                value = float(text)
            except ValueError:
                raise ActionFailed(f"{name} must be a number") from None
            if not math.isfinite(value) or value < 0:
                raise ActionFailed(f"{name} must be a number") from None
            return value

        calls, call_rate, noise_rate = int(number("Calls", "0")), number("CallRate", "0"), number("NoiseRate", "0")
        if not calls and not call_rate and not noise_rate:
            raise ActionFailed("Nothing to flood: give Calls, CallRate or NoiseRate")
        start_count = self.delivered
        action_id = m.action_id

        def complete() -> None:
            headers: Headers = [("Event", "SimFloodComplete")]
            if action_id is not None:
                headers.append(("ActionID", action_id))
            self.send([*headers, ("Calls", str(self.pbx.flood.calls_started)),
                       ("Events", str(self.delivered - start_count))])

        def congested() -> bool:
            return self.closing or self.writer.transport.get_write_buffer_size() > 1024 * 1024

        try:
            self.pbx.flood.start(call_rate, noise_rate, interface=m.get("Interface") or None, calls_limit=calls,
                                 on_complete=complete, congested=congested)
        except RuntimeError as exc:
            raise ActionFailed(str(exc)) from exc
        self.respond(m, "Success", "Flood started")

    async def _action_simfloodstop(self, m: AmiMessage) -> None:
        await self.pbx.flood.stop()
        self.respond(m, "Success", "Flood stopped", extra=[("Calls", str(self.pbx.flood.calls_started)),
                                                          ("Noise", str(self.pbx.flood.noise_sent))])

    # ---------------------------------------------------------------------------------------------- ConfBridge
    def _action_confbridgelist(self, m: AmiMessage) -> None:
        room = m.get("Conference", "")
        if not room:
            raise ActionFailed("No Conference name provided.")
        engine = self.pbx.engine
        if not engine.conferences:
            raise ActionFailed("No active conferences.")
        conference = engine.conferences.get(room)
        if conference is None:
            raise ActionFailed("No Conference by that name found.")
        self.respond(m, "Success", "Confbridge user list will follow", eventlist=True)
        members = list(conference.bridge.channels)
        now = time.time()
        for chan in members:
            self.list_item(m, "ConfbridgeList", [
                ("Conference", room), ("Admin", "No"), ("MarkedUser", "No"), ("WaitMarked", "No"),
                ("EndMarked", "No"), ("EndMarkedAny", "No"), ("Waiting", "No"),
                ("Muted", "Yes" if chan.name in conference.muted else "No"), ("Talking", "No"),
                ("AnsweredTime", str(int(now - (chan.answered_at or now)))), *chan.snapshot()])
        self.list_complete(m, "ConfbridgeListComplete", len(members))

    def _action_confbridgelistrooms(self, m: AmiMessage) -> None:
        engine = self.pbx.engine
        if not engine.conferences:
            raise ActionFailed("No active conferences.")
        self.respond(m, "Success", "Confbridge conferences will follow", eventlist=True)
        for conference in engine.conferences.values():
            self.list_item(m, "ConfbridgeListRooms", [
                ("Conference", conference.name), ("Parties", str(len(conference.bridge.channels))), ("Marked", "0"),
                ("Locked", "No"), ("Muted", "No")])
        self.list_complete(m, "ConfbridgeListRoomsComplete", len(engine.conferences))

    def _action_confbridgekick(self, m: AmiMessage) -> None:
        room, channel = m.get("Conference", ""), m.get("Channel", "")
        if not room or not channel:
            raise ActionFailed("No Conference name provided." if not room else "No channel name provided.")
        self.pbx.engine.conference_kick(room, channel)
        self.respond(m, "Success", "User kicked")

    def _mute(self, m: AmiMessage, on: bool) -> None:
        engine = self.pbx.engine
        room, channel = m.get("Conference", ""), m.get("Channel", "")
        conference = engine.conferences.get(room)
        if conference is None:
            raise ActionFailed("No Conference by that name found.")
        chan = next((c for c in conference.bridge.channels if c.name == channel), None)
        if chan is None:
            raise ActionFailed("No Channel by that name found in Conference.")
        (conference.muted.add if on else conference.muted.discard)(chan.name)
        engine.emit("ConfbridgeMute" if on else "ConfbridgeUnmute", ("call",),
                    [("Conference", room), *conference.bridge.snapshot(), *chan.snapshot(), ("Admin", "No")])
        self.respond(m, "Success", "User muted" if on else "User unmuted")

    def _action_confbridgemute(self, m: AmiMessage) -> None:
        self._mute(m, True)

    def _action_confbridgeunmute(self, m: AmiMessage) -> None:
        self._mute(m, False)


def _priority(text: str | None) -> int:
    text = (text or "1").strip()
    if not text.isdigit():
        raise ActionFailed("Invalid priority")
    return int(text)


def _event_tv() -> str:
    now = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now % 1 * 1000):03d}+0000"


class SimulatorPbx:
    """An Asterisk-20-like PBX on a TCP port. `await start()`, `.port`, `await stop()`.

    `scenario` is a `Scenario`, a path to a scenario file, or None (one queue, no agents, no scripted calls). The AMI
    user is `username`/`secret` with `read`/`write` classes and manager.conf-style `eventfilters`, or give `users`.
    `time_scale` overrides the scenario's; `audio_speed` paces the audio fork (1.0 real time, 0 = unpaced).
    """

    def __init__(self, scenario: Scenario | str | Path | None = None, *, host: str = "127.0.0.1", port: int = 0,
                 username: str = "desk", secret: str = "desk123", read: str = "all", write: str = "all",
                 eventfilters: Sequence[str] = (), users: Sequence[AmiUser] | None = None,
                 time_scale: float | None = None, audio_speed: float = 1.0, auth_failure_delay_s: float = 1.0,
                 run_scenario_calls: bool = True, max_write_buffer: int = 32 * 1024 * 1024):
        if scenario is None:
            scenario = Scenario()
        elif not isinstance(scenario, Scenario):
            scenario = load_scenario(scenario)
        self.scenario = scenario
        self.host = host
        self._requested_port = port
        self.users = {u.username: u for u in (users or [AmiUser(username, secret, read, write,
                                                                tuple(eventfilters))])}
        self.auth_failure_delay_s = auth_failure_delay_s
        self.max_write_buffer = max_write_buffer
        self.run_scenario_calls = run_scenario_calls
        self._time_scale = time_scale
        self._audio_speed = audio_speed
        #: AstDB (family, key) → value; like Asterisk's (a SQLite file) it survives a restart of the PBX
        self.astdb: dict[tuple[str, str], str] = {}
        self.engine = Engine(scenario, self._publish, time_scale=time_scale, audio_speed=audio_speed,
                             astdb=self.astdb)
        self.flood = Flood(self.engine)
        self._server: asyncio.Server | None = None
        self._sessions: set[_Session] = set()
        self._session_tasks: set[asyncio.Task[None]] = set()
        self._listeners: list[Callable[[Event], None]] = []
        self.events_published = 0

    def __repr__(self) -> str:
        return f"SimulatorPbx(host={self.host!r}, port={self.port!r}, users={sorted(self.users)!r})"

    # ---------------------------------------------------------------------------------------------- lifecycle
    @property
    def port(self) -> int:
        if self._server is None or not self._server.sockets:
            return self._requested_port
        return int(self._server.sockets[0].getsockname()[1])

    @property
    def time_scale(self) -> float:
        return self.engine.scale

    async def start(self) -> None:
        if self._server is not None:
            return
        if self.engine.closed:  # restarted after stop(): a fresh PBX (an Asterisk restart loses every call)
            self.engine = Engine(self.scenario, self._publish, time_scale=self._time_scale,
                                 audio_speed=self._audio_speed, astdb=self.astdb)
            self.flood = Flood(self.engine)
        try:
            self._server = await asyncio.start_server(self._accept, self.host, self._requested_port)
        except OSError as exc:
            raise TelephonyError(f"simulator PBX cannot listen on {self.host}:{self._requested_port}: {exc}",
                                 code="pbx_listen_failed") from exc
        self._requested_port = self.port
        log.info("simulator PBX listening on %s:%s", self.host, self.port)
        if self.run_scenario_calls:
            for spec in self.scenario.calls:
                self.engine.later(spec.at_s, self.engine.place_inbound_call, spec)
            flood = self.scenario.flood
            if flood.calls_per_s or flood.noise_per_s:
                self.start_flood(flood.calls_per_s, flood.noise_per_s, flood.duration_s)

    async def stop(self) -> None:
        """Close the listener and every session, cancel every timer and fork. Idempotent."""
        server, self._server = self._server, None
        if server is not None:
            server.close()
        await self.flood.stop()
        await self.engine.close()
        for session in list(self._sessions):
            session.close()
        tasks = list(self._session_tasks)
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        if server is not None:
            await server.wait_closed()

    async def __aenter__(self) -> SimulatorPbx:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        session = _Session(self, reader, writer)
        self._sessions.add(session)
        task = asyncio.current_task()
        if task is not None:
            self._session_tasks.add(task)
        try:
            await session.run()
        finally:
            self._sessions.discard(session)
            if task is not None:
                self._session_tasks.discard(task)

    def _publish(self, event: Event) -> None:
        self.events_published += 1
        for session in list(self._sessions):
            session.deliver(event)
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:
                log.exception("simulator PBX: event listener failed")

    # ---------------------------------------------------------------------------------------------- test API
    @property
    def session_count(self) -> int:
        return sum(1 for s in self._sessions if s.user is not None and not s.closing)

    def add_listener(self, listener: Callable[[Event], None]) -> Callable[[], None]:
        """Observe every event the PBX emits (before session filtering). Returns a function that removes it."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    async def wait_for_event(self, predicate: Callable[[Event], bool] | str, timeout: float = 5.0) -> Event:
        """The next emitted event matching `predicate` (or with that event name)."""
        check = (lambda e: e.name == predicate) if isinstance(predicate, str) else predicate
        future: asyncio.Future[Event] = asyncio.get_running_loop().create_future()

        def listener(event: Event) -> None:
            if not future.done() and check(event):
                future.set_result(event)

        remove = self.add_listener(listener)
        try:
            return await asyncio.wait_for(future, timeout)
        finally:
            remove()

    def place_call(self, number: str, name: str = "", *, talk_s: float | None = None,
                   abandon_after_s: float | None = None, audio: str | Path | None = None,
                   variables: dict[str, str] | None = None) -> str:
        """An inbound call arrives now from the trunk; returns the caller's channel name."""
        spec = CallSpec(at_s=0.0, number=number, name=name, talk_s=talk_s, abandon_after_s=abandon_after_s,
                        audio=Path(audio) if audio is not None else None,
                        variables=tuple((variables or {}).items()))
        return self.engine.place_inbound_call(spec).name

    def hangup_party(self, channel: str, cause: int = 16) -> None:
        """The phone behind `channel` hangs up (the caller's handset, the agent's phone, a unit's phone)."""
        chan = self.engine.find_channel(channel)
        if chan is None:
            raise TelephonyError(f"no channel {channel}", code="pbx_no_channel")
        self.engine.remote_hangup(chan, cause)

    def agent_channel(self, agent: str) -> str | None:
        """The channel of the agent's current call (by MemberName or interface), if any."""
        spec = self.scenario.agent_by_name(agent) or self.scenario.agent_by_interface(agent)
        interface = (spec.interface if spec else agent).lower()
        for chan in self.engine.channels.values():
            base = chan.name.rsplit("-", 1)[0].lower()
            if base == interface and not chan.name.endswith(";2"):
                return chan.name
        return None

    def agent_hangs_up(self, agent: str) -> None:
        """The agent's own phone hangs up (AgentComplete Reason agent)."""
        channel = self.agent_channel(agent)
        if channel is None:
            raise TelephonyError(f"agent {agent} has no call", code="pbx_no_channel")
        self.hangup_party(channel)

    def phone_hold(self, agent: str, on: bool = True) -> None:
        """The agent presses hold/resume on the phone (Hold/Unhold events)."""
        channel = self.agent_channel(agent)
        chan = self.engine.find_channel(channel) if channel else None
        if chan is None:
            raise TelephonyError(f"agent {agent} has no call", code="pbx_no_channel")
        self.engine.phone_hold(chan, on)

    def start_flood(self, calls_per_s: float, noise_per_s: float, duration_s: float = 0.0, *,
                    interface: str | None = None) -> None:
        """Benchmark load: `calls_per_s` queue calls (AgentCalled … AgentComplete) to `interface` (default: the first
        agent of the scenario) plus `noise_per_s` VarSet/Newexten events."""
        self.flood.start(calls_per_s, noise_per_s, duration_s, interface=interface)

    async def stop_flood(self) -> None:
        await self.flood.stop()

    def drop_sessions(self) -> None:
        """Close every AMI connection at once (a network cut); calls go on."""
        for session in list(self._sessions):
            session.close()

    @property
    def channels(self) -> list[str]:
        return list(self.engine.channels)
