"""Applying one synced operation to a work order, and who may see an order. Pure; used by the central store (the
authority) and by the seat's local store (which applies its own steps at once, before the server confirms them), so
both ends decide with the same code.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from agent_desktop.core.errors import InvalidCommand, TransitionRefused
from agent_desktop.core.lifecycle import Command, RuleContext, apply
from agent_desktop.core.roles import Actor, Role
from agent_desktop.core.serialization import OpenWorkOrder
from agent_desktop.core.work_order import WorkOrder

# How far a seat's clock may run ahead of the server's before the server stops trusting the time an operation
# says it was made at (NTP-synced desktops are within a second; a few minutes covers a drifting one).
MAX_CLOCK_SKEW = timedelta(minutes=2)
# The oldest a step may be when it reaches the centre: a seat works offline for hours or days (a network outage, a
# weekend), never for longer; a step dated before that is refused, not recorded at a time nobody can check.
MAX_STEP_AGE = timedelta(days=7)

# The last part of the size of one sync frame is kept for the centre (supervisors and the desk's automation): a unit
# or a seat whose steps would grow the order into it is refused, so the centre can always still approve or reject a
# return, supervise or close the order (issue 15: a unit filled an order until the centre's steps were refused).
CENTRE_ROLES = frozenset({Role.SUPERVISOR, Role.SYSTEM})
CENTRE_RESERVE_BYTES = 64 * 1024
# Repeated items on an order, bounded by what the regulation needs: calls linked to one matter (the call, callbacks,
# three-way calls, survey calls), returns and extensions requested, appeals, supervisions.
ORDER_COUNT_LIMITS = {"calls": 50, "returns": 10, "extensions": 10, "appeals": 5, "supervisions": 20}


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
    updated = apply(order, command, actor, now, ctx)
    for name, limit in ORDER_COUNT_LIMITS.items():
        count = len(getattr(updated, name))
        if count > limit and count > len(getattr(order, name)):
            raise InvalidCommand(f"order {order_id} already has {limit} {name}, the most one order may have",
                                 code="too_many", details={"field": name, "limit": limit})
    return updated


def size_limit(actor: Actor, frame_limit: int) -> int:
    """The largest an order may grow by `actor`'s step: the whole frame for the centre, less its reserve for
    everyone else."""
    return frame_limit if actor.role in CENTRE_ROLES else frame_limit - CENTRE_RESERVE_BYTES


def check_step_time(made_at: datetime, server_now: datetime, *, synced_at: datetime | None = None,
                    base_known_at: datetime | None = None) -> None:
    """Refuse (`TransitionRefused`, code `backdated`, 第14条) a step dated before it can have been taken.

    A seat works offline, so a step may be hours or days old when it arrives, but never older than
    - `MAX_STEP_AGE` before the centre receives it;
    - the version of the order it was based on, by the time the centre stored that version (`base_known_at`,
      the centre's clock, less `MAX_CLOCK_SKEW`): nobody acts on a dispatch before it was made;
    - the seat's last sync before it took the step (`synced_at`, the seat's clock like `made_at`), which itself
      cannot lie in the centre's future.
    A step dated in the future beyond the skew is not refused: `step_time` records it at the centre's time."""
    def refused(why: str) -> TransitionRefused:
        return TransitionRefused(f"the step is dated {made_at.isoformat()}, {why}; steps are recorded when they "
                                 "were taken, and cannot be dated earlier", code="backdated", article="第14条")

    if made_at < server_now - MAX_STEP_AGE:
        raise refused(f"more than {MAX_STEP_AGE.days} days before the centre received it")
    if base_known_at is not None and made_at < base_known_at - MAX_CLOCK_SKEW:
        raise refused(f"before the version of the order it acts on reached the centre ({base_known_at.isoformat()})")
    if synced_at is not None:
        if synced_at > server_now + MAX_CLOCK_SKEW:
            raise refused(f"and the seat says it last synced at {synced_at.isoformat()}, after the centre's now")
        if made_at < synced_at:
            raise refused(f"before the seat last synced ({synced_at.isoformat()})")


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
