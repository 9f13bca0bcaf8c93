"""The seat session (application layer): one seat's working day as an immutable value, `feed(state, event, now) ->
(state, intents)`. Between the services and any front end; pure (the core only: no asyncio, Qt, I/O or adapters).

Start with `session` (theory of operation), then `calls` (the tables of call states and actions), `form` (the agent's
value beats the pre-fill) and `records` (the autosaved draft).
"""

from agent_desktop.desk.calls import (
    CALL_ACTIONS,
    CALL_TRANSITIONS,
    SEAT_ACTIONS,
    ActionNotAllowed,
    CallAction,
    CallAnomaly,
    CallState,
    ConferenceParty,
    EndReason,
    QueueState,
    SeatAction,
)
from agent_desktop.desk.form import DraftField, FieldEntry, Suggestion, ValueOrigin
from agent_desktop.desk.records import DraftRecord, draft_from_json, draft_to_json
from agent_desktop.desk.session import (
    Call,
    CallerPop,
    DeskSettings,
    DeskState,
    EarlierOrder,
    OrderAction,
    OrderNote,
    Rejection,
    feed,
    feed_all,
    start,
)
from agent_desktop.desk.transcript import Transcript, TranscriptSource

__all__ = [
    "CALL_ACTIONS", "CALL_TRANSITIONS", "SEAT_ACTIONS", "ActionNotAllowed", "Call", "CallAction", "CallAnomaly",
    "CallState", "CallerPop", "ConferenceParty", "DeskSettings", "DeskState", "DraftField", "DraftRecord",
    "EarlierOrder", "EndReason", "FieldEntry", "OrderAction", "OrderNote", "QueueState", "Rejection", "SeatAction",
    "Suggestion", "Transcript", "TranscriptSource", "ValueOrigin", "draft_from_json", "draft_to_json", "feed",
    "feed_all", "start",
]
