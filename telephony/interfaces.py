"""What a front end needs of telephony, without the implementation: the values the telephony service hands out and
takes. Importing this module imports neither panoramisk nor a socket (the UI's layering rule, tests/test_layering.py);
the service itself is `telephony.service.TelephonyService`.
"""

from agent_desktop.core.health import Health, HealthState
from agent_desktop.core.listeners import Subscription
from telephony.control import CallbackResult, SeatConfig, ThreeWayResult
from telephony.tracking.events import (
    EVENT_TYPES,
    AfterCallWorkEnded,
    AfterCallWorkStarted,
    CallAnswered,
    CallbackOutcome,
    CallEnded,
    CallHeld,
    CallOffered,
    CallResumed,
    CallRinging,
    CallTransferred,
    ConferencePartyJoined,
    ConferencePartyLeft,
    DomainEvent,
    LiveCall,
    OriginateOutcome,
    Party,
    PauseStateChanged,
    QueueMembershipChanged,
    RecordingStarted,
    SurveyResult,
)

__all__ = [
    "EVENT_TYPES",
    "AfterCallWorkEnded",
    "AfterCallWorkStarted",
    "CallAnswered",
    "CallEnded",
    "CallHeld",
    "CallOffered",
    "CallResumed",
    "CallRinging",
    "CallTransferred",
    "CallbackOutcome",
    "CallbackResult",
    "ConferencePartyJoined",
    "ConferencePartyLeft",
    "DomainEvent",
    "Health",
    "HealthState",
    "LiveCall",
    "OriginateOutcome",
    "Party",
    "PauseStateChanged",
    "QueueMembershipChanged",
    "RecordingStarted",
    "SeatConfig",
    "Subscription",
    "SurveyResult",
    "ThreeWayResult",
]
