"""A real central store (SQLite or PostgreSQL) with a clock the test sets, the simulator PBX playing the survey's
callees, and the telephony facade the dialer uses — all on loopback."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from agent_desktop.core import lifecycle as lc
from agent_desktop.core.roles import Role
from agent_desktop.core.serialization import OpenWorkOrder
from agent_desktop.core.survey import SurveySettings
from agent_desktop.core.work_order import Caller, Category, Channel, CompletionOutcome, CompletionReport, WorkOrder
from sync import protocol
from sync.server import db
from sync.server.app import CentralServer
from sync.server.store import Submitted, User
from sync.survey_client import SurveyClient
from telephony.ami.connection import AmiSettings
from telephony.control import SeatConfig
from telephony.service import TelephonyService
from telephony.simulator import SimulatorPbx
from telephony.simulator.scenario import NumberSpec, PbxSettings, Scenario

SHANGHAI = ZoneInfo("Asia/Shanghai")
UNIT = "岳麓区人民政府"
AGENT = User("agent-007", Role.AGENT, None)
UNIT_USER = User("unit-yl", Role.UNIT, UNIT)


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)  # type: ignore[misc]


@dataclass
class Clock:
    """The centre's clock, in UTC as the store keeps it (SQLite keeps no offset)."""

    now: datetime

    def __post_init__(self) -> None:
        self.now = self.now.astimezone(UTC)

    def set(self, moment: datetime) -> None:
        self.now = moment.astimezone(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def _op() -> str:
    import uuid

    return str(uuid.uuid4())


def seed_completed(server: CentralServer, clock: Clock, order_id: str, phone: str, completed_at: datetime) -> None:
    """An order opened, dispatched, signed and completed through the store (the real write path), its completion
    reported at `completed_at`."""
    saved = clock.now
    steps: list[tuple[User, Any, timedelta]] = [
        (AGENT, OpenWorkOrder(Channel.PHONE, caller=Caller(name="王女士", phone=phone), category=Category.COMPLAINT,
                              description="小区夜间施工噪音扰民"), timedelta(hours=-3)),
        (AGENT, lc.Dispatch(UNIT), timedelta(hours=-3, minutes=1)),
        (UNIT_USER, lc.Sign(), timedelta(hours=-2)),
        (UNIT_USER, lc.ReportCompletion(CompletionReport(
            "岳麓区城管执法局", completed_at - timedelta(hours=1), "现场核查", "已责令停止夜间施工",
            CompletionOutcome.SOLVED)), timedelta(0)),
    ]
    for version, (user, command, offset) in enumerate(steps):
        at = (completed_at + offset).astimezone(UTC)
        clock.now = at
        push = protocol.Push(op_id=_op(), order_id=order_id, base_version=version, command=command, made_at=at)
        (outcome,) = server.store.apply_batch([Submitted(user, "S01" if user is AGENT else None, push, at)])
        assert outcome.applied, outcome.text
    clock.now = saved


def order_of(server: CentralServer, order_id: str) -> WorkOrder:
    found = server.store.order(order_id)
    assert found is not None
    return found[0]


def attempts(server: CentralServer, order_id: str | None = None) -> list[Any]:
    a = db.survey_attempts.c
    query = sa.select(db.survey_attempts).order_by(a.claimed_at, a.attempt_id)
    if order_id is not None:
        query = query.where(a.order_id == order_id)
    with server.engine.connect() as conn:
        return list(conn.execute(query).all())


def job(server: CentralServer, order_id: str) -> Any:
    with server.engine.connect() as conn:
        return conn.execute(sa.select(db.survey_jobs).where(db.survey_jobs.c.order_id == order_id)).one()


def survey_settings(**overrides: Any) -> SurveySettings:
    options: dict[str, Any] = {"delay_after_completion": timedelta(minutes=30), "max_attempts": 3,
                               "retry_interval": timedelta(hours=2), "channels": 8, "calls_per_minute": 600.0}
    options.update(overrides)
    return SurveySettings(**options)


@dataclass
class Rig:
    server: CentralServer
    clock: Clock
    pbx: SimulatorPbx | None = None
    telephony: TelephonyService | None = None
    clients: list[SurveyClient] = field(default_factory=list)
    token: str = ""

    async def client(self) -> SurveyClient:
        client = SurveyClient(self.server.url, self.token)
        self.clients.append(client)
        return client


@contextlib.asynccontextmanager
async def central(db_url: str, start: datetime, settings: SurveySettings | None = None,
                  **server: Any) -> AsyncIterator[Rig]:
    clock = Clock(start)
    center = CentralServer(db_url, clock=clock, survey_settings=settings or survey_settings(), clock_interval_s=0,
                           **server)
    await center.start()
    rig = Rig(center, clock)
    rig.token = center.store.add_user("survey-1", "survey")
    try:
        yield rig
    finally:
        for client in rig.clients:
            await client.close()
        await center.stop()


def pbx_scenario(numbers: list[NumberSpec], time_scale: float = 0.01) -> Scenario:
    return Scenario(pbx=PbxSettings(time_scale=time_scale), numbers=tuple(numbers))


@contextlib.asynccontextmanager
async def telephony(numbers: list[NumberSpec], time_scale: float = 0.01) -> AsyncIterator[tuple[SimulatorPbx,
                                                                                             TelephonyService]]:
    pbx = SimulatorPbx(pbx_scenario(numbers, time_scale))
    await pbx.start()
    service = TelephonyService(
        AmiSettings("127.0.0.1", pbx.port, "desk", "desk123", ping_interval=30.0, reconnect_initial=0.05,
                    reconnect_max=0.2),
        SeatConfig("Local/survey@survey", ring_timeout_seconds=5.0, after_call_work_seconds=0), resync_interval=None)
    try:
        await service.start()
        yield pbx, service
    finally:
        await service.stop()
        await pbx.stop()


@contextlib.asynccontextmanager
async def telephony_on(pbx: SimulatorPbx) -> AsyncIterator[TelephonyService]:
    """A second AMI session (another dialer process) on the same simulator."""
    service = TelephonyService(
        AmiSettings("127.0.0.1", pbx.port, "desk", "desk123", ping_interval=30.0, reconnect_initial=0.05,
                    reconnect_max=0.2),
        SeatConfig("Local/survey2@survey", ring_timeout_seconds=5.0, after_call_work_seconds=0), resync_interval=None)
    try:
        await service.start()
        yield service
    finally:
        await service.stop()


def utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)
