"""Applying one synced operation to a work order, and who may see an order. Pure; used by the central store (the
authority) and by the seat's local store (which applies its own steps at once, before the server confirms them), so
both ends decide with the same code.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from agent_desktop.core.errors import InvalidCommand
from agent_desktop.core.lifecycle import Command, RuleContext, apply
from agent_desktop.core.roles import Actor, Role
from agent_desktop.core.serialization import OpenWorkOrder
from agent_desktop.core.work_order import WorkOrder

# How far a seat's clock may run ahead of the server's before the server stops trusting the time an operation
# says it was made at (NTP-synced desktops are within a second; a few minutes covers a drifting one).
MAX_CLOCK_SKEW = timedelta(minutes=2)


def apply_operation(order: WorkOrder | None, order_id: str, command: Command | OpenWorkOrder, *, actor: Actor,
                    now: datetime, ctx: RuleContext) -> WorkOrder:
    """The order after `command` taken by `actor` at `now`: opening needs no order (and refuses one), every
    other step needs the order. Raises what the core raises (TransitionRefused, InvalidCommand, PrivacyError)."""
    if isinstance(command, OpenWorkOrder):
        if order is not None:
            raise InvalidCommand(f"order {order_id} already exists", code="order_exists")
        return command.open(order_id, actor, now)
    if order is None:
        raise InvalidCommand(f"no order {order_id}", code="order_not_found")
    return apply(order, command, actor, now, ctx)


def step_time(made_at: datetime, server_now: datetime, order: WorkOrder | None) -> datetime:
    """The time a synced step is recorded at.

    The seat's own time (`made_at`) is when the agent or unit really acted — possibly hours ago, while the center
    was unreachable — and the regulation's windows (sign by the next WD, return within 2 WD, …) are judged by it.
    It is trusted unless it lies in the future beyond `MAX_CLOCK_SKEW` (a wrong clock or an attempt to act "later"
    than now: the server's time is used instead). It is moved up to the order's last step when it lies before it
    (another desk's step reached the server first; history stays in time order, which the core requires).
    The server stores both times with the operation, so an audit can see any difference."""
    at = made_at if made_at <= server_now + MAX_CLOCK_SKEW else server_now
    if order is not None:
        floor = max([order.created_at, *(h.at for h in order.history[-1:])])
        at = max(at, floor)
    return at


def may_see(order: WorkOrder, actor: Actor) -> bool:
    """Whether `actor` may receive `order` (and act on it).

    The hotline center's people (agents, leader seats, supervisors) and the desk's automation see every order: any
    seat may take a follow-up call about any matter. A unit sees the orders it leads or co-handles, and those it
    once led or asked to return or appealed (so it sees how its own request was decided, e.g. a return approved
    and the order re-dispatched elsewhere) — never other units' orders."""
    if actor.role is not Role.UNIT:
        return True
    return actor.unit is not None and actor.unit in audience_units(order)


def audience_units(order: WorkOrder) -> tuple[str, ...]:
    """The units that may see `order` (see `may_see`), lead first."""
    units = [*order.units(), *(r.unit for r in order.returns), *(e.unit for e in order.extensions),
             *(a.unit for a in order.appeals)]
    return tuple(dict.fromkeys(u for u in units if u))
