"""What every command reads once: the configuration (loaded once per command, then passed around) and the wait for
Ctrl-C / SIGTERM of the commands that run until interrupted.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import threading
from collections.abc import Iterator

from agent_desktop.config import AppConfig, load_config

_CONFIG_ATTRIBUTE = "_loaded_config"


def command_config(args: argparse.Namespace) -> AppConfig:
    """The configuration of this command (`--config` or the default file, then the environment), loaded on first
    use and kept on the parsed arguments, so every part of one command reads the same values once."""
    config = getattr(args, _CONFIG_ATTRIBUTE, None)
    if config is None:
        config = load_config(getattr(args, "config", None))
        setattr(args, _CONFIG_ATTRIBUTE, config)
    return config


@contextlib.contextmanager
def stop_on_signals(stop: threading.Event) -> Iterator[threading.Event]:
    """SIGINT and SIGTERM set `stop` (instead of interrupting whatever the main thread is doing) while inside;
    the previous handlers come back on exit. Only the main thread can install handlers; elsewhere this does
    nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return
    previous = {sig: signal.signal(sig, lambda _sig, _frame: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield stop
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
