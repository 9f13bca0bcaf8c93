"""The one reconnect backoff of the desktop (AMI and sync): exponential delays with a cap and jitter, so a PBX or a
center that comes back is not stormed by every seat at the same instant.

Pure but for the random source, which is passed in (seeded in tests).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Backoff:
    """Delays: `initial_s` multiplied by `factor` per failed attempt up to `max_s`, each scaled by a random factor in
    [1 - jitter, 1 + jitter_above] (below the nominal delay only, by default)."""

    initial_s: float = 0.5
    max_s: float = 30.0
    factor: float = 2.0
    jitter: float = 0.5
    jitter_above: float = 0.0

    def delay(self, attempt: int, rng: random.Random) -> float:
        """The delay before retry `attempt` (0-based)."""
        base = min(self.max_s, self.initial_s * (self.factor ** min(max(attempt, 0), 64)))
        return max(0.0, base * rng.uniform(1.0 - self.jitter, 1.0 + self.jitter_above))


def backoff_delays(policy: Backoff, rng: random.Random | None = None) -> Iterator[float]:
    """The delays before each retry, endless."""
    rng = rng or random.Random()
    attempt = 0
    while True:
        yield policy.delay(attempt, rng)
        attempt += 1
