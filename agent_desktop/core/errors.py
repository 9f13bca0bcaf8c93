"""The one error tree of the product. Every error has a stable `code` the UI maps to a message, and `details`.

Adapters translate third-party exceptions into these at their boundary (`raise SyncError(...) from exc`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class AgentDesktopError(Exception):
    """Base of every error the product raises on purpose."""

    code: str = "error"

    def __init__(self, message: str, *, code: str | None = None, details: Mapping[str, Any] | None = None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.details: dict[str, Any] = dict(details or {})

    def __str__(self) -> str:
        return self.message


class InvalidCommand(AgentDesktopError):
    """The caller of the core misused it: a malformed command, a naive datetime, a missing field."""

    code = "invalid_command"


class TransitionRefused(AgentDesktopError):
    """A lifecycle step the regulation does not allow now: wrong state, wrong role, or outside its time window.

    `article` names the rule (e.g. "第17条"), `deadline` the time limit that was missed, when there is one.
    """

    code = "transition_refused"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        article: str | None = None,
        deadline: str | None = None,
        details: Mapping[str, Any] | None = None,
    ):
        merged = dict(details or {})
        if article:
            merged["article"] = article
        if deadline:
            merged["deadline"] = deadline
        super().__init__(message, code=code, details=merged)
        self.article = article
        self.deadline = deadline


class AccessRefused(AgentDesktopError):
    """A reader whose role may not see an anonymous caller's personal data asked for it.

    `order` is the work order with the refused attempt recorded in its history, so the refusal is never lost.
    """

    code = "access_refused"

    def __init__(self, message: str, *, order: Any = None, details: Mapping[str, Any] | None = None):
        super().__init__(message, details=details)
        self.order = order


class PrivacyError(AgentDesktopError):
    """Sealed data could not be opened (wrong key, tampered ciphertext) or plain personal data of an anonymous
    caller was about to leave the core unsealed."""

    code = "privacy_error"


class ConfigError(AgentDesktopError):
    """A configuration, overrides or resource file is unreadable, malformed, or names an unknown key."""

    code = "config_error"


class CalendarError(AgentDesktopError):
    """A working-day computation was asked something it cannot answer (e.g. a non-positive number of days)."""

    code = "calendar_error"


class TelephonyError(AgentDesktopError):
    code = "telephony_error"


class AsrError(AgentDesktopError):
    code = "asr_error"


class SyncError(AgentDesktopError):
    code = "sync_error"
