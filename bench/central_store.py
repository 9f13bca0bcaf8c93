"""Load on the central store alone: raw protocol clients (no local store, no decoding of changes) against a real
`agent-desktop server` child process, so the figures are the server's, not the desks'.

    python bench/central_store.py [--db URL] [--seats 50] [--ops 40] [--window 10] [--rate 200] [--json]

Each seat is a unit user with one order dispatched to it (prepared first by a centre account); the measured
operations are the units' LinkCall steps on their own orders, so each change goes to that unit and the centre.
- throughput (default): every seat keeps `--window` pushes in flight; `ops_per_s` = operations / time to last ack.
- latency (`--rate R`): pushes are sent at R per second in total, round-robin over the seats; ack p50/p99 are push →
  ack. A PostgreSQL URL gets a fresh database (created next to the one named, dropped afterwards); without `--db` a
  temporary SQLite file is used.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from websockets.asyncio.client import ClientConnection, connect  # noqa: E402

from agent_desktop.core import lifecycle as lc  # noqa: E402
from agent_desktop.core.serialization import OpenWorkOrder  # noqa: E402
from agent_desktop.core.work_order import CallLink, Category, Channel  # noqa: E402
from sync import protocol  # noqa: E402


class Seat:
    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.pending: dict[str, asyncio.Future[None]] = {}
        self.reader = asyncio.create_task(self._read())

    @classmethod
    async def open(cls, url: str, token: str) -> Seat:
        ws = await connect(url, max_size=None, proxy=None, compression=None)
        await ws.send(protocol.encode(protocol.Hello(token=token, client_id=str(uuid.uuid4()))))
        await ws.recv()
        return cls(ws)

    async def _read(self) -> None:
        async for raw in self.ws:
            if not isinstance(raw, str) or not raw.startswith(('{"type":"ack"', '{"type":"reject"')):
                continue  # changes are the desks' business; this bench measures the store
            message = json.loads(raw)
            future = self.pending.pop(message["op_id"])
            if message["type"] == "reject":
                future.set_exception(RuntimeError(f"rejected: {message['code']}: {message['reason']}"))
            else:
                future.set_result(None)

    async def push(self, order_id: str, command: Any, base_version: int = 0) -> float:
        push = protocol.Push(protocol.new_op_id(), order_id, base_version, command, datetime.now(UTC))
        future = asyncio.get_running_loop().create_future()
        self.pending[push.op_id] = future
        started = time.perf_counter()
        await self.ws.send(protocol.encode(push))
        await future
        return time.perf_counter() - started

    async def close(self) -> None:
        await self.ws.close()
        self.reader.cancel()


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))] * 1000


async def run(args: argparse.Namespace, db_url: str) -> dict[str, Any]:
    from sync.server.db import create_engine, migrate
    from sync.server.store import CentralStore

    store = CentralStore(create_engine(db_url))
    migrate(store.engine)
    centre_token = store.add_user("bench-centre", "agent")
    tokens = [store.add_user(f"bench-unit-{i}", "unit", f"单位{i:02d}") for i in range(args.seats)]
    store.engine.dispose()
    server = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "agent_desktop", "server", "--db", db_url, "--listen", "127.0.0.1:0",
        "--log-level", "WARNING", stdout=asyncio.subprocess.PIPE)
    assert server.stdout is not None
    line = (await asyncio.wait_for(server.stdout.readline(), 60)).decode()
    match = re.search(r"ws://\S+", line)
    if match is None:
        raise SystemExit(f"the server did not start: {line!r}")
    url = match.group(0)
    try:
        centre = await Seat.open(url, centre_token)
        for i in range(args.seats):
            await centre.push(f"B-{i}", OpenWorkOrder(Channel.PHONE, category=Category.HELP, description="压测"))
            await centre.push(f"B-{i}", lc.Dispatch(f"单位{i:02d}"), 1)
        seats = [await Seat.open(url, token) for token in tokens]
        latencies: list[float] = []
        started = time.perf_counter()
        if args.rate:
            tasks = []
            for n in range(args.seats * args.ops):
                delay = started + n / args.rate - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                i = n % args.seats
                tasks.append(asyncio.create_task(seats[i].push(f"B-{i}", lc.LinkCall(CallLink(f"{i}.{n}")))))
            latencies = list(await asyncio.gather(*tasks))
        else:
            async def seat_work(i: int, seat: Seat) -> None:
                window = asyncio.Semaphore(args.window)

                async def one(n: int) -> None:
                    async with window:
                        latencies.append(await seat.push(f"B-{i}", lc.LinkCall(CallLink(f"{i}.{n}"))))

                await asyncio.gather(*(one(n) for n in range(args.ops)))

            await asyncio.gather(*(seat_work(i, s) for i, s in enumerate(seats)))
        elapsed = time.perf_counter() - started
        for seat in (centre, *seats):
            await seat.close()
    finally:
        server.terminate()
        await server.wait()
    return {"db": db_url.split(":", 1)[0], "seats": args.seats, "ops": len(latencies), "rate": args.rate,
            "window": None if args.rate else args.window, "ops_per_s": round(len(latencies) / elapsed, 1),
            "ack_p50_ms": round(percentile(latencies, 0.50), 2), "ack_p99_ms": round(percentile(latencies, 0.99), 2),
            "ack_max_ms": round(max(latencies) * 1000, 2)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", help="sqlite:///FILE or postgresql+psycopg://… (a fresh database is made beside it)")
    parser.add_argument("--seats", type=int, default=50)
    parser.add_argument("--ops", type=int, default=40, help="operations per seat")
    parser.add_argument("--window", type=int, default=10, help="pushes in flight per seat (throughput mode)")
    parser.add_argument("--rate", type=float, help="total operations per second (latency mode)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        db_url = args.db or f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        if db_url.startswith("postgresql"):
            result = asyncio.run(_with_fresh_pg(args, db_url))
        else:
            result = asyncio.run(run(args, db_url))
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:>12}: {value}")
    return 0


async def _with_fresh_pg(args: argparse.Namespace, url: str) -> dict[str, Any]:
    import sqlalchemy as sa

    base = sa.make_url(url)
    name = f"bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        return await run(args, base.set(database=name).render_as_string(hide_password=False))
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    sys.exit(main())
