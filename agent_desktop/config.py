"""Configuration of the desktop, loaded once and passed explicitly: defaults → TOML file → environment → command line.

The file is `--config FILE`, else `config.toml` in platformdirs' `user_config_dir("agent-desktop")` when it exists
(defaults alone otherwise). Its tables:

    [rules]      every rule parameter of RULES.md (see `RuleParameters`); a revised measure (第42条) changes this table
    [calendar]   holidays = "overrides.toml"   the holiday overrides file, relative to the config file
    [paths]      data_dir = "..."              where the desktop keeps its data, relative to the config file
    [ami]        host, port, user, secret_env, secret, auth_type   Asterisk's manager interface (`AmiFileConfig`)
    [seat]       interface, queues, member_name, after_call_work_s, hotline_number, recordings_dir   this seat
                 (`SeatFileConfig`)
    [asr]        model_dir, listen_host, listen_port, advertise_host, fork_by_uniqueid, lang, frames_per_chunk
    [sync]       url, token_env, token_file, seat, store, ca_file   the seat's link to the center (`SyncFileConfig`)
    [server]     db, listen, field_key_file    the central store server (`ServerFileConfig`)

An unknown table or key is an error that names it and the file, so an operator's typo is never silently ignored.
The environment variable AGENT_DESKTOP_HOLIDAYS names the overrides file over the config file; a command's
`--holidays` goes over both (`build_calendar(..., holidays_override=...)`).

For the telephony, speech and sync tables the order is: command option > environment variable > config file >
embedded default; the commands apply the first two, this module the last two. Secrets (the AMI secret, the sync
token) are best kept in the environment variable the file names (`secret_env`, `token_env`); an AMI `secret` in the
file is accepted but never appears in a repr or a log. This module builds no adapter object: the CLI converts
(`agent_desktop/settings.py`), so `config` never imports telephony, asr or sync.

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

from agent_desktop.core.errors import AgentDesktopError, ConfigError
from agent_desktop.core.privacy import check_secret_file
from agent_desktop.core.rule_parameters import RuleParameters, parameter_names, rule_parameters_from_mapping
from agent_desktop.core.survey import SURVEY_KEYS, SurveySettings, parse_settings
from agent_desktop.core.working_days import WorkingDayCalendar, load_overrides
from agent_desktop.resources import APP_NAME, ENV_RESOURCES, default_data_dir, process_environment, resources_dir

CONFIG_FILE_NAME = "config.toml"
ENV_HOLIDAYS = "AGENT_DESKTOP_HOLIDAYS"
SOURCE_DEFAULT = "default"

_TABLE_KEYS: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "rules": parameter_names(),
        "calendar": frozenset({"holidays"}),
        "paths": frozenset({"data_dir"}),
        "ami": frozenset({"host", "port", "user", "secret_env", "secret", "auth_type"}),
        "seat": frozenset({
            "interface", "queues", "member_name", "after_call_work_s", "hotline_number", "recordings_dir",
        }),
        "asr": frozenset({
            "model_dir", "listen_host", "listen_port", "advertise_host", "fork_by_uniqueid", "lang", "frames_per_chunk",
        }),
        "sync": frozenset({"url", "token_env", "token_file", "seat", "store", "ca_file"}),
        "server": frozenset({"db", "listen", "field_key_file"}),
        "survey": SURVEY_KEYS,
    }
)


def default_config_path() -> Path:
    """Where the config file is looked for when `--config` is not given (it need not exist)."""
    return Path(platformdirs.user_config_dir(APP_NAME)) / CONFIG_FILE_NAME


def read_token_file(path: str | os.PathLike[str]) -> str:
    """The sync token held in `path` (one line). A token file group or others may read is refused, like the field
    key file (`ConfigError` code `file_permissions`): whoever reads the token acts as its user."""
    token_file = Path(path).expanduser()
    check_secret_file(token_file, "the token file")
    try:
        return token_file.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ConfigError(f"cannot read the token file {token_file}: {exc.strerror}", code="bad_token_file") from exc


def default_holidays_path() -> Path | None:
    """The holiday overrides file shipped in `resources/holidays/`, or None when this installation has none."""
    path = _resources_dir() / "holidays" / "overrides.toml"
    return path if path.is_file() else None


def _resources_dir() -> Path:
    return Path(resources_dir())


def config_file_source(path: Path) -> str:
    """How a value read from `path` is labelled in `AppConfig.sources` and in `rules show`."""
    return f"config file {path}"


#: The seat's local store file in the data directory (the same name as `sync.local_store.STORE_FILE_NAME`).
SEAT_STORE_FILE_NAME = "seat-store.sqlite3"
#: The central store's SQLite file in the data directory (the same name as `sync.server.db.DEFAULT_DB_FILE`).
SERVER_DB_FILE_NAME = "central-store.sqlite3"


@dataclass(frozen=True, slots=True)
class AmiFileConfig:
    """[ami]: the Asterisk manager interface. `secret` (from the file) never shows in repr(); prefer `secret_env`."""

    host: str = "127.0.0.1"
    port: int = 5038
    user: str = "desk"
    secret_env: str = "AGENT_DESKTOP_AMI_SECRET"
    secret: str | None = field(default=None, repr=False)
    auth_type: str = "md5"  # "md5": challenge login, the secret never crosses the wire; "plain": Secret header


@dataclass(frozen=True, slots=True)
class SeatFileConfig:
    """[seat]: this seat's phone and queues (the values of telephony's `SeatConfig` an operator sets)."""

    interface: str | None = None  # e.g. "PJSIP/1001"; None = not configured (commands then need --interface)
    queues: tuple[str, ...] = ("hotline",)
    member_name: str = ""
    after_call_work_s: float = 30.0
    hotline_number: str = "12345"
    # where the PBX keeps MixMonitor's recordings: Playback of a survey's recording to the seat's phone reads it there
    recordings_dir: str = "/var/spool/asterisk/monitor"


@dataclass(frozen=True, slots=True)
class AsrFileConfig:
    """[asr]: the speech service (`asr.service.SpeechService`). `model_dir` None = the installed model."""

    model_dir: Path | None = None
    listen_host: str = "127.0.0.1"
    listen_port: int = 9093
    advertise_host: str | None = None  # None = listen_host
    fork_by_uniqueid: bool = False
    lang: str | None = None
    frames_per_chunk: int | None = None  # the decoder's look-ahead (asr.recognition.tuning); None = as the model ships


@dataclass(frozen=True, slots=True)
class SyncFileConfig:
    """[sync]: the seat's link to the center. `url` None = no center (offline only); `store` is always resolved."""

    url: str | None = None
    token_env: str = "AGENT_DESKTOP_SYNC_TOKEN"
    token_file: Path | None = None  # a file holding the token (0600), read when the environment gives none
    seat: str | None = None
    store: Path = field(default_factory=lambda: default_data_dir() / SEAT_STORE_FILE_NAME)
    ca_file: Path | None = None


@dataclass(frozen=True, slots=True)
class ServerFileConfig:
    """[server]: the central store server. `db` is always resolved (default: a SQLite file in the data dir)."""

    db: str = field(default_factory=lambda: f"sqlite:///{default_data_dir() / SERVER_DB_FILE_NAME}")
    listen: str = "127.0.0.1:8765"
    # the hotline's field key (0600): the centre opens anonymous callers' numbers for the survey dialer and proves
    # every sealed value it receives opens; None = the centre holds no key
    field_key_file: Path | None = None


#: Every environment variable a command reads, read once by `load_config` (the one reader of the environment).
ENV_AMI = "AGENT_DESKTOP_AMI"
ENV_AMI_USER = "AGENT_DESKTOP_AMI_USER"
ENV_AMI_SECRET = "AGENT_DESKTOP_AMI_SECRET"
ENV_SYNC_TOKEN = "AGENT_DESKTOP_SYNC_TOKEN"
ENV_SERVER_DB = "AGENT_DESKTOP_SERVER_DB"
ENV_PBX_SECRET = "AGENT_DESKTOP_PBX_SECRET"
ENV_SURVEY_TOKEN = "AGENT_DESKTOP_SURVEY_TOKEN"


@dataclass(frozen=True, slots=True)
class EnvironmentValues:
    """What the environment said when the configuration was loaded. Secrets never show in repr()."""

    variables: Mapping[str, str] = field(default_factory=dict, repr=False)  # the AGENT_DESKTOP_* and named ones

    def get(self, name: str) -> str | None:
        value = self.variables.get(name)
        return value if value else None


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
    ami: AmiFileConfig = field(default_factory=AmiFileConfig)
    seat: SeatFileConfig = field(default_factory=SeatFileConfig)
    asr: AsrFileConfig = field(default_factory=AsrFileConfig)
    sync: SyncFileConfig = field(default_factory=SyncFileConfig)
    server: ServerFileConfig = field(default_factory=ServerFileConfig)
    survey: SurveySettings = field(default_factory=SurveySettings)  # [survey]: the automated return visit
    environment: EnvironmentValues = field(default_factory=EnvironmentValues)

    def __post_init__(self) -> None:
        object.__setattr__(self, "sources", MappingProxyType(dict(self.sources)))


def load_config(path: str | os.PathLike[str] | None = None, *, environ: Mapping[str, str] | None = None) -> AppConfig:
    """Load the configuration: defaults, then the file (`path`, else the user config file if it exists), then the
    environment (`environ`, default `os.environ`). Raises `ConfigError` naming the file for anything wrong in it."""
    env = process_environment() if environ is None else environ
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

    ami = _ami_from(_Table(data, "ami", config_path))
    sync = _sync_from(_Table(data, "sync", config_path), data_dir)
    # the variables commands read (and the ones the file names for its secrets), taken now, once
    names = {ENV_AMI, ENV_AMI_USER, ENV_AMI_SECRET, ENV_SYNC_TOKEN, ENV_SERVER_DB, ENV_PBX_SECRET, ENV_SURVEY_TOKEN,
             ENV_RESOURCES, ami.secret_env, sync.token_env}
    environment = EnvironmentValues(MappingProxyType({n: env[n] for n in names if n in env}))
    return AppConfig(
        rules=rules,
        holidays_path=holidays_path,
        data_dir=data_dir,
        sources=sources,
        config_path=config_path,
        holidays_source=holidays_source,
        ami=ami,
        seat=_seat_from(_Table(data, "seat", config_path)),
        asr=_asr_from(_Table(data, "asr", config_path)),
        sync=sync,
        server=_server_from(_Table(data, "server", config_path), data_dir),
        survey=_survey_from(_Table(data, "survey", config_path)),
        environment=environment,
    )


class _Table:
    """Typed reads of one table; every error names the file and `table.key`."""

    def __init__(self, data: Mapping[str, Any], name: str, path: Path | None) -> None:
        self.values = _table(data, name, path)
        self.name = name
        self.path = path

    def _bad(self, key: str, what: str, raw: Any) -> ConfigError:
        shown = "(hidden)" if key == "secret" else repr(raw)
        return ConfigError(
            f"{_where(self.path)}: {self.name}.{key} must be {what}, got {shown}",
            code="bad_value",
            details={"key": f"{self.name}.{key}", "file": str(self.path)},
        )

    def text(self, key: str, default: str) -> str:
        raw = self.values.get(key, default)
        if not isinstance(raw, str) or not raw.strip():
            raise self._bad(key, "non-empty text", raw)
        return raw.strip()

    def choice(self, key: str, default: str, allowed: tuple[str, ...]) -> str:
        value = self.text(key, default).lower()
        if value not in allowed:
            raise self._bad(key, " or ".join(repr(a) for a in allowed), self.values.get(key))
        return value

    def optional_count(self, key: str) -> int | None:
        raw = self.values.get(key)
        if raw is not None and (isinstance(raw, bool) or not isinstance(raw, int) or raw <= 0):
            raise self._bad(key, "a whole number above 0", raw)
        return raw

    def optional_text(self, key: str) -> str | None:
        return self.text(key, "x") if key in self.values else None

    def any_text(self, key: str, default: str) -> str:
        raw = self.values.get(key, default)
        if not isinstance(raw, str):
            raise self._bad(key, "text", raw)
        return raw

    def port(self, key: str, default: int) -> int:
        raw = self.values.get(key, default)
        if isinstance(raw, bool) or not isinstance(raw, int) or not 0 <= raw <= 65535:
            raise self._bad(key, "a port number (0-65535)", raw)
        return raw

    def seconds(self, key: str, default: float) -> float:
        raw = self.values.get(key, default)
        if isinstance(raw, bool) or not isinstance(raw, int | float) or raw < 0:
            raise self._bad(key, "a number of seconds (0 or more)", raw)
        return float(raw)

    def flag(self, key: str, default: bool) -> bool:
        raw = self.values.get(key, default)
        if not isinstance(raw, bool):
            raise self._bad(key, "true or false", raw)
        return raw

    def text_list(self, key: str, default: tuple[str, ...]) -> tuple[str, ...]:
        raw = self.values.get(key, list(default))
        if not isinstance(raw, list) or not raw or not all(isinstance(v, str) and v.strip() for v in raw):
            raise self._bad(key, "a non-empty list of names", raw)
        return tuple(v.strip() for v in raw)

    def optional_path(self, key: str) -> Path | None:
        raw = self.values.get(key)
        return None if raw is None else _path_value(raw, f"{self.name}.{key}", self.path)


# read-only default instances: with slots=True the class attributes are descriptors, not the default values
_DEFAULT_AmiFileConfig = AmiFileConfig()
_DEFAULT_SeatFileConfig = SeatFileConfig()
_DEFAULT_AsrFileConfig = AsrFileConfig()
_DEFAULT_ServerFileConfig_LISTEN = "127.0.0.1:8765"


def _ami_from(table: _Table) -> AmiFileConfig:
    secret = table.values.get("secret")
    if secret is not None and not isinstance(secret, str):
        raise table._bad("secret", "text", secret)
    return AmiFileConfig(
        host=table.text("host", _DEFAULT_AmiFileConfig.host),
        port=table.port("port", _DEFAULT_AmiFileConfig.port),
        user=table.text("user", _DEFAULT_AmiFileConfig.user),
        secret_env=table.text("secret_env", _DEFAULT_AmiFileConfig.secret_env),
        secret=secret,
        auth_type=table.choice("auth_type", _DEFAULT_AmiFileConfig.auth_type, ("md5", "plain")),
    )


def _seat_from(table: _Table) -> SeatFileConfig:
    return SeatFileConfig(
        interface=table.optional_text("interface"),
        queues=table.text_list("queues", _DEFAULT_SeatFileConfig.queues),
        member_name=table.any_text("member_name", _DEFAULT_SeatFileConfig.member_name),
        after_call_work_s=table.seconds("after_call_work_s", _DEFAULT_SeatFileConfig.after_call_work_s),
        hotline_number=table.text("hotline_number", _DEFAULT_SeatFileConfig.hotline_number),
        recordings_dir=table.text("recordings_dir", _DEFAULT_SeatFileConfig.recordings_dir),
    )


def _asr_from(table: _Table) -> AsrFileConfig:
    return AsrFileConfig(
        model_dir=table.optional_path("model_dir"),
        listen_host=table.text("listen_host", _DEFAULT_AsrFileConfig.listen_host),
        listen_port=table.port("listen_port", _DEFAULT_AsrFileConfig.listen_port),
        advertise_host=table.optional_text("advertise_host"),
        fork_by_uniqueid=table.flag("fork_by_uniqueid", _DEFAULT_AsrFileConfig.fork_by_uniqueid),
        lang=table.optional_text("lang"),
        frames_per_chunk=table.optional_count("frames_per_chunk"),
    )


def _sync_from(table: _Table, data_dir: Path) -> SyncFileConfig:
    url = table.optional_text("url")
    if url is not None and not url.startswith(("ws://", "wss://")):
        raise table._bad("url", "a ws:// or wss:// address", url)
    return SyncFileConfig(
        url=url,
        token_env=table.text("token_env", "AGENT_DESKTOP_SYNC_TOKEN"),
        token_file=table.optional_path("token_file"),
        seat=table.optional_text("seat"),
        store=table.optional_path("store") or data_dir / SEAT_STORE_FILE_NAME,
        ca_file=table.optional_path("ca_file"),
    )


def _server_from(table: _Table, data_dir: Path) -> ServerFileConfig:
    listen = table.text("listen", _DEFAULT_ServerFileConfig_LISTEN)
    host, sep, port = listen.rpartition(":")
    if not sep or not host or not port.isdigit() or int(port) > 65535:
        raise table._bad("listen", "HOST:PORT", listen)
    db = table.optional_text("db") or f"sqlite:///{data_dir / SERVER_DB_FILE_NAME}"
    return ServerFileConfig(db=db, listen=listen, field_key_file=table.optional_path("field_key_file"))


def _survey_from(table: _Table) -> SurveySettings:
    try:
        return parse_settings(dict(table.values))
    except AgentDesktopError as exc:
        raise ConfigError(f"{_where(table.path)}: [survey] {exc.message}", code="bad_value") from exc


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

