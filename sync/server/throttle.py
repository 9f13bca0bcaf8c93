"""Slowing down a user whose operations are rejected at a high rate, and reporting it.

A seat whose steps are refused now and then is normal (a stale view, a deadline passed). Hundreds of refusals a
minute are a broken or hostile desk: each costs the store a transaction and a row. A leaky bucket per user: every
rejection adds one, the level drains at `rate` per second; above `burst`, each further push of that user waits until
the level is back at `burst` (at most `max_delay` per push), and the first time in an episode it is reported (a
WARNING naming the user account and the count, never what the operations held).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

REJECT_BURST = 120.0  # rejections a user may produce at once without being slowed
REJECT_RATE = 1.0  # rejections per second a user may keep producing
MAX_DELAY_S = 5.0


@dataclass
class _Bucket:
    level: float
    at: float
    slowed: bool = False
    count: int = 0  # rejections in this episode


@dataclass
class RejectionThrottle:
    burst: float = REJECT_BURST
    rate: float = REJECT_RATE
    max_delay_s: float = MAX_DELAY_S
    clock: Callable[[], float] = time.monotonic
    slowed_users: int = 0  # episodes reported since the server started
    _buckets: dict[str, _Bucket] = field(default_factory=dict)

    def _bucket(self, user_id: str) -> _Bucket:
        now = self.clock()
        bucket = self._buckets.get(user_id)
        if bucket is None:
            bucket = self._buckets[user_id] = _Bucket(0.0, now)
        bucket.level = max(0.0, bucket.level - (now - bucket.at) * self.rate)
        bucket.at = now
        if bucket.level <= 0 and not bucket.slowed:
            bucket.count = 0
        return bucket

    def rejected(self, user_id: str) -> bool:
        """One of the user's operations (or frames) was refused. True when this starts slowing the user down (the
        connection tells its desk)."""
        bucket = self._bucket(user_id)
        bucket.level += 1
        bucket.count += 1
        started = bucket.level > self.burst and not bucket.slowed
        if started:
            bucket.slowed = True
            self.slowed_users += 1
            log.warning("user %s had %d operations rejected in a burst (over %g, then %g a second): its pushes are "
                        "slowed down until the rate falls", user_id, bucket.count, self.burst, self.rate)
        if len(self._buckets) > 10_000:  # accounts are few; forget the idle ones
            for name in [n for n, b in self._buckets.items() if b.level <= 0 and not b.slowed]:
                del self._buckets[name]
        return started

    def delay(self, user_id: str) -> float:
        """How long the user's next push waits (0 when not slowed)."""
        bucket = self._bucket(user_id)
        excess = bucket.level - self.burst
        if excess <= 0:
            if bucket.slowed:
                bucket.slowed = False
                log.info("user %s is no longer slowed down (%d rejections in the episode)", user_id, bucket.count)
            return 0.0
        return min(self.max_delay_s, excess / self.rate)

    def is_slowed(self, user_id: str) -> bool:
        bucket = self._buckets.get(user_id)
        return bucket is not None and bucket.slowed
