"""The automated return visit's policy (自动回访, 第25–26条): when a completed order may be called, what an attempt's
outcome means, and when the next attempt is due.

Pure: times are passed in, the working-day calendar answers "is this a statutory holiday". The central store uses it
to hand out attempts (`sync.server.survey`), the dialer to pace them (`telephony.survey`), `survey status` to name
the next window.

Calling windows are local times (Asia/Shanghai by default) per weekday, with their own list for statutory holidays
(a day that is neither a working day nor a Saturday/Sunday, or a weekend day inside a holiday period: whatever the
calendar calls a non-working day that is not an ordinary weekend). A call is placed only when its whole start lies
inside a window; nothing is ever placed outside one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from itertools import pairwise

from agent_desktop.core.announcement import AnnouncementKind
from agent_desktop.core.errors import InvalidCommand
from agent_desktop.core.work_order import Rating
from agent_desktop.core.working_days import WorkingDayCalendar, require_aware


class AttemptOutcome(StrEnum):
    """How one survey attempt ended."""

    RATED = "rated"  # a valid digit 1/2/3
    NO_DIGIT = "no_digit"  # answered; no valid digit after the IVR's retry: counts as no answer
    HUNG_UP = "hung_up"  # answered, hung up during the prompt
    BUSY = "busy"
    NO_ANSWER = "no_answer"
    CONGESTION = "congestion"
    FAILED = "failed"
    INTERRUPTED = "interrupted"  # the dialer's lease ran out (crash mid-call): counted, never placed again
    NUMBER_VACANT = "number_vacant"  # 空号 (carrier announcement)
    NUMBER_SUSPENDED = "number_suspended"  # 停机
    POWERED_OFF = "powered_off"  # 已关机: retried
    UNREACHABLE = "unreachable"  # 暂时无法接通: retried
    IN_CALL = "in_call"  # 正在通话中: retried
    ANNOUNCEMENT_UNKNOWN = "announcement_unknown"  # a carrier's recording of a kind nobody enrolled: retried

    @property
    def ends_attempts(self) -> bool:
        """空号 and 停机: the number cannot be reached by any retry; the order goes to a manual revisit."""
        return self in (AttemptOutcome.NUMBER_VACANT, AttemptOutcome.NUMBER_SUSPENDED)

    @property
    def zh(self) -> str:
        return _OUTCOME_ZH[self]


_OUTCOME_ZH = {
    AttemptOutcome.RATED: "已评价", AttemptOutcome.NO_DIGIT: "未按键", AttemptOutcome.HUNG_UP: "提示音中挂机",
    AttemptOutcome.BUSY: "忙", AttemptOutcome.NO_ANSWER: "无人接听", AttemptOutcome.CONGESTION: "线路拥塞",
    AttemptOutcome.FAILED: "呼叫失败", AttemptOutcome.INTERRUPTED: "呼叫中断", AttemptOutcome.NUMBER_VACANT: "空号",
    AttemptOutcome.NUMBER_SUSPENDED: "停机", AttemptOutcome.POWERED_OFF: "关机",
    AttemptOutcome.UNREACHABLE: "暂时无法接通", AttemptOutcome.IN_CALL: "正在通话中",
    AttemptOutcome.ANNOUNCEMENT_UNKNOWN: "未知提示音",
}

_ANNOUNCED = {
    AnnouncementKind.EMPTY_NUMBER: AttemptOutcome.NUMBER_VACANT,
    AnnouncementKind.SUSPENDED: AttemptOutcome.NUMBER_SUSPENDED,
    AnnouncementKind.SWITCHED_OFF: AttemptOutcome.POWERED_OFF,
    AnnouncementKind.UNREACHABLE: AttemptOutcome.UNREACHABLE,
    AnnouncementKind.BUSY: AttemptOutcome.IN_CALL,
}


def outcome_of_announcement(verdict: object) -> AttemptOutcome | None:
    """An announcement detector's verdict as an attempt's outcome: an `AttemptOutcome`, an `AnnouncementKind` (or
    its Chinese name), or an object carrying one as `.kind` (the detector's `Detection`); None: a person. A verdict
    with no kind but `.announcement` true is a carrier's recording of a kind nobody enrolled: retried, never taken
    for the nearest enrolled kind (a wrong 空号/停机 would end the attempts)."""
    kind = getattr(verdict, "kind", verdict)
    if kind is None:
        return AttemptOutcome.ANNOUNCEMENT_UNKNOWN if getattr(verdict, "announcement", False) is True else None
    if isinstance(kind, AttemptOutcome):
        return kind
    try:
        return _ANNOUNCED[AnnouncementKind.parse(str(kind))]
    except ValueError:
        return AttemptOutcome(str(kind))  # a ValueError here names what the detector said


DIGIT_RATING = {"1": Rating.SATISFIED, "2": Rating.BASICALLY_SATISFIED, "3": Rating.UNSATISFIED}


def rating_of(digit: str | None) -> Rating | None:
    """The rating a survey digit means (1 满意, 2 基本满意, 3 不满意); None for anything else."""
    return DIGIT_RATING.get((digit or "").strip())


@dataclass(frozen=True, slots=True)
class ClaimedAttempt:
    """One attempt the centre handed to a dialer: call `number` for `order_id` now."""

    attempt_id: str
    order_id: str
    number: str
    attempt_no: int
    sealed: bool = False  # an anonymous caller's number (opened by the centre for this attempt only): never reported


class JobState(StrEnum):
    """A survey job of one order in the central store."""

    QUEUED = "queued"  # waiting for its next attempt's time
    IN_FLIGHT = "in_flight"  # an attempt is claimed by a dialer (under a lease)
    RATED = "rated"  # a digit was applied through the lifecycle
    EXHAUSTED = "exhausted"  # every attempt used: the 72-hour timeout (the centre's clock) decides
    MANUAL = "manual"  # 空号/停机: handed to a manual revisit
    CLOSED = "closed"  # the order left the return visit by other means (a supervisor, the timeout)


@dataclass(frozen=True, slots=True)
class Window:
    start: time
    end: time

    def __post_init__(self) -> None:
        if not self.start < self.end:
            raise InvalidCommand(f"a calling window must start before it ends: {self.start}–{self.end}",
                                 code="bad_window")

    @classmethod
    def parse(cls, text: str) -> Window:
        """`"09:00-12:00"` (also with – or ~)."""
        cleaned = text.replace("–", "-").replace("~", "-").strip()
        try:
            a, b = (part.strip() for part in cleaned.split("-"))
            return cls(time.fromisoformat(a), time.fromisoformat(b))
        except ValueError:
            raise InvalidCommand(f"a calling window is HH:MM-HH:MM, not {text!r}", code="bad_window") from None

    def __str__(self) -> str:
        return f"{self.start:%H:%M}–{self.end:%H:%M}"


DEFAULT_WINDOWS = (Window(time(9), time(12)), Window(time(14), time(20, 30)))


def _check_windows(windows: tuple[Window, ...]) -> tuple[Window, ...]:
    ordered = tuple(sorted(windows, key=lambda w: w.start))
    for a, b in pairwise(ordered):
        if b.start < a.end:
            raise InvalidCommand(f"calling windows {a} and {b} overlap", code="bad_window")
    return ordered


@dataclass(frozen=True, slots=True)
class SurveySettings:
    """Every value is configuration (`[survey]` of the TOML), with these defaults."""

    #: Monday..Sunday; an empty tuple means no calls that day
    weekday_windows: tuple[tuple[Window, ...], ...] = (DEFAULT_WINDOWS,) * 7
    #: statutory holidays (and their bridging weekends); None: the weekday's windows
    holiday_windows: tuple[Window, ...] | None = None
    delay_after_completion: timedelta = timedelta(minutes=30)
    max_attempts: int = 3
    retry_interval: timedelta = timedelta(hours=2)
    channels: int = 8  # N: calls at once
    calls_per_minute: float = 20.0  # M: new calls a minute
    lease: timedelta = timedelta(minutes=5)  # an attempt not finished within it was interrupted (a dialer crash)

    def __post_init__(self) -> None:
        if len(self.weekday_windows) != 7:
            raise InvalidCommand("calling windows are given for the seven weekdays", code="bad_window")
        object.__setattr__(self, "weekday_windows", tuple(_check_windows(tuple(w)) for w in self.weekday_windows))
        if self.holiday_windows is not None:
            object.__setattr__(self, "holiday_windows", _check_windows(tuple(self.holiday_windows)))
        if self.max_attempts < 1 or self.channels < 1 or self.calls_per_minute <= 0:
            raise InvalidCommand("attempts, channels and calls a minute must be positive", code="bad_value")
        if self.retry_interval <= timedelta(0) or self.lease <= timedelta(0) or \
                self.delay_after_completion < timedelta(0):
            raise InvalidCommand("the retry interval and the lease must be positive, the delay not negative",
                                 code="bad_value")


@dataclass(frozen=True)
class CallingPolicy:
    settings: SurveySettings = field(default_factory=SurveySettings)
    calendar: WorkingDayCalendar = field(default_factory=WorkingDayCalendar)

    def is_holiday(self, day: date) -> bool:
        """A statutory holiday: a non-working day that is not just a weekend, or a weekend day inside a holiday
        period (the day before or after is itself a weekday holiday)."""
        if self.calendar.is_working_day(day):
            return False
        # the run of non-working days around `day`: a holiday period when any of them is a weekday
        one = timedelta(days=1)
        for step in (one, -one):
            current = day
            for _ in range(14):
                if current.weekday() < 5:
                    return True
                current += step
                if self.calendar.is_working_day(current):
                    break
        return False

    def windows_on(self, day: date) -> tuple[Window, ...]:
        if self.settings.holiday_windows is not None and self.is_holiday(day):
            return self.settings.holiday_windows
        return self.settings.weekday_windows[day.weekday()]

    def in_window(self, moment: datetime) -> bool:
        local = require_aware(moment, "moment").astimezone(self.calendar.zone)
        return any(w.start <= local.time() < w.end for w in self.windows_on(local.date()))

    def next_open(self, moment: datetime) -> datetime:
        """The first instant at or after `moment` inside a calling window (the moment itself when it is inside)."""
        zone = self.calendar.zone
        local = require_aware(moment, "moment").astimezone(zone)
        day = local.date()
        for offset in range(370):
            current = day + timedelta(days=offset)
            for window in self.windows_on(current):
                start = datetime.combine(current, window.start, tzinfo=zone)
                end = datetime.combine(current, window.end, tzinfo=zone)
                if offset == 0 and local >= end:
                    continue
                return max(start, local) if offset == 0 else start
        raise InvalidCommand("no calling window within a year: check the survey settings", code="no_window")

    def window_end(self, moment: datetime) -> datetime | None:
        """The end of the window `moment` lies in, None outside every window."""
        zone = self.calendar.zone
        local = require_aware(moment, "moment").astimezone(zone)
        for window in self.windows_on(local.date()):
            if window.start <= local.time() < window.end:
                return datetime.combine(local.date(), window.end, tzinfo=zone)
        return None

    def first_call_at(self, completed_at: datetime) -> datetime:
        return self.next_open(completed_at + self.settings.delay_after_completion)

    def next_attempt_at(self, outcome: AttemptOutcome, attempts_made: int, finished_at: datetime) -> datetime | None:
        """When the next attempt is due after one ended with `outcome`, None when no attempt follows (rated, the
        number is dead, or every attempt is used)."""
        if outcome is AttemptOutcome.RATED or outcome.ends_attempts or attempts_made >= self.settings.max_attempts:
            return None
        return self.next_open(finished_at + self.settings.retry_interval)


def pace_interval(settings: SurveySettings) -> timedelta:
    """The spacing of new calls that M calls a minute means."""
    return timedelta(seconds=60.0 / settings.calls_per_minute)


_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SURVEY_KEYS = frozenset({"windows", "holiday_windows", "delay_minutes", "max_attempts", "retry_interval_minutes",
                         "channels", "calls_per_minute", "lease_minutes", *(f"windows_{d}" for d in _DAYS)})


def parse_settings(raw: dict[str, object]) -> SurveySettings:
    """`[survey]` of the configuration file: windows as lists of "HH:MM-HH:MM" (`windows` for every day,
    `windows_mon` … `windows_sun` per weekday, `holiday_windows`), minutes and hours as numbers."""
    unknown = sorted(set(raw) - SURVEY_KEYS)
    if unknown:
        raise InvalidCommand(f"unknown survey settings: {', '.join(unknown)}", code="bad_value")

    def windows(value: object, key: str) -> tuple[Window, ...]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise InvalidCommand(f"survey.{key} is a list of \"HH:MM-HH:MM\"", code="bad_value")
        return tuple(Window.parse(v) for v in value)

    every = windows(raw["windows"], "windows") if "windows" in raw else DEFAULT_WINDOWS
    per_day = tuple(windows(raw[f"windows_{d}"], f"windows_{d}") if f"windows_{d}" in raw else every
                    for d in _DAYS)
    holiday = windows(raw["holiday_windows"], "holiday_windows") if "holiday_windows" in raw else None

    def number(key: str, default: float) -> float:
        value = raw.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InvalidCommand(f"survey.{key} must be a number", code="bad_value")
        return float(value)

    return SurveySettings(
        weekday_windows=per_day, holiday_windows=holiday,
        delay_after_completion=timedelta(minutes=number("delay_minutes", 30)),
        max_attempts=int(number("max_attempts", 3)),
        retry_interval=timedelta(minutes=number("retry_interval_minutes", 120)),
        channels=int(number("channels", 8)), calls_per_minute=number("calls_per_minute", 20),
        lease=timedelta(minutes=number("lease_minutes", 5)))

