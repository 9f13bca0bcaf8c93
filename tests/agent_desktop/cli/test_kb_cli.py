"""`agent-desktop kb`: search, list, show and import on a real local store file, through the console entry."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from agent_desktop.cli import EXIT_FAILURE, EXIT_OK, main
from agent_desktop.core.knowledge import CreateEntry, PublishEntry, SubmitEntry, apply_kb_command
from agent_desktop.core.roles import Actor, Role
from agent_desktop.resources import ENV_RESOURCES
from sync.kb_index import KnowledgeIndex

FUND = "长沙住房公积金管理中心"


@pytest.fixture(autouse=True)
def no_resources_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_RESOURCES, raising=False)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_search_seeds_an_empty_store_and_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = tmp_path / "seat.sqlite3"
    code, out, err = run(capsys, "kb", "search", "公积金 提取", "--store", str(store), "--limit", "2")
    assert code == EXIT_OK
    assert "had no knowledge base yet" in err and "changsha_kb.json" in err
    lines = out.splitlines()
    assert lines[0] == "1. 住房公积金在什么情况下可以提取?怎么办理?"
    assert "cs-hf-withdraw" in lines[1] and FUND in lines[1]
    assert "【公积金】" in lines[2]
    assert sum(1 for line in lines if line[:2] in ("1.", "2.")) == 2
    # the second run finds the knowledge base there and stays quiet
    code, _, err = run(capsys, "kb", "search", "公积金 提取", "--store", str(store))
    assert (code, err) == (EXIT_OK, "")


def test_search_json_and_spaced_query(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "kb", "search", "公 积 金 提 取", "--store", str(tmp_path / "s.sqlite3"), "--json",
                       "--limit", "3")
    assert code == EXIT_OK
    hits = json.loads(out)
    assert [h["rank"] for h in hits] == [1, 2, 3]
    assert hits[0]["entry_id"] == "cs-hf-withdraw" and hits[0]["match"] == "all"
    assert set(hits[0]) >= {"question", "answer", "unit", "category", "snippet", "score", "valid_to"}


def test_search_at_a_time_after_every_entry_expired_finds_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = str(tmp_path / "s.sqlite3")
    code, out, _ = run(capsys, "kb", "search", "燃气泄漏", "--store", store, "--at", "2099-01-01T00:00:00+08:00")
    assert code == EXIT_OK and "没有找到" in out
    code, _, err = run(capsys, "kb", "search", "燃气泄漏", "--store", store, "--at", "2026-01-01T00:00:00")
    assert code == EXIT_FAILURE and "offset" in err
    code, out, _ = run(capsys, "kb", "search", '"*(NEAR', "--store", store)
    assert code == EXIT_OK and "没有找到" in out


def test_list_and_show(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = str(tmp_path / "s.sqlite3")
    code, out, err = run(capsys, "kb", "list", "--store", store, "--unit", "长沙新奥燃气有限公司")
    assert code == EXIT_OK
    rows = [line.split("\t") for line in out.splitlines()]
    assert rows and {row[3] for row in rows} == {"长沙新奥燃气有限公司"}
    assert {row[1] for row in rows} == {"已发布/在用"}
    assert f"共 {len(rows)} 条" in err
    code, out, _ = run(capsys, "kb", "show", "cs-gas-leak", "--store", store)
    assert code == EXIT_OK
    assert out.startswith("cs-gas-leak  已发布  v1  长沙新奥燃气有限公司")
    assert "问: 闻到燃气味、怀疑燃气泄漏怎么办?" in out and "导入" in out
    code, out, _ = run(capsys, "kb", "show", "cs-gas-leak", "--store", store, "--json")
    assert json.loads(out)["entry_id"] == "cs-gas-leak"
    code, _, err = run(capsys, "kb", "show", "nope", "--store", store)
    assert code == EXIT_FAILURE and "nope" in err


def test_list_all_shows_entries_not_served(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = tmp_path / "s.sqlite3"
    run(capsys, "kb", "import", "--store", str(store))
    clerk = Actor("fund-1", Role.UNIT, unit=FUND)
    now = datetime.now(UTC)
    draft = apply_kb_command(None, CreateEntry("k-draft", "公积金新政策?", "草稿。", "住房公积金"), clerk, now)
    expired = apply_kb_command(
        None, CreateEntry("k-old", "旧政策?", "旧答复。", "住房公积金", valid_to=now + timedelta(seconds=1)), clerk, now
    )
    expired = apply_kb_command(expired, SubmitEntry("k-old"), clerk, now)
    expired = apply_kb_command(expired, PublishEntry("k-old"), Actor("c", Role.SUPERVISOR), now)
    engine = create_engine(f"sqlite:///{store}")
    KnowledgeIndex(engine).upsert([draft, expired])
    engine.dispose()
    later = (now + timedelta(days=1)).isoformat()
    _, out, _ = run(capsys, "kb", "list", "--store", str(store), "--unit", FUND, "--at", later)
    assert "k-draft" not in out and "k-old" not in out
    _, out, _ = run(capsys, "kb", "list", "--store", str(store), "--unit", FUND, "--all", "--at", later)
    statuses = {line.split("\t")[0]: line.split("\t")[1] for line in out.splitlines()}
    assert statuses["k-draft"] == "草稿/未发布" and statuses["k-old"] == "已发布/已过期"


def test_import_is_idempotent_and_refuses_bad_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = str(tmp_path / "s.sqlite3")
    code, out, _ = run(capsys, "kb", "import", "--store", store)
    assert code == EXIT_OK and "indexed into" in out
    added = int(out.split(" entries read, ")[1].split(" ")[0])
    assert added >= 30
    code, out, _ = run(capsys, "kb", "import", "--store", store)
    assert " 0 indexed" in out
    bad = tmp_path / "bad.json"
    bad.write_text('{"schema_version": 1, "entries": [{"entry_id": "x"}]}', encoding="utf-8")
    code, _, err = run(capsys, "kb", "import", str(bad), "--store", store)
    assert code == EXIT_FAILURE and err.startswith("agent-desktop: error: ") and "bad.json" in err


def test_kb_search_as_a_process(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "agent_desktop", "kb", "search", "停电", "--store", str(tmp_path / "s.sqlite3"),
         "--limit", "1"],
        capture_output=True, text=True, encoding="utf-8", timeout=60, check=False,
    )
    assert result.returncode == EXIT_OK, result.stderr
    assert result.stdout.startswith("1. 家里停电了怎么报修?")
    assert "Traceback" not in result.stderr and "Building prefix dict" not in result.stderr


def test_without_a_usable_seed_an_empty_store_warns_and_finds_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(ENV_RESOURCES, str(tmp_path / "no-resources"))
    code, out, err = run(capsys, "kb", "search", "公积金", "--store", str(tmp_path / "s.sqlite3"))
    assert code == EXIT_OK and "没有找到" in out
    assert "warning" in err and "not found" in err
