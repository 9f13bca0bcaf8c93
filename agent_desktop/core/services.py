"""The contract every long-lived service facade keeps (telephony, speech, sync), so a front end and the composition
root treat them alike:

- `await start(supervisor=None)` on the runtime's loop: returns once the service is up (or raises its error);
  long-lived tasks it needs are started through `supervisor` when given (the runtime's: logged, reported, restarted
  where safe), else on the running loop with their failures logged;
- `await stop()`: ends every task of the service; again is harmless;
- `health`: one `Health` value, readable from any thread; `on_health(cb)` returns a `Subscription`.

Pure: protocols only (no asyncio here; the runtime implements `TaskSupervisor`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol, runtime_checkable

from agent_desktop.core.health import Health
from agent_desktop.core.listeners import Subscription

FailureReport = Callable[[str, BaseException], None]


class TaskSupervisor(Protocol):
    """What a service needs of the runtime's supervisor (`agent_desktop.runtime.Supervisor` satisfies it)."""

    def start(self, name: str, factory: Callable[[], Awaitable[Any]], *, restart: bool = False,
              on_failure: FailureReport | None = None) -> Any: ...


@runtime_checkable
class ServiceFacade(Protocol):
    async def start(self, supervisor: TaskSupervisor | None = None) -> None: ...

    async def stop(self) -> None: ...

    @property
    def health(self) -> Health: ...

    def on_health(self, callback: Callable[[Health], Any]) -> Subscription: ...

    def report_failure(self, task: str, error: BaseException) -> None: ...
