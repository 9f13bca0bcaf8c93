"""`agent-desktop units`: run through the real console entry (`agent_desktop.cli.main`) and once as a
process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from agent_desktop.cli import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, main
from agent_desktop.resources import ENV_RESOURCES

WATER = [
    "units",
    "suggest",
    "--category",
    "求助",
    "--district",
    "岳麓区",
    "--text",
    "家里停水两天了,水压也很低",
]


@pytest.fixture(autouse=True)
def no_resources_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_RESOURCES, raising=False)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_suggest_prints_units_scores_and_reasons_in_chinese(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, *WATER)
    assert (code, err) == (EXIT_OK, "")
    assert out.splitlines() == [
        "建议责任单位(岳麓区 · 求助):",
        "1. 长沙水业集团有限公司(公共服务企事业单位, water_group)  分值 4",
        "   - 关键词: 停水、水压",
        "   - 服务范围含岳麓区",
        "2. 岳麓区人民政府(区, yuelu)  分值 1",
        "   - 属地: 诉求发生在岳麓区, 由属地政府办理或会同办理",
    ]


def test_suggest_json_and_limit(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, *WATER, "--json", "--limit", "1")
    assert code == EXIT_OK
    [only] = json.loads(out)
    assert only == {
        "unit_id": "water_group",
        "name": "长沙水业集团有限公司",
        "kind": "utility",
        "score": 4.0,
        "reasons": ["关键词: 停水、水压", "服务范围含岳麓区"],
        "matched_keywords": ["停水", "水压"],
        "rule": None,
    }


def test_the_category_may_be_given_as_a_code(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys,
        "units",
        "suggest",
        "--category",
        "report",
        "--district",
        "岳麓区",
        "--text",
        "中国电信宽带断网",
        "--json",
    )
    assert code == EXIT_OK
    first = json.loads(out)[0]
    assert first["unit_id"] == "telecom" and "「举报」不是该单位常办的诉求类型, 分值减半" in first["reasons"]


def test_suggest_without_category_or_district(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "units", "suggest", "--text", "公积金贷款额度怎么算")
    assert code == EXIT_OK
    assert out.splitlines()[:2] == [
        "建议责任单位:",
        "1. 长沙住房公积金管理中心(市直部门, housing_fund)  分值 12.5",
    ]
    code, out, _ = run(capsys, "units", "suggest", "--text", "今天天气不错")
    assert code == EXIT_OK and "无: 没有匹配的关键词或协调规则" in out


def test_coordination_rules_from_a_file_come_first(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = tmp_path / "rules.json"
    rules.write_text(
        json.dumps(
            {
                "decisions": [
                    {
                        "lead_unit": "市城管执法局",
                        "decided_at": "2025-03-03T10:00:00+08:00",
                        "keywords": ["共享单车"],
                        "basis": "市政府协调会议纪要",
                    },
                ]
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    argv = ["units", "suggest", "--category", "投诉", "--district", "岳麓区", "--text", "共享单车乱停乱放"]
    _, plain, _ = run(capsys, *argv)
    assert plain.splitlines()[1].startswith("1. 长沙市交通运输局")
    code, out, err = run(capsys, *argv, "--rules-from", str(rules))
    assert (code, err) == (EXIT_OK, "")
    lines = out.splitlines()
    assert lines[1].startswith("1. 长沙市城市管理和综合执法局") and lines[1].endswith("[协调规则]")
    assert lines[2].startswith("   - 第23条协调确定: 2025-03-03 决定「共享单车」类事项由市城管执法局牵头")
    _, out, _ = run(capsys, *argv, "--rules-from", str(rules), "--json")
    assert json.loads(out)[0]["rule"] == {
        "keywords": ["共享单车"],
        "lead_unit": "市城管执法局",
        "decided_at": "2025-03-03T10:00:00+08:00",
        "category": None,
        "district": None,
        "basis": "市政府协调会议纪要",
        "order_id": None,
    }


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["--district", "星沙"], "unknown district '星沙'; known districts: 芙蓉区、天心区、岳麓区"),
        (["--category", "求救"], "unknown category '求救'"),
        (["--limit", "0"], "limit must be at least 1"),
        (
            ["--rules-from", "/nonexistent/rules.json"],
            "/nonexistent/rules.json: routing rules file not found",
        ),
        (
            ["--directory", "/nonexistent/units.json"],
            "/nonexistent/units.json: unit directory file not found",
        ),
    ],
)
def test_bad_input_is_one_line_on_stderr_and_exit_1(
    capsys: pytest.CaptureFixture[str], argv: list[str], fragment: str
) -> None:
    code, out, err = run(capsys, "units", "suggest", "--text", "停水", *argv)
    assert code == EXIT_FAILURE and out == ""
    assert err.startswith("agent-desktop: error: ") and fragment in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_list_prints_every_unit_and_filters_by_kind(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "units", "list")
    assert code == EXIT_OK
    lines = out.splitlines()
    assert len(lines) >= 45
    assert lines[0] == "furong\t芙蓉区人民政府\t区\t芙蓉区"
    assert "power_supply\t国网湖南省电力有限公司长沙供电分公司\t公共服务企事业单位\t全市" in lines
    _, parks, _ = run(capsys, "units", "list", "--kind", "park")
    assert parks.splitlines() and all("\t园区\t" in line for line in parks.splitlines())
    assert "park_jinxia\t长沙金霞经济开发区管理委员会\t园区\t开福区" in parks.splitlines()


def test_list_json_with_another_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    directory = tmp_path / "units.json"
    directory.write_text(
        json.dumps(
            {
                "schema_version": 1,
                "units": [
                    {
                        "id": "east",
                        "name": "东区人民政府",
                        "kind": "district",
                        "districts": ["东区"],
                        "categories": "all",
                        "keywords": [],
                        "description": "东区",
                    },
                    {
                        "id": "water",
                        "name": "自来水公司",
                        "kind": "utility",
                        "districts": "all",
                        "categories": ["help"],
                        "keywords": ["停水"],
                        "description": "供水",
                    },
                ],
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    code, out, _ = run(capsys, "units", "list", "--json", "--directory", str(directory))
    assert code == EXIT_OK
    units = json.loads(out)
    assert [u["id"] for u in units] == ["east", "water"]
    assert units[1]["districts"] == "all" and units[1]["categories"] == ["help"]
    code, out, _ = run(
        capsys, "units", "suggest", "--district", "东区", "--text", "停水", "--directory", str(directory)
    )
    assert code == EXIT_OK and out.splitlines()[1].startswith("1. 自来水公司")


def test_an_unknown_kind_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["units", "list", "--kind", "bureau"])
    assert caught.value.code == EXIT_USAGE
    assert "invalid choice" in capsys.readouterr().err


def test_the_units_command_needs_a_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["units"])
    assert caught.value.code == EXIT_USAGE
    capsys.readouterr()


def test_python_dash_m_runs_the_suggestion(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    env.pop(ENV_RESOURCES, None)
    result = subprocess.run(
        [sys.executable, "-m", "agent_desktop", *WATER],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=tmp_path,
        env=env,
        timeout=60,
        check=False,
    )
    assert result.returncode == EXIT_OK, result.stderr
    assert result.stdout.splitlines()[1] == "1. 长沙水业集团有限公司(公共服务企事业单位, water_group)  分值 4"
    failed = subprocess.run(
        [sys.executable, "-m", "agent_desktop", "units", "suggest", "--district", "星沙", "--text", "停水"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=tmp_path,
        env=env,
        timeout=60,
        check=False,
    )
    assert failed.returncode == EXIT_FAILURE and failed.stdout == ""
    assert failed.stderr.startswith("agent-desktop: error: unknown district '星沙'")
