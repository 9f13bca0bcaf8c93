"""The knowledge base end to end: units and a supervisor review entries through the real central store server
(SQLite and PostgreSQL), and an agent's seat — the real sync client and local store — receives what is published
and finds it with the offline search; drafts never reach it, withdrawals leave it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from agent_desktop.core.knowledge import (
    CreateEntry,
    EditEntry,
    PublishEntry,
    RejectEntry,
    SubmitEntry,
    WithdrawEntry,
)
from sync import protocol
from sync.client import Backoff, SyncClient
from sync.kb_index import KnowledgeIndex, load_seed_entries
from sync.local_store import LocalStore
from sync.server.app import CentralServer
from tests.sync.server.wsclient import WsClient, kb_push

FUND = "长沙住房公积金管理中心"
WATER = "长沙水业集团有限公司"
FAST = Backoff(initial_s=0.05, max_s=0.2)
TIMEOUT_S = 15.0


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'central.sqlite3'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture
async def server(db_url: str) -> AsyncIterator[CentralServer]:
    central = CentralServer(db_url)
    await central.start()
    try:
        yield central
    finally:
        await central.stop()


@pytest.fixture
def tokens(server: CentralServer) -> dict[str, str]:
    store = server.store
    return {
        "fund": store.add_user("unit-fund", "unit", FUND),
        "water": store.add_user("unit-water", "unit", WATER),
        "supervisor": store.add_user("sup-1", "supervisor"),
        "agent": store.add_user("agent-007", "agent"),
        "agent2": store.add_user("agent-008", "agent"),
    }


class Seat:
    """An agent's desk: its local store and the real sync client running in this loop."""

    def __init__(self, path: Path, url: str, token: str) -> None:
        self.store = LocalStore(path)
        self.client = SyncClient(self.store, url, token, seat="S07", backoff=FAST, poll_interval_s=0.1)
        self.task = asyncio.create_task(self.client.run())

    def index(self) -> KnowledgeIndex:
        return KnowledgeIndex(self.store.engine)

    async def wait_until(self, condition: Callable[[], bool], what: str) -> None:
        """Wait on a condition of the seat's store (the client applies changes on its own schedule)."""
        deadline = time.monotonic() + TIMEOUT_S
        while not condition():
            if self.task.done():
                raise AssertionError(f"the sync client ended before {what}: {self.client.status}")
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}; status {self.client.status}")
            await asyncio.sleep(0.02)

    async def close(self) -> None:
        await self.client.stop()
        await asyncio.wait_for(self.task, TIMEOUT_S)
        self.store.close()


def found(seat: Seat, query: str) -> list[str]:
    return [hit.entry.entry_id for hit in seat.index().search(query, datetime.now(UTC), limit=5)]


def create_command(entry_id: str = "hf-new") -> CreateEntry:
    return CreateEntry(entry_id, "灵活就业人员怎么缴存住房公积金?", "可按规定以个人身份申请自愿缴存。", "住房公积金",
                       ("灵活就业", "自愿缴存"), valid_to=datetime.now(UTC) + timedelta(days=365))


async def test_review_flow_reaches_the_seats_search(server: CentralServer, tokens: dict[str, str],
                                                   tmp_path: Path) -> None:
    seat = Seat(tmp_path / "seat.sqlite3", server.url, tokens["agent"])
    fund = await WsClient.open(server.url, tokens["fund"], seat=None)
    water = await WsClient.open(server.url, tokens["water"], seat=None)
    supervisor = await WsClient.open(server.url, tokens["supervisor"], seat=None)
    watcher = await WsClient.open(server.url, tokens["agent2"])  # a raw agent connection: sees what a seat is sent
    try:
        created = await kb_push(fund, "hf-new", create_command())
        assert isinstance(created, protocol.KbAck) and created.version == 1
        submitted = await kb_push(fund, "hf-new", SubmitEntry("hf-new", base_version=1))
        assert isinstance(submitted, protocol.KbAck) and submitted.version == 2

        # refusals: another unit, an agent, a stale version — each a kb_reject; to those who may not see the
        # entry yet it is as if there were none (issue 15: nothing about another unit's draft is told)
        foreign = await kb_push(water, "hf-new", WithdrawEntry("hf-new"))
        assert isinstance(foreign, protocol.KbReject) and foreign.code == "unknown_entry"
        by_agent = await kb_push(watcher, "hf-new", PublishEntry("hf-new"))
        assert isinstance(by_agent, protocol.KbReject) and by_agent.code == "unknown_entry"
        stale = await kb_push(supervisor, "hf-new", PublishEntry("hf-new", base_version=1))
        assert isinstance(stale, protocol.KbReject) and stale.code == "stale_version"

        op_id = protocol.new_op_id()
        published = await kb_push(supervisor, "hf-new", PublishEntry("hf-new", base_version=2), op_id=op_id)
        assert isinstance(published, protocol.KbAck) and published.version == 3
        assert published.entry.published is not None
        replay = await kb_push(supervisor, "hf-new", PublishEntry("hf-new", base_version=2), op_id=op_id)
        assert isinstance(replay, protocol.KbAck) and (replay.version, replay.duplicate) == (3, True)

        await seat.wait_until(lambda: found(seat, "灵活就业 公积金") == ["hf-new"], "the published entry")
        entry = seat.index().get("hf-new")
        assert entry is not None and entry.version == 3
        assert [h.user_id for h in entry.history] == ["unit-fund", "unit-fund", "sup-1"]

        # the agent desks were never sent the draft or the submission
        change = await watcher.wait_for(lambda m: isinstance(m, protocol.KbChange) and m.entry_id == "hf-new")
        assert change.version == 3

        # a revision under review: the seat keeps answering from the published text
        revision = EditEntry("hf-new", "灵活就业人员怎么缴存住房公积金?", "新的口径:到服务网点签订自愿缴存协议。",
                             "住房公积金", ("灵活就业",), base_version=3)
        assert isinstance(await kb_push(fund, "hf-new", revision), protocol.KbAck)
        assert isinstance(await kb_push(fund, "hf-new", SubmitEntry("hf-new")), protocol.KbAck)
        rejected = await kb_push(supervisor, "hf-new", RejectEntry("hf-new", "请注明办理渠道"))
        assert isinstance(rejected, protocol.KbAck) and rejected.entry.reject_reason == "请注明办理渠道"
        [hit] = seat.index().search("灵活就业", datetime.now(UTC))
        assert hit.content.answer == "可按规定以个人身份申请自愿缴存。"

        withdrawn = await kb_push(supervisor, "hf-new", WithdrawEntry("hf-new", "政策调整"))
        assert isinstance(withdrawn, protocol.KbAck)
        await seat.wait_until(lambda: found(seat, "灵活就业 公积金") == [], "the withdrawal")
        assert seat.client.status.queue_depth == 0
    finally:
        for client in (fund, water, supervisor, watcher):
            await client.close()
        await seat.close()


async def test_a_seat_that_connects_later_catches_up_with_the_published_knowledge_base(
    server: CentralServer, tokens: dict[str, str], tmp_path: Path
) -> None:
    seed = load_seed_entries()
    assert await server.import_kb_entries(seed) == len(seed)
    assert await server.import_kb_entries(seed) == 0  # importing again adds nothing
    fund = await WsClient.open(server.url, tokens["fund"], seat=None)
    try:
        await kb_push(fund, "hf-draft", create_command("hf-draft"))  # a draft: never sent to seats
    finally:
        await fund.close()
    seat = Seat(tmp_path / "late-seat.sqlite3", server.url, tokens["agent"])
    try:
        await seat.wait_until(lambda: seat.index().count() >= len(seed), "the seed entries")
        assert found(seat, "公积金 提取")[0] == "cs-hf-withdraw"
        assert seat.index().get("hf-draft") is None
        # the seat's own seeding never runs over a synced knowledge base
        assert seat.index().seed_if_empty() == 0
    finally:
        await seat.close()
