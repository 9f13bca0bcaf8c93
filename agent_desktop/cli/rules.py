"""`agent-desktop rules`: the rule parameters in force, and deadlines computed the way the desktop computes them.

    agent-desktop rules due --from 2026-09-29T09:00 --working-days 10 [--holidays FILE]   # 2026-10-19T17:30:00+08:00
    agent-desktop rules due --from 2026-09-29T09:00 --hours 72                             # clock hours (第26条)
    agent-desktop rules show [--json] [--holidays FILE]

A time without an offset is the hotline's local time (the `timezone` rule parameter, Asia/Shanghai by default); one
with an offset is converted to it. The answer goes to stdout alone, so scripts can use it; every calendar warning
(a year with no known holiday schedule) goes to stderr, one line each.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import chinese_calendar

from agent_desktop.cli.options import command_config
from agent_desktop.config import AppConfig, build_calendar, default_config_path
from agent_desktop.core.errors import InvalidCommand
from agent_desktop.core.rule_parameters import RuleParameters, parameter_value_text
from agent_desktop.core.working_days import HolidayOverrides, load_overrides

PROG = "agent-desktop"
HOLIDAYS_OPTION_SOURCE = "--holidays"
FALLBACK_TEXT = "Monday–Friday, with a warning on every deadline in that year"


def register(subparsers: argparse._SubParsersAction) -> None:
    rules = subparsers.add_parser(
        "rules",
        help="rule parameters in force and deadline arithmetic in working days",
        description="The rule parameters of the regulation as configured, and deadlines in working days.",
    )
    commands = rules.add_subparsers(dest="rules_command", metavar="SUBCOMMAND")
    commands.required = True

    due = commands.add_parser(
        "due",
        help="print the due time N working days (or H clock hours) after a moment",
        description="Print the due time in ISO 8601 with offset. N working days end at the office close of the Nth "
        "working day after the day of --from (that day itself never counts); --hours counts clock hours.",
    )
    due.add_argument(
        "--from",
        dest="start",
        required=True,
        metavar="TIME",
        help="the triggering moment, e.g. 2026-09-29T09:00 (local hotline time) or 2026-09-29T01:00+00:00",
    )
    amount = due.add_mutually_exclusive_group(required=True)
    amount.add_argument("--working-days", type=int, metavar="N", help="a limit in working days (工作日)")
    amount.add_argument("--hours", type=int, metavar="H", help="a limit in clock hours, e.g. 72 (第26条)")
    due.add_argument("--holidays", metavar="FILE", help="holiday overrides file to use instead of the configured one")
    due.set_defaults(handler=run_due)

    show = commands.add_parser(
        "show",
        help="print every rule parameter with its value, article and source, and the holiday sources",
        description="Print every rule parameter: value, article of the regulation, description and where the value "
        "came from (default or config file), then where each year's holidays come from.",
    )
    show.add_argument("--json", action="store_true", help="print JSON instead of text")
    show.add_argument("--holidays", metavar="FILE", help="holiday overrides file to use instead of the configured one")
    show.set_defaults(handler=run_show)


def run_due(args: argparse.Namespace) -> int:
    config = command_config(args)
    calendar = build_calendar(config, args.holidays)
    start = parse_moment(args.start, calendar.zone)
    try:
        if args.hours is not None:
            due = clock_hours_after(start, args.hours, calendar.zone)
        else:
            due = calendar.due(start, args.working_days)
    except OverflowError as exc:
        raise InvalidCommand(
            f"the due time from {args.start} lies beyond the year 9999", code="out_of_range"
        ) from exc
    print(due.isoformat(), flush=True)  # the answer before its warnings, also when both go to one file
    for notice in calendar.notices:
        print(f"{PROG}: {notice}", file=sys.stderr)
    return 0


def parse_moment(text: str, zone: ZoneInfo, option: str = "--from") -> datetime:
    """An ISO 8601 date and time given as `option`; without an offset it is local (hotline) time in `zone`, with one
    it is converted."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise InvalidCommand(
            f"{option} {text!r} is not a date and time like 2026-09-29T09:00 (ISO 8601, offset optional)",
            code="bad_time",
        ) from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(zone)


def clock_hours_after(start: datetime, hours: int, zone: ZoneInfo) -> datetime:
    if hours < 1:
        raise InvalidCommand(f"--hours must be at least 1, got {hours}", code="bad_hours")
    # counted on UTC so that a daylight-saving change in a configured zone cannot shift it
    return (start.astimezone(UTC) + timedelta(hours=hours)).astimezone(zone)


def run_show(args: argparse.Namespace) -> int:
    config = command_config(args)
    if args.holidays is not None:
        holidays_path: Path | None = Path(args.holidays).expanduser()
        holidays_source = HOLIDAYS_OPTION_SOURCE
    else:
        holidays_path, holidays_source = config.holidays_path, config.holidays_source
    overrides = load_overrides(holidays_path) if holidays_path is not None else HolidayOverrides()
    report = _report(config, holidays_path, holidays_source, overrides)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        print(_report_text(report))
    return 0


def package_years() -> tuple[int, int]:
    """First and last year the installed chinese-calendar knows."""
    years = [day.year for day in chinese_calendar.holidays]
    return min(years), max(years)


def _report(
    config: AppConfig, holidays_path: Path | None, holidays_source: str, overrides: HolidayOverrides
) -> dict[str, Any]:
    first, last = package_years()
    parameters = [
        {
            "name": name,
            "value": _json_value(getattr(config.rules, name)),
            "text": parameter_value_text(config.rules, name),
            "article": article,
            "description": description,
            "source": config.sources[name],
        }
        for name, article, description in RuleParameters.describe_fields()
    ]
    return {
        "config_file": str(config.config_path) if config.config_path is not None else None,
        "default_config_file": str(default_config_path()),
        "parameters": parameters,
        "holidays": {
            "overrides_file": str(holidays_path) if holidays_path is not None else None,
            "overrides_source": holidays_source,
            "overrides_years": sorted(overrides.years),
            "chinese_calendar": {
                "version": getattr(chinese_calendar, "__version__", "unknown"),
                "first_year": first,
                "last_year": last,
            },
            "fallback": FALLBACK_TEXT,
        },
    }


def _json_value(value: Any) -> Any:
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, Mapping):
        return {str(key): days for key, days in value.items()}
    if isinstance(value, frozenset):
        return sorted(str(item) for item in value)
    return value


def _report_text(report: Mapping[str, Any]) -> str:
    if report["config_file"] is not None:
        lines = [f"Configuration: config file {report['config_file']}"]
    else:
        lines = [f"Configuration: defaults (no config file at {report['default_config_file']})"]
    lines += ["", "Rule parameters (value  [source]; article: description):"]
    for item in report["parameters"]:
        lines.append(f"  {item['name']} = {item['text']}  [{item['source']}]")
        article = "" if item["article"] in ("", "—") else f"{item['article']}: "
        lines.append(f"      {article}{item['description']}")

    holidays = report["holidays"]
    package = holidays["chinese_calendar"]
    first, last = package["first_year"], package["last_year"]
    lines += ["", "Holiday schedule, by year (first match wins):"]
    if holidays["overrides_file"] is None:
        lines.append("  1. overrides file: none")
    else:
        years = holidays["overrides_years"]
        declared = ", ".join(
            f"{year} (replaces chinese-calendar)" if first <= year <= last else str(year) for year in years
        )
        lines.append(f"  1. overrides file {holidays['overrides_file']}  [{holidays['overrides_source']}]")
        lines.append(f"       years: {declared or 'none declared'}")
    lines.append(f"  2. chinese-calendar {package['version']}: {first}–{last}")
    lines.append(f"  3. any other year: {holidays['fallback']}")
    return "\n".join(lines)
