"""Load on the central ticket store: simulated seats push operations concurrently through the real sync client.

    python bench/sync_load.py --seats 50 --ops 200 --db postgresql+psycopg://postgres@127.0.0.1:5432/test
                              [--rate 200] [--kill-server-at 0.5] [--seat-role unit|agent] [--json]

What runs: the real server (`agent-desktop server`, a child process) on the given database (a PostgreSQL URL gets a
schema of its own, dropped afterwards; a SQLite URL is used as given, default a temporary file), and in this
process N seats, each a real `SyncClient` with its own `LocalStore` (SQLite WAL, synchronous=FULL) — the same code a
desk runs. Every operation is saved in a seat's store first (what the agent sees as saved), then pushed.

Seats (`--seat-role`):
- `unit` (default): seat i is the unit 单位i. A center account first opens and dispatches ceil(M/5) orders to each
  unit (preparation, reported apart); the measured operations are the units' own steps on them: sign, then linking
  calls (LinkCall) — each change goes to that unit and the center, which is how a city's units see the store.
- `agent`: every operation opens a new order; agents see every order, so each change is fanned out to all N seats.

Phases and figures:
- throughput (no `--rate`): each seat's M operations are saved while it is offline, then all seats connect at once;
  `ops_per_s` = operations / time until the last ack was read. Ack latency (push sent → ack read, per op) is
  reported too but is dominated by queueing in this mode.
- latency (`--rate R`): seats stay connected and operations are saved at R per second in total (spread over the
  seats); `ack_p50_ms` / `ack_p99_ms` are push sent → ack read by the seat (the round trip through the center);
  `settled_p50_ms` / `settled_p99_ms` go on to the ack committed in the seat's store.
- `--kill-server-at F`: when a fraction F of the operations is acknowledged, the server is SIGKILLed and started
  again on the same port; the clients reconnect with backoff and push what is still pending.
- catch-up: a fresh center desk with an empty store connects from cursor 0; `catchup_s` is the time until every
  change in the log (`catchup_changes`, at least `--catchup` if the run made that many) is applied in its store.
- counts: `sent` operations saved (and so pushed), `acked` (settled at the seats: applied or rejected), `stored`
  (in the server's operations table exactly once, applied or rejected), `lost` = sent − stored, `rejected`,
  `applied_twice` (op ids with more than one row in the change log; must be 0).

Numbers depend on the machine and on what else runs; the lead re-runs them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import math
import os
import signal
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script from a checkout
    sys.path.insert(0, str(REPO))

from agent_desktop.core import lifecycle as lc  # noqa: E402
from agent_desktop.core.roles import Actor, Role  # noqa: E402
from agent_desktop.core.work_order import CallLink, Category, Channel  # noqa: E402
from sync.client import AckTiming, Backoff, SyncClient, SyncState  # noqa: E402
from sync.local_store import LocalStore  # noqa: E402
from tests.sync.client.central import CentralProcess, add_users, count_stored, fresh_database  # noqa: E402

CENTER_USER = "bench-center"


@dataclass
class Seat:
    name: str
    actor: Actor
    token: str
    store: LocalStore
    client: SyncClient | None = None
    task: asyncio.Task[None] | None = None
    order_ids: list[str] = field(default_factory=list)
    signed: set[str] = field(default_factory=set)
    next_step: int = 0


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)  # push -> ack read
    settled: list[float] = field(default_factory=list)  # push -> ack committed in the seat's store
    acked: int = 0
    save_cpu_s: float = 0.0
    last_ack_at: float = 0.0  # perf_counter of the last ack
    op_ids: list[str] = field(default_factory=list)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seats", type=int, default=50, help="simulated seats (default 50)")
    parser.add_argument("--ops", type=int, default=200, help="operations per seat (default 200)")
    parser.add_argument("--db", default=None, help="database URL (default: a temporary SQLite file)")
    parser.add_argument("--rate", type=float, default=None, metavar="OPS_PER_S",
                        help="save operations at this total rate with the seats online (latency mode)")
    parser.add_argument("--kill-server-at", type=float, default=None, metavar="FRACTION",
                        help="SIGKILL and restart the server when this fraction of the operations is acked")
    parser.add_argument("--seat-role", choices=("unit", "agent"), default="unit")
    parser.add_argument("--window", type=int, default=64, help="pushes in flight per seat (default 64)")
    parser.add_argument("--catchup", type=int, default=10_000, help="changes the catch-up figure is for")
    parser.add_argument("--store-sync", choices=("FULL", "NORMAL"), default="FULL",
                        help="the seats' SQLite synchronous setting (default FULL, as the desk runs)")
    parser.add_argument("--json", action="store_true", help="print exactly one JSON object on stdout")
    args = parser.parse_args(argv)
    if args.seats < 1 or args.ops < 1:
        parser.error("--seats and --ops must be at least 1")
    if args.kill_server_at is not None and not 0 < args.kill_server_at < 1:
        parser.error("--kill-server-at is a fraction between 0 and 1")
    return args


def say(args: argparse.Namespace, text: str) -> None:
    print(text, file=sys.stderr if args.json else sys.stdout, flush=True)


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))
    return ordered[index]


def now() -> datetime:
    return datetime.now(UTC)


def client_for(seat: Seat, url: str, args: argparse.Namespace, tally: Tally | None) -> SyncClient:
    client = SyncClient(seat.store, url, seat.token, seat=seat.name, window=args.window,
                        backoff=Backoff(initial_s=0.1, max_s=1.0), poll_interval_s=5.0, ping_interval_s=None)
    if tally is not None:
        def on_ack(_op_id: str, timing: AckTiming) -> None:
            tally.last_ack_at = time.perf_counter()
            tally.latencies.append(timing.received_s)
            tally.settled.append(timing.settled_s)
            tally.acked += 1
        client.add_ack_listener(on_ack)
    return client


async def start(seat: Seat, url: str, args: argparse.Namespace, tally: Tally | None) -> None:
    seat.client = client_for(seat, url, args, tally)
    seat.task = asyncio.create_task(seat.client.run())


async def stop(seat: Seat) -> None:
    if seat.client is not None and seat.task is not None:
        await seat.client.stop()
        await seat.task
    seat.client, seat.task = None, None


async def until_synced(seats: list[Seat], timeout_s: float) -> None:
    await asyncio.gather(*(seat.client.wait_synced(timeout_s) for seat in seats if seat.client))
    failed = [seat.name for seat in seats if seat.client and seat.client.status.state is SyncState.FAILED]
    if failed:
        raise RuntimeError(f"seats failed: {failed} ({seats[0].client.status.last_error})")


def save_step(seat: Seat, tally: Tally) -> None:
    """Save the seat's next operation (blocking: a store commit). Records its op id as sent, and the CPU time the
    seat's own work took (the core step and the commit: what a desk does when the agent clicks, not sync)."""
    began = time.thread_time()
    store = seat.store
    if seat.actor.role is Role.AGENT:
        order_id = f"{seat.name}-{seat.next_step:06d}"
        store.open_order(order_id, channel=Channel.PHONE, actor=seat.actor, now=now(),
                         category=Category.CONSULTATION, description="公积金提取咨询")
    else:
        order_id = seat.order_ids[seat.next_step % len(seat.order_ids)]
        if order_id not in seat.signed:
            store.apply_local(order_id, lc.Sign(), seat.actor, now())
            seat.signed.add(order_id)
        else:
            store.apply_local(order_id, lc.LinkCall(CallLink(f"{seat.name}.{seat.next_step}")), seat.actor, now())
    seat.next_step += 1
    op_id = store.latest_op_id()
    assert op_id is not None
    tally.op_ids.append(op_id)
    tally.save_cpu_s += time.thread_time() - began


async def prepare_units(seats: list[Seat], center: Seat, url: str, args: argparse.Namespace) -> dict[str, Any]:
    """The center opens and dispatches each unit's orders (through sync, like a real center desk)."""
    per_unit = max(1, math.ceil(args.ops / 5))
    started = time.perf_counter()
    for seat in seats:
        for k in range(per_unit):
            order_id = f"{seat.name}-{k:05d}"
            center.store.open_order(order_id, channel=Channel.PHONE, actor=center.actor, now=now(),
                                    category=Category.COMPLAINT, description="小区噪音扰民")
            center.store.apply_local(order_id, lc.Dispatch(seat.actor.unit or ""), center.actor, now())
            seat.order_ids.append(order_id)
    saved = time.perf_counter()
    await start(center, url, args, None)
    await until_synced([center], 600)
    pushed = time.perf_counter()
    await stop(center)
    operations = 2 * per_unit * len(seats)
    return {"prep_ops": operations, "prep_save_s": round(saved - started, 2),
            "prep_push_ops_per_s": round(operations / (pushed - saved), 1)}


async def run(args: argparse.Namespace, db_url: str, folder: Path) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    loop.set_default_executor(ThreadPoolExecutor(max_workers=16))
    role = Role.UNIT if args.seat_role == "unit" else Role.AGENT
    users: list[tuple[str, str, str | None]] = [(CENTER_USER, Role.SUPERVISOR.value, None)]
    for i in range(args.seats):
        users.append((f"seat{i:02d}", role.value, f"单位{i:02d}" if role is Role.UNIT else None))
    tokens = add_users(db_url, users)
    server = CentralProcess(db_url, log_path=folder / "server.log")
    server.start()
    say(args, f"server up on {server.url} ({'PostgreSQL' if db_url.startswith('postgresql') else 'SQLite'})")
    result: dict[str, Any] = {"seats": args.seats, "ops_per_seat": args.ops, "seat_role": args.seat_role,
                              "db": "postgresql" if db_url.startswith("postgresql") else "sqlite",
                              "rate": args.rate, "kill_server_at": args.kill_server_at,
                              "store_sync": args.store_sync}
    seats = [
        Seat(name, Actor(name, role, unit=unit, seat=name), tokens[name],
             LocalStore(folder / f"{name}.sqlite3", synchronous=args.store_sync))
        for name, _, unit in users[1:]
    ]
    center = Seat(CENTER_USER, Actor(CENTER_USER, Role.SUPERVISOR), tokens[CENTER_USER],
                  LocalStore(folder / "center.sqlite3", synchronous=args.store_sync))
    tally = Tally()
    total = args.seats * args.ops
    try:
        if role is Role.UNIT:
            result |= await prepare_units(seats, center, server.url, args)
            say(args, f"prepared {result['prep_ops']} center operations ({result['prep_push_ops_per_s']} ops/s)")
            # the units receive their orders (catch-up), then go offline
            for seat in seats:
                await start(seat, server.url, args, None)
            await until_synced(seats, 600)
            await asyncio.gather(*(stop(seat) for seat in seats))

        server_cpu0, client_cpu0, pid0 = process_cpu_s(server.pid), time.process_time(), server.pid
        elapsed = await push_phase(args, seats, server, tally, result)
        if server.pid == pid0:  # not restarted: its CPU time is comparable
            result["server_cpu_ms_per_op"] = round((process_cpu_s(server.pid) - server_cpu0) * 1000 / total, 3)
        # the seats' saves run in this process during the phase (offline before connecting, or paced): their CPU is
        # reported apart as seat_save_cpu_ms_per_op, so it is taken out of the sync client's in both modes
        client_cpu = time.process_time() - client_cpu0 - tally.save_cpu_s
        result["sync_client_cpu_ms_per_op"] = round(client_cpu * 1000 / total, 3)
        result["seat_save_cpu_ms_per_op"] = round(tally.save_cpu_s * 1000 / total, 3)
        await asyncio.gather(*(stop(seat) for seat in seats))

        counts = count_stored(db_url, tally.op_ids)
        rejected_here = sum(seat.store.operation_counts()["rejected"] for seat in seats)
        result |= {
            "sent": len(tally.op_ids),
            "acked": sum(seat.store.operation_counts()["acked"] for seat in seats) + rejected_here,
            "stored": counts.stored,
            "lost": len(tally.op_ids) - counts.stored,
            "rejected": counts.rejected,
            "applied_twice": len(counts.applied_more_than_once),
            "elapsed_s": round(elapsed, 3),
            "ops_per_s": round(len(tally.op_ids) / elapsed, 1),
            "ack_p50_ms": _ms(percentile(tally.latencies, 0.50)),
            "ack_p99_ms": _ms(percentile(tally.latencies, 0.99)),
            "ack_mean_ms": _ms(statistics.fmean(tally.latencies) if tally.latencies else None),
            "settled_p50_ms": _ms(percentile(tally.settled, 0.50)),
            "settled_p99_ms": _ms(percentile(tally.settled, 0.99)),
        }
        say(args, f"pushed {result['sent']} ops in {result['elapsed_s']} s: {result['ops_per_s']} ops/s, ack p50 "
                  f"{result['ack_p50_ms']} ms p99 {result['ack_p99_ms']} ms; stored {result['stored']}, "
                  f"lost {result['lost']}, rejected {result['rejected']}")

        result |= await catch_up(server.url, tokens[CENTER_USER], folder, args)
        say(args, f"catch-up of {result['catchup_changes']} changes: {result['catchup_s']} s")
    finally:
        for seat in [*seats, center]:
            await stop(seat)
            seat.store.close()
        server.stop()
    return result


async def push_phase(args: argparse.Namespace, seats: list[Seat], server: CentralProcess, tally: Tally,
                     result: dict[str, Any]) -> float:
    """Save and push every seat's operations; returns the seconds until the last one was acknowledged."""
    total = args.seats * args.ops
    killer = asyncio.create_task(kill_when(args, server, tally, total, result)) \
        if args.kill_server_at is not None else None
    try:
        if args.rate is None:
            for seat in seats:  # offline: everything is saved before anyone connects
                for _ in range(args.ops):
                    save_step(seat, tally)
            say(args, f"saved {total} operations offline; connecting {args.seats} seats")
            began = time.perf_counter()
            for seat in seats:
                await start(seat, server.url, args, tally)
            await until_synced(seats, 900)
            result["synced_s"] = round(time.perf_counter() - began, 3)
            return tally.last_ack_at - began
        for seat in seats:
            await start(seat, server.url, args, tally)
        await asyncio.gather(*(seat.client.wait_for(lambda s: s.state is SyncState.ONLINE, 60)
                               for seat in seats if seat.client))
        began = time.perf_counter()
        interval = len(seats) / args.rate  # each seat saves every `interval` seconds, the seats staggered

        async def seat_saves(index: int, seat: Seat) -> None:
            for k in range(args.ops):
                delay = began + (k + index / len(seats)) * interval - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                await asyncio.to_thread(save_step, seat, tally)
                assert seat.client is not None
                seat.client.wake()

        await asyncio.gather(*(seat_saves(i, seat) for i, seat in enumerate(seats)))
        result["achieved_save_rate"] = round(total / (time.perf_counter() - began), 1)
        await until_synced(seats, 900)
        result["synced_s"] = round(time.perf_counter() - began, 3)  # until every seat saw its queue empty
        return tally.last_ack_at - began
    finally:
        if killer is not None:
            if tally.acked >= math.ceil(args.kill_server_at * total):
                await killer  # the restart is under way: let it finish
            else:
                killer.cancel()


async def kill_when(args: argparse.Namespace, server: CentralProcess, tally: Tally, total: int,
                    result: dict[str, Any]) -> None:
    threshold = math.ceil(args.kill_server_at * total)
    while tally.acked < threshold:
        await asyncio.sleep(0.005)
    server.kill()  # at once, from the loop: the acks keep coming until the process is gone
    result["killed_after_acks"] = tally.acked
    say(args, f"killed the server (SIGKILL) after {tally.acked} acks")
    began = time.perf_counter()
    await asyncio.to_thread(server.start)
    result["server_restart_s"] = round(time.perf_counter() - began, 2)
    say(args, f"server back on {server.url} after {result['server_restart_s']} s")


async def catch_up(url: str, token: str, folder: Path, args: argparse.Namespace) -> dict[str, Any]:
    store = LocalStore(folder / "catchup.sqlite3", synchronous=args.store_sync)
    client = SyncClient(store, url, token, seat="catchup", backoff=Backoff(0.1, 1.0), ping_interval_s=None)
    began = time.perf_counter()
    task = asyncio.create_task(client.run())
    try:
        status = await client.wait_for(lambda s: s.state in (SyncState.ONLINE, SyncState.FAILED), 900)
        elapsed = time.perf_counter() - began
        orders = len(store.order_ids())
    finally:
        await client.stop()
        await task
        store.close()
    changes = status.cursor or 0
    return {"catchup_changes": changes, "catchup_orders": orders, "catchup_s": round(elapsed, 3),
            "catchup_changes_per_s": round(changes / elapsed, 1) if elapsed else None,
            "catchup_below_target": changes < args.catchup}


def process_cpu_s(pid: int | None) -> float:
    """User + system CPU seconds of a process (Linux /proc); 0 when unknown."""
    if pid is None:
        return 0.0
    try:
        with Path(f"/proc/{pid}/stat").open(encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _ms(seconds: float | None) -> float | None:
    return round(seconds * 1000, 2) if seconds is not None else None


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # every seat logs each lost connection during a server kill; the bench reports the outcome instead
    logging.basicConfig(level=logging.ERROR, stream=sys.stderr)
    # a SIGTERM unwinds like Ctrl-C, so the server child is stopped and the PostgreSQL schema dropped
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with tempfile.TemporaryDirectory(prefix="sync-load-") as tmp:
        folder = Path(tmp)
        if args.db is None or args.db.startswith("sqlite"):
            db_url = args.db or f"sqlite:///{folder / 'central.sqlite3'}"
            result = asyncio.run(run(args, db_url, folder))
        else:
            with fresh_database("postgresql", folder, base_url=args.db) as db_url:
                result = asyncio.run(run(args, db_url, folder))
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        for key, value in result.items():
            print(f"{key:>24}: {value}")
    return 0 if result.get("lost") == 0 and result.get("applied_twice") == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
