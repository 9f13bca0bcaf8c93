"""Pure call tracking: AMI event mappings in, domain events out (no asyncio, no sockets, time passed in)."""

from telephony.tracking.events import DomainEvent, LiveCall
from telephony.tracking.tracker import AFTER_CALL_WORK_REASON, CallTracker

__all__ = ["AFTER_CALL_WORK_REASON", "CallTracker", "DomainEvent", "LiveCall"]
