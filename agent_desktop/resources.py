"""Where the data files of `resources/` live, and loading them into core values; and where the desktop keeps its own
files on this computer (`APP_NAME`, `default_data_dir`, `default_cache_dir`: platformdirs), so adapters find them
without importing the configuration (tests/test_layering.py).

`resources_dir()` is the environment variable AGENT_DESKTOP_RESOURCES when set, else the `resources/` folder
next to the `agent_desktop` package (the repository's). `process_environment()` is the one place the desktop reads
the process environment: the resources folder here (adapters find their data files without the configuration), and
`agent_desktop.config.load_config` for every variable a command reads (once per command). Readers here turn every
unreadable or malformed file into a `ConfigError` that names the path; the core validates the content.

Lives outside `core/`: it reads files and the environment. It imports the core, never an adapter or the UI.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import platformdirs

from agent_desktop.core.errors import AgentDesktopError, ConfigError
from agent_desktop.core.routing import (
    RoutingRule,
    UnitDirectory,
    routing_rules_from_mapping,
    routing_rules_from_orders,
)
from agent_desktop.core.serialization import work_order_from_dict

ENV_RESOURCES = "AGENT_DESKTOP_RESOURCES"
APP_NAME = "agent-desktop"  # the platformdirs name of the desktop's folders
UNIT_DIRECTORY_FILE = Path("units") / "changsha_units.json"
SIMULATION_MATTERS_FILE = Path("simulation") / "matters.json"


def default_data_dir() -> Path:
    """The user's data folder of the desktop (stores, models), unless `[paths] data_dir` says otherwise."""
    return Path(platformdirs.user_data_dir(APP_NAME))


def default_cache_dir() -> Path:
    """The user's cache folder of the desktop (rebuilt when missing)."""
    return Path(platformdirs.user_cache_dir(APP_NAME))


def process_environment() -> Mapping[str, str]:
    """The process environment: the one reader of it (tests/test_layering.py checks no other module reads it)."""
    return os.environ


def set_process_environment(name: str, value: str) -> None:
    """Set a variable for libraries read from the environment at start-up (Qt's platform plugin): the one writer."""
    os.environ[name] = value


def resources_dir() -> Path:
    """The folder of the data files: $AGENT_DESKTOP_RESOURCES, else the repository's `resources/`."""
    configured = process_environment().get(ENV_RESOURCES, "").strip()
    if configured:
        return Path(configured).expanduser()
    return Path(__file__).resolve().parent.parent / "resources"


def default_unit_directory_path() -> Path:
    return resources_dir() / UNIT_DIRECTORY_FILE


def simulation_matters_path() -> Path:
    """The matter templates of the simulated month (`agent_desktop.simulation.matters` reads and checks them)."""
    return resources_dir() / SIMULATION_MATTERS_FILE


def load_unit_directory(path: str | os.PathLike[str] | None = None) -> UnitDirectory:
    """The unit directory from `path` (default: `units/changsha_units.json` in `resources_dir()`)."""
    file = Path(path).expanduser() if path is not None else default_unit_directory_path()
    return UnitDirectory.from_dict(read_json_file(file, "unit directory"), source=str(file))


def load_routing_rules(path: str | os.PathLike[str]) -> tuple[RoutingRule, ...]:
    """Coordination rules (第23条) from a JSON file holding either decisions an operator keeps by hand,
    `{"decisions": [...]}` (see `routing_rules_from_mapping`), or work orders as the core serialises them,
    `{"orders": [...]}` or a bare list, of which every decided coordination becomes a rule."""
    file = Path(path).expanduser()
    data = read_json_file(file, "routing rules")
    if isinstance(data, dict) and "decisions" in data:
        return routing_rules_from_mapping(data, source=str(file))
    orders_raw = data.get("orders") if isinstance(data, dict) and set(data) == {"orders"} else data
    if not isinstance(orders_raw, list):
        raise ConfigError(
            f'{file}: expected {{"decisions": [...]}}, {{"orders": [...]}} or a list of work orders',
            code="bad_rules_file",
        )
    orders = []
    for index, raw in enumerate(orders_raw):
        try:
            orders.append(work_order_from_dict(raw))
        except AgentDesktopError as exc:
            raise ConfigError(f"{file}: orders[{index}]: {exc.message}", code="bad_rules_file") from exc
    try:
        return routing_rules_from_orders(orders)
    except AgentDesktopError as exc:
        raise ConfigError(f"{file}: {exc.message}", code="bad_rules_file") from exc


def read_json_file(file: Path, what: str, *, error: type[AgentDesktopError] = ConfigError,
                   bad_code: str = "bad_file") -> Any:
    """The JSON in `file`, or one `error` naming the file and what it was meant to hold. NaN and Infinity, which
    are not JSON, and nesting too deep to read are refused like any other malformed file."""
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error(f"{file}: {what} file not found", code="missing_file") from None
    except UnicodeDecodeError as exc:
        raise error(f"{file}: {what} file is not UTF-8 text ({exc.reason})", code=bad_code) from exc
    except OSError as exc:
        raise error(f"{file}: cannot read {what} file: {exc.strerror or exc}", code="unreadable_file") from exc
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise error(
            f"{file}: {what} file is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}",
            code=bad_code,
        ) from exc
    except (ValueError, RecursionError) as exc:
        raise error(f"{file}: {what} file is not valid JSON: {exc}", code=bad_code) from exc


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")
