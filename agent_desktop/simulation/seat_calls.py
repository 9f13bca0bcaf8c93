"""Phone intakes of a simulated month taken at a seat, through the seat session, with a pre-fill that is sometimes
wrong and agents who correct it: what fills a central store with orders *and* their pre-fill feedback.

For each phone intake of the plan (`month.plan_month`) the call is offered and answered, the caller's words
arrive as the transcript, and the pre-fill suggests the caller's name and number, the category, district, street,
lead unit and description. Per field, a seeded draw decides (`Mistakes`): the suggestion is right and the agent
takes it, or it is wrong (another category, another district, …) and the agent types the right value, or the
pre-fill suggests nothing and the agent types it, or (street only) it suggests one and the agent clears it. An
anonymous caller is marked anonymous. The agent then dispatches to the directory's unit (or, for a matter the
hotline does not take, refuses it with its 第13条 reason). The session (`agent_desktop.desk`) does all the rest:
it checks the steps with the core, and its last step carries the order's pre-fill feedback.

Every draw is recorded in `SeatCall.expected` (field → outcome), so a test can compute the figures the centre must
report from what the simulation did, not from what the code under test says.

Pure (the core, the desk session and the templates); time comes from the caller.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from agent_desktop.core.prefill_feedback import FeedbackOutcome
from agent_desktop.core.privacy import FieldCipher
from agent_desktop.core.roles import Actor
from agent_desktop.core.routing import UnitDirectory, suggest_units
from agent_desktop.core.work_order import Category, Channel
from agent_desktop.desk import DeskSettings, feed, start
from agent_desktop.desk import events as ev
from agent_desktop.desk.form import DraftField
from agent_desktop.desk.intents import ApplyOrderCommand, DeskIntent, OpenOrder
from agent_desktop.simulation.matters import Matter, Refusal
from agent_desktop.simulation.month import Intake, MonthPlan

_DISTRICTS = ("芙蓉区", "天心区", "岳麓区", "开福区", "雨花区", "望城区", "长沙县")


@dataclass(frozen=True, slots=True)
class Mistakes:
    """How often, per field, the pre-fill is wrong (`wrong`), silent (`missing`) or suggests a street the agent
    clears (`cleared`, street only)."""

    wrong: float = 0.15
    missing: float = 0.1
    cleared: float = 0.1


@dataclass(frozen=True, slots=True)
class SeatCall:
    order_id: str
    at: datetime
    intents: tuple[DeskIntent, ...]  # OpenOrder / ApplyOrderCommand (the last with the feedback), DeleteDraft …
    expected: dict[str, FeedbackOutcome] = field(default_factory=dict)
    anonymous: bool = False

    @property
    def store_intents(self) -> tuple[OpenOrder | ApplyOrderCommand, ...]:
        return tuple(i for i in self.intents if isinstance(i, OpenOrder | ApplyOrderCommand))


def _wrong(field: DraftField, right: str, rng: random.Random, directory: UnitDirectory) -> str:
    if field is DraftField.CATEGORY:
        return rng.choice([c.zh for c in Category if c.zh != right])
    if field is DraftField.DISTRICT:
        return rng.choice([d for d in _DISTRICTS if d != right])
    if field is DraftField.LEAD_UNIT:
        return rng.choice([u.name for u in directory.units if u.name != right])
    if field is DraftField.CALLER_NAME:
        return rng.choice([s for s in "王李张刘陈杨黄赵周吴" if s != right[:1]]) + right[1:]  # misheard surname
    if field is DraftField.CALLER_PHONE:
        return right[:-4] + f"{(int(right[-4:]) + 1111) % 10000:04d}"  # a slip in the last digits
    return right + "附近"


def _truth(intake: Intake, directory: UnitDirectory) -> dict[DraftField, str]:
    """The values the agent saves: the plan's caller and matter, and the unit the directory names for it."""
    person, matter = intake.person, intake.matter
    truth = {DraftField.CALLER_NAME: person.name, DraftField.CALLER_PHONE: person.phone,
             DraftField.DESCRIPTION: intake.text}
    if matter.category is not None:
        truth[DraftField.CATEGORY] = matter.category.zh
    if isinstance(matter, Matter):
        truth[DraftField.DISTRICT] = matter.district
        truth[DraftField.STREET] = matter.street
        units = suggest_units(directory, category=matter.category, district=matter.district,
                              text=" ".join(matter.texts), limit=1)
        if units:
            truth[DraftField.LEAD_UNIT] = units[0].unit.name
    elif matter.district:
        truth[DraftField.DISTRICT] = matter.district
    return truth


@dataclass
class _Agent:
    """What the pre-fill suggests and what the agent then does, field by field."""

    suggestions: list[ev.FieldSuggestion] = field(default_factory=list)
    accepted: list[DraftField] = field(default_factory=list)
    typed: list[tuple[DraftField, str]] = field(default_factory=list)
    expected: dict[str, FeedbackOutcome] = field(default_factory=dict)


def _draw(truth: dict[DraftField, str], rng: random.Random, mistakes: Mistakes, directory: UnitDirectory) -> _Agent:
    agent = _Agent()
    for name, right in truth.items():
        roll = rng.random()
        if name is DraftField.STREET and roll < mistakes.cleared:
            agent.suggestions.append(ev.FieldSuggestion(name, right, right))
            agent.typed.append((name, ""))  # the agent clears the box: no street on the order
            outcome = FeedbackOutcome.IGNORED
        elif roll < mistakes.cleared + mistakes.wrong:
            wrong = _wrong(name, right, rng, directory)
            agent.suggestions.append(ev.FieldSuggestion(name, wrong, wrong))
            agent.typed.append((name, right))
            outcome = FeedbackOutcome.OVERRIDDEN
        elif roll < mistakes.cleared + mistakes.wrong + mistakes.missing:
            agent.typed.append((name, right))
            outcome = FeedbackOutcome.TYPED
        else:
            agent.suggestions.append(ev.FieldSuggestion(name, right, right))
            agent.accepted.append(name)
            outcome = FeedbackOutcome.ACCEPTED
        agent.expected[name.value] = outcome
    return agent


def seat_calls(plan: MonthPlan, *, cipher: FieldCipher, directory: UnitDirectory, actor: Actor,
               times: Sequence[datetime], seed: int = 0, mistakes: Mistakes = Mistakes()) -> list[SeatCall]:
    """The first `len(times)` phone intakes of `plan`, the i-th taken at `times[i]`."""
    rng = random.Random(f"seat-calls/{plan.seed}/{seed}")
    state = start(DeskSettings(actor=actor, cipher=cipher))
    calls: list[SeatCall] = []
    phone_intakes = [(i, intake) for i, intake in enumerate(plan.intakes) if intake.channel is Channel.PHONE]
    for (index, intake), at in zip(phone_intakes, times, strict=False):
        order_id = plan.order_id(index)
        call_id = f"{int(at.timestamp())}.{index}"
        agent = _draw(_truth(intake, directory), rng, mistakes, directory)
        events: list[ev.DeskEvent] = [ev.CallOffered(call_id, intake.person.phone, "", order_id=order_id),
                                      ev.CallAnswered(call_id), ev.TranscriptFinal(call_id, intake.text)]
        if intake.person.anonymous:
            events.append(ev.MarkAnonymous(call_id))
        events.append(ev.SuggestionsArrived(call_id, tuple(agent.suggestions)))
        events += [ev.AcceptSuggestion(call_id, name) for name in agent.accepted]
        events += [ev.EditField(call_id, name, text) for name, text in agent.typed]
        events.append(ev.CallEnded(call_id))
        if isinstance(intake.matter, Refusal):
            events.append(ev.NotAcceptOrder(call_id, intake.matter.reason))
            agent.expected[DraftField.NOT_ACCEPTED_REASON.value] = FeedbackOutcome.TYPED  # chosen on the button
        elif DraftField.LEAD_UNIT.value in agent.expected:
            events.append(ev.DispatchOrder(call_id))
        else:
            events.append(ev.SaveDraft(call_id))
        out: list[DeskIntent] = []
        for i, event in enumerate(events):
            state, intents = feed(state, event, at + timedelta(seconds=20 * (i + 1)))
            out += intents
        calls.append(SeatCall(order_id, at, tuple(out), agent.expected, intake.person.anonymous))
    return calls
