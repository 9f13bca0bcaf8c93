"""`agent-desktop sync status` on a real local store file (the seat's outbox), through the console entry."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from agent_desktop.cli import EXIT_FAILURE, EXIT_OK, main
from agent_desktop.config import default_data_dir
from agent_desktop.core import lifecycle as lc
from agent_desktop.core.roles import Actor, Role
from agent_desktop.core.work_order import Category, Channel
from sync.local_store import STORE_FILE_NAME, LocalStore

T0 = datetime(2026, 9, 28, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
AGENT = Actor("agent-007", Role.AGENT, seat="A07")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def fill(path: Path) -> tuple[str, str]:
    with LocalStore(path) as store:
        store.open_order("WO-1", channel=Channel.PHONE, actor=AGENT, now=T0, category=Category.COMPLAINT,
                         description="噪音扰民")
        store.apply_local("WO-1", lc.Dispatch("岳麓区人民政府"), AGENT, T0 + timedelta(minutes=3))
        store.open_order("WO-2", channel=Channel.PHONE, actor=AGENT, now=T0, description="咨询")
        first, second, third = store.pending_operations()
        store.mark_acked(first.op_id, 1)
        store.mark_rejected(third.op_id, "order_exists", "工单号已存在")
        store.set_cursor(17)
        store.record_error("connection refused")
        return second.op_id, third.op_id


def test_status_lists_queue_cursor_error_rejections_and_pending(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "seat.sqlite3"
    pending_id, rejected_id = fill(path)
    code, out, _ = run(capsys, "sync", "status", "--store", str(path))
    assert code == EXIT_OK
    assert "queue depth:    1" in out
    assert "cursor:           17" in out
    assert "connection refused" in out
    assert "order_exists: 工单号已存在" in out
    assert pending_id in out and "dispatch" in out

    code, out, _ = run(capsys, "sync", "status", "--store", str(path), "--json")
    data = json.loads(out)
    assert data["queue_depth"] == 1 and data["cursor"] == 17
    assert [p["op_id"] for p in data["pending"]] == [pending_id]
    assert data["pending"][0]["action"] == "dispatch"
    assert [r["op_id"] for r in data["rejections"]] == [rejected_id]
    assert data["last_error"] == "connection refused"
    assert data["last_ack_at"] is not None


def test_status_defaults_to_the_user_data_dir(capsys: pytest.CaptureFixture[str]) -> None:
    fill(default_data_dir() / STORE_FILE_NAME)
    code, out, _ = run(capsys, "sync", "status", "--json")
    assert code == EXIT_OK
    assert json.loads(out)["store"] == str(default_data_dir() / STORE_FILE_NAME)


def test_status_without_a_store_is_one_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "sync", "status", "--store", str(tmp_path / "none.sqlite3"))
    assert out == ""
    assert code == EXIT_FAILURE
    assert err.startswith("agent-desktop: error: no local store at")
    assert not (tmp_path / "none.sqlite3").exists()


def test_run_without_a_token_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "sync", "run", "--url", "ws://127.0.0.1:9", "--store", str(tmp_path / "s.sqlite3"))
    assert code == EXIT_FAILURE
    assert "no sync token" in err


def test_status_uses_the_store_named_in_the_config_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """No --store: [sync] store of the config file, relative to that file, is the one read (not the data dir)."""
    fill(tmp_path / "desk" / "seat-a07.sqlite3")
    config = tmp_path / "desk" / "config.toml"
    config.write_text('[sync]\nstore = "seat-a07.sqlite3"\n', encoding="utf-8")
    code, out, _ = run(capsys, "--config", str(config), "sync", "status", "--json")
    assert code == EXIT_OK
    data = json.loads(out)
    assert data["store"] == str(tmp_path / "desk" / "seat-a07.sqlite3")
    assert data["queue_depth"] == 1 and data["cursor"] == 17
    assert not (default_data_dir() / STORE_FILE_NAME).exists()


def test_run_takes_the_center_from_the_config_file_and_refuses_none(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "sync", "run", "--store", str(tmp_path / "s.sqlite3"))
    assert code == EXIT_FAILURE and "no center: give --url or set [sync] url" in err

    config = tmp_path / "config.toml"
    config.write_text('[sync]\nurl = "ws://127.0.0.1:9"\ntoken_env = "MY_CENTER_TOKEN"\n', encoding="utf-8")
    code, _, err = run(capsys, "--config", str(config), "sync", "run", "--store", str(tmp_path / "s.sqlite3"))
    # the url came from the file (no "no center"); the token is looked up in the variable the file names
    assert code == EXIT_FAILURE and "no sync token" in err and "MY_CENTER_TOKEN" in err


def test_server_commands_use_the_database_of_the_config_file(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'[server]\ndb = "sqlite:///{tmp_path / "center.sqlite3"}"\n', encoding="utf-8")
    code, _, err = run(capsys, "--config", str(config), "server", "add-user", "alice", "--role", "agent")
    assert code == EXIT_OK, err
    assert (tmp_path / "center.sqlite3").is_file()
    assert not (default_data_dir() / "central-store.sqlite3").exists()
    code, out, _ = run(capsys, "--config", str(config), "server", "users")
    assert code == EXIT_OK and out.startswith("alice\tagent")
