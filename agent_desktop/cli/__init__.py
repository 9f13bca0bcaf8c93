"""The `agent-desktop` command: the operator's tool (and, until the desktop exists, the main job).

Each command group lives in its own module and registers its subcommands with `register(subparsers)`; a handler
takes the parsed arguments and returns the exit code. Every `AgentDesktopError` becomes one clear line on stderr
and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

from agent_desktop import __version__
from agent_desktop.cli import (
    ami,
    announcements,
    calls,
    desktop,
    kb,
    models,
    orders,
    pbx,
    prefill,
    rules,
    server,
    survey,
    sync,
    transcribe,
    units,
)
from agent_desktop.core.errors import AgentDesktopError

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2

_GROUPS: tuple[Callable[[argparse._SubParsersAction], None], ...] = (
    rules.register,
    units.register,
    orders.register,
    ami.register,
    calls.register,
    pbx.register,
    server.register,
    sync.register,
    kb.register,
    models.register,
    transcribe.register,
    prefill.register,
    survey.register,  # `survey run`, `survey status`
    announcements.register,  # joins the survey group: `survey announcements`
    desktop.register,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="agent-desktop", description="热线坐席桌面 — 12345 hotline agent desktop")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--config", metavar="FILE", help="TOML configuration file (default: the user config dir)")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers.required = True
    for register in _GROUPS:
        register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args))
    except AgentDesktopError as exc:
        print(f"agent-desktop: error: {exc.message}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # the reader went away (`... | head`): not an error of ours, and Python's flush at exit must not print a
        # traceback either, so stdout is pointed at /dev/null first
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_FAILURE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
