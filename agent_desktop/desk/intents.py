"""What the seat session asks the runtime to carry out. The session never does I/O: `feed` returns these, in the
order they must run, and the runtime hands each to a service facade (telephony by call id, the local store, ...).
Results come back as events (`CallHeld`, `OrderAcked`, `CallerHistoryFound`, ...)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from agent_desktop.core.lifecycle import Command
from agent_desktop.core.prefill_feedback import PrefillFeedback
from agent_desktop.core.roles import Actor
from agent_desktop.core.serialization import OpenWorkOrder
from agent_desktop.desk.calls import CallAction, SeatAction
from agent_desktop.desk.records import DraftRecord


class DeskIntent:
    __slots__ = ()


@dataclass(frozen=True, slots=True)
class DoCallAction(DeskIntent):
    """Telephony: act on the call named by its call id (the facade finds the channels)."""

    call_id: str
    action: CallAction
    number: str = ""


@dataclass(frozen=True, slots=True)
class DoSeatAction(DeskIntent):
    """Telephony: the seat's queue membership, pause (with its reason), or a callback to an order's caller."""

    action: SeatAction
    reason: str = ""
    order_id: str | None = None


@dataclass(frozen=True, slots=True)
class LookUpCaller(DeskIntent):
    """Local store: the orders and earlier calls of the number with this fingerprint → `CallerHistoryFound`."""

    call_id: str
    phone_key: str


@dataclass(frozen=True, slots=True)
class OpenOrder(DeskIntent):
    """Local store: open the order (`LocalStore.open_order` / `SyncService.open_order`). The caller in `opening` is
    sealed for an anonymous caller; the session has checked the step with the core already. `feedback`, on the
    last step of a save: the pre-fill feedback of the order as saved, which travels with the step to the centre."""

    order_id: str
    opening: OpenWorkOrder
    actor: Actor
    at: datetime
    feedback: PrefillFeedback | None = None


@dataclass(frozen=True, slots=True)
class ApplyOrderCommand(DeskIntent):
    """Local store: one lifecycle step on an order (`SyncService.apply`); `feedback` as for `OpenOrder`."""

    order_id: str
    command: Command
    actor: Actor
    at: datetime
    feedback: PrefillFeedback | None = None


@dataclass(frozen=True, slots=True)
class AutosaveDraft(DeskIntent):
    """Local store: keep this draft (replacing the draft's earlier copy); sealed for an anonymous caller."""

    record: DraftRecord


@dataclass(frozen=True, slots=True)
class DeleteDraft(DeskIntent):
    """Local store: the draft was saved as an order or discarded; forget its autosaved copy."""

    draft_id: str


@dataclass(frozen=True, slots=True)
class OfferRestore(DeskIntent):
    """The window: a previous run left these drafts unsaved; offer to take them up again."""

    drafts: tuple[DraftRecord, ...]
