"""Memory the call tracker holds when a PBX reports answered calls and never their end (a `calls watch` on a stream
that loses its Hangups): N calls of a PJSIP trunk answered by seats (the events Asterisk 20 sends up to the answer),
fed to `CallTracker()` (every seat, as `calls watch`), then the tracker's held memory measured with tracemalloc.

Before the bound (issue 15, item 9) 100,000 such calls held about 357 MiB for as long as the watch ran; now the live
calls are capped (`tracker._MAX_CALLS`, the oldest reported ended, reason STALE) and the service's periodic resync
drops every call Asterisk no longer has long before the cap.

Usage: python bench/tracker_memory.py [--calls N] [--json]
Figures only; nothing is asserted.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from telephony.tracking import tracker as tracker_module  # noqa: E402
from telephony.tracking.tracker import CallTracker  # noqa: E402

_MAX_CALLS = getattr(tracker_module, "_MAX_CALLS", None)  # None: a tracker from before the bound


def _answered(n: int) -> list[dict[str, str]]:
    uid, agent_uid = f"1795702600.{10 * n}", f"1795702600.{10 * n + 1}"
    caller = {"Channel": f"PJSIP/trunk-{n:08x}", "ChannelState": "6", "CallerIDNum": f"138{n:08d}",
              "CallerIDName": "王女士", "Uniqueid": uid, "Linkedid": uid}
    agent = {"DestChannel": f"PJSIP/{1000 + n % 200}-{n:08x}", "DestChannelState": "6", "DestUniqueid": agent_uid,
             "DestLinkedid": uid}
    queue = {"Queue": "hotline", "Interface": f"PJSIP/{1000 + n % 200}", "MemberName": f"{1000 + n % 200}"}
    return [
        {"Event": "Newchannel", **caller},
        {"Event": "QueueCallerJoin", **caller, "Queue": "hotline", "Position": "1", "Count": "1"},
        {"Event": "AgentCalled", **caller, **agent, **queue},
        {"Event": "AgentConnect", **caller, **agent, **queue, "HoldTime": "3", "RingTime": "2"},
        {"Event": "BridgeEnter", **caller, "BridgeUniqueid": f"b{n}"},
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=100_000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    now = datetime.now(UTC)
    gc.collect()
    tracemalloc.start()
    tracker = CallTracker()
    started = time.perf_counter()
    stale = 0
    for n in range(1, args.calls + 1):
        for message in _answered(n):
            stale += sum(1 for e in tracker.feed(message, now) if getattr(e, "reason", "") != "" and
                         e.EVENT == "call_ended")
    elapsed = time.perf_counter() - started
    gc.collect()
    held, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    figures = {
        "calls": args.calls, "live_calls_kept": len(tracker.snapshot()), "cap": _MAX_CALLS, "reported_stale": stale,
        "held_mib": round(held / 2**20, 1), "peak_mib": round(peak / 2**20, 1),
        "events_per_s": round(5 * args.calls / elapsed),
    }
    if args.json:
        print(json.dumps(figures))
    else:
        for key, value in figures.items():
            print(f"{key:>16}: {value}")


if __name__ == "__main__":
    main()
