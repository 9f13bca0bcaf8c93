"""The centre's early warnings (第33条) kept by the desk: the centre's clock raises them into the change feed, the
seat's sync client stores them (warning id, kind, orders, deadline, text, seen) and the sync facade lists them and
tells its listeners — through a real server on SQLite and PostgreSQL, with no caller's data in them."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, timedelta
from pathlib import Path

import sqlalchemy as sa

from agent_desktop.core import lifecycle as lc
from agent_desktop.core.early_warning import WarningKind
from agent_desktop.core.privacy import FieldCipher, seal_caller
from agent_desktop.core.serialization import OpenWorkOrder
from agent_desktop.core.work_order import Caller, Category, Channel
from sync import protocol
from sync.client import SyncState
from sync.local_store import LocalStore
from sync.server.store import Submitted
from sync.service import CentreWarning, SyncService, SyncSettings
from tests.survey.harness import AGENT, UNIT, central, local

PHONE = "13987654321"


async def test_the_desk_keeps_the_centres_warnings_and_shows_them(db_url: str, tmp_path: Path) -> None:
    async with central(db_url, local(2026, 9, 29, 10, 0)) as rig:
        cipher = FieldCipher.generate()
        caller = seal_caller(Caller(name="王小明", phone=PHONE, is_anonymous=True), cipher, "WO-W")
        for version, (command, minutes) in enumerate([
                (OpenWorkOrder(Channel.PHONE, caller=caller, category=Category.COMPLAINT, description="路灯不亮"), 0),
                (lc.Dispatch(UNIT), 1)]):
            at = (local(2026, 9, 29, 9, 0) + timedelta(minutes=minutes)).astimezone(UTC)
            rig.clock.now = at
            push = protocol.Push(op_id=protocol.new_op_id(), order_id="WO-W", base_version=version, command=command,
                                 made_at=at)
            (outcome,) = rig.server.store.apply_batch([Submitted(AGENT, "S01", push, at)])
            assert outcome.applied, outcome.text
        token = rig.server.store.add_user("agent-a", "agent")
        store_path = tmp_path / "seat.sqlite3"
        with LocalStore(store_path) as store:
            service = SyncService(store, SyncSettings(url=rig.server.url, token=token, seat="S01"))
            heard: list[list[CentreWarning]] = []
            service.on_warnings(heard.append)
            await service.start()
            client = service.client
            assert client is not None
            await client.wait_for(lambda s: s.state is SyncState.ONLINE, 30)
            assert service.warnings().result(10) == []
            # a week later nobody has signed: the centre's clock raises its warnings and pushes them to the seats
            rig.clock.set(local(2026, 10, 9, 10, 0))
            counts = await rig.server.run_clock(rig.clock.now)
            assert counts["warnings"] >= 1
            for _ in range(500):
                if heard:
                    break
                await asyncio.sleep(0.01)
            kept = service.warnings().result(10)
            assert heard and [w.warning_id for batch in heard for w in batch] == [w.warning_id for w in reversed(kept)]
            sign_overdue = [w for w in kept if w.kind == WarningKind.SIGN_OVERDUE.value]
            assert sign_overdue and sign_overdue[0].order_ids == ("WO-W",) and not sign_overdue[0].seen
            assert sign_overdue[0].text and sign_overdue[0].due is not None and sign_overdue[0].raised_at is not None
            # seen by the agent: it stays, marked, and leaves the unseen list
            assert service.mark_warning_seen(sign_overdue[0].warning_id).result(10) is True
            unseen = service.warnings(include_seen=False).result(10)
            assert sign_overdue[0].warning_id not in {w.warning_id for w in unseen}
            # the next tick raises nothing new; a desk that resends its cursor from 0 gets the same warnings again
            # and keeps one row each, the seen mark kept
            assert (await rig.server.run_clock(rig.clock.now))["warnings"] == 0
            await service.stop()
            service.close()
        with LocalStore(store_path) as store:
            with store.results() as results:
                results.reset_cursor()
            service = SyncService(store, SyncSettings(url=rig.server.url, token=token, seat="S01"))
            await service.start()
            assert service.client is not None
            await service.client.wait_for(lambda s: s.state is SyncState.ONLINE, 30)
            again = service.warnings().result(10)
            assert sorted(w.warning_id for w in again) == sorted(w.warning_id for w in kept)
            assert next(w for w in again if w.warning_id == sign_overdue[0].warning_id).seen
            await service.stop()
            service.close()
        engine = sa.create_engine(f"sqlite:///{store_path}")
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT * FROM centre_warnings")).all()
        engine.dispose()
        text = json.dumps([list(map(str, row)) for row in rows], ensure_ascii=False)
        assert rows and PHONE not in text and "王小明" not in text and "4321" not in text  # no caller's data
