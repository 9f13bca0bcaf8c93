"""`agent-desktop models`: the Vosk speech models of this seat.

    agent-desktop models install ARCHIVE_OR_DIR [--name NAME] [--replace] [--json]
    agent-desktop models list [--json]
    agent-desktop models check [DIR] [--json]

`install` unpacks a downloaded model (.zip, .tar.gz or a folder) into the user's data directory under
models/NAME after checking the archive is safe and the layout complete; `list` shows the installed ones;
`check` loads a model folder (default: the one the desk uses, `[asr] model_dir` or the installed model) with Vosk as
the product does (with `[asr] frames_per_chunk` through its tuned view, see asr/recognition/tuning.py) and reports its
sample rate, size, rescoring parts and decoder setting. Nothing is ever
downloaded: models are installed from files the operator brings.
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

from agent_desktop.cli.options import command_config


def register(subparsers: argparse._SubParsersAction) -> None:
    models = subparsers.add_parser(
        "models",
        help="speech recognition models: install, list, check",
        description="Vosk speech models (语音识别模型) of this seat, installed from a downloaded archive or folder.",
    )
    commands = models.add_subparsers(dest="models_command", metavar="SUBCOMMAND")
    commands.required = True

    install = commands.add_parser(
        "install",
        help="unpack and validate a model into the data directory",
        description="Install a Vosk model from a .zip/.tar.gz archive or a folder into <data dir>/models/NAME.",
    )
    install.add_argument("source", metavar="ARCHIVE_OR_DIR", help="the downloaded model (zip, tar.gz or folder)")
    install.add_argument("--name", help="folder name to install as (default: the model's own folder name)")
    install.add_argument("--replace", action="store_true", help="replace an installed model of the same name")
    install.add_argument("--json", action="store_true", help="print JSON instead of text")
    install.set_defaults(handler=run_install)

    listing = commands.add_parser("list", help="list the installed models", description="List installed models.")
    listing.add_argument("--json", action="store_true", help="print JSON instead of text")
    listing.set_defaults(handler=run_list)

    check = commands.add_parser(
        "check",
        help="load a model folder and report what it is",
        description="Load a Vosk model folder and report its sample rate, size and rescoring/rnnlm parts.",
    )
    check.add_argument("folder", metavar="DIR", nargs="?", default=None,
                       help="the model folder (default: [asr] model_dir, else the installed model)")
    check.add_argument("--json", action="store_true", help="print JSON instead of text")
    check.set_defaults(handler=run_check)


def _data_dir(args: argparse.Namespace):  # -> Path
    return command_config(args).data_dir


def run_install(args: argparse.Namespace) -> int:
    from asr.models import install_model  # noqa: PLC0415 — adapters are imported only by the command that uses them

    installed = install_model(args.source, _data_dir(args), name=args.name, replace=args.replace)
    if args.json:
        print(json.dumps({"name": installed.name, **installed.layout.to_json()}, ensure_ascii=False, indent=2))
    else:
        print(f"installed {installed.name} → {installed.layout.path}")
        print(_describe(installed.layout.to_json()))
    return 0


def run_list(args: argparse.Namespace) -> int:
    from asr.models import InstalledModel, list_models, models_dir  # noqa: PLC0415

    data_dir = _data_dir(args)
    entries = list_models(data_dir)
    rows: list[dict[str, Any]] = []
    for entry in entries:
        if isinstance(entry, InstalledModel):
            rows.append({"name": entry.name, "ok": True, **entry.layout.to_json()})
        else:
            name, error = entry
            rows.append({"name": name, "ok": False, "error": error.message, "code": error.code})
    if args.json:
        print(json.dumps({"models_dir": str(models_dir(data_dir)), "models": rows}, ensure_ascii=False, indent=2))
        return 0
    if not rows:
        print(f"no models installed in {models_dir(data_dir)}")
        return 0
    for row in rows:
        if row["ok"]:
            print(f"{row['name']}: {_describe(row)}")
        else:
            print(f"{row['name']}: BROKEN — {row['error']}")
    return 0


def run_check(args: argparse.Namespace) -> int:
    from asr.models import default_model_dir  # noqa: PLC0415
    from asr.recognition.model import load_model  # noqa: PLC0415

    config = command_config(args)
    folder = args.folder or config.asr.model_dir or default_model_dir(config.data_dir)
    started = time.perf_counter()
    loaded = load_model(folder, frames_per_chunk=config.asr.frames_per_chunk)
    report = {
        **loaded.layout.to_json(),
        "load_s": round(time.perf_counter() - started, 2),
        "loads": True,
        "frames_per_chunk": loaded.frames_per_chunk,  # the decoder setting the product loads it with
    }
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        print(f"{loaded.layout.path}: loads in {report['load_s']} s")
        print(_describe(report))
    return 0


def _describe(info: dict[str, Any]) -> str:
    size_mb = info["size_bytes"] / 1024**2
    parts = [
        f"{info['sample_rate_hz']} Hz",
        f"{size_mb:.0f} MB",
        f"{info['graph']} graph",
        "rescoring: yes" if info["has_rescore"] else "rescoring: no",
        "rnnlm: yes" if info["has_rnnlm"] else "rnnlm: no",
        f"language: {info['lang'] or 'unknown'}",
    ]
    return "  " + ", ".join(parts)
