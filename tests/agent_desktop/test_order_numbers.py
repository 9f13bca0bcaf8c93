"""Readable work-order numbers (`20261207-8001-0007`): the day, the seat, the seat's sequence of the day, kept in the
seat's store. Real seat desks on the simulator PBX over AMI and a real seat store: two calls on one seat get
consecutive numbers, a restart continues the sequence, and two seats never give the same number."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from agent_desktop.app import App, AppParts, DeskParts, SyncParts, TelephonyParts
from agent_desktop.core.roles import Actor, Role
from agent_desktop.desk import DeskSettings
from agent_desktop.order_numbers import OrderNumbers
from agent_desktop.runtime import Runtime
from sync.local_store import LocalStore
from sync.service import SyncSettings
from telephony.ami.connection import AmiSettings
from telephony.control import SeatConfig
from tests.agent_desktop.test_seat import CIPHER, IFACE, log_in, place_call, runtime, scenario, start_pbx, wait_for

__all__ = ["runtime"]  # the fixture, shared with test_seat

CST = ZoneInfo("Asia/Shanghai")


def seat_app(rt: Runtime, folder: Path, pbx, seat: str) -> App:
    return App(AppParts(
        telephony=TelephonyParts(AmiSettings("127.0.0.1", pbx.port, "desk", "desk123", ping_interval=30.0,
                                             reconnect_initial=0.1, reconnect_max=0.3),
                                 seat=SeatConfig(IFACE, after_call_work_seconds=0)),
        sync=SyncParts(folder / "seat.sqlite3", SyncSettings()),
        desk=DeskParts(DeskSettings(actor=Actor(f"agent-{seat}", Role.AGENT, seat=seat), cipher=CIPHER), tick_s=0.1),
    ), runtime=rt, freeze_after_start=False)


def numbers_of_calls(rt: Runtime, app: App, pbx, calls: int) -> list[str]:
    desk = app.desk
    assert desk is not None
    log_in(desk)
    seen: list[str] = []
    for _ in range(calls):
        before = {c.call_id for c in desk.state.calls}
        place_call(rt, pbx, talk_s=0.3)
        wait_for(lambda b=before: any(c.call_id not in b for c in desk.state.calls), "a new call offered")
        call = next(c for c in desk.state.calls if c.call_id not in before)
        seen.append(call.order_id)
        assert call.call_id not in call.order_id  # Asterisk's uniqueid is no longer the number
        wait_for(lambda cid=call.call_id: not desk.state.call(cid).state.is_live, "the call ended")
    return seen


def test_consecutive_numbers_on_one_seat_continued_after_a_restart(runtime: Runtime, tmp_path: Path) -> None:
    pbx = start_pbx(runtime, scenario(logged_in=False))
    try:
        first = seat_app(runtime, tmp_path, pbx, "8001")
        first.start()
        try:
            numbers = numbers_of_calls(runtime, first, pbx, 2)
        finally:
            first.stop()
        day = datetime.now(UTC).astimezone(CST).strftime("%Y%m%d")
        assert numbers == [f"{day}-8001-0001", f"{day}-8001-0002"]
        with LocalStore(tmp_path / "seat.sqlite3") as store:  # kept in the seat's store
            assert store.last_order_sequence(f"{day}-8001") == 2

        again = seat_app(runtime, tmp_path, pbx, "8001")
        again.start()
        try:
            assert numbers_of_calls(runtime, again, pbx, 1) == [f"{day}-8001-0003"]
        finally:
            again.stop()
    finally:
        runtime.run(pbx.stop(), timeout=30)


def test_two_seats_never_give_the_same_number(runtime: Runtime, tmp_path: Path) -> None:
    pbx = start_pbx(runtime, scenario(logged_in=False))
    given: dict[str, list[str]] = {}
    try:
        for seat in ("8001", "8002"):
            folder = tmp_path / seat
            folder.mkdir()
            app = seat_app(runtime, folder, pbx, seat)
            app.start()
            try:
                given[seat] = numbers_of_calls(runtime, app, pbx, 2)
            finally:
                app.stop()
    finally:
        runtime.run(pbx.stop(), timeout=30)
    assert [n.rsplit("-", 1)[1] for n in given["8001"]] == [n.rsplit("-", 1)[1] for n in given["8002"]]
    assert not set(given["8001"]) & set(given["8002"])  # the same sequence, told apart by the seat


def test_a_new_day_starts_again_at_one_in_the_centres_time_zone() -> None:
    numbers = OrderNumbers("PJSIP/8001")
    late = datetime(2026, 12, 7, 15, 59, tzinfo=UTC)  # 23:59 in Changsha
    numbers.continue_from(numbers.prefix(late), 6)
    assert numbers.next(late)[0] == "20261207-PJSIP8001-0007"
    assert numbers.next(late + timedelta(minutes=2))[0] == "20261208-PJSIP8001-0001"
