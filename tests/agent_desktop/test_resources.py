"""The resource loader: where `resources/` is, and every unreadable or malformed file as a ConfigError with
its path."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from agent_desktop.core import lifecycle as lc
from agent_desktop.core.errors import ConfigError
from agent_desktop.core.serialization import work_order_to_dict
from agent_desktop.core.work_order import Category, OrderState
from agent_desktop.resources import (
    ENV_RESOURCES,
    load_routing_rules,
    load_unit_directory,
    resources_dir,
)
from tests.agent_desktop.core.lifecycle_fixtures import SUPERVISOR, step, walk

REPO = Path(__file__).resolve().parents[2]

SMALL_DIRECTORY: dict[str, Any] = {
    "schema_version": 1,
    "city": "测试市",
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
            "categories": "all",
            "keywords": ["停水"],
            "description": "供水",
        },
    ],
}


@pytest.fixture(autouse=True)
def no_resources_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_RESOURCES, raising=False)


def write_json(path: Path, data: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_the_default_resources_dir_is_the_repositorys() -> None:
    assert resources_dir() == REPO / "resources"
    assert (resources_dir() / "units" / "changsha_units.json").is_file()


def test_the_environment_names_another_resources_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_json(tmp_path / "units" / "changsha_units.json", SMALL_DIRECTORY)
    monkeypatch.setenv(ENV_RESOURCES, str(tmp_path))
    assert resources_dir() == tmp_path
    directory = load_unit_directory()
    assert directory.city == "测试市" and directory.districts == ("东区",)
    assert directory.source == str(tmp_path / "units" / "changsha_units.json")


def test_an_empty_environment_variable_means_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_RESOURCES, "  ")
    assert resources_dir() == REPO / "resources"


def test_the_shipped_directory_loads_by_default() -> None:
    directory = load_unit_directory()
    assert directory.city == "长沙市" and len(directory) >= 45


def test_an_explicit_path_is_read(tmp_path: Path) -> None:
    path = write_json(tmp_path / "mine.json", SMALL_DIRECTORY)
    assert [u.id for u in load_unit_directory(path)] == ["east", "water"]
    assert [u.id for u in load_unit_directory(str(path))] == ["east", "water"]


def test_a_missing_file_is_a_config_error_with_the_path(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.json"
    with pytest.raises(ConfigError) as caught:
        load_unit_directory(path)
    assert str(path) in caught.value.message and caught.value.code == "missing_file"


def test_a_folder_instead_of_a_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read unit directory") as caught:
        load_unit_directory(tmp_path)
    assert str(tmp_path) in caught.value.message


def test_invalid_json_is_a_config_error_with_path_and_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{\n  "schema_version": 1,\n  "units": [,]\n}', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_unit_directory(path)
    assert str(path) in caught.value.message and "line 3" in caught.value.message


def test_a_file_that_is_not_utf8_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "gbk.json"
    path.write_bytes('{"city": "长沙市"}'.encode("gbk"))
    with pytest.raises(ConfigError, match="not UTF-8") as caught:
        load_unit_directory(path)
    assert str(path) in caught.value.message


def test_a_malformed_unit_names_the_file_the_unit_and_the_field(tmp_path: Path) -> None:
    data = json.loads(json.dumps(SMALL_DIRECTORY))
    data["units"][1]["kind"] = "company"
    path = write_json(tmp_path / "units.json", data)
    with pytest.raises(ConfigError) as caught:
        load_unit_directory(path)
    assert str(path) in caught.value.message
    assert caught.value.details == {"unit": "water", "field": "kind"}


def test_rules_from_a_decisions_file(tmp_path: Path) -> None:
    path = write_json(
        tmp_path / "rules.json",
        {
            "decisions": [
                {
                    "lead_unit": "city_urban_mgmt",
                    "decided_at": "2025-02-02T09:00:00+08:00",
                    "keywords": ["共享单车"],
                },
            ]
        },
    )
    [rule] = load_routing_rules(path)
    assert rule.lead_unit == "city_urban_mgmt" and rule.keywords == ("共享单车",)


def _decided_order_dict(lead: str, keywords: tuple[str, ...]) -> dict[str, Any]:
    order, now = walk(OrderState.COORDINATION)
    order = step(order, lc.DecideCoordination(lead, keywords, category=Category.COMPLAINT), SUPERVISOR, now)
    return work_order_to_dict(order)


def test_rules_from_a_file_of_work_orders(tmp_path: Path) -> None:
    order = _decided_order_dict("市住建局", ("夜间施工",))
    for data in ({"orders": [order]}, [order]):
        [rule] = load_routing_rules(write_json(tmp_path / "orders.json", data))
        assert (rule.lead_unit, rule.order_id, rule.keywords) == (
            "市住建局",
            order["order_id"],
            ("夜间施工",),
        )


def test_a_stored_decision_without_keywords_is_a_config_error(tmp_path: Path) -> None:
    order = _decided_order_dict("市住建局", ("夜间施工",))
    order["coordination"]["decision"]["keywords"] = []
    path = write_json(tmp_path / "orders.json", [order])
    with pytest.raises(ConfigError, match="keywords") as caught:
        load_routing_rules(path)
    assert str(path) in caught.value.message


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ({"rules": []}, "expected"),
        ("text", "expected"),
        ([{"order_id": "WO-1"}], "orders[0]"),
        ({"decisions": [{"lead_unit": "a"}]}, "decisions[0]"),
    ],
)
def test_a_malformed_rules_file_is_a_config_error_with_the_path(
    tmp_path: Path, data: Any, fragment: str
) -> None:
    path = write_json(tmp_path / "rules.json", data)
    with pytest.raises(ConfigError) as caught:
        load_routing_rules(path)
    assert str(path) in caught.value.message and fragment in caught.value.message


def test_a_missing_rules_file_is_a_config_error_with_the_path(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="routing rules file not found") as caught:
        load_routing_rules(tmp_path / "none.json")
    assert str(tmp_path / "none.json") in caught.value.message
