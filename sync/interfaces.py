"""What a front end needs of sync, without the implementation: the values the sync service hands out. Importing this
module imports neither SQLAlchemy nor websockets (tests/test_layering.py); the service itself is
`sync.service.SyncService`.
"""

from agent_desktop.core.health import Health, HealthState
from agent_desktop.core.listeners import Subscription
from sync.status import OrderSyncState, RejectionNote, SyncState, SyncStatus

__all__ = ["Health", "HealthState", "OrderSyncState", "RejectionNote", "Subscription", "SyncState", "SyncStatus"]
