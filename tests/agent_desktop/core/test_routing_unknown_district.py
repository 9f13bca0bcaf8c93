"""`suggest_units` when the caller names no district: a department or utility that serves only part of the city
(the bus company, the water company, the gas company) is still suggested on its keywords — ranked by the same
score as always — with a reason saying the district is unknown; territorial units stay out."""

from __future__ import annotations

from typing import Any

import pytest

from agent_desktop.core.routing import UnitDirectory, suggest_units
from agent_desktop.core.work_order import Category
from agent_desktop.resources import load_unit_directory


@pytest.fixture(scope="module")
def changsha() -> UnitDirectory:
    return load_unit_directory()


def _small() -> UnitDirectory:
    def unit(uid: str, **fields: Any) -> dict[str, Any]:
        return {"id": uid, "name": uid, "kind": "department", "districts": "all", "categories": "all",
                "keywords": [f"{uid}事项"], "description": "说明", **fields}  # fmt: skip

    return UnitDirectory.from_dict(
        {
            "schema_version": 1,
            "units": [
                unit("east", name="东区人民政府", kind="district", districts=["东区"], keywords=[]),
                unit("west", name="西区人民政府", kind="district", districts=["西区"], keywords=["停水"]),
                unit("water", name="自来水公司", kind="utility", districts=["东区"], keywords=["停水", "水压"]),
                unit("housing", name="住建局", keywords=["物业", "停水通知"]),
            ],
        },
        source="small.json",
    )


def test_a_bus_complaint_without_a_district_gets_the_bus_company(changsha: UnitDirectory) -> None:
    suggestions = suggest_units(
        changsha, category=Category.PRAISE, district=None, text="我想表扬一下十六路公交车的司机师傅"
    )
    assert suggestions[0].unit.id == "bus_group"
    reasons = suggestions[0].reasons
    assert any(r.startswith("区域未知") and "芙蓉区" in r and "望城区" in r for r in reasons), reasons
    assert all(not s.unit.kind.is_territorial for s in suggestions)


def test_with_a_known_district_the_service_area_still_decides(changsha: UnitDirectory) -> None:
    inside = suggest_units(changsha, category=Category.HELP, district="开福区", text="停水了")
    assert inside[0].unit.id == "water_group"
    assert not any(r.startswith("区域未知") for r in inside[0].reasons)
    outside = suggest_units(changsha, category=Category.HELP, district="长沙县", text="停水了")
    assert "water_group" not in [s.unit.id for s in outside]


def test_the_ranking_is_the_usual_score_and_territorial_units_stay_out() -> None:
    directory = _small()
    suggestions = suggest_units(directory, category=None, district=None, text="停水通知没贴就停水,水压也低")
    # the utility's 停水+水压 (2 + 2) against the department's longer 停水通知 (8): the score orders them
    assert [s.unit.id for s in suggestions] == ["housing", "water"]
    assert suggestions[1].score == 4.0
    assert suggestions[1].reasons == ("关键词: 停水、水压", "区域未知: 该单位仅服务东区, 请核实诉求发生地")
    assert "west" not in [s.unit.id for s in suggestions]  # a district government's keyword needs its district
    assert suggest_units(directory, category=None, district=None, text="今天天气不错") == []


def test_a_limited_unit_without_a_keyword_is_not_suggested() -> None:
    assert suggest_units(_small(), category=None, district=None, text="物业不作为")[0].unit.id == "housing"
    assert "water" not in [s.unit.id for s in suggest_units(_small(), category=None, district=None, text="物业")]
