"""`agent-desktop orders`: the simulated month (built only through the real lifecycle), warnings, the assessment and
one order's history, run through the real console entry (`agent_desktop.cli.main`) and once as a process.

Every command gets a config file whose `[paths] data_dir` is a temporary folder, so the field key is created
there and never in the user's folders.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from agent_desktop.cli import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, main
from agent_desktop.cli.orders import load_orders
from agent_desktop.core.assessment import CSV_COLUMNS, assess_units
from agent_desktop.core.early_warning import Severity, WarningKind, compute_warnings
from agent_desktop.core.privacy import mask_phone
from agent_desktop.core.rule_parameters import RuleParameters
from agent_desktop.core.serialization import work_order_from_dict, work_order_to_dict
from agent_desktop.core.work_order import OrderState, SealedValue, WorkOrder
from agent_desktop.resources import load_unit_directory
from agent_desktop.simulation.month import anonymous_phones, plan_month

TZ = ZoneInfo("Asia/Shanghai")
MONTH, COUNT, SEED = "2026-10", 300, 1
MONTH_END = datetime(2026, 10, 31, 23, 59, 59, tzinfo=TZ)
MID_MONTH = datetime(2026, 10, 20, 10, 0, tzinfo=TZ)


@dataclasses.dataclass(frozen=True)
class Month:
    """October 2026 simulated once for the module: the whole month, and the same month up to MID_MONTH."""

    config: Path
    data_dir: Path
    full: Path
    mid: Path

    def orders(self, path: Path) -> list[dict[str, Any]]:
        return json.loads(path.read_text(encoding="utf-8"))["orders"]


def write_config(folder: Path) -> Path:
    config = folder / "config.toml"
    config.write_text(f'[paths]\ndata_dir = "{(folder / "data").as_posix()}"\n', encoding="utf-8")
    return config


@pytest.fixture(scope="module")
def month(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Month]:
    folder = tmp_path_factory.mktemp("month")
    config = write_config(folder)
    with pytest.MonkeyPatch.context() as patch:  # the autouse isolation is per test; this runs before it
        for variable in [v for v in os.environ if v.startswith("AGENT_DESKTOP_")]:
            patch.delenv(variable)
        for variable in ("XDG_CONFIG_HOME", "XDG_DATA_HOME"):
            patch.setenv(variable, str(folder / variable.lower()))
        full, mid = folder / "october.json", folder / "october-20.json"
        common = ["--config", str(config), "orders", "simulate", "--month", MONTH, "--count", str(COUNT)]
        assert main([*common, "--out", str(full)]) == EXIT_OK
        assert main([*common, "--until", MID_MONTH.isoformat(), "--out", str(mid)]) == EXIT_OK
        yield Month(config, folder / "data", full, mid)


def run(capsys: pytest.CaptureFixture[str], month: Month, *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["--config", str(month.config), *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def assert_one_error_line(err: str, *fragments: str) -> None:
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("agent-desktop: error: ")
    for fragment in fragments:
        assert fragment in lines[0]
    assert "Traceback" not in err


def without_ciphertexts(text: str) -> str:
    return re.sub(r'"ciphertext": "[^"]*"', '"ciphertext": "-"', text)


# --- simulate --------------------------------------------------------------------------------------------------


def test_simulate_is_deterministic_for_a_seed(
    month: Month, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    again = tmp_path / "again.json"
    code, out, err = run(capsys, month, "orders", "simulate", "--month", MONTH, "--count", str(COUNT),
                         "--out", str(again))
    assert (code, out) == (EXIT_OK, "")
    first, second = month.full.read_text(encoding="utf-8"), again.read_text(encoding="utf-8")
    # the same orders, steps, times, masks and phone fingerprints (same key file); only AES-GCM nonces differ
    assert without_ciphertexts(first) == without_ciphertexts(second)
    assert first != second
    assert err.splitlines() == [
        f"agent-desktop: simulated {COUNT} work orders of {MONTH} as of {MONTH_END.isoformat()}: "
        + ", ".join(f"{state} {n}" for state, n in state_counts(month.orders(month.full)).items())
        + f"; written to {again}"
    ]
    code, _, _ = run(capsys, month, "orders", "simulate", "--month", MONTH, "--count", str(COUNT), "--seed", "2",
                     "--out", str(again))
    assert code == EXIT_OK
    assert without_ciphertexts(again.read_text(encoding="utf-8")) != without_ciphertexts(first)


def state_counts(orders: list[dict[str, Any]]) -> dict[str, int]:
    counts = {state.value: 0 for state in OrderState}
    for order in orders:
        counts[order["state"]] += 1
    return {state: n for state, n in counts.items() if n}


def test_every_simulated_order_round_trips_through_serialization(month: Month) -> None:
    raw = month.orders(month.full)
    assert len(raw) == COUNT
    for item in raw:
        assert work_order_to_dict(work_order_from_dict(item)) == item
    ids = [item["order_id"] for item in raw]
    assert ids == sorted(ids) and len(set(ids)) == COUNT


def test_histories_are_time_ordered_and_nothing_happens_after_the_end_of_the_month(month: Month) -> None:
    for order in load_orders(month.full):
        times = [entry.at for entry in order.history]
        assert times == sorted(times), order.order_id
        assert order.history[0].action == "open" and times[0] == order.created_at
        assert times[-1] <= MONTH_END
        assert datetime(2026, 10, 1, tzinfo=TZ) <= order.created_at


def test_until_shows_the_same_month_as_it_stood_then(month: Month) -> None:
    full = {order.order_id: order for order in load_orders(month.full)}
    mid = load_orders(month.mid)
    assert 0 < len(mid) < len(full)
    assert {o.order_id for o in full.values() if o.created_at <= MID_MONTH} == {o.order_id for o in mid}
    assert any(o.state is not full[o.order_id].state for o in mid)  # the month went on after the 20th
    for order in mid:
        later = full[order.order_id].history
        steps = len(order.history)
        assert order.history[-1].at <= MID_MONTH
        assert later[:steps] == order.history  # the same steps at the same times
        assert steps == len(later) or later[steps].at > MID_MONTH  # and none left out before the 20th


def test_the_month_covers_the_life_of_work_orders(month: Month) -> None:
    orders = load_orders(month.full)
    states = {order.state for order in orders}
    assert {OrderState.CLOSED, OrderState.SIGNED, OrderState.NOT_ACCEPTED, OrderState.ANSWERED_ON_LINE} <= states
    assert states & {OrderState.APPEALED, OrderState.MANUAL_REVISIT}
    actions = {entry.action for order in orders for entry in order.history}
    assert {
        "link_call", "record_response", "not_accept", "answer_on_line", "promise_reply", "record_reply",
        "dispatch", "sign",
        "request_return", "approve_return", "reject_return", "request_extension", "approve_extension",
        "report_completion", "start_revisit", "record_rating", "rating_timeout", "confirm_rating",
        "send_back_for_redo", "file_appeal", "decide_appeal", "open_supervision", "close_supervision",
    } <= actions
    notes = [entry.note for order in orders for entry in order.history if entry.action == "sign"]
    assert any(note.startswith("late: deadline was") for note in notes)  # 超时签收
    assert any(order.caller.is_anonymous for order in orders)
    assert any(order.taken_by_unit for order in orders)  # leader seats (第30条)
    assert any(order.is_emergency for order in orders)
    assert any(revisit.deemed for order in orders for revisit in order.revisits)  # the 72-hour rule
    assert any(order.not_accepted_reason is not None and order.not_accepted_basis for order in orders)


def test_every_unit_named_comes_from_the_shipped_directory(month: Month) -> None:
    directory = load_unit_directory()
    orders = load_orders(month.full)
    named = {unit for order in orders for unit in (*order.units(), order.taken_by_unit) if unit}
    named |= {new for order in orders for entry in order.history for field, _, new in entry.changes
              if field == "lead_unit" and new}
    assert len(named) > 10
    assert all(directory.find(unit) is not None for unit in named), sorted(named)


def test_anonymous_callers_are_sealed_and_their_numbers_never_appear_in_the_file(month: Month) -> None:
    plan = plan_month(2026, 10, count=COUNT, seed=SEED, zone=TZ)
    secret = anonymous_phones(plan)
    text = month.full.read_text(encoding="utf-8")
    assert len(secret) > 10
    assert not [phone for phone in secret if phone in text]
    # the plan is the one the file was made from: each of these numbers is in it, masked
    assert all(mask_phone(phone) in text for phone in secret)
    named = {i.person.phone for i in plan.intakes if not i.person.anonymous}
    assert any(phone in text for phone in named)  # the search itself finds plain numbers
    for order in load_orders(month.full):
        if order.caller.is_anonymous:
            assert isinstance(order.caller.phone, SealedValue) and order.caller.phone_key


def test_the_field_key_is_created_in_the_configured_data_folder(month: Month) -> None:
    key = month.data_dir / "field.key"
    assert key.is_file()
    if os.name == "posix":
        assert stat.S_IMODE(key.stat().st_mode) == 0o600


def test_simulate_writes_json_to_stdout_and_one_summary_line_to_stderr(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    config = write_config(tmp_path)
    code = main(["--config", str(config), "orders", "simulate", "--month", MONTH, "--count", "12", "--seed", "5"])
    captured = capsys.readouterr()
    assert code == EXIT_OK
    orders = json.loads(captured.out)["orders"]
    assert len(orders) == 12
    [line] = captured.err.splitlines()
    assert line.startswith(f"agent-desktop: simulated 12 work orders of {MONTH} as of {MONTH_END.isoformat()}: ")
    assert (tmp_path / "data" / "field.key").is_file()


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["--month", "2026-13"], "'2026-13' is not a month"),
        (["--month", "October"], "'October' is not a month"),
        (["--month", MONTH, "--count", "0"], "--count must be a whole number from 1"),
        (["--month", MONTH, "--until", "2026-09-30T23:00"], "lies before the month 2026-10 begins"),
        (["--month", MONTH, "--until", "soon"], "--until 'soon' is not a date and time"),
    ],
)
def test_bad_simulate_options_are_one_error_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, argv: list[str], fragment: str
) -> None:
    config = write_config(tmp_path)
    code = main(["--config", str(config), "orders", "simulate", *argv])
    captured = capsys.readouterr()
    assert (code, captured.out) == (EXIT_FAILURE, "")
    assert_one_error_line(captured.err, fragment)
    assert not (tmp_path / "data").exists()  # refused before any key was made


# --- warnings ----------------------------------------------------------------------------------------------------


def test_warnings_print_the_core_warnings_grouped_by_severity(month: Month, capsys: pytest.CaptureFixture[str]) -> None:
    expected = compute_warnings(load_orders(month.mid), now=MID_MONTH, rules=RuleParameters())
    kinds = {w.kind for w in expected}
    assert WarningKind.REPEAT_CALLER in kinds  # the callers who keep calling about one matter
    assert kinds & {WarningKind.SIGN_OVERDUE, WarningKind.SIGN_DUE_SOON, WarningKind.DUE_SOON, WarningKind.OVERDUE}
    code, out, err = run(capsys, month, "orders", "warnings", str(month.mid), "--at", "2026-10-20T10:00")
    assert (code, err) == (EXIT_OK, "")
    lines = out.splitlines()
    assert lines[0].startswith(f"2026-10-20 10:00 的工单预警:共 {len(expected)} 条(")
    listed = [line for line in lines if line.startswith("  [")]
    shown = expected[:20]
    assert len(listed) == len(shown)
    headers = [line[1:3] for line in lines if line.startswith("【")]
    assert headers == [s.zh for s in sorted(Severity, key=lambda s: -s.rank) if any(w.severity is s for w in shown)]
    for severity in sorted(Severity, key=lambda s: -s.rank):  # groups in order, each in the core's order
        group = [f"  [{w.kind.zh}] {w.message}" for w in shown if w.severity is severity]
        if group:
            start = lines.index(next(line for line in lines if line.startswith(f"【{severity.zh}】")))
            assert lines[start + 1 : start + 1 + len(group)] == group
    if len(expected) > 20:
        assert lines[-1] == f"另有 {len(expected) - 20} 条未显示,--limit 0 显示全部。"


def test_warnings_limit_and_json(month: Month, capsys: pytest.CaptureFixture[str]) -> None:
    expected = compute_warnings(load_orders(month.mid), now=MID_MONTH, rules=RuleParameters())
    assert len(expected) > 2
    code, out, _ = run(capsys, month, "orders", "warnings", str(month.mid), "--at", "2026-10-20T10:00",
                       "--limit", "2")
    assert code == EXIT_OK
    assert len([line for line in out.splitlines() if line.startswith("  [")]) == 2
    assert out.splitlines()[-1] == f"另有 {len(expected) - 2} 条未显示,--limit 0 显示全部。"
    code, out, _ = run(capsys, month, "orders", "warnings", str(month.mid), "--at", "2026-10-20T02:00Z", "--json")
    assert code == EXIT_OK
    report = json.loads(out)
    assert (report["at"], report["total"], report["shown"]) == (MID_MONTH.isoformat(), len(expected), len(expected))
    assert [(w["kind"], w["order_ids"], w["message"]) for w in report["warnings"]] == [
        (w.kind.value, list(w.order_ids), w.message) for w in expected
    ]


def test_warnings_refuse_a_moment_before_the_files_last_step(month: Month, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, month, "orders", "warnings", str(month.full), "--at", "2026-10-20T10:00")
    assert (code, out) == (EXIT_FAILURE, "")
    assert_one_error_line(err, "after --at 2026-10-20T10:00:00+08:00", "--until")


# --- assess ------------------------------------------------------------------------------------------------------


def expected_assessment(month: Month) -> list[Any]:
    orders = load_orders(month.full)
    as_of = max(entry.at for order in orders for entry in order.history)
    return assess_units(orders, year=2026, month=10, zone=TZ, as_of=as_of)


def test_assess_prints_the_report_with_its_chart(month: Month, capsys: pytest.CaptureFixture[str]) -> None:
    expected = expected_assessment(month)
    busiest = max(expected, key=lambda a: (a.received, a.unit))
    code, out, err = run(capsys, month, "orders", "assess", str(month.full), "--month", MONTH)
    assert (code, err) == (EXIT_OK, "")
    assert out.startswith("12345政务热线责任单位月度考核(2026-10)\n")
    assert f"【{busiest.unit}】2026-10\n  受理派单 {busiest.received} 件;" in out
    assert "满意率((满意+基本满意)/参评,申诉成立的评价不计)" in out
    assert all(f"【{a.unit}】" in out for a in expected)
    assert out.rstrip().splitlines()[-1].startswith("(统计截至 2026-10-31 ")


def test_assess_top_csv_and_json(month: Month, capsys: pytest.CaptureFixture[str]) -> None:
    expected = expected_assessment(month)
    top = sorted(expected, key=lambda a: (-a.received, a.unit))[:3]
    code, out, _ = run(capsys, month, "orders", "assess", str(month.full), "--month", MONTH, "--top", "3")
    assert code == EXIT_OK
    assert re.findall(r"^【(.+)】2026-10$", out, flags=re.MULTILINE) == [a.unit for a in top]
    assert f"仅列出受理派单最多的 3 个单位,共 {len(expected)} 个单位" in out

    code, out, _ = run(capsys, month, "orders", "assess", str(month.full), "--month", MONTH, "--csv")
    assert code == EXIT_OK
    rows = out.splitlines()
    assert rows[0].split(",") == [header for header, _ in CSV_COLUMNS]
    assert len(rows) == len(expected) + 1

    code, out, _ = run(capsys, month, "orders", "assess", str(month.full), "--month", MONTH, "--json")
    assert code == EXIT_OK
    report = json.loads(out)
    assert report["period"] == MONTH
    assert report["units"] == [dataclasses.asdict(a) for a in expected]


def test_assess_takes_only_one_output_form(month: Month, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--config", str(month.config), "orders", "assess", str(month.full), "--month", MONTH, "--csv", "--json"])
    assert exit_info.value.code == EXIT_USAGE
    assert "not allowed with argument" in capsys.readouterr().err


# --- show --------------------------------------------------------------------------------------------------------


def anonymous_order(month: Month) -> tuple[WorkOrder, str]:
    """A long-lived anonymous order and its caller's plain number (from the plan)."""
    plan = plan_month(2026, 10, count=COUNT, seed=SEED, zone=TZ)
    for index, order in enumerate(load_orders(month.full)):
        if order.caller.is_anonymous and order.lead_unit and len(order.history) > 6:
            return order, plan.intakes[index].person.phone
    raise AssertionError("the simulated month has no dispatched anonymous order")


def test_show_prints_the_fields_and_one_line_per_step_with_the_caller_masked(
    month: Month, capsys: pytest.CaptureFixture[str]
) -> None:
    order, phone = anonymous_order(month)
    code, out, err = run(capsys, month, "orders", "show", str(month.full), order.order_id)
    assert (code, err) == (EXIT_OK, "")
    assert phone not in out
    lines = out.splitlines()
    assert lines[0] == f"工单 {order.order_id}"
    caller = next(line for line in lines if line.startswith("  诉求人:"))
    assert f"电话 {mask_phone(phone)}" in caller and "匿名" in caller
    assert f"  责任单位:{order.lead_unit}" in lines
    start = lines.index(f"处理记录({len(order.history)} 步):")
    steps = lines[start + 1 :]
    assert len(steps) == len(order.history)
    for line, entry in zip(steps, order.history, strict=True):
        assert line.startswith(f"  {entry.at.astimezone(TZ):%Y-%m-%d %H:%M:%S}  {entry.role.zh}")
        assert f"  {entry.actor_id}  {entry.seat or '—'}  " in line
        assert f"({entry.action})" in line
        assert not entry.note or f"备注:{entry.note}" in line
    assert "state: intake → dispatched" in next(line for line in steps if "(dispatch)" in line)


# --- bad files ---------------------------------------------------------------------------------------------------


def valid_order(month: Month) -> dict[str, Any]:
    return month.orders(month.full)[0]


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ('{"orders": [', "not valid JSON: Expecting value at line 1"),
        ('{"units": []}', 'expected {"orders": [...]} or a list of work orders'),
        ("[NaN]", "not valid JSON: NaN is not a JSON number"),
        ('{"orders": [{"order_id": "WO-1"}]}', "orders[0]: missing field(s): channel, created_at"),
        ("BAD STATE", "orders[0]: state: expected one of intake"),
        ("TWICE", "appears twice (orders[0] and orders[1])"),
    ],
)
def test_a_malformed_orders_file_is_one_error_line(
    month: Month, capsys: pytest.CaptureFixture[str], tmp_path: Path, content: str, fragment: str
) -> None:
    if content == "BAD STATE":
        content = json.dumps({"orders": [{**valid_order(month), "state": "lost"}]}, ensure_ascii=False)
    elif content == "TWICE":
        content = json.dumps({"orders": [valid_order(month)] * 2}, ensure_ascii=False)
    bad = tmp_path / "orders.json"
    bad.write_text(content, encoding="utf-8")
    for argv in (["show", str(bad), "WO-1"], ["warnings", str(bad), "--at", "2026-11-01T09:00"],
                 ["assess", str(bad), "--month", MONTH]):
        code, out, err = run(capsys, month, "orders", *argv)
        assert (code, out) == (EXIT_FAILURE, "")
        assert_one_error_line(err, str(bad), fragment)


def test_a_missing_or_binary_orders_file_is_one_error_line(
    month: Month, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = run(capsys, month, "orders", "show", str(tmp_path / "none.json"), "WO-1")
    assert code == EXIT_FAILURE
    assert_one_error_line(err, "orders file not found")
    binary = tmp_path / "binary.json"
    binary.write_bytes(b"\xff\xfe\x00")
    code, _, err = run(capsys, month, "orders", "show", str(binary), "WO-1")
    assert code == EXIT_FAILURE
    assert_one_error_line(err, "not UTF-8")


def test_an_unknown_order_id_is_one_error_line(month: Month, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, month, "orders", "show", str(month.full), "WO-209912-0001")
    assert (code, out) == (EXIT_FAILURE, "")
    assert_one_error_line(err, "no work order 'WO-209912-0001'", f"among its {COUNT} orders")


def test_the_console_script_reports_an_unknown_order_in_one_line(month: Month, tmp_path: Path) -> None:
    found = shutil.which("agent-desktop", path=str(Path(sys.executable).parent))
    if found is None:
        pytest.fail("the agent-desktop console script is not installed beside this Python; run scripts/test")
    env = {key: value for key, value in os.environ.items() if not key.startswith("AGENT_DESKTOP_")}
    env |= {"XDG_CONFIG_HOME": str(tmp_path / "config"), "XDG_DATA_HOME": str(tmp_path / "data")}
    done = subprocess.run(
        [found, "--config", str(month.config), "orders", "show", str(month.mid), "WO-0"],
        capture_output=True, text=True, env=env, timeout=60, check=False,
    )
    assert (done.returncode, done.stdout) == (EXIT_FAILURE, "")
    assert_one_error_line(done.stderr, "no work order 'WO-0'")


# --- assess with the knowledge base (第36条 upkeep) -------------------------------------------------------------------


def test_assess_with_kb_store_counts_each_units_entries_published_that_month(
    capsys: pytest.CaptureFixture[str], month: Month, tmp_path: Path
) -> None:
    from agent_desktop.core.knowledge import CreateEntry, PublishEntry, SubmitEntry, apply_kb_command
    from agent_desktop.core.roles import Actor, Role
    from sync.kb_index import KnowledgeIndex
    from sync.local_store import LocalStore

    unit = "长沙住房公积金管理中心"
    author = Actor("gjj", Role.UNIT, unit=unit)
    reviewer = Actor("sup", Role.SUPERVISOR)
    entries = []
    for n, published_at in enumerate((datetime(2026, 10, 12, 10, tzinfo=TZ), datetime(2026, 11, 3, 10, tzinfo=TZ))):
        written = published_at.replace(day=1)
        create = CreateEntry(f"gjj-{n}", f"公积金问题{n}?", "答复。", "住房公积金")
        entry = apply_kb_command(None, create, author, written)
        entry = apply_kb_command(entry, SubmitEntry(entry.entry_id), author, written)
        entries.append(apply_kb_command(entry, PublishEntry(entry.entry_id), reviewer, published_at))
    store = LocalStore(tmp_path / "seat.sqlite3")
    try:
        KnowledgeIndex(store.engine).upsert(entries)
    finally:
        store.close()

    code, out, _ = run(capsys, month, "orders", "assess", str(month.full), "--month", MONTH, "--json",
                       "--kb-store", str(tmp_path / "seat.sqlite3"))
    assert code == EXIT_OK
    rows = {row["unit"]: row for row in json.loads(out)["units"]}
    assert rows[unit]["knowledge_entries_updated"] == 1  # October's publication only, not November's

    code, _, err = run(capsys, month, "orders", "assess", str(month.full), "--month", MONTH,
                       "--kb-store", str(tmp_path / "missing.sqlite3"))
    assert code == EXIT_FAILURE
    assert_one_error_line(err, "no seat store")
