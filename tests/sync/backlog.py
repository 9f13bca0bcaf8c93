"""A backlog of changes in the central store, made straight through its store (fast: one transaction per 500
operations), for the tests and the bench that need a seat to catch up on thousands of changes."""

from __future__ import annotations

from datetime import UTC, datetime

from agent_desktop.core.serialization import OpenWorkOrder
from agent_desktop.core.work_order import Category, Channel
from sync import protocol
from sync.server.store import CentralStore, Submitted


def make_backlog(store: CentralStore, token: str, count: int, *, prefix: str = "BL", batch: int = 500) -> int:
    """`count` orders opened by the user of `token` (each one change in the feed). Returns the store's head."""
    user = store.authenticate(token)
    assert user is not None, "the backlog's author must be a user of the store"
    now = datetime.now(UTC)
    for start in range(0, count, batch):
        items = [
            Submitted(user, "BL", protocol.Push(protocol.new_op_id(), f"{prefix}-{i:06d}", 0,
                                                OpenWorkOrder(channel=Channel.PHONE, category=Category.CONSULTATION,
                                                              description=f"积压 {i}"), now), now)
            for i in range(start, min(count, start + batch))
        ]
        outcomes = store.apply_batch(items)
        assert all(o.applied for o in outcomes), [o.text for o in outcomes if not o.applied][:3]
    return store.head()
