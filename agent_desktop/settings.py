"""Converters from the loaded configuration (`agent_desktop.config`) to the adapters' own settings objects.

`config` stays free of adapter imports (it is loaded by every command, and the layering keeps it light); the
composition root — the CLI today, the desktop later — calls these, which import the adapters lazily.
Precedence: command option > environment variable > config file > embedded default; these functions apply the
last three for values the caller did not give.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agent_desktop.config import ENV_AMI_SECRET, ENV_SYNC_TOKEN, AppConfig, read_token_file

if TYPE_CHECKING:
    from agent_desktop.app import DeskParts
    from telephony.ami.connection import AmiSettings
    from telephony.control import SeatConfig



def ami_secret(config: AppConfig, environ: Mapping[str, str] | None = None) -> str | None:
    """The AMI secret: $AGENT_DESKTOP_AMI_SECRET, else the variable `[ami] secret_env` names, else `[ami] secret`.
    None when none is set. The value is never logged. The environment is the one read with the configuration
    (`config.environment`) unless `environ` is given."""
    for name in (ENV_AMI_SECRET, config.ami.secret_env):
        value = config.environment.variables.get(name) if environ is None else environ.get(name)
        if value is not None:
            return value
    return config.ami.secret


def sync_token(config: AppConfig) -> str | None:
    """The sync token: $AGENT_DESKTOP_SYNC_TOKEN, else the variable `[sync] token_env` names, else the file
    `[sync] token_file` names (refused when group or others may read it: `ConfigError` `file_permissions`); never
    the config file itself."""
    for name in (ENV_SYNC_TOKEN, config.sync.token_env):
        value = (config.environment.variables.get(name) or "").strip()
        if value:
            return value
    if config.sync.token_file is not None:
        return read_token_file(config.sync.token_file) or None
    return None


def ami_settings(config: AppConfig, *, secret: str, **overrides: Any) -> AmiSettings:
    """`AmiSettings` for [ami]'s host/port/user and `secret`; `overrides` may set any other field."""
    from telephony.ami.connection import AmiSettings  # noqa: PLC0415 (lazy adapter import)

    options: dict[str, Any] = {
        "host": config.ami.host, "port": config.ami.port, "username": config.ami.user,
        "auth_type": config.ami.auth_type,
    }
    options.update(overrides)
    return AmiSettings(secret=secret, **options)


def seat_config(config: AppConfig, **overrides: Any) -> SeatConfig:
    """`SeatConfig` from [seat]; `overrides` (e.g. a command's --interface) win. No interface anywhere is an error."""
    from agent_desktop.core.errors import ConfigError  # noqa: PLC0415
    from telephony.control import SeatConfig  # noqa: PLC0415 (lazy adapter import)

    seat = config.seat
    options: dict[str, Any] = {
        "interface": seat.interface, "queues": seat.queues, "member_name": seat.member_name,
        "after_call_work_seconds": seat.after_call_work_s, "hotline_number": seat.hotline_number,
        "hotline_name": seat.hotline_number, "recordings_dir": seat.recordings_dir,
    }
    options.update({key: value for key, value in overrides.items() if value is not None})
    if not options["interface"]:
        raise ConfigError("no seat interface: give --interface or set [seat] interface in the config file",
                          code="missing_interface")
    return SeatConfig(**options)


def speech_service_options(config: AppConfig, *, model_dir: Path | None = None) -> dict[str, Any]:
    """Keyword arguments of `asr.service.SpeechService(...)` from [asr] (model_dir: the argument, else [asr]
    model_dir, else the model installed in the data folder). `fork_by_uniqueid` is not among them: it goes to
    `attach_fork(by_uniqueid=...)`."""
    from asr.models import default_model_dir  # noqa: PLC0415 (lazy adapter import)

    asr = config.asr
    return {
        "model_dir": model_dir or asr.model_dir or default_model_dir(config.data_dir),
        "listen_host": asr.listen_host,
        "listen_port": asr.listen_port,
        "advertise_host": asr.advertise_host,
        "lang": asr.lang,
        "frames_per_chunk": asr.frames_per_chunk,
    }


#: The hotline's field key in the data folder (the same file as the CLI's `orders simulate` uses).
FIELD_KEY_FILE_NAME = "field.key"


def desk_parts(config: AppConfig, *, user_id: str | None = None, autosave_interval_s: float = 5.0) -> DeskParts | None:
    """The seat session's parts when the configuration names a seat (`[seat] interface`); None otherwise (a
    command that only watches). The agent is `user_id`, else `[sync] seat`, else the seat's member name or its
    interface; the field cipher is the data folder's key (created on first use, owner-only); the rules and the
    calendar are the configuration's."""
    from agent_desktop.app import DeskParts  # noqa: PLC0415
    from agent_desktop.config import build_calendar  # noqa: PLC0415
    from agent_desktop.core.lifecycle import RuleContext  # noqa: PLC0415
    from agent_desktop.core.privacy import FieldCipher  # noqa: PLC0415
    from agent_desktop.core.roles import Actor, Role  # noqa: PLC0415
    from agent_desktop.desk import DeskSettings  # noqa: PLC0415

    seat = config.seat
    if not seat.interface:
        return None
    seat_id = config.sync.seat or seat.member_name or seat.interface
    actor = Actor(user_id or seat_id, Role.AGENT, seat=seat_id)
    cipher = FieldCipher.from_key_file(config.data_dir / FIELD_KEY_FILE_NAME)
    ctx = RuleContext(config.rules, build_calendar(config))
    return DeskParts(DeskSettings(actor=actor, cipher=cipher, ctx=ctx, autosave_interval_s=autosave_interval_s))
