"""`agent-desktop prefill` through the real console entry, and once as a process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from agent_desktop.cli import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, main
from asr.prefill import FIELDS

CALL = (
    "喂 你好 我 想 投诉 一下 我们 小区 旁边 工地 晚上 十一 点 多 了 还在 施工 吵 得 睡 不 着 "
    "我 住 在 岳麓区 梅溪湖 街道 金色 家园 小区 我 姓 王 电话 是 一 三 八 七 四 一 二 五 六 八 九"
)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_json_is_one_object_with_exactly_the_field_names(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "prefill", "--text", CALL, "--notes", "王先生", "--json")
    assert code == EXIT_OK, err
    data = json.loads(out)  # exactly one JSON document on stdout
    assert list(data) == [*FIELDS, "evidence"]
    assert data["category"] == "投诉"
    assert (data["surname"], data["form_of_address"]) == ("王", "先生")
    assert data["phone"] == "13874125689"
    assert (data["district"], data["street"]) == ("岳麓区", "梅溪湖街道")
    assert data["suggested_units"][0]["id"] == "city_urban_mgmt"
    assert data["evidence"]["form_of_address"] == "[备注] 先生"
    assert data["evidence"]["street"] == "梅溪湖 街道"


def test_table_in_chinese_with_the_evidence(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _err = run(capsys, "prefill", "--text", "我们这栋楼着火了，在芙蓉区五里牌街道")
    assert code == EXIT_OK
    assert "诉求类型" in out and "求助" in out
    assert "119 火警/救援" in out
    assert "第十三条第(二)项" in out
    assert "依据: 着火" in out


def test_transcript_from_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    transcript = tmp_path / "call.txt"
    transcript.write_text("坐席：您好\n市民：我想咨询一下公积金提取要什么材料", encoding="utf-8")
    code, out, _err = run(capsys, "prefill", "--file", str(transcript), "--json")
    assert code == EXIT_OK
    assert json.loads(out)["category"] == "咨询"


def test_unreadable_or_binary_file_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "prefill", "--file", str(tmp_path / "missing.txt"))
    assert (code, out) == (EXIT_FAILURE, "")
    assert err.startswith("agent-desktop: error: ") and "cannot read transcript" in err
    binary = tmp_path / "audio.wav"
    binary.write_bytes(b"RIFF\xff\xfe\x00\x80" * 10)
    code, _out, err = run(capsys, "prefill", "--file", str(binary))
    assert code == EXIT_FAILURE and "not UTF-8" in err


def test_text_or_file_is_required(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["prefill", "--json"])
    assert exit_info.value.code == EXIT_USAGE
    capsys.readouterr()


def test_empty_text_gives_empty_fields(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _err = run(capsys, "prefill", "--text", "", "--json")
    assert code == EXIT_OK
    data = json.loads(out)
    assert data["category"] is None and data["phone"] is None and data["suggested_units"] == []


def test_as_a_process_stdout_is_exactly_one_json_line() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AGENT_DESKTOP_")}
    completed = subprocess.run(
        [sys.executable, "-m", "agent_desktop", "prefill", "--text", CALL, "--json"],
        capture_output=True, text=True, encoding="utf-8", timeout=60, env=env, check=False,
    )
    assert completed.returncode == EXIT_OK, completed.stderr
    assert completed.stdout.count("\n") == 1
    assert json.loads(completed.stdout)["phone"] == "13874125689"
    assert "Building prefix dict" not in completed.stderr  # jieba's chatter stays off the seat's terminal
