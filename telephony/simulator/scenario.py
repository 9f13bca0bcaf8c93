"""Scenario files of the simulator PBX: who calls, who answers, how long they talk, what they say.

A scenario is TOML (`.toml`) or JSON (`.json`) with the same shape. Every duration is in seconds of *scenario
time*; `pbx.time_scale` multiplies them all (0.01 in tests: a 15 s talk lasts 150 ms). Unknown keys are an error, so
a typo never silently changes a demo. Shape (every key optional except those marked *):

    [pbx]
    queue = "hotline"              # the queue of the inbound context
    hotline = "12345"              # number the callers dial (exten of context `inbound`)
    trunk = "trunk"                # inbound/outbound calls are PJSIP/<trunk>-0000000N channels
    caller_id = "12345"            # hotline caller ID of callbacks, surveys, three-way calls
    time_scale = 1.0
    member_timeout_s = 15          # queues.conf `timeout`: ring an agent this long, then AgentRingNoAnswer
    retry_s = 5                    # queues.conf `retry`
    queue_timeout_s = 120          # Queue(...,120): give up and hang up the caller after this long
    answer_delay_s = 0.0           # default ring time of a number not listed in [[numbers]]
    recording_dir = "/var/spool/asterisk/monitor"
    outbound_dial = "PJSIP/{number}@{trunk}"   # how callback/transfer/outbound dial an outside number
    record_callbacks = true        # MixMonitor in context `callback`
    channelvars = ["MIXMONITOR_FILENAME"]   # manager.conf [general] channelvars (as the sample manager.conf):
                                   # `ChanVariable: NAME=value` in every snapshot; default none, as Asterisk

    [[agents]]                     # seats: queue members and the phones behind them
    name* = "agent1"               # MemberName
    interface* = "PJSIP/8001"      # or Local/agent1@agents (the capture rig's form)
    ring_s = 2.0                   # rings this long, then the agent picks up
    answers = true                 # false: the phone rings until the queue gives up (AgentRingNoAnswer)
    busy = false                   # true: the phone answers every call with busy (device state BUSY)
    hangup_after_s = 30            # the agent's own phone hangs up after this much talk (omit: never)
    logged_in = false              # already a (static) member of the queue at start-up
    paused = false

    [[numbers]]                    # outside numbers and test handsets: callback / survey / three-way targets
    number* = "13800138000"        # the dialled number (PJSIP/13800138000@trunk, Local/13800138000@customer, …)
    name = "王女士"
    outcome = "answer"             # answer | busy | noanswer | congestion | failure | early_media (audio unanswered)
    answer_after_s = 1.0
    hangup_after_s = 20            # after answering (omit: stays until someone else hangs up)
    dtmf = "1"                     # digit pressed in the survey IVR
    audio = "audio/call.wav"       # what this party says, for the audio fork (relative to the scenario file)

    [[calls]]                      # inbound calls, in order of `at_s`
    at_s* = 1.0                    # arrival, from the start of the run
    number* = "13800138000"
    name = "王女士"                 # caller ID name (may be Chinese)
    talk_s = 20                    # hang up this long after an agent answers (omit: wait for the agent)
    abandon_after_s = 30           # hang up if still waiting this long (omit: wait for the queue's timeout)
    audio = "audio/water_cut.wav"  # 8/16/… kHz mono 16-bit WAV streamed by the audio fork
    variables = { CUSTOMER_ID = "C1001" }

    [flood]                        # benchmark load, started with the run (or via `SimulatorPbx.start_flood`)
    calls_per_s = 0.0
    noise_per_s = 0.0
    duration_s = 0.0               # 0 = until stopped
"""

from __future__ import annotations

import json
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from agent_desktop.core.errors import ConfigError
from telephony.simulator.wav import read_wav

OUTCOMES = ("answer", "busy", "noanswer", "congestion", "failure", "early_media")


@dataclass(frozen=True)
class PbxSettings:
    queue: str = "hotline"
    hotline: str = "12345"
    trunk: str = "trunk"
    caller_id: str = "12345"
    time_scale: float = 1.0
    member_timeout_s: float = 15.0
    retry_s: float = 5.0
    queue_timeout_s: float = 120.0
    answer_delay_s: float = 0.0
    recording_dir: str = "/var/spool/asterisk/monitor"
    outbound_dial: str = "PJSIP/{number}@{trunk}"
    record_callbacks: bool = True
    channelvars: tuple[str, ...] = ()


@dataclass(frozen=True)
class AgentSpec:
    name: str
    interface: str
    ring_s: float = 2.0
    answers: bool = True
    busy: bool = False
    hangup_after_s: float | None = None
    logged_in: bool = False
    paused: bool = False


@dataclass(frozen=True)
class NumberSpec:
    number: str
    name: str = ""
    outcome: str = "answer"
    answer_after_s: float = 1.0
    hangup_after_s: float | None = None
    dtmf: str = ""
    audio: Path | None = None


@dataclass(frozen=True)
class CallSpec:
    at_s: float
    number: str
    name: str = ""
    talk_s: float | None = None
    abandon_after_s: float | None = None
    audio: Path | None = None
    variables: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class FloodSpec:
    calls_per_s: float = 0.0
    noise_per_s: float = 0.0
    duration_s: float = 0.0


@dataclass(frozen=True)
class Scenario:
    pbx: PbxSettings = field(default_factory=PbxSettings)
    agents: tuple[AgentSpec, ...] = ()
    numbers: tuple[NumberSpec, ...] = ()
    calls: tuple[CallSpec, ...] = ()
    flood: FloodSpec = field(default_factory=FloodSpec)
    source: str = "<code>"

    def number(self, number: str) -> NumberSpec | None:
        return next((n for n in self.numbers if n.number == number), None)

    def agent_by_interface(self, interface: str) -> AgentSpec | None:
        folded = interface.lower()
        return next((a for a in self.agents if a.interface.lower() == folded), None)

    def agent_by_name(self, name: str) -> AgentSpec | None:
        return next((a for a in self.agents if a.name == name), None)


def load_scenario(path: str | Path) -> Scenario:
    """Read a `.toml` or `.json` scenario; every problem is a `ConfigError` naming the file."""
    file = Path(path).expanduser()
    try:
        raw = file.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read scenario {file}: {exc.strerror or exc}", code="scenario_unreadable") from exc
    try:
        data = json.loads(raw.decode("utf-8")) if file.suffix.lower() == ".json" else tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"scenario {file} is not valid {file.suffix or 'TOML'}: {exc}",
                          code="scenario_malformed") from exc
    return scenario_from_mapping(data, base_dir=file.parent, source=str(file))


def scenario_from_mapping(data: Any, *, base_dir: Path | None = None, source: str = "<mapping>") -> Scenario:
    """Build a scenario from the parsed file (or a dict written in a test)."""
    where = source
    if not isinstance(data, Mapping):
        raise ConfigError(f"scenario {where}: the top level must be a table", code="scenario_malformed")
    _no_unknown(data, {"pbx", "agents", "numbers", "calls", "flood"}, where)
    base = base_dir or Path.cwd()
    pbx = _build(PbxSettings, data.get("pbx", {}), f"{where} [pbx]")
    if pbx.time_scale <= 0:
        raise ConfigError(f"scenario {where}: pbx.time_scale must be positive", code="scenario_invalid")
    agents = tuple(_build(AgentSpec, a, f"{where} agents[{i}]") for i, a in enumerate(_list(data, "agents", where)))
    numbers = tuple(
        _build(NumberSpec, n, f"{where} numbers[{i}]", base=base) for i, n in enumerate(_list(data, "numbers", where))
    )
    calls = tuple(
        sorted(
            (_build(CallSpec, c, f"{where} calls[{i}]", base=base) for i, c in enumerate(_list(data, "calls", where))),
            key=lambda call: call.at_s,
        )
    )
    flood = _build(FloodSpec, data.get("flood", {}), f"{where} [flood]")
    for number in numbers:
        if number.outcome not in OUTCOMES:
            raise ConfigError(f"scenario {where}: number {number.number} has outcome {number.outcome!r}; "
                              f"use one of {', '.join(OUTCOMES)}", code="scenario_invalid")
    for spec in (*numbers, *calls):
        if spec.audio is not None:
            _check_audio(spec.audio, where)
    names = [a.name for a in agents]
    if len(set(names)) != len(names):
        raise ConfigError(f"scenario {where}: agent names must be unique", code="scenario_invalid")
    return Scenario(pbx=pbx, agents=agents, numbers=numbers, calls=calls, flood=flood, source=source)


def _check_audio(path: Path, where: str) -> None:
    """A missing or unusable WAV is found when the scenario loads, not when a fork is asked for in the middle of a
    demo call."""
    if not path.is_file():
        raise ConfigError(f"scenario {where}: audio file {path} does not exist", code="scenario_audio_missing")
    read_wav(path)


def _list(data: Mapping[str, Any], key: str, where: str) -> list[Any]:
    value = data.get(key, [])
    if not isinstance(value, list):
        raise ConfigError(f"scenario {where}: `{key}` must be a list of tables", code="scenario_malformed")
    return value


def _no_unknown(data: Mapping[str, Any], known: set[str], where: str) -> None:
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(f"scenario {where}: unknown key(s) {', '.join(unknown)}", code="scenario_invalid")


def _build(cls: type, data: Any, where: str, *, base: Path | None = None) -> Any:
    if not isinstance(data, Mapping):
        raise ConfigError(f"scenario {where}: expected a table", code="scenario_malformed")
    spec = {f.name: f for f in fields(cls)}
    _no_unknown(data, set(spec), where)
    values: dict[str, Any] = {}
    for name, value in data.items():
        kind = str(spec[name].type)
        values[name] = _convert(name, value, kind, where, base)
    try:
        return cls(**values)
    except TypeError as exc:  # a required key is missing
        raise ConfigError(f"scenario {where}: {exc}", code="scenario_invalid") from exc


def _convert(name: str, value: Any, kind: str, where: str, base: Path | None) -> Any:
    def bad(expected: str) -> ConfigError:
        return ConfigError(f"scenario {where}: `{name}` must be {expected}, not {value!r}", code="scenario_invalid")

    if kind.startswith("float"):
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
            raise bad("a non-negative number of seconds")
        return float(value)
    if kind == "bool":
        if not isinstance(value, bool):
            raise bad("true or false")
        return value
    if kind.startswith("Path"):
        if not isinstance(value, str) or not value:
            raise bad("a file path")
        path = Path(value).expanduser()
        return path if path.is_absolute() or base is None else base / path
    if kind == "tuple[str, ...]":
        if not isinstance(value, list) or not all(isinstance(v, str) and v and v.isidentifier() for v in value):
            raise bad("a list of variable names")
        return tuple(value)
    if kind.startswith("tuple"):
        if not isinstance(value, Mapping) or not all(isinstance(v, str | int) for v in value.values()):
            raise bad("a table of NAME = value")
        return tuple((str(k), str(v)) for k, v in value.items())
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)  # numbers written unquoted: number = 13800138000
    if not isinstance(value, str) or any(c in value for c in "\r\n\x00"):
        raise bad("a single-line string")
    return value
