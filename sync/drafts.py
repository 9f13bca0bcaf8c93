"""The seat's autosaved work-order drafts, in the local store's SQLite file: what lets a draft survive a crash of the
desktop and be offered again on the next start (the seat session's `AutosaveDraft` / `DeleteDraft` intents, and
`StoredDraftsLoaded` at start-up).

One row per draft (`desk_draft`), replaced on every autosave. The draft's JSON is sealed as a whole with the field
cipher the desk uses for anonymous callers (AES-GCM, bound to the draft id and the field name ``desk_draft``): a
caller may ask for confidentiality after several autosaves, and the copies written before must not hold the number
either. The payload is the draft's own JSON (`agent_desktop.desk.records.draft_to_json`), in which an anonymous
caller's name and number are sealed again per field (that writer refuses a record where they are not), so a
restored draft never brings them back in plain. This module does not read the payload: an adapter imports only
the core from `agent_desktop`, and the composition root turns payloads into records (`desk.records.read_drafts`).
`secure_delete` makes SQLite overwrite the replaced rows' bytes instead of leaving them in free pages.

A row that cannot be opened (another key, a damaged file) is not deleted and does not stop the others: it is reported
by `load` as unreadable, and stays until someone with the right key looks at it or `delete` is called.

The table lives beside the store's own (like the knowledge base's) and is created on first use; the store's schema
version is not touched. Writes go through `LocalStore.transaction`, so they serialise with the store's other writers.
May import `agent_desktop.core`, `sync.local_store` and sqlalchemy.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from agent_desktop.core.errors import AgentDesktopError, InvalidCommand, SyncError
from agent_desktop.core.privacy import FieldCipher
from agent_desktop.core.working_days import require_aware
from sync.local_store import LocalStore

SEALED_FIELD = "desk_draft"

_metadata = sa.MetaData()

drafts_table = sa.Table(
    "desk_draft",
    _metadata,
    sa.Column("draft_id", sa.String, primary_key=True),
    sa.Column("call_id", sa.String, nullable=False),
    sa.Column("saved_at", sa.String, nullable=False),
    sa.Column("sealed", sa.Text, nullable=False),
)
_d = drafts_table.c


@dataclass(frozen=True, slots=True)
class UnreadableDraft:
    draft_id: str
    saved_at: str
    reason: str


@dataclass(frozen=True, slots=True)
class StoredDraft:
    draft_id: str
    call_id: str
    saved_at: datetime
    payload: str = ""  # the draft's JSON, opened


@dataclass(frozen=True, slots=True)
class StoredDrafts:
    drafts: tuple[StoredDraft, ...]
    unreadable: tuple[UnreadableDraft, ...] = ()


class DraftStore:
    """See the module docstring. Thread-safe as the local store is: each call is its own transaction."""

    def __init__(self, store: LocalStore, cipher: FieldCipher) -> None:
        self._store = store
        self._cipher = cipher
        with self._store.transaction() as conn:
            _metadata.create_all(conn)

    def save(self, draft: StoredDraft) -> None:
        """Keep `draft`, replacing the draft's earlier copy."""
        if not draft.draft_id or not isinstance(draft.payload, str) or not draft.payload:
            raise InvalidCommand("a draft to store needs its id and its payload", code="bad_draft")
        require_aware(draft.saved_at, "the time a draft was saved")
        sealed = self._cipher.encrypt(draft.payload, order_id=draft.draft_id, field=SEALED_FIELD)
        row = {"draft_id": draft.draft_id, "call_id": draft.call_id, "saved_at": draft.saved_at.isoformat(),
               "sealed": sealed}
        with self._store.transaction() as conn:
            conn.exec_driver_sql("PRAGMA secure_delete=ON")
            updated = conn.execute(drafts_table.update().where(_d.draft_id == draft.draft_id).values(row))
            if updated.rowcount == 0:
                conn.execute(drafts_table.insert().values(row))

    def delete(self, draft_id: str) -> None:
        with self._store.transaction() as conn:
            conn.exec_driver_sql("PRAGMA secure_delete=ON")
            conn.execute(drafts_table.delete().where(_d.draft_id == draft_id))

    def load(self) -> StoredDrafts:
        """Every stored draft, oldest first, and those that cannot be opened."""
        try:
            with self._store.engine.connect() as conn:
                rows = conn.execute(sa.select(drafts_table).order_by(_d.saved_at)).all()
        except SQLAlchemyError as exc:
            raise SyncError(f"the drafts of {self._store.path} cannot be read: {exc}", code="store_failed") from exc
        drafts: list[StoredDraft] = []
        unreadable: list[UnreadableDraft] = []
        for row in rows:
            try:
                payload = self._cipher.decrypt(row.sealed, order_id=row.draft_id, field=SEALED_FIELD)
            except AgentDesktopError as exc:
                unreadable.append(UnreadableDraft(row.draft_id, row.saved_at, f"{exc.code}: {exc.message}"))
                continue
            drafts.append(StoredDraft(row.draft_id, row.call_id, datetime.fromisoformat(row.saved_at), payload))
        return StoredDrafts(tuple(drafts), tuple(unreadable))

    def draft_ids(self) -> list[str]:
        with self._store.engine.connect() as conn:
            return list(conn.execute(sa.select(_d.draft_id).order_by(_d.saved_at)).scalars())
