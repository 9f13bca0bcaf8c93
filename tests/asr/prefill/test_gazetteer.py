"""The shipped gazetteer of Changsha and its validation."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from agent_desktop.core.errors import ConfigError
from agent_desktop.resources import load_unit_directory, resources_dir
from asr.prefill.gazetteer import Gazetteer, PlaceKind

NINE = ("芙蓉区", "天心区", "岳麓区", "开福区", "雨花区", "望城区", "长沙县", "浏阳市", "宁乡市")


@pytest.fixture(scope="module")
def raw() -> Any:
    return json.loads((resources_dir() / "gazetteer" / "changsha.json").read_text(encoding="utf-8"))


def test_nine_districts_matching_the_unit_directory(raw: Any) -> None:
    gazetteer = Gazetteer(raw)
    assert gazetteer.districts == NINE
    assert set(gazetteer.districts) == set(load_unit_directory().districts)
    for district in NINE:
        assert len(gazetteer.streets_of[district]) >= 10, district


def test_yuelu_streets(raw: Any) -> None:
    streets = set(Gazetteer(raw).streets_of["岳麓区"])
    assert {"橘子洲街道", "岳麓街道", "望月湖街道", "银盆岭街道", "观沙岭街道", "西湖街道", "咸嘉湖街道", "望岳街道",
            "梅溪湖街道", "麓谷街道", "坪塘街道", "含浦街道", "天顶街道", "洋湖街道", "学士街道", "莲花镇",
            "雨敞坪镇"} <= streets


def test_street_names_are_unique_across_districts(raw: Any) -> None:
    gazetteer = Gazetteer(raw)
    names = [s for d in NINE for s in gazetteer.streets_of[d]]
    assert len(names) == len(set(names))


def test_longest_match_wins() -> None:
    gazetteer = Gazetteer.load()
    mentions = gazetteer.scan("浏阳河街道望城坡岳麓山长沙县星沙株洲")
    found = [(m.place.kind, m.place.name, m.place.district) for m in mentions]
    assert found == [
        (PlaceKind.STREET, "浏阳河街道", "开福区"),
        (PlaceKind.STREET, "望城坡街道", "岳麓区"),
        (PlaceKind.LANDMARK, "岳麓山", "岳麓区"),
        (PlaceKind.DISTRICT, "长沙县", "长沙县"),
        (PlaceKind.LANDMARK, "星沙", "长沙县"),
        (PlaceKind.OUTSIDE, "株洲", None),
    ]


def test_landmarks_of_the_brief(raw: Any) -> None:
    gazetteer = Gazetteer(raw)
    expected = {"五一广场": "芙蓉区", "橘子洲": "岳麓区", "岳麓山": "岳麓区", "梅溪湖": "岳麓区", "火车站": "芙蓉区",
                "黄花机场": "长沙县", "星沙": "长沙县", "高铁南站": "雨花区"}
    for name, district in expected.items():
        (mention,) = gazetteer.scan(name)
        assert mention.place.district == district, name


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.update(schema_version=2), "schema_version"),
        (lambda d: d["districts"][0].update(name=""), "non-empty"),
        (lambda d: d["landmarks"].append({"name": "某地", "district": "火星区"}), "unknown district"),
        (lambda d: d["landmarks"].append({"name": "某地", "district": "岳麓区", "street": "东塘街道"}), "not a street"),
        (lambda d: d.update(districts="芙蓉区"), "must be a list"),
    ],
)
def test_a_broken_gazetteer_is_a_config_error(raw: Any, mutate: Any, message: str) -> None:
    data = copy.deepcopy(raw)
    mutate(data)
    with pytest.raises(ConfigError, match=message):
        Gazetteer(data)


def test_a_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        Gazetteer.load(tmp_path / "none.json")
