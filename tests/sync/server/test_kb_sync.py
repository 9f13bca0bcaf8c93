"""The knowledge base through the central store: units author, supervisors publish, every desk receives what it
may see (seats only what was published), with the same exactly-once and refusal rules as work orders."""

from __future__ import annotations

from pathlib import Path

from agent_desktop.core import knowledge as kb
from sync import protocol
from sync.kb_index import load_seed_entries
from sync.server.app import CentralServer
from tests.sync.server.conftest import LEAD, Tokens
from tests.sync.server.wsclient import WsClient, kb_push

ENTRY = "KB-YL-001"
CREATE = kb.CreateEntry(ENTRY, "岳麓区夜间施工噪音投诉怎么处理？",
                        "由岳麓区城管执法大队受理，夜间22时至次日6时禁止施工。", "环境保护", ("施工", "噪音"))


def kb_changes(client: WsClient) -> list[protocol.KbChange]:
    return [m for m in client.received if isinstance(m, protocol.KbChange)]


async def test_an_entry_is_authored_reviewed_published_and_reaches_the_seats(server: CentralServer,
                                                                            tokens: Tokens) -> None:
    unit = await WsClient.open(server.url, tokens.unit)
    other = await WsClient.open(server.url, tokens.other_unit)
    supervisor = await WsClient.open(server.url, tokens.supervisor)
    agent = await WsClient.open(server.url, tokens.agent)

    created = await kb_push(unit, ENTRY, CREATE)
    assert isinstance(created, protocol.KbAck) and created.version == 1
    assert created.entry.unit == LEAD and created.entry.state is kb.EntryState.DRAFT
    submitted = await kb_push(unit, ENTRY, kb.SubmitEntry(ENTRY, base_version=1))
    assert isinstance(submitted, protocol.KbAck) and submitted.version == 2
    await supervisor.wait_for(lambda m: isinstance(m, protocol.KbChange) and m.version == 2)
    # a seat cannot publish, a supervisor can; to a seat an entry not yet published is as if there were none
    refused = await kb_push(agent, ENTRY, kb.PublishEntry(ENTRY, base_version=2))
    assert isinstance(refused, protocol.KbReject) and refused.code == "unknown_entry"
    assert refused.entry is None  # a draft is not shown to a seat
    published = await kb_push(supervisor, ENTRY, kb.PublishEntry(ENTRY, base_version=2))
    assert isinstance(published, protocol.KbAck) and published.entry.published is not None

    change = await agent.wait_for(lambda m: isinstance(m, protocol.KbChange))
    assert change.version == 3 and change.entry.published.question == CREATE.question
    assert [c.version for c in kb_changes(agent)] == [3]  # the draft and the submission never reached the seat
    await other.wait_for(lambda m: isinstance(m, protocol.KbChange))
    assert [c.version for c in kb_changes(other)] == [3]
    assert [c.version for c in kb_changes(supervisor)] == [1, 2, 3]
    # the order of cursors is shared with work orders: a late seat catches up on both from one cursor
    late = await WsClient.open(server.url, tokens.agent2)
    caught = await late.wait_for(lambda m: isinstance(m, protocol.CaughtUp))
    assert [c.cursor for c in kb_changes(late)] == [change.cursor] and caught.cursor == change.cursor
    for client in (unit, other, supervisor, agent, late):
        await client.close()


async def test_kb_operations_are_idempotent_and_units_keep_to_their_entries(server: CentralServer,
                                                                           tokens: Tokens) -> None:
    unit = await WsClient.open(server.url, tokens.unit)
    other = await WsClient.open(server.url, tokens.other_unit)
    op_id = protocol.new_op_id()
    first = await kb_push(unit, ENTRY, CREATE, op_id=op_id)
    replay = await kb_push(unit, ENTRY, CREATE, op_id=op_id)
    assert isinstance(replay, protocol.KbAck) and replay.duplicate
    assert (replay.version, replay.cursor, replay.entry) == (first.version, first.cursor, first.entry)
    foreign = await kb_push(other, ENTRY, kb.SubmitEntry(ENTRY, base_version=1))  # another unit's draft: as if none
    assert isinstance(foreign, protocol.KbReject) and foreign.code == "unknown_entry" and LEAD not in foreign.reason
    stale = await kb_push(unit, ENTRY, kb.SubmitEntry(ENTRY, base_version=7))
    assert isinstance(stale, protocol.KbReject) and stale.code == "stale_version"
    assert stale.entry is not None and stale.version == 1  # the owner gets the entry to rebase on
    assert server.store.count_operations("applied") == 1
    await unit.close()
    await other.close()


async def test_the_seed_is_imported_once_and_served_to_every_desk(server: CentralServer, tokens: Tokens) -> None:
    entries = load_seed_entries()
    live = await WsClient.open(server.url, tokens.agent)
    assert await server.import_kb_entries(entries) == len(entries)
    assert await server.import_kb_entries(entries) == 0
    await live.wait_for(lambda m: isinstance(m, protocol.KbChange) and m.cursor == len(entries))
    assert {c.entry_id for c in kb_changes(live)} == {e.entry_id for e in entries}
    agent = await WsClient.open(server.url, tokens.agent2)
    caught = await agent.wait_for(lambda m: isinstance(m, protocol.CaughtUp))
    assert {c.entry_id for c in kb_changes(agent)} == {e.entry_id for e in entries}
    assert caught.cursor == len(entries)
    await live.close()
    await agent.close()


def test_a_kb_step_that_would_make_an_entry_too_big_for_one_frame_is_rejected(tmp_path: Path) -> None:
    """A unit cycling edit → withdraw with 500-character reasons grows the entry's history without bound (up to
    1000 records); past one sync frame every desk would refuse the change. The step is refused, nothing stored."""
    from datetime import UTC, datetime, timedelta

    from agent_desktop.core.roles import Role
    from sync.server import db
    from sync.server.store import MAX_ORDER_BYTES, CentralStore, Submitted, User

    engine = db.create_engine(f"sqlite:///{tmp_path / 'central.db'}")
    db.migrate(engine)
    store = CentralStore(engine)
    unit = User("unit-yl", Role.UNIT, LEAD)
    start = datetime.now(UTC) - timedelta(days=1)  # steps older than a week would be refused as backdated
    steps = iter(range(10_000))

    def apply(command: object) -> object:
        at = start + timedelta(seconds=next(steps))
        (outcome,) = store.apply_batch([Submitted(unit, None, protocol.KbPush(protocol.new_op_id(), ENTRY, command, at),
                                                  at)])
        return outcome

    assert apply(CREATE).applied
    version, last = 1, None
    for n in range(400):
        edit = kb.EditEntry(ENTRY, CREATE.question, ("答" if n % 2 else "复") * 4000, CREATE.category,
                            base_version=version)
        for command in (edit, kb.WithdrawEntry(ENTRY, reason="撤" * 500, base_version=version + 1)):
            last = apply(command)
            if not last.applied:
                break
            version += 1
            assert len(last.text.encode("utf-8")) <= protocol.MAX_MESSAGE_BYTES  # every ack fits one frame
        if not last.applied:
            break
    assert last is not None and not last.applied and last.code == "entry_too_large"
    assert store.head() == version  # the refused step made no change
    stored = store.changes_after(version - 1)[-1]
    assert stored.cursor == version and len(stored.text.encode("utf-8")) <= MAX_ORDER_BYTES + 4096
