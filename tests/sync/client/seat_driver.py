"""A seat as a separate process, for the fault tests: it saves work orders in its local store (each one printed as
`saved <order_id> <op_id>` only after the commit, i.e. what the UI would show as saved) while the real sync client
pushes them to the center; then it keeps syncing until everything is acknowledged and prints `synced`.

    python seat_driver.py --store FILE --url ws://127.0.0.1:PORT --token-file F --orders N --prefix A [--pace S]

The fault tests SIGKILL this process in the middle and start it again on the same store (with --orders 0).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, datetime
from pathlib import Path

from agent_desktop.core.roles import Actor, Role
from agent_desktop.core.work_order import Category, Channel
from sync.client import Backoff, SyncState
from sync.local_store import LocalStore
from sync.service import SyncService, SyncSettings


async def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--store", required=True)
    parser.add_argument("--url", required=True)
    parser.add_argument("--token-file", required=True)
    parser.add_argument("--user", default="agent-a")
    parser.add_argument("--orders", type=int, default=0)
    parser.add_argument("--prefix", default="A")
    parser.add_argument("--pace", type=float, default=0.0, help="seconds between saved orders")
    args = parser.parse_args()
    token = Path(args.token_file).read_text(encoding="utf-8").strip()
    actor = Actor(args.user, Role.AGENT, seat=args.prefix)
    with LocalStore(args.store) as store:
        service = SyncService(store, SyncSettings(url=args.url, token=token, seat=args.prefix),
                              backoff=Backoff(initial_s=0.05, max_s=0.5), window=16, poll_interval_s=0.2)
        await service.start()
        existing = len(store.operations())
        for i in range(existing, existing + args.orders):
            order_id = f"{args.prefix}-{i:05d}"
            # saving runs on the store's writer thread: the loop (and the client's pushing) never waits for it
            await asyncio.wrap_future(service.open_order(order_id, channel=Channel.PHONE, actor=actor,
                                                         now=datetime.now(UTC), category=Category.CONSULTATION,
                                                         description=f"咨询 {i}"))
            op_id = store.latest_op_id()
            print(f"saved {order_id} {op_id}", flush=True)
            if args.pace:
                await asyncio.sleep(args.pace)
        client = service.client
        assert client is not None
        status = await client.wait_synced(120)
        await service.stop()
        service.close()
        if status.state is SyncState.FAILED:
            print(f"failed {status.last_error}", flush=True)
            return 1
        print("synced", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
