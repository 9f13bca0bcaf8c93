"""Rule parameters: every limit, window, threshold and office hour of RULES.md, with the regulation's defaults.

第42条 says the measure is revised every five years, so these are configuration, not code: a revised measure changes a
file (`[rules]` in the TOML config), not the program. Each field carries the article it comes from and a one-line
description, which `agent-desktop rules show` prints with the value's source.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from agent_desktop.core.errors import ConfigError
from agent_desktop.core.roles import Role
from agent_desktop.core.work_order import Category


def _doc(article: str, text: str) -> dict[str, str]:
    return {"article": article, "doc": text}


DEFAULT_HANDLING_LIMITS_WD: Mapping[Category, int] = MappingProxyType(
    {
        Category.CONSULTATION: 3,
        Category.QUERY: 3,  # a query on government information is answered like a consultation
        Category.HELP: 10,
        Category.COMPLAINT: 10,
        Category.REPORT: 10,
        Category.SUGGESTION: 10,
        Category.PRAISE: 10,  # not named in 第19条; handled like a suggestion (forwarded to the unit)
        Category.CRITICISM: 10,  # 第12条(三) puts criticism with complaints
    }
)


@dataclass(frozen=True, slots=True)
class RuleParameters:
    timezone: str = field(default="Asia/Shanghai", metadata=_doc("RULES.md", "time zone of office hours and deadlines"))
    office_close: time = field(
        default=time(17, 30), metadata=_doc("RULES.md", "a deadline of N WD ends at this time on the Nth working day")
    )
    sign_limit_wd: int = field(default=1, metadata=_doc("第17条", "units sign within the next working day"))
    return_window_wd: int = field(
        default=2, metadata=_doc("第17条", "a return may be requested within this many WD after signing")
    )
    handling_limits_wd: Mapping[Category, int] = field(
        default_factory=lambda: DEFAULT_HANDLING_LIMITS_WD,
        metadata=_doc("第19条", "handling limit per category, in WD from signing"),
    )
    max_extensions: int = field(
        default=1, metadata=_doc("第20条", "extension requests a unit may make while it handles an order")
    )
    max_extension_wd: int = field(
        default=10, metadata=_doc("第20条", "the most WD one extension request may ask for")
    )
    reply_within_wd: int = field(
        default=1, metadata=_doc("第16条", "a reply promised on line is due within this many WD")
    )
    emergency_sign_limit_h: int = field(
        default=2, metadata=_doc("第16条", "emergency orders: sign within this many clock hours of dispatch")
    )
    emergency_response_limit_h: int = field(
        default=2, metadata=_doc("第16条", "emergency orders: respond within this many clock hours of signing")
    )
    no_rating_timeout_h: int = field(
        default=72,
        metadata=_doc("第26条", "no rating this many clock hours after an automated visit counts as 基本满意"),
    )
    manual_revisit_within_wd: int = field(
        default=1, metadata=_doc("第26条", "a manual revisit follows an unsatisfied automated result within N WD")
    )
    appeal_window_wd: int = field(
        default=5, metadata=_doc("第27条", "a unit may appeal an unsatisfied rating within this many WD")
    )
    supervision_limit_wd: int = field(
        default=3, metadata=_doc("第34条", "default deadline of a supervision record, in WD")
    )
    sign_due_soon_h: int = field(
        default=4, metadata=_doc("第33条", "warn this many clock hours before a sign deadline")
    )
    due_soon_h: int = field(default=24, metadata=_doc("第33条", "warn this many clock hours before a due time"))
    repeat_caller_threshold: int = field(
        default=3, metadata=_doc("第13条(六), 第41条", "orders from one number in the window that flag a repeat caller")
    )
    repeat_caller_window_days: int = field(
        default=30, metadata=_doc("第13条(六), 第41条", "window for counting a number's orders, in days")
    )
    frequent_caller_calls: int = field(
        default=10, metadata=_doc("第41条", "calls from one number in the window that flag it at screen pop")
    )
    frequent_caller_window_h: int = field(
        default=24, metadata=_doc("第41条", "window for counting a number's calls, in clock hours")
    )
    hot_spot_min_orders: int = field(
        default=5, metadata=_doc("第33条, 第34条(二)", "similar orders by place and topic that make a hot spot")
    )
    hot_spot_window_h: int = field(default=48, metadata=_doc("第33条", "window for hot spots, in clock hours"))
    unusual_return_rate: float = field(
        default=0.3, metadata=_doc("第33条", "a unit's return-request share above this is unusual")
    )
    unusual_return_min_orders: int = field(
        default=10, metadata=_doc("第33条", "orders a unit must have before its return rate is judged")
    )
    decrypt_roles: frozenset[Role] = field(
        default=frozenset({Role.SUPERVISOR}),
        metadata=_doc("第15条", "roles allowed to decrypt an anonymous caller's personal data"),
    )

    def __post_init__(self) -> None:
        problems = _type_problems(self)
        if problems:  # the range checks below assume the types are right
            raise ConfigError("invalid rule parameters: " + "; ".join(problems), code="invalid_rules")
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, int) and not isinstance(value, bool) and value < 0:
                problems.append(f"{f.name} must not be negative (got {value})")
        positive = ("sign_limit_wd", "return_window_wd", "appeal_window_wd",
                    "reply_within_wd", "manual_revisit_within_wd", "emergency_sign_limit_h",
                    "emergency_response_limit_h", "no_rating_timeout_h", "hot_spot_min_orders",
                    "repeat_caller_threshold", "supervision_limit_wd", "frequent_caller_calls",
                    "frequent_caller_window_h")
        problems += [f"{name} must be at least 1" for name in positive if getattr(self, name) < 1]
        missing = [c.zh for c in Category if c not in self.handling_limits_wd]
        if missing:
            problems.append(f"handling_limits_wd lacks {'、'.join(missing)}")
        problems += [
            f"handling limit of {c.zh} must be at least 1 WD" for c, n in self.handling_limits_wd.items() if n < 1
        ]
        if not 0 <= self.unusual_return_rate <= 1:
            problems.append("unusual_return_rate must be between 0 and 1")
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            problems.append(f"unknown time zone {self.timezone!r}")
        if problems:
            raise ConfigError("invalid rule parameters: " + "; ".join(problems), code="invalid_rules")
        # keep the mapping read-only even when a plain dict was passed in
        object.__setattr__(self, "handling_limits_wd", MappingProxyType(dict(self.handling_limits_wd)))

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def handling_limit_wd(self, category: Category) -> int:
        return self.handling_limits_wd[category]

    @classmethod
    def describe_fields(cls) -> list[tuple[str, str, str]]:
        """(name, article, description) for every parameter, in declaration order."""
        return [(f.name, f.metadata["article"], f.metadata["doc"]) for f in dataclasses.fields(cls)]


def _type_problems(params: RuleParameters) -> list[str]:
    """Parameters built in code (not from TOML) get the same type checks as the config file's."""
    problems = []
    for f in dataclasses.fields(params):
        value = getattr(params, f.name)
        default = f.default if f.default is not dataclasses.MISSING else f.default_factory()  # type: ignore[misc]
        if isinstance(default, bool | int) and not isinstance(default, float):
            ok = isinstance(value, int) and not isinstance(value, bool)
        elif isinstance(default, float):
            ok = isinstance(value, int | float) and not isinstance(value, bool)
        elif isinstance(default, time):
            ok = isinstance(value, time) and value.tzinfo is None
        elif isinstance(default, str):
            ok = isinstance(value, str)
        elif isinstance(default, frozenset):
            ok = isinstance(value, frozenset) and all(isinstance(r, Role) for r in value)
        else:
            ok = isinstance(value, Mapping) and all(
                isinstance(c, Category) and isinstance(n, int) and not isinstance(n, bool) for c, n in value.items()
            )
        if not ok:
            problems.append(f"{f.name} has the wrong type ({type(value).__name__})")
    return problems


def parameter_names() -> frozenset[str]:
    return frozenset(f.name for f in dataclasses.fields(RuleParameters))


def rule_parameters_from_mapping(values: Mapping[str, Any], *, source: str) -> RuleParameters:
    """Build parameters from a `[rules]` table (TOML types). Unknown keys and wrong types are a `ConfigError`
    that names the key and the source, so an operator's typo is never silently ignored."""
    known = {f.name: f for f in dataclasses.fields(RuleParameters)}
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise ConfigError(f"{source}: unknown rule parameter(s): {', '.join(unknown)}", code="unknown_key")
    kwargs: dict[str, Any] = {}
    defaults = RuleParameters()
    for name, raw in values.items():
        kwargs[name] = _coerce(name, raw, getattr(defaults, name), source)
    try:
        return RuleParameters(**kwargs)
    except ConfigError as exc:
        raise ConfigError(f"{source}: {exc.message}", code=exc.code) from exc


def _coerce(name: str, raw: Any, default: Any, source: str) -> Any:
    where = f"{source}: rules.{name}"
    if isinstance(default, bool | int):
        if isinstance(raw, bool) or not isinstance(raw, int):
            raise ConfigError(f"{where} must be a whole number, got {raw!r}", code="bad_value")
        return raw
    if isinstance(default, float):
        if isinstance(raw, bool) or not isinstance(raw, int | float):
            raise ConfigError(f"{where} must be a number, got {raw!r}", code="bad_value")
        return float(raw)
    if isinstance(default, time):
        return _parse_clock(raw, where)
    if isinstance(default, frozenset):
        if not isinstance(raw, list):
            raise ConfigError(f"{where} must be a list of roles", code="bad_value")
        try:
            return frozenset(Role(r) for r in raw)
        except ValueError as exc:
            raise ConfigError(f"{where}: {exc}", code="bad_value") from exc
    if isinstance(default, Mapping):
        if not isinstance(raw, Mapping):
            raise ConfigError(f"{where} must be a table of category = working days", code="bad_value")
        limits = dict(DEFAULT_HANDLING_LIMITS_WD)
        for key, days in raw.items():
            try:
                category = Category.parse(key)
            except Exception as exc:
                raise ConfigError(f"{where}: {exc}", code="bad_value") from exc
            if isinstance(days, bool) or not isinstance(days, int):
                raise ConfigError(f"{where}.{key} must be a whole number of WD", code="bad_value")
            limits[category] = days
        return limits
    if not isinstance(raw, str):
        raise ConfigError(f"{where} must be text, got {raw!r}", code="bad_value")
    return raw


def _parse_clock(raw: Any, where: str) -> time:
    if isinstance(raw, time) and raw.tzinfo is None:
        return raw
    if isinstance(raw, str) and len(raw) in (5, 8):  # "HH:MM" or "HH:MM:SS", local to the rules' time zone
        try:
            parsed = time.fromisoformat(raw)
        except ValueError:
            pass
        else:
            if parsed.tzinfo is None:
                return parsed
    raise ConfigError(f"{where} must be a time of day like \"17:30\", got {raw!r}", code="bad_value")


def parameter_value_text(params: RuleParameters, name: str) -> str:
    """Display form of one parameter (for `rules show`)."""
    value = getattr(params, name)
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, Mapping):
        return ", ".join(f"{c.zh}={n}" for c, n in value.items())
    if isinstance(value, frozenset):
        return ", ".join(sorted(str(v) for v in value))
    return str(value)
