"""The client's pure policies: reconnect delays (exponential, capped, jittered) and which failures are retried."""

from __future__ import annotations

import random
import ssl
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path

from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosedError, InvalidStatus, InvalidURI
from websockets.frames import Close
from websockets.http11 import Response

from agent_desktop.core.errors import SyncError
from agent_desktop.core.roles import Actor, Role
from agent_desktop.core.work_order import Channel
from sync import protocol
from sync.client import Backoff, ServerRefused, SyncClient, SyncState, SyncStatus, backoff_delays, is_retryable
from sync.local_store import LocalStore, StoreBrief


def test_backoff_doubles_up_to_the_cap_with_jitter_below_the_nominal_delay() -> None:
    policy = Backoff(initial_s=0.5, max_s=4.0, factor=2.0, jitter=0.5)
    delays = list(islice(backoff_delays(policy, random.Random(7)), 8))
    nominal = [0.5, 1.0, 2.0, 4.0, 4.0, 4.0, 4.0, 4.0]
    for delay, top in zip(delays, nominal, strict=True):
        assert top * 0.5 <= delay <= top
    # jitter: two seats with different random sources do not retry in lockstep
    other = list(islice(backoff_delays(policy, random.Random(8)), 8))
    assert other != delays


def test_backoff_without_jitter_is_exact() -> None:
    delays = list(islice(backoff_delays(Backoff(initial_s=1, max_s=10, jitter=0.0)), 6))
    assert delays == [1, 2, 4, 8, 10, 10]


def response(status: int) -> Response:
    return Response(status, "x", Headers())


def test_network_failures_are_retried() -> None:
    assert is_retryable(ConnectionRefusedError())
    assert is_retryable(TimeoutError())
    assert is_retryable(ConnectionClosedError(Close(1011, "x"), None))
    assert is_retryable(InvalidStatus(response(503)))
    assert is_retryable(SyncError("garbled", code="bad_json"))
    assert is_retryable(ServerRefused(protocol.Error("server_busy", "busy", fatal=True)))
    assert is_retryable(ServerRefused(protocol.Error("bad_message", "dropped", fatal=False)))


def test_configuration_failures_are_not_retried() -> None:
    assert not is_retryable(ServerRefused(protocol.Error("unauthorized", "bad token", fatal=True)))
    assert not is_retryable(ServerRefused(protocol.Error("unsupported_protocol", "v9", fatal=True)))
    assert not is_retryable(InvalidURI("nope://", "bad scheme"))
    assert not is_retryable(InvalidStatus(response(404)))
    assert not is_retryable(InvalidStatus(response(403)))
    assert not is_retryable(ssl.SSLCertVerificationError("self-signed"))
    assert not is_retryable(ValueError("a bug"))


def test_connected_means_catching_up_or_online() -> None:
    assert SyncStatus(SyncState.ONLINE).connected
    assert SyncStatus(SyncState.CATCHING_UP).connected
    assert not SyncStatus(SyncState.OFFLINE).connected
    assert SyncState.OFFLINE.zh.startswith("离线")


async def test_an_older_store_snapshot_never_overwrites_a_newer_one(tmp_path: Path) -> None:
    """Snapshots for the status bar are taken in worker threads and may arrive out of order; a late, older one
    (queue depth 1, taken before the ack was committed) must not stick over the newer one (queue depth 0)."""
    with LocalStore(tmp_path / "s.sqlite3") as store:
        client = SyncClient(store, "ws://127.0.0.1:9", "token")
        await client._set_status(StoreBrief(0, 7, None, 0, as_of=5), in_flight=0)
        await client._set_status(StoreBrief(1, 6, None, 0, as_of=4), in_flight=0)  # late and older
        assert (client.status.queue_depth, client.status.cursor) == (0, 7)
        await client._set_status(StoreBrief(2, 8, None, 0, as_of=6), in_flight=2)
        assert (client.status.queue_depth, client.status.in_flight) == (2, 2)


def test_store_snapshots_count_commits(tmp_path: Path) -> None:
    with LocalStore(tmp_path / "s.sqlite3") as store:
        before = store.brief()
        store.open_order("X-1", channel=Channel.PHONE, actor=Actor("a", Role.AGENT), now=datetime.now(UTC))
        after = store.brief()
        assert after.as_of == before.as_of + 1 and after.queue_depth == before.queue_depth + 1
        with store.results() as results:
            inside = results.brief()
        assert inside.as_of == after.as_of + 1  # exactly the commit it belongs to
