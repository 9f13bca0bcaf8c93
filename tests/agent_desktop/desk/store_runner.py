"""Carries out the seat session's store intents on a real local store, as the runtime does (without its threads)."""

from __future__ import annotations

from collections.abc import Iterable

from agent_desktop.desk import events as ev
from agent_desktop.desk.intents import ApplyOrderCommand, AutosaveDraft, DeleteDraft, DeskIntent, OpenOrder
from agent_desktop.desk.records import draft_to_json, read_drafts
from sync.drafts import DraftStore, StoredDraft
from sync.local_store import LocalStore


def carry_out(intents: Iterable[DeskIntent], store: LocalStore, drafts: DraftStore) -> None:
    for intent in intents:
        if isinstance(intent, OpenOrder):
            o = intent.opening
            store.open_order(intent.order_id, channel=o.channel, actor=intent.actor, now=intent.at, caller=o.caller,
                             category=o.category, description=o.description, urgency=o.urgency, call=o.call,
                             feedback=intent.feedback)
        elif isinstance(intent, ApplyOrderCommand):
            store.apply_local(intent.order_id, intent.command, intent.actor, intent.at, feedback=intent.feedback)
        elif isinstance(intent, AutosaveDraft):
            r = intent.record
            drafts.save(StoredDraft(r.draft_id, r.call_id, r.saved_at, draft_to_json(r)))
        elif isinstance(intent, DeleteDraft):
            drafts.delete(intent.draft_id)


def drafts_found(drafts: DraftStore) -> ev.StoredDraftsLoaded:
    stored = drafts.load()
    assert stored.unreadable == ()
    records, bad = read_drafts((d.draft_id, d.payload) for d in stored.drafts)
    assert bad == ()
    return ev.StoredDraftsLoaded(records)
