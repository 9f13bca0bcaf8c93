"""`agent-desktop survey announcements`: the carriers' recorded announcements the survey dialer recognises.

    agent-desktop survey announcements add KIND FILE.wav [--json]      KIND: 空号 停机 关机 暂时无法接通 正在通话中
    agent-desktop survey announcements list [--json]
    agent-desktop survey announcements remove ID
    agent-desktop survey announcements test FILE.wav [--json]         {"kind": …, "score": …, "offset_s": …,
                                                                       "announcement": …, "decided_after_s": …,
                                                                       "ringing_s": …, "recording_after_s": …}

`kind` null with `announcement` true: a carrier's recording of a kind nobody enrolled (the dialer retries it).
`recording_after_s`: when the audio was known to be a carrier's recording and not a person (null: never), before
the kind was named at `decided_after_s`.

The recordings are enrolled as fingerprints in `<data dir>/announcements/` (asr/announcements/library.py). `test`
runs the detector on a WAV as it would on the first seconds of a call and prints what it heard.

`add_announcements_parser(subparsers)` adds the `announcements` group to the `survey` command's subparsers (the
survey dialer's CLI module calls it); `register(subparsers)` makes a top-level `survey` group holding only it, or,
registered after another module's `survey` group, adds `announcements` to that group if it is not there yet.
"""

from __future__ import annotations

import argparse
import asyncio
import json

from agent_desktop.cli.options import command_config
from agent_desktop.core.announcement import AnnouncementKind
from agent_desktop.core.errors import ConfigError

KINDS = ", ".join(kind.value for kind in AnnouncementKind)


def register(subparsers: argparse._SubParsersAction) -> None:
    """A top-level `survey` group holding `announcements`; when a `survey` group is already registered (the survey
    dialer's), `announcements` is added to it unless that module already added it."""
    existing = subparsers.choices.get("survey")
    if existing is not None:
        commands = next((a for a in existing._actions if isinstance(a, argparse._SubParsersAction)), None)
        if commands is None:
            commands = existing.add_subparsers(dest="survey_command", metavar="SUBCOMMAND")
            commands.required = True
        if "announcements" not in commands.choices:
            add_announcements_parser(commands)
        return
    survey = subparsers.add_parser(
        "survey",
        help="automated return visits (自动回访): carrier announcements",
        description="The automated return-visit calls (自动回访).",
    )
    commands = survey.add_subparsers(dest="survey_command", metavar="SUBCOMMAND")
    commands.required = True
    add_announcements_parser(commands)


def add_announcements_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    group = subparsers.add_parser(
        "announcements",
        help="the carriers' announcements (空号, 停机, …) the dialer recognises",
        description="Enrol, list and test the carriers' recorded announcements (运营商提示音) that the survey dialer "
                    "tells from a person on an answered call.",
    )
    commands = group.add_subparsers(dest="announcements_command", metavar="SUBCOMMAND")
    commands.required = True

    add = commands.add_parser("add", help="enrol a recording of one kind",
                              description=f"Enrol a carrier's recording (16-bit PCM mono WAV). KIND: {KINDS}.")
    add.add_argument("kind", metavar="KIND", help=KINDS)
    add.add_argument("file", metavar="FILE.wav")
    add.add_argument("--json", action="store_true", help="print JSON instead of text")
    add.set_defaults(handler=run_add)

    listing = commands.add_parser("list", help="the enrolled recordings", description="List enrolled recordings.")
    listing.add_argument("--json", action="store_true", help="print JSON instead of text")
    listing.set_defaults(handler=run_list)

    remove = commands.add_parser("remove", help="forget one enrolled recording",
                                 description="Remove an enrolled recording by the id `list` shows.")
    remove.add_argument("id", metavar="ID")
    remove.set_defaults(handler=run_remove)

    test = commands.add_parser("test", help="what the detector hears in a WAV",
                               description="Run the detector on a WAV as on the first seconds of a call.")
    test.add_argument("file", metavar="FILE.wav")
    test.add_argument("--json", action="store_true", help="print JSON instead of text")
    test.set_defaults(handler=run_test)
    return group


def _library(args: argparse.Namespace):  # -> AnnouncementLibrary
    from asr.announcements.library import AnnouncementLibrary  # noqa: PLC0415 — adapters load with their command

    return AnnouncementLibrary(command_config(args).data_dir)


def _kind(text: str) -> AnnouncementKind:
    try:
        return AnnouncementKind.parse(text)
    except ValueError as exc:
        raise ConfigError(str(exc), code="bad_announcement_kind") from exc


def run_add(args: argparse.Namespace) -> int:
    kind = _kind(args.kind)
    entry = _library(args).add(kind, args.file)
    if args.json:
        print(json.dumps(entry.to_json(), ensure_ascii=False))
    else:
        print(f"enrolled {entry.kind.value} from {entry.source} ({entry.duration_s:.1f} s) as {entry.id}")
    return 0


def run_list(args: argparse.Namespace) -> int:
    entries = _library(args).entries()
    if args.json:
        print(json.dumps([e.to_json() for e in entries], ensure_ascii=False, indent=2))
        return 0
    if not entries:
        print("no announcement enrolled; add one with: agent-desktop survey announcements add KIND FILE.wav")
        return 0
    for entry in entries:
        print(f"{entry.id}  {entry.kind.value:<8}  {entry.duration_s:5.1f} s  {entry.source}  ({entry.added_at})")
    return 0


def run_remove(args: argparse.Namespace) -> int:
    entry = _library(args).remove(args.id)
    print(f"removed {entry.kind.value} ({entry.source}, {entry.id})")
    return 0


def run_test(args: argparse.Namespace) -> int:
    from asr.announcements.detector import AnnouncementDetector  # noqa: PLC0415
    from asr.recognition.wav import read_wav  # noqa: PLC0415

    detector = AnnouncementDetector(_library(args).matcher())
    audio = read_wav(args.file)

    async def chunks():  # 20 ms frames, as the audio fork delivers them
        size = audio.sample_rate_hz // 50 * 2
        for start in range(0, len(audio.pcm), size):
            yield audio.pcm[start : start + size], audio.sample_rate_hz

    detection = asyncio.run(detector.classify(chunks()))
    ringing = f" ({detection.ringing_s:.1f} s of it ringback)" if detection.ringing_s else ""
    if detection.recording_after_s is not None and detection.announcement:
        ringing += f"; known to be a recording after {detection.recording_after_s:.1f} s"
    if args.json:
        print(json.dumps(detection.to_json(), ensure_ascii=False))
    elif detection.unknown_kind:
        print(f"a carrier announcement of a kind not enrolled (未知提示音; the survey dialer retries it): score "
              f"{detection.score:.2f}, decided after {detection.decided_after_s:.1f} s of audio{ringing}")
    elif detection.kind is None:
        print(f"no announcement heard (best score {detection.score:.2f}, after {detection.decided_after_s:.1f} s)")
    else:
        print(f"{detection.kind.value}: score {detection.score:.2f}, the recording starts at "
              f"{detection.offset_s:+.2f} s, decided after {detection.decided_after_s:.1f} s of audio{ringing}")
    return 0
