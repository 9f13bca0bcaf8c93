"""A simulated month of work orders for `agent-desktop orders simulate`: what the demo and an operator look at until
the desktop and the central store exist.

Owns the plan of who calls when (`plan_month`) over the matter templates of a Changsha month (`matters`, data in
`resources/simulation/matters.json`), and the walk of every
order through the real lifecycle (`simulate_month`). Orders are built only by `lifecycle.open_work_order` and
`lifecycle.apply`, never by hand, so a simulated order is one the rules allow; a step the rules refuse (a window
closed, a late rating) is part of life: the walk catches `TransitionRefused` and takes another path.

Theory of operation:
- `plan_month` draws, from one `random.Random(seed)`, every intake of the month: when it comes in, by which
  channel, from whom (a pool of callers, some anonymous, a few who keep calling about the same matter), about
  what (a `Matter`, or a matter the hotline does not accept, a `Refusal`), plus two incidents that bring several
  similar calls from one street within hours (hot spots) and two sessions where a unit's leader answers on site
  (第29–30条). The plan depends on (year, month, count, seed) only: the same arguments give the same plan.
- `simulate_month` walks each order with its own `random.Random(f"{seed}/{index}")`, step by step, in time
  order. Seats work round the clock; units and the center act in office hours of the working-day calendar
  (08:30 to the configured office close); the survey dialer calls from 09:00 to 20:00 every day; emergency
  orders are handled by the clock (first response within hours, 第16条). A step later than `now` ends the walk,
  so nothing happens after the simulation's present, and the month seen at an earlier `now` is a prefix of the
  month seen later (same steps, same times; only the sealed ciphertexts differ, their nonces are random by
  design).
- Anonymous callers (第15条) are sealed with the given `FieldCipher` before their order is opened; their plain
  numbers exist only in the plan (`anonymous_phones`, for tests), never in an order.

Lives outside `core/` and outside the CLI, which only prints what it returns. Imports the core and the templates
(read once from `resources/`); no other I/O, no clock (time is the plan's).
"""

from __future__ import annotations

import calendar as month_calendar
import contextlib
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from agent_desktop.core import lifecycle as lc
from agent_desktop.core.errors import InvalidCommand, TransitionRefused
from agent_desktop.core.privacy import FieldCipher, seal_caller
from agent_desktop.core.roles import Actor, Role
from agent_desktop.core.routing import Unit, UnitDirectory, UnitSuggestion, suggest_units
from agent_desktop.core.work_order import (
    AppealReason,
    Caller,
    CallKind,
    CallLink,
    Category,
    Channel,
    CompletionOutcome,
    CompletionReport,
    NotAcceptedReason,
    OrderState,
    Rating,
    ReplyMeans,
    RevisitChannel,
    SupervisionMeans,
    SupervisionTrigger,
    Urgency,
    WorkOrder,
)
from agent_desktop.core.working_days import WorkingDayCalendar
from agent_desktop.simulation.matters import Matter, Refusal, matters, refusals

MAX_COUNT = 20_000
OFFICE_OPEN = time(8, 30)  # units and the center; the close is the rule parameter `office_close`
CALLING_OPEN, CALLING_CLOSE = time(9, 0), time(20, 0)  # the survey dialer's calling hours, every day
WATCH_EVERY = timedelta(minutes=30)  # the deadline watcher that opens overdue supervision (第34条(一))

C = Category


_SURNAMES = "王李张刘陈杨黄赵周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏" \
            "薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰文辉建国志红梅海燕鹏飞俊波宇浩然欣怡子涵梓萱雨桐"
_MOBILE_PREFIXES = ("130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "155",
                    "156", "157", "158", "159", "166", "173", "175", "176", "177", "178", "180", "181", "182",
                    "183", "185", "186", "187", "188", "189", "198", "199")
_ESTATES = ("金色家园", "湘江世纪城", "枫林绿洲", "新城新世界", "万科城", "保利麓谷林语", "芙蓉华天", "中南小区",
            "东方新城", "砂子塘新村", "融科东南海", "恒大华府")
# Calls per clock hour of the day at a 12345 centre: quiet at night, busiest mid-morning and early afternoon.
_HOUR_WEIGHTS = (1, 1, 1, 1, 1, 2, 4, 8, 12, 14, 14, 12, 10, 12, 13, 12, 11, 10, 9, 8, 6, 4, 3, 2)


@dataclass(frozen=True, slots=True)
class Person:
    """A caller of the simulated month, in plain text: only the plan holds these values."""

    name: str
    phone: str
    form_of_address: str
    anonymous: bool
    address: str | None = None
    id_number: str | None = None

    def caller(self) -> Caller:
        return Caller(name=self.name, phone=self.phone, id_number=self.id_number, address=self.address,
                      is_anonymous=self.anonymous, form_of_address=self.form_of_address)


@dataclass(frozen=True, slots=True)
class Intake:
    """One matter coming in: when, how, from whom, about what; `leader_unit` is the unit id of a leader seat
    taking the call (第30条), `incident` marks a call of a hot-spot incident."""

    created_at: datetime
    channel: Channel
    person: Person
    matter: Matter | Refusal
    text: str
    leader_unit: str | None = None
    incident: bool = False
    repeat: bool = False  # a caller who keeps calling about the same matter


@dataclass(frozen=True, slots=True)
class MonthPlan:
    year: int
    month: int
    seed: int
    start: datetime
    end: datetime  # the last second of the month, the default "now"
    intakes: tuple[Intake, ...]  # in time order; the order id is the position

    def order_id(self, index: int) -> str:
        return f"WO-{self.year:04d}{self.month:02d}-{index + 1:04d}"


def anonymous_phones(plan: MonthPlan) -> frozenset[str]:
    """The plain phone numbers of the plan's anonymous callers: what a simulated file must never contain."""
    return frozenset(i.person.phone for i in plan.intakes if i.person.anonymous)


# --- the plan ----------------------------------------------------------------------------------------------------


def parse_month(text: str) -> tuple[int, int]:
    """"2026-10" → (2026, 10); anything else is `InvalidCommand`."""
    parts = text.strip().split("-")
    if len(parts) != 2 or not all(p.isascii() and p.isdigit() for p in parts) or len(parts[0]) != 4:
        raise InvalidCommand(f"--month {text!r} is not a month like 2026-10", code="bad_month")
    year, month = int(parts[0]), int(parts[1])
    if not 1 <= month <= 12 or year < 1:
        raise InvalidCommand(f"--month {text!r} is not a month like 2026-10", code="bad_month")
    return year, month


def month_bounds(year: int, month: int, zone: tzinfo) -> tuple[datetime, datetime]:
    """First instant and last second of a month in the hotline's zone."""
    days = month_calendar.monthrange(year, month)[1]
    return (datetime(year, month, 1, tzinfo=zone), datetime(year, month, days, 23, 59, 59, tzinfo=zone))


def plan_month(year: int, month: int, *, count: int, seed: int, zone: tzinfo) -> MonthPlan:
    """Every intake of the month (see the module docstring); the same arguments always give the same plan."""
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_COUNT:
        raise InvalidCommand(f"--count must be a whole number from 1 to {MAX_COUNT}, got {count!r}",
                             code="bad_count")
    if not 1 <= year <= 9998:
        raise InvalidCommand(f"cannot simulate the year {year}", code="bad_month")
    start, end = month_bounds(year, month, zone)
    rng = random.Random(seed)
    people = _People(rng)
    intakes: list[Intake] = []
    if count >= 60:
        intakes += _incidents(rng, people, start, end)
    if count >= 50:
        intakes += _leader_sessions(rng, people, start, end)
    if count >= 40:
        intakes += _repeat_callers(rng, people, start, end, max(2, count // 50))
    intakes = intakes[: count // 3]
    while len(intakes) < count:
        intakes.append(_regular_intake(rng, people, _random_time(rng, start, end)))
    intakes.sort(key=lambda i: i.created_at)  # stable: equal times keep their draw order
    return MonthPlan(year, month, seed, start, end, tuple(intakes))


class _People:
    """Draws callers; phone numbers are unique across the month's people."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._phones: set[str] = set()

    def new(self) -> Person:
        rng = self._rng
        while True:
            phone = rng.choice(_MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
            if phone not in self._phones:
                self._phones.add(phone)
                break
        surname = rng.choice(_SURNAMES)
        name = surname + "".join(rng.choice(_GIVEN) for _ in range(rng.choice((1, 2))))
        anonymous = rng.random() < 0.15
        address = None
        if rng.random() < 0.4:
            address = f"长沙市{rng.choice(('岳麓区', '天心区', '雨花区', '开福区', '芙蓉区'))}{rng.choice(_ESTATES)}" \
                      f"{rng.randint(1, 30)}栋{rng.randint(1, 30)}0{rng.randint(1, 4)}室"
        id_number = _id_number(rng) if anonymous and rng.random() < 0.25 else None
        return Person(name, phone, rng.choice(("先生", "女士")), anonymous, address, id_number)


def _id_number(rng: random.Random) -> str:
    born = date(1950, 1, 1) + timedelta(days=rng.randrange(365 * 55))
    body = f"4301{rng.choice(('02', '03', '04', '05', '11', '12', '21', '81', '82'))}{born:%Y%m%d}" \
           f"{rng.randrange(1000):03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]
    return body + check


def _random_time(rng: random.Random, start: datetime, end: datetime) -> datetime:
    day = start + timedelta(days=rng.randrange((end - start).days + 1))
    hour = rng.choices(range(24), weights=_HOUR_WEIGHTS)[0]
    return day.replace(hour=hour, minute=rng.randrange(60), second=rng.randrange(60))


def _channel(rng: random.Random) -> Channel:
    return rng.choices((Channel.PHONE, Channel.WEB, Channel.APP), weights=(82, 10, 8))[0]


def _regular_intake(rng: random.Random, people: _People, at: datetime) -> Intake:
    matter: Matter | Refusal
    if rng.random() < 0.07:
        matter = rng.choice(refusals())
        text = matter.text
    else:
        matter = rng.choice(matters())
        text = rng.choice(matter.texts)
    return Intake(at, _channel(rng), people.new(), matter, text)


def _incidents(rng: random.Random, people: _People, start: datetime, end: datetime) -> list[Intake]:
    """Two incidents (a burst main, a night of pile driving) that bring 5–7 calls from one street within hours."""
    out: list[Intake] = []
    for matter in rng.sample([m for m in matters() if m.hot], 2):
        first = _random_time(rng, start, end - timedelta(hours=8))
        for _ in range(rng.randint(5, 7)):
            at = min(end, first + timedelta(minutes=rng.randrange(6 * 60)))
            out.append(Intake(at, Channel.PHONE, people.new(), matter, rng.choice(matter.texts), incident=True))
    return out


# Leaders answering on site (第29–30条): unit ids of the directory, resolved when the month is simulated.
LEADER_UNITS = ("city_housing", "yuelu")


def _leader_sessions(rng: random.Random, people: _People, start: datetime, end: datetime) -> list[Intake]:
    out: list[Intake] = []
    weekdays = [start + timedelta(days=d) for d in range((end - start).days + 1)
                if (start + timedelta(days=d)).weekday() < 5]
    for unit_id, day in zip(LEADER_UNITS, rng.sample(weekdays, len(LEADER_UNITS)), strict=True):
        opens = day.replace(hour=9, minute=30)
        for _ in range(rng.randint(4, 6)):
            matter = rng.choice([m for m in matters() if not m.emergency])
            at = opens + timedelta(seconds=rng.randrange(2 * 3600))
            out.append(Intake(at, Channel.PHONE, people.new(), matter, rng.choice(matter.texts), leader_unit=unit_id))
    return out


def _repeat_callers(
    rng: random.Random, people: _People, start: datetime, end: datetime, how_many: int
) -> list[Intake]:
    """Callers who call again and again about their one matter (第13条(六), 第41条)."""
    out: list[Intake] = []
    for _ in range(how_many):
        person = people.new()
        matter = rng.choice([m for m in matters() if m.category in (C.COMPLAINT, C.HELP) and not m.emergency])
        first = _random_time(rng, start, start + timedelta(days=12))
        for call in range(rng.randint(3, 4)):
            later = round(call * rng.uniform(2, 6) * 86400) + 60 * rng.randrange(600)
            at = min(end, first + timedelta(seconds=later))
            out.append(Intake(at, Channel.PHONE, person, matter, rng.choice(matter.texts), repeat=True))
    return out


# --- time ---------------------------------------------------------------------------------------------------------


class Hours:
    """Moves time on through a daily window (office hours on working days, or the dialer's calling hours)."""

    def __init__(self, calendar: WorkingDayCalendar, opens: time, closes: time, *, every_day: bool) -> None:
        self._calendar = calendar
        self._opens, self._closes = opens, closes
        self._every_day = every_day

    def _window(self, day: date) -> tuple[datetime, datetime] | None:
        if not self._every_day and not self._calendar.is_working_day(day):
            return None
        zone = self._calendar.zone
        return datetime.combine(day, self._opens, tzinfo=zone), datetime.combine(day, self._closes, tzinfo=zone)

    def after(self, start: datetime, hours: float) -> datetime:
        """`start` moved on by `hours` of time inside the window (from the next opening when outside it)."""
        remaining = timedelta(seconds=round(max(hours, 0.0) * 3600))
        moment = start.astimezone(self._calendar.zone)
        day = moment.date()
        while True:
            window = self._window(day)
            if window is not None and moment < window[1]:
                moment = max(moment, window[0])
                if moment + remaining <= window[1]:
                    return moment + remaining
                remaining -= window[1] - moment
            day += timedelta(days=1)
            moment = datetime.combine(day, time(0), tzinfo=self._calendar.zone)

    def between(self, start: datetime, end: datetime) -> float:
        """Hours inside the window from `start` to `end` (0 when `end` is not later)."""
        total = timedelta(0)
        day = start.astimezone(self._calendar.zone).date()
        while day <= end.astimezone(self._calendar.zone).date():
            window = self._window(day)
            if window is not None:
                lo, hi = max(window[0], start), min(window[1], end)
                if hi > lo:
                    total += hi - lo
            day += timedelta(days=1)
        return total.total_seconds() / 3600


# --- the walk ------------------------------------------------------------------------------------------------------


class _ReachedNow(Exception):
    """The next step would come after the simulation's present: the order stays as it is."""


@dataclass(frozen=True, slots=True)
class _Staff:
    agents: tuple[Actor, ...]
    supervisors: tuple[Actor, ...]
    dialer: Actor
    watch: Actor

    @classmethod
    def default(cls) -> _Staff:
        return cls(
            agents=tuple(Actor(f"agent-{n:03d}", Role.AGENT, seat=f"A{n:02d}") for n in range(1, 13)),
            supervisors=tuple(Actor(f"center-{n:02d}", Role.SUPERVISOR, seat=f"C{n:02d}") for n in range(1, 4)),
            dialer=Actor("survey-dialer", Role.SYSTEM),
            watch=Actor("deadline-watch", Role.SYSTEM),
        )


def _unit_actor(unit: Unit) -> Actor:
    return Actor(f"{unit.id}-handler", Role.UNIT, unit=unit.name)


class _Walk:
    """One order on its way: every step goes through `lifecycle.apply` at a time no earlier than the last."""

    def __init__(self, order: WorkOrder, intake: Intake, rng: random.Random, sim: _Simulation) -> None:
        self.order = order
        self.intake = intake
        self.rng = rng
        self.sim = sim
        self.at = order.created_at

    def step(self, command: lc.Command, actor: Actor, when: datetime) -> None:
        when = max(when, self.at)
        if when > self.sim.now:
            raise _ReachedNow
        self.order = lc.apply(self.order, command, actor, when, self.sim.ctx)
        self.at = when

    def attempt(self, command: lc.Command, actor: Actor, when: datetime) -> bool:
        """Try a step the rules may refuse; False (and the order unchanged) when they do."""
        try:
            self.step(command, actor, when)
        except TransitionRefused:
            self.at = max(self.at, when)
            return False
        return True

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def office(self, hours_low: float, hours_high: float, start: datetime | None = None) -> datetime:
        return self.sim.office.after(start or self.at, self.rng.uniform(hours_low, hours_high))

    def minutes(self, low: float, high: float, start: datetime | None = None) -> datetime:
        return (start or self.at) + timedelta(seconds=round(self.rng.uniform(low, high) * 60))

    def supervisor(self) -> Actor:
        return self.rng.choice(self.sim.staff.supervisors)

    def call(self, kind: CallKind, when: datetime, *, recorded: bool = True) -> CallLink:
        uniqueid = f"{int(when.timestamp())}.{self.rng.randrange(10, 9999)}"
        recording = f"{when:%Y%m%d-%H%M%S}-{uniqueid}.wav" if recorded else None
        return CallLink(uniqueid, kind=kind, linkedid=uniqueid, recording=recording, at=when)


class _Simulation:
    def __init__(self, plan: MonthPlan, now: datetime, ctx: lc.RuleContext, directory: UnitDirectory,
                 cipher: FieldCipher) -> None:
        self.plan, self.now, self.ctx, self.directory, self.cipher = plan, now, ctx, directory, cipher
        self.staff = _Staff.default()
        self.office = Hours(ctx.calendar, OFFICE_OPEN, ctx.rules.office_close, every_day=False)
        self.calling = Hours(ctx.calendar, CALLING_OPEN, CALLING_CLOSE, every_day=True)
        self._suggestions: dict[str, list[UnitSuggestion]] = {}
        self.earlier: dict[str, list[WorkOrder]] = {}  # by phone: the caller's orders so far

    def suggestions(self, matter: Matter) -> list[UnitSuggestion]:
        if matter.key not in self._suggestions:
            found = suggest_units(self.directory, category=matter.category, district=matter.district,
                                  text=" ".join(matter.texts), limit=3)
            if not found:
                raise InvalidCommand(f"the unit directory {self.directory.source} has no unit for {matter.key}",
                                     code="no_unit")
            self._suggestions[matter.key] = found
        return self._suggestions[matter.key]


def simulate_month(
    plan: MonthPlan,
    *,
    now: datetime,
    ctx: lc.RuleContext,
    directory: UnitDirectory,
    cipher: FieldCipher,
) -> tuple[WorkOrder, ...]:
    """The plan's orders as they stand at `now`, the simulation's present (usually `plan.end`; earlier to see
    the month part-way, later to let its orders run on): every intake created by then, walked through the
    lifecycle with no step after `now`."""
    if now < plan.start:
        raise InvalidCommand(
            f"--until {now.isoformat()} lies before the month {plan.year:04d}-{plan.month:02d} begins",
            code="bad_until",
        )
    sim = _Simulation(plan, now, ctx, directory, cipher)
    orders = []
    for index, intake in enumerate(plan.intakes):
        if intake.created_at > now:
            break
        order = _walk_order(sim, index, intake)
        sim.earlier.setdefault(intake.person.phone, []).append(order)
        orders.append(order)
    return tuple(orders)


def _seat(sim: _Simulation, rng: random.Random, intake: Intake) -> Actor:
    if intake.leader_unit is not None:
        unit = sim.directory.find(intake.leader_unit)
        if unit is not None:
            return Actor(f"leader-{unit.id}", Role.LEADER_SEAT, unit=unit.name, seat="L01")
    return rng.choice(sim.staff.agents)


def _walk_order(sim: _Simulation, index: int, intake: Intake) -> WorkOrder:
    rng = random.Random(f"{sim.plan.seed}/{index}")
    order_id = sim.plan.order_id(index)
    seat = _seat(sim, rng, intake)
    matter = intake.matter
    call = None
    if intake.channel is Channel.PHONE:
        uniqueid = f"{int(intake.created_at.timestamp())}.{index}"
        call = CallLink(uniqueid, linkedid=uniqueid, recording=f"{intake.created_at:%Y%m%d-%H%M%S}-{uniqueid}.wav",
                        at=intake.created_at)
    emergency = isinstance(matter, Matter) and matter.emergency
    order = lc.open_work_order(
        order_id,
        channel=intake.channel,
        actor=seat,
        now=intake.created_at,
        caller=seal_caller(intake.person.caller(), sim.cipher, order_id),
        category=matter.category,
        description=intake.text,
        urgency=Urgency.EMERGENCY if emergency else Urgency.NORMAL,
        call=call,
    )
    walk = _Walk(order, intake, rng, sim)
    with contextlib.suppress(_ReachedNow):
        _intake(walk, intake, seat)
    return walk.order


def _intake(w: _Walk, intake: Intake, seat: Actor) -> None:
    matter = intake.matter
    if isinstance(matter, Refusal):
        if matter.district:
            w.step(lc.EditFields({"district": matter.district}), seat, w.minutes(1, 3))
        w.step(lc.NotAccept(matter.reason), seat, w.minutes(2, 6))
        return
    w.step(lc.EditFields({"district": matter.district, "street": matter.street}), seat, w.minutes(1, 3))
    if intake.repeat and _still_open(w.sim, intake, matter) and w.chance(0.6):
        # 第13条(六): the same matter is being handled and the caller brings nothing new
        w.step(lc.NotAccept(NotAcceptedReason.ALREADY_HANDLED, basis=None), seat, w.minutes(2, 5))
        return
    if matter.kb is not None and not matter.emergency:
        roll = w.rng.random()
        if roll < 0.55:
            ref, answer = matter.kb
            w.step(lc.AnswerOnLine(answer, ref), seat, w.minutes(2, 8))
            return
        if roll < 0.8:
            _promised_reply(w, matter, seat)
            return
    _dispatch(w, matter, seat)


def _still_open(sim: _Simulation, intake: Intake, matter: Matter) -> bool:
    """Is an earlier order of this caller about this matter still open when the new call comes in?"""
    for order in sim.earlier.get(intake.person.phone, ()):
        if order.description in matter.texts and _state_at(order, intake.created_at) not in _FINISHED_VALUES:
            return True
    return False


_FINISHED_VALUES = frozenset(s.value for s in (OrderState.NOT_ACCEPTED, OrderState.ANSWERED_ON_LINE,
                                               OrderState.REPLIED, OrderState.CLOSED))


def _state_at(order: WorkOrder, moment: datetime) -> str:
    state = OrderState.INTAKE.value
    for entry in order.history:
        if entry.at > moment:
            break
        for field, _old, new in entry.changes:
            if field == "state":
                state = new
    return state


def _promised_reply(w: _Walk, matter: Matter, seat: Actor) -> None:
    means = w.rng.choice((ReplyMeans.CALLBACK, ReplyMeans.CALLBACK, ReplyMeans.SMS, ReplyMeans.THREE_WAY))
    w.step(lc.PromiseReply(caller_consents=True, means=means), seat, w.minutes(3, 8))
    agent = w.rng.choice(w.sim.staff.agents)
    if w.chance(0.12):  # looking it up showed a unit must handle it after all
        _dispatch(w, matter, agent, start=w.office(0.5, 5))
        return
    due = w.order.reply_due
    assert due is not None
    when = w.office(0.5, 6) if not w.chance(0.1) else w.minutes(30, 240, start=due)  # some replies run late
    if means is not ReplyMeans.SMS:
        kind = CallKind.CALLBACK if means is ReplyMeans.CALLBACK else CallKind.THREE_WAY
        w.step(lc.LinkCall(w.call(kind, when)), agent, when)
    w.step(lc.RecordReply(means, f"已答复诉求人:{matter.result}" if matter.kb is None else matter.kb[1]), agent,
           w.minutes(3, 10))


def _dispatch(w: _Walk, matter: Matter, actor: Actor, *, start: datetime | None = None) -> None:
    suggestions = w.sim.suggestions(matter)
    correct = suggestions[0].unit
    lead = correct
    if len(suggestions) > 1 and not matter.emergency and w.chance(0.08):
        lead = suggestions[1].unit  # a misjudged responsibility, which the unit will ask to return (第17条)
    co_units: tuple[str, ...] = ()
    government = suggestions[-1].unit
    if government.kind.is_district_government and government is not lead and w.chance(0.3):
        co_units = (government.name,)  # 第16条: the district co-handles
    when = w.minutes(2, 6, start) if matter.emergency else w.minutes(5, 40, start)
    w.step(lc.Dispatch(lead.name, co_units), actor, when)
    if w.intake.incident and w.chance(0.5):
        w.step(lc.OpenSupervision(SupervisionTrigger.HOT_OR_DIFFICULT, SupervisionMeans.LETTER,
                                  note=f"同一区域集中反映{matter.key}问题"), w.supervisor(), w.office(0.5, 3))
    _sign_and_handle(w, matter, lead, may_dispute=True)


def _sign_and_handle(w: _Walk, matter: Matter, unit: Unit, *, may_dispute: bool) -> None:
    """The lead unit signs (第17条), may ask to return the order, and otherwise handles it."""
    sign_due = w.order.sign_due
    assert sign_due is not None
    if matter.emergency:
        when = w.minutes(10, 60) if not w.chance(0.08) else w.minutes(5, 60, start=sign_due)
    elif w.chance(0.07):
        when = w.office(0.5, 6, start=sign_due)  # 超时签收
    else:
        when = w.office(0.2, 6)
    w.step(lc.Sign(), _unit_actor(unit), when)
    correct = w.sim.suggestions(matter)[0].unit
    disputes = unit is not correct or (may_dispute and not matter.emergency and w.chance(0.03))
    if disputes and _returned(w, matter, unit, correct):
        return  # the walk went on with the new dispatch
    if matter.category is C.COMPLAINT and w.chance(0.03):
        w.step(lc.OpenSupervision(SupervisionTrigger.MEDIA_EXPOSURE, SupervisionMeans.MEETING,
                                  note="媒体曝光,召开督办会议"), w.supervisor(), w.office(1, 9))
    _handle(w, matter, unit)


def _returned(w: _Walk, matter: Matter, unit: Unit, correct: Unit) -> bool:
    """The unit asks to return the order (第17条) and the center decides (第18条, 第23条). True when the order
    was taken back and dispatched again (the walk has gone on there); False when the unit keeps it."""
    actor = _unit_actor(unit)
    return_due = w.order.return_due
    assert return_due is not None
    wrong = unit is not correct
    reason = f"经核查,该事项属于{correct.name}职责范围" if wrong else "经核查,该事项不属于本单位职责范围"
    when = w.office(0.5, 10) if not w.chance(0.12) else w.office(1, 8, start=return_due)
    if not w.attempt(lc.RequestReturn(reason), actor, when):
        return False  # the 2-WD window closed (第17条): the unit keeps the order
    center = w.supervisor()
    decided = w.office(1, 8)
    rejected = w.chance(0.1) if wrong else w.chance(0.7)
    if rejected:
        w.step(lc.RejectReturn("经审核,该事项属于本单位职责,请继续办理"), center, decided)
        if w.chance(0.1):  # asking again is refused: a rejected return stands (第18条)
            w.attempt(lc.RequestReturn("再次申请退回"), actor, w.office(0.5, 3))
        return False
    if not wrong or w.chance(0.15):
        # disputed responsibility goes to the city government, whose decision binds later matters (第23条)
        w.step(lc.ReferToCoordination("责任单位对职责存在争议,提请市政府协调"), center, decided)
        keywords = w.sim.suggestions(matter)[0].matched_keywords or (matter.key,)
        w.step(lc.DecideCoordination(correct.name, keywords, category=matter.category, district=matter.district,
                                     basis="市政府协调会议纪要明确责任单位"), center, w.office(9, 30))
    else:
        w.step(lc.ApproveReturn("同意退回,重新派单"), center, decided)
        w.step(lc.Dispatch(correct.name), center, w.office(0.2, 2))
    _sign_and_handle(w, matter, correct, may_dispute=False)
    return True


def _handle(w: _Walk, matter: Matter, unit: Unit) -> None:
    """Handling by the lead unit up to its completion report (第19–22条), then the return visit."""
    if matter.emergency and w.order.responded_at is None:
        _first_response(w, unit)
    if not matter.emergency and not w.order.extensions and w.chance(0.08):
        _extension(w, unit)
    due = w.order.due
    assert due is not None
    late = not matter.emergency and w.chance(0.07)
    if matter.emergency:
        done = w.minutes(60, 600)  # made safe on site, then repaired within hours
    elif late:
        done = w.office(0.5, 30, start=due)
    else:
        # units often finish near the deadline: most of the mass lies in the later part of the limit
        share = min(0.98, max(0.05, w.rng.betavariate(2.2, 1.4)))
        done = w.sim.office.after(w.at, share * w.sim.office.between(w.at, due))
    if w.chance(0.1):  # the caller calls again to ask how it goes
        room = max(min(done, due) - w.at, timedelta(0))
        when = w.at + timedelta(seconds=round(room.total_seconds() * w.rng.uniform(0.2, 0.8)))
        w.step(lc.LinkCall(w.call(CallKind.INBOUND, when)), w.rng.choice(w.sim.staff.agents), when)
    _watch_overdue(w, done)
    w.step(lc.ReportCompletion(_report(w, matter, unit, done)), _unit_actor(unit), done)
    for record in w.order.open_supervisions():
        w.step(lc.CloseSupervision(record.record_id, "责任单位已办结反馈"), w.supervisor(), w.office(0.5, 6))
    if w.order.redo_count == 0 and w.chance(0.03):
        w.step(lc.SendBackForRedo("办理结果未回应诉求人的核心诉求"), w.supervisor(), w.office(0.5, 4))
        _handle(w, matter, unit)
        return
    _revisit(w, matter, unit)


def _first_response(w: _Walk, unit: Unit) -> None:
    """第16条: the unit contacts the caller or is on site within hours of signing; a few are late."""
    due = w.order.response_due
    assert due is not None
    when = w.minutes(10, 100) if not w.chance(0.08) else w.minutes(5, 90, start=due)
    w.step(lc.RecordResponse("已电话联系诉求人,处置人员到达现场"), _unit_actor(unit), when)


def _report(w: _Walk, matter: Matter, unit: Unit, done: datetime) -> CompletionReport:
    outcome = w.rng.choices(list(CompletionOutcome), weights=(75, 18, 7))[0]
    if matter.emergency:
        outcome = CompletionOutcome.SOLVED
    in_progress = outcome is CompletionOutcome.IN_PROGRESS
    return CompletionReport(
        handled_by=unit.name,
        handled_at=max(w.at, done - timedelta(minutes=w.rng.randint(30, 360))),
        process="接单后联系诉求人并到现场核查,按职责处理",
        result=matter.result if outcome is CompletionOutcome.SOLVED else "已向诉求人解释相关政策和处理情况",
        outcome=outcome,
        plan="已制定整改方案,分阶段推进" if in_progress else None,
        planned_date=(done + timedelta(days=w.rng.randint(14, 60))).date() if in_progress else None,
    )


def _extension(w: _Walk, unit: Unit) -> None:
    actor = _unit_actor(unit)
    due = w.order.due
    assert due is not None
    span = w.sim.office.between(w.at, due)
    when = w.office(0.3 * span, 0.8 * span) if not w.chance(0.1) else w.office(0.5, 4, start=due)
    days = w.rng.choice((3, 5, 5, 10))
    if not w.attempt(lc.RequestExtension(days, "需协调多个部门联合处理,申请延期"), actor, when):
        return  # asked after the due time (第20条): refused, the unit finishes late
    if w.chance(0.8):
        w.step(lc.ApproveExtension("同意延期,请告知诉求人办理进度和新的办结时间"), w.supervisor(), w.office(1, 8))
    else:
        w.step(lc.RejectExtension("延期理由不充分,请按原时限办结"), w.supervisor(), w.office(1, 8))


def _watch_overdue(w: _Walk, done: datetime) -> None:
    """The deadline watcher opens overdue supervision (第34条(一)); the center escalates what stays unsolved."""
    due = w.order.due
    assert due is not None
    check = _next_tick(due)
    if check >= done:
        return
    for command in lc.automatic_supervisions(w.order, check):
        w.step(command, w.sim.staff.watch, check)
    for record in w.order.open_supervisions():
        if record.trigger is SupervisionTrigger.OVERDUE and record.deadline is not None:
            escalate_at = w.office(0.5, 4, start=record.deadline)
            if escalate_at < done:
                w.step(lc.EscalateSupervision(record.record_id, "督办后仍未办结,报市政府督查室"), w.supervisor(),
                       escalate_at)


def _next_tick(moment: datetime) -> datetime:
    epoch = datetime(2000, 1, 1, tzinfo=moment.tzinfo)
    ticks = (moment - epoch) // WATCH_EVERY + 1
    return epoch + ticks * WATCH_EVERY


_RATINGS: Sequence[tuple[Rating | None, int]] = (
    (Rating.SATISFIED, 62), (Rating.BASICALLY_SATISFIED, 18), (Rating.UNSATISFIED, 12), (None, 8),
)


def _revisit(w: _Walk, matter: Matter, unit: Unit) -> None:
    """The automated survey call (第25条), the 72-hour rule and the manual revisit (第26条)."""
    dialer = w.sim.staff.dialer
    start = w.sim.calling.after(w.at, w.rng.uniform(2, 20))
    call = w.call(CallKind.SURVEY, start)
    w.step(lc.LinkCall(call), dialer, start)
    w.step(lc.StartRevisit(RevisitChannel.AUTOMATED_CALL, evidence=call.uniqueid), dialer, start)
    rating = w.rng.choices([r for r, _ in _RATINGS], weights=[n for _, n in _RATINGS])[0]
    if rating is None:
        _no_rating(w)
        return
    digit = {Rating.SATISFIED: 1, Rating.BASICALLY_SATISFIED: 2, Rating.UNSATISFIED: 3}[rating]
    w.step(lc.RecordRating(rating, f"dtmf:{digit}"), dialer, w.minutes(1, 3))
    if rating is Rating.UNSATISFIED:
        _manual_revisit(w, matter, unit)


def _no_rating(w: _Walk) -> None:
    dialer = w.sim.staff.dialer
    retry = w.sim.calling.after(w.at, w.rng.uniform(20, 26))
    deadline = w.order.rating_deadline
    assert deadline is not None
    call = w.call(CallKind.SURVEY, retry, recorded=False)
    w.step(lc.StartRevisit(RevisitChannel.AUTOMATED_CALL, evidence=call.uniqueid), dialer, retry)
    if w.chance(0.4):
        w.step(lc.RecordRating(Rating.SATISFIED, "dtmf:1"), dialer, w.minutes(1, 3))
        return
    # a reply after the 72 hours is refused (第26条): the timeout applies instead
    late = deadline + timedelta(minutes=w.rng.randint(1, 600))
    if w.chance(0.3) and not w.attempt(lc.RecordRating(Rating.SATISFIED, "sms:1"), dialer, late):
        w.step(lc.RatingTimeout(), dialer, late)
        return
    w.step(lc.RatingTimeout(), dialer, deadline + timedelta(minutes=w.rng.randint(0, 30)))


def _manual_revisit(w: _Walk, matter: Matter, unit: Unit) -> None:
    due = w.order.revisit_due
    assert due is not None
    visitor = w.supervisor()
    when = w.office(0.5, 8) if not w.chance(0.1) else w.office(0.5, 5, start=due)
    evidence = f"manual-{when:%Y%m%d%H%M}.wav"
    roll = w.rng.random()
    if roll < 0.3 and w.order.redo_count == 0:
        w.step(lc.SendBackForRedo("人工回访核实,诉求未解决,发回重办"), visitor, when)
        _handle(w, matter, unit)
        return
    if roll < 0.55:
        w.step(lc.ChangeRating(Rating.BASICALLY_SATISFIED, "人工回访核实,诉求人认可办理结果", evidence), visitor, when)
        return
    w.step(lc.ConfirmRating("人工回访核实,诉求人仍不满意", unit_at_fault=w.chance(0.8), evidence=evidence),
           visitor, when)
    for record in w.order.open_supervisions():
        w.step(lc.CloseSupervision(record.record_id, "已约谈责任单位,督促整改"), w.supervisor(), w.office(2, 16))
    if w.chance(0.4):
        _appeal(w, unit)


def _appeal(w: _Walk, unit: Unit) -> None:
    """The lead unit appeals the unsatisfied rating within 5 WD (第27条); some try too late and are refused."""
    appeal_due = w.order.appeal_due
    assert appeal_due is not None
    when = w.office(2, 30) if not w.chance(0.1) else w.office(1, 9, start=appeal_due)
    reason = w.rng.choice(list(AppealReason))
    evidence = (f"{unit.id}-现场照片.jpg", f"{unit.id}-办理记录.pdf")
    if w.attempt(lc.FileAppeal(reason, evidence, "办理过程合法合规,评价结果与事实不符"), _unit_actor(unit), when):
        upheld = w.chance(0.4)
        note = "申诉理由成立,该评价不计入考核" if upheld else "申诉理由不成立,维持原评价"
        w.step(lc.DecideAppeal(upheld, note), w.supervisor(), w.office(4, 30))


def state_counts(orders: Sequence[WorkOrder]) -> list[tuple[OrderState, int]]:
    """How many orders are in each state, in the lifecycle's order of states (states with none left out)."""
    counts = dict.fromkeys(OrderState, 0)
    for order in orders:
        counts[order.state] += 1
    return [(state, n) for state, n in counts.items() if n]
