"""The seat's autosaved drafts in a real SQLite local store: replaced on every save, sealed at rest, and a row that
cannot be opened reported without hiding the others."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from agent_desktop.core.errors import InvalidCommand
from agent_desktop.core.privacy import FieldCipher
from agent_desktop.desk.records import read_drafts
from sync.drafts import DraftStore, StoredDraft
from sync.local_store import LocalStore

T0 = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)
CIPHER = FieldCipher.generate()


def test_a_draft_is_replaced_deleted_and_never_on_disk_in_plain(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "seat.sqlite3")
    drafts = DraftStore(store, CIPHER)
    drafts.save(StoredDraft("WO-1", "c1", T0, '{"text": "13812348000 第一版"}'))
    drafts.save(StoredDraft("WO-2", "c2", T0 + timedelta(seconds=1), '{"text": "另一通"}'))
    drafts.save(StoredDraft("WO-1", "c1", T0 + timedelta(seconds=5), '{"text": "13812348000 第二版"}'))
    loaded = drafts.load()
    assert [(d.draft_id, d.payload) for d in loaded.drafts] == [
        ("WO-2", '{"text": "另一通"}'), ("WO-1", '{"text": "13812348000 第二版"}')]
    assert loaded.drafts[1].saved_at == T0 + timedelta(seconds=5)
    drafts.delete("WO-2")
    assert drafts.draft_ids() == ["WO-1"]
    store.close()
    for path in tmp_path.iterdir():
        assert b"13812348000" not in path.read_bytes(), path.name
        assert "第二版".encode() not in path.read_bytes(), path.name


def test_a_draft_sealed_under_another_key_is_reported_and_kept(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "seat.sqlite3")
    DraftStore(store, FieldCipher.generate()).save(StoredDraft("WO-old", "c0", T0, "{}"))
    drafts = DraftStore(store, CIPHER)
    drafts.save(StoredDraft("WO-new", "c1", T0 + timedelta(minutes=1), "{}"))
    loaded = drafts.load()
    assert [d.draft_id for d in loaded.drafts] == ["WO-new"]
    [bad] = loaded.unreadable
    assert bad.draft_id == "WO-old" and bad.reason.startswith("cannot_open")
    assert drafts.draft_ids() == ["WO-old", "WO-new"]  # nothing is thrown away


def test_bad_drafts_are_refused_or_reported_one_by_one(tmp_path: Path) -> None:
    drafts = DraftStore(LocalStore(tmp_path / "seat.sqlite3"), CIPHER)
    with pytest.raises(InvalidCommand):
        drafts.save(StoredDraft("WO-1", "c1", T0, ""))
    with pytest.raises(InvalidCommand):
        drafts.save(StoredDraft("WO-1", "c1", datetime(2026, 3, 9, 9, 0), "{}"))  # a naive time
    assert drafts.draft_ids() == []
    good, bad = read_drafts([("WO-1", "not json"), ("WO-2", '{"version": 1}')])
    assert good == () and [b[0] for b in bad] == ["WO-1", "WO-2"]
