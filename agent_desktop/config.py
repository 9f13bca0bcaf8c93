"""Configuration of the desktop, loaded once and passed explicitly: defaults → TOML file → environment → command line.

The file is `--config FILE`, else `config.toml` in platformdirs' `user_config_dir("agent-desktop")` when it exists
(defaults alone otherwise). Its tables:

    [rules]      every rule parameter of RULES.md (see `RuleParameters`); a revised measure (第42条) changes this table
    [calendar]   holidays = "overrides.toml"   the holiday overrides file, relative to the config file
    [paths]      data_dir = "..."              where the desktop keeps its data, relative to the config file

An unknown table or key is an error that names it and the file, so an operator's typo is never silently ignored.
The environment variable AGENT_DESKTOP_HOLIDAYS names the overrides file over the config file; a command's
`--holidays` goes over both (`build_calendar(..., holidays_override=...)`).

Lives outside `core/`: it reads files and the environment. It imports the core, never an adapter or the UI.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import platformdirs

from agent_desktop.core.errors import ConfigError
from agent_desktop.core.rule_parameters import RuleParameters, parameter_names, rule_parameters_from_mapping
from agent_desktop.core.working_days import WorkingDayCalendar, load_overrides

APP_NAME = "agent-desktop"
CONFIG_FILE_NAME = "config.toml"
ENV_HOLIDAYS = "AGENT_DESKTOP_HOLIDAYS"
SOURCE_DEFAULT = "default"

_TABLE_KEYS: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "rules": parameter_names(),
        "calendar": frozenset({"holidays"}),
        "paths": frozenset({"data_dir"}),
    }
)


def default_config_path() -> Path:
    """Where the config file is looked for when `--config` is not given (it need not exist)."""
    return Path(platformdirs.user_config_dir(APP_NAME)) / CONFIG_FILE_NAME


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME))


def default_holidays_path() -> Path | None:
    """The holiday overrides file shipped in `resources/holidays/`, or None when this installation has none."""
    path = _resources_dir() / "holidays" / "overrides.toml"
    return path if path.is_file() else None


def _resources_dir() -> Path:
    # Imported here, not at the top: `agent_desktop.resources` owns where the data files live, and this module
    # must keep working in a checkout made before that module existed.
    try:
        from agent_desktop.resources import resources_dir  # noqa: PLC0415
    except ModuleNotFoundError as exc:
        if exc.name != "agent_desktop.resources":
            raise
        return Path(__file__).resolve().parent.parent / "resources"
    return Path(resources_dir())


def config_file_source(path: Path) -> str:
    """How a value read from `path` is labelled in `AppConfig.sources` and in `rules show`."""
    return f"config file {path}"


@dataclass(frozen=True, slots=True)
class AppConfig:
    """Everything the desktop is configured with. `sources` says, for every rule parameter, where its value came
    from: "default" or "config file <path>"; `holidays_source` says the same for `holidays_path`."""

    rules: RuleParameters = field(default_factory=RuleParameters)
    holidays_path: Path | None = None
    data_dir: Path = field(default_factory=default_data_dir)
    sources: Mapping[str, str] = field(
        default_factory=lambda: MappingProxyType(dict.fromkeys(parameter_names(), SOURCE_DEFAULT))
    )
    config_path: Path | None = None
    holidays_source: str = SOURCE_DEFAULT

    def __post_init__(self) -> None:
        object.__setattr__(self, "sources", MappingProxyType(dict(self.sources)))


def load_config(path: str | os.PathLike[str] | None = None, *, environ: Mapping[str, str] | None = None) -> AppConfig:
    """Load the configuration: defaults, then the file (`path`, else the user config file if it exists), then the
    environment (`environ`, default `os.environ`). Raises `ConfigError` naming the file for anything wrong in it."""
    env = os.environ if environ is None else environ
    if path is not None:
        config_path: Path | None = Path(path).expanduser()
        data = _read_toml(config_path)
    else:
        candidate = default_config_path()
        config_path = candidate if candidate.is_file() else None
        data = _read_toml(config_path) if config_path is not None else {}
    source = config_file_source(config_path) if config_path is not None else SOURCE_DEFAULT
    _reject_unknown(data, config_path)

    rules_table = _table(data, "rules", config_path)
    rules = _rules_from_table(rules_table, config_path)
    sources = {name: (source if name in rules_table else SOURCE_DEFAULT) for name in parameter_names()}

    holidays_path = default_holidays_path()
    holidays_source = SOURCE_DEFAULT
    holidays_value = _table(data, "calendar", config_path).get("holidays")
    if holidays_value is not None:
        holidays_path = _path_value(holidays_value, "calendar.holidays", config_path)
        holidays_source = source
    env_holidays = env.get(ENV_HOLIDAYS, "").strip()
    if env_holidays:
        holidays_path = Path(env_holidays).expanduser()
        holidays_source = f"environment {ENV_HOLIDAYS}"

    data_dir = default_data_dir()
    data_dir_value = _table(data, "paths", config_path).get("data_dir")
    if data_dir_value is not None:
        data_dir = _path_value(data_dir_value, "paths.data_dir", config_path)

    return AppConfig(
        rules=rules,
        holidays_path=holidays_path,
        data_dir=data_dir,
        sources=sources,
        config_path=config_path,
        holidays_source=holidays_source,
    )


def build_calendar(config: AppConfig, holidays_override: str | os.PathLike[str] | None = None) -> WorkingDayCalendar:
    """The working-day calendar of `config`: its holiday overrides file (or `holidays_override`, e.g. a command's
    `--holidays`), its office close and time zone. A missing or malformed overrides file is a `ConfigError`."""
    path = Path(holidays_override).expanduser() if holidays_override is not None else config.holidays_path
    overrides = load_overrides(path) if path is not None else None
    return WorkingDayCalendar(overrides, office_close=config.rules.office_close, timezone=config.rules.timezone)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read config file {path}: {_reason(exc)}", code="unreadable_file") from exc
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}", code="bad_toml") from exc


def _reason(exc: BaseException) -> str:
    return exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)


def _where(path: Path | None) -> str:
    return f"config file {path}" if path is not None else "configuration"


def _reject_unknown(data: Mapping[str, Any], path: Path | None) -> None:
    unknown = sorted(set(data) - set(_TABLE_KEYS))
    if unknown:
        allowed = ", ".join(f"[{name}]" for name in _TABLE_KEYS)
        raise ConfigError(
            f"{_where(path)}: unknown key(s) {', '.join(unknown)} (allowed tables: {allowed})",
            code="unknown_key",
            details={"keys": unknown, "file": str(path)},
        )
    for name, allowed_keys in _TABLE_KEYS.items():
        table = _table(data, name, path)
        extra = sorted(set(table) - allowed_keys)
        if extra:
            listed = ", ".join(f"{name}.{key}" for key in extra)
            raise ConfigError(
                f"{_where(path)}: unknown key(s) {listed}",
                code="unknown_key",
                details={"keys": [f"{name}.{key}" for key in extra], "file": str(path)},
            )


def _table(data: Mapping[str, Any], name: str, path: Path | None) -> Mapping[str, Any]:
    table = data.get(name, {})
    if not isinstance(table, Mapping):
        raise ConfigError(f"{_where(path)}: {name} must be a table ([{name}])", code="bad_value")
    return table


def _rules_from_table(table: Mapping[str, Any], path: Path | None) -> RuleParameters:
    where = _where(path)
    try:
        return rule_parameters_from_mapping(table, source=where)
    except ConfigError as exc:
        # the dataclass's own range checks do not know which file the values came from
        if where in exc.message:
            raise
        raise ConfigError(f"{where}: {exc.message}", code=exc.code, details=exc.details) from exc


def _path_value(raw: Any, key: str, path: Path | None) -> Path:
    if not isinstance(raw, str) or not raw.strip():
        raise ConfigError(f"{_where(path)}: {key} must be a path (text), got {raw!r}", code="bad_value")
    value = Path(raw).expanduser()
    if not value.is_absolute() and path is not None:
        value = path.parent / value
    return value

