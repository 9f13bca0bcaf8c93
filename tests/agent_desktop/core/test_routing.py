"""Routing: the unit directory's validation, the shipped Changsha directory, suggestions for realistic
matters, and coordination rules (第23条) that come first and supersede each other."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from agent_desktop.core import lifecycle as lc
from agent_desktop.core.errors import ConfigError, InvalidCommand
from agent_desktop.core.routing import (
    DISTRICT_FALLBACK_SCORE,
    RoutingRule,
    UnitDirectory,
    UnitKind,
    keyword_weight,
    latest_rules,
    matched_keywords,
    normalise_text,
    routing_rules_from_mapping,
    routing_rules_from_orders,
    suggest_units,
)
from agent_desktop.core.work_order import (
    Category,
    Channel,
    Coordination,
    CoordinationDecision,
    OrderState,
    WorkOrder,
)
from agent_desktop.resources import load_unit_directory
from tests.agent_desktop.core.lifecycle_fixtures import SUPERVISOR, step, walk

TZ = ZoneInfo("Asia/Shanghai")
T0 = datetime(2025, 3, 3, 10, 0, tzinfo=TZ)

DISTRICTS = ("芙蓉区", "天心区", "岳麓区", "开福区", "雨花区", "望城区")


@pytest.fixture(scope="module")
def changsha() -> UnitDirectory:
    return load_unit_directory()


# --- a small directory for validation tests -----------------------------------------------------------------


def _unit(uid: str, **fields: Any) -> dict[str, Any]:
    unit: dict[str, Any] = {
        "id": uid,
        "name": f"{uid}单位",
        "kind": "department",
        "districts": "all",
        "categories": "all",
        "keywords": [f"{uid}事项"],
        "description": "说明",
    }
    unit.update(fields)
    return unit


def _data(*extra: dict[str, Any]) -> dict[str, Any]:
    return {
        "schema_version": 1,
        "city": "长沙市",
        "units": [
            _unit("east", name="东区人民政府", kind="district", districts=["东区"], keywords=[]),
            _unit("west", name="西区人民政府", kind="district", districts=["西区"], keywords=["拆迁"]),
            _unit("water", name="自来水公司", kind="utility", districts=["东区"], keywords=["停水", "水压"]),
            _unit("housing", name="住建局", aliases=["市住建局"], keywords=["物业", "物业费"]),
            *extra,
        ],
    }


def test_a_valid_small_directory_loads() -> None:
    directory = UnitDirectory.from_dict(_data(), source="small.json")
    assert directory.districts == ("东区", "西区")
    assert len(directory) == 4 and "water" in directory and "nobody" not in directory
    assert [u.id for u in directory] == ["east", "west", "water", "housing"]
    assert directory.by_name("市住建局").id == "housing"
    assert directory.find(" housing ") is directory.find("住建局") is directory.by_id("housing")
    assert directory.find("无此单位") is None
    assert directory.district_government("西区").id == "west"
    water = directory.by_id("water")
    assert water.covers("东区") and not water.covers("西区") and not water.is_citywide
    assert directory.by_id("housing").is_citywide
    assert directory.of_kind(UnitKind.DISTRICT) == (directory.by_id("east"), directory.by_id("west"))


def _mutate(index: int, **changes: Any) -> dict[str, Any]:
    data = _data()
    unit = data["units"][index]
    for key, value in changes.items():
        if value is _DELETE:
            del unit[key]
        else:
            unit[key] = value
    return data


_DELETE = object()


@pytest.mark.parametrize(
    ("data", "unit", "field", "fragment"),
    [
        (_mutate(3, phone="0731-12345"), "housing", "phone", "not a field"),
        (_mutate(3, keywords=_DELETE), "housing", "keywords", "missing"),
        (_mutate(3, id="Housing Bureau"), "Housing Bureau", "id", "ASCII slug"),
        (_mutate(3, id=7), "#4", "id", "ASCII slug"),
        (_mutate(3, kind="bureau"), "housing", "kind", "must be one of"),
        (_mutate(3, name="  "), "housing", "name", "non-empty"),
        (_mutate(3, description=None), "housing", "description", "non-empty"),
        (_mutate(3, districts=[]), "housing", "districts", "non-empty list"),
        (_mutate(3, districts=["北区"]), "housing", "districts", "北区"),
        (_mutate(3, categories=["urgent"]), "housing", "categories", "unknown category"),
        (_mutate(3, categories=[]), "housing", "categories", "non-empty list"),
        (_mutate(3, categories=[3]), "housing", "categories", "category codes"),
        (_mutate(3, keywords=["物"]), "housing", "keywords", "shorter than 2"),
        (_mutate(3, keywords=["物业", " 物业 "]), "housing", "keywords", "twice"),
        (_mutate(3, keywords="物业"), "housing", "keywords", "list"),
        (_mutate(3, keywords=["物业", 5]), "housing", "keywords", "must hold text"),
        (_mutate(3, keywords=[]), "housing", "keywords", "must list the words"),
        (_mutate(3, aliases=["住建局"]), "housing", "aliases", "repeats the unit's name"),
        (_mutate(0, districts=["东区", "西区"]), "east", "districts", "exactly itself"),
        (_mutate(0, districts="all"), "east", "districts", "must list the districts"),
        (_data(_unit("park", kind="park", districts="all")), "park", "districts", "must list the districts"),
        (_data(_unit("park", kind="park", districts=["南区"])), "park", "districts", "南区"),
        (_data(_unit("water")), "water", "id", "two units"),
        (_data(_unit("other", name="住建局")), "other", "name", "already a name of unit 'housing'"),
        (_data(_unit("other", aliases=["市住建局"])), "other", "name", "already a name of unit 'housing'"),
        (
            _data(_unit("east2", kind="district", districts=["东区"])),
            "east2",
            "districts",
            "already has a government",
        ),
        (_data("not a unit"), "#5", "(unit)", "must be an object"),  # type: ignore[arg-type]
    ],
)
def test_directory_mistakes_name_the_unit_and_the_field(
    data: dict[str, Any], unit: str, field: str, fragment: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        UnitDirectory.from_dict(data, source="units.json")
    error = caught.value
    assert error.code == "bad_unit_directory"
    assert error.details == {"unit": unit, "field": field}
    assert "units.json" in error.message and repr(unit) in error.message and fragment in error.message


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ([], "JSON object"),
        ({**_data(), "version": 2}, "unknown top-level key(s): version"),
        ({**_data(), "schema_version": 2}, "schema_version must be 1"),
        ({**_data(), "city": 1}, "city must be text"),
        ({**_data(), "units": {}}, "units must be a list"),
        ({**_data(), "units": []}, "lists no units"),
    ],
)
def test_directory_level_mistakes_are_config_errors(data: Any, fragment: str) -> None:
    with pytest.raises(ConfigError, match=r"units\.json") as caught:
        UnitDirectory.from_dict(data, source="units.json")
    assert fragment in caught.value.message


def test_lookups_of_unknown_units_and_districts_are_refused() -> None:
    directory = UnitDirectory.from_dict(_data(), source="small.json")
    with pytest.raises(InvalidCommand) as by_id:
        directory.by_id("nobody")
    assert by_id.value.code == "unknown_unit"
    with pytest.raises(InvalidCommand, match="无此单位"):
        directory.by_name("无此单位")
    with pytest.raises(InvalidCommand) as district:
        directory.district_government("北区")
    assert district.value.code == "unknown_district"
    assert district.value.details["known"] == ["东区", "西区"]
    assert "东区、西区" in district.value.message


def test_the_source_data_is_not_changed_by_loading() -> None:
    data = _data()
    before = copy.deepcopy(data)
    UnitDirectory.from_dict(data)
    assert data == before


# --- the shipped Changsha directory -------------------------------------------------------------------------


def test_the_shipped_directory_has_every_district_county_and_city(changsha: UnitDirectory) -> None:
    assert changsha.city == "长沙市"
    assert changsha.districts == (*DISTRICTS, "长沙县", "浏阳市", "宁乡市")
    for district in DISTRICTS:
        assert changsha.district_government(district).kind is UnitKind.DISTRICT
    assert changsha.district_government("长沙县").kind is UnitKind.COUNTY
    assert changsha.district_government("浏阳市").kind is UnitKind.COUNTY_CITY
    assert changsha.district_government("宁乡市").kind is UnitKind.COUNTY_CITY
    assert changsha.by_name("芙蓉区").name == "芙蓉区人民政府"


def test_the_shipped_directory_has_the_new_area_and_the_parks(changsha: UnitDirectory) -> None:
    new_area = changsha.by_name("湘江新区")
    assert new_area.kind is UnitKind.NEW_AREA
    assert new_area.districts == ("岳麓区", "望城区", "宁乡市")
    parks = {
        "长沙经开区": "长沙县",
        "长沙高新区": "岳麓区",
        "望城经开区": "望城区",
        "宁乡经开区": "宁乡市",
        "浏阳经开区": "浏阳市",
        "金霞经开区": "开福区",
        "长沙临空经济示范区": "长沙县",
    }
    for name, district in parks.items():
        park = changsha.by_name(name)
        assert park.kind is UnitKind.PARK and park.covers(district), name
    assert len(changsha.of_kind(UnitKind.PARK)) >= 7


@pytest.mark.parametrize(
    "name",
    [
        "市住建局",
        "市自然资源和规划局",
        "市生态环境局",
        "市城管执法局",
        "市市场监管局",
        "市人社局",
        "市医保局",
        "市教育局",
        "市卫健委",
        "市公安局",
        "市交警支队",
        "市交通运输局",
        "市民政局",
        "市住房公积金管理中心",
        "市水利局",
        "市农业农村局",
        "市商务局",
        "市文旅广电局",
        "市税务局",
        "市应急管理局",
        "市司法局",
        "市退役军人事务局",
        "市发改委",
        "市数据资源局",
        "市消防救援支队",
        "市邮政管理局",
    ],
)
def test_the_shipped_directory_has_the_departments_the_hotline_dispatches_to(
    changsha: UnitDirectory, name: str
) -> None:
    unit = changsha.by_name(name)
    assert unit.kind is UnitKind.DEPARTMENT and unit.is_citywide
    assert 10 <= len(unit.keywords) <= 40, (name, len(unit.keywords))


@pytest.mark.parametrize(
    "name",
    [
        "长沙水业集团",
        "国网长沙供电公司",
        "新奥燃气",
        "长沙地铁",
        "长沙公交集团",
        "长沙电信",
        "长沙移动",
        "长沙联通",
        "长沙有线",
    ],
)
def test_the_shipped_directory_has_the_public_utilities(changsha: UnitDirectory, name: str) -> None:
    unit = changsha.by_name(name)
    assert unit.kind is UnitKind.UTILITY
    assert len(unit.keywords) >= 10


def test_the_shipped_directory_is_large_and_every_unit_is_described(changsha: UnitDirectory) -> None:
    assert len(changsha) >= 45
    for unit in changsha:
        assert unit.description and unit.id.isascii()
        if not unit.kind.is_district_government:
            assert unit.keywords, unit.id


# --- suggestions for realistic matters ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("category", "district", "text", "lead"),
    [
        (Category.HELP, "岳麓区", "家里停水两天了,水压也很低", "water_group"),
        (Category.CONSULTATION, "开福区", "想咨询一下租房提取公积金需要什么材料", "housing_fund"),
        (Category.COMPLAINT, "芙蓉区", "小区楼下广场舞每天晚上十点还在放音乐,噪音扰民", "city_police"),
        (Category.COMPLAINT, "芙蓉区", "旁边工地夜间施工,凌晨两点还在打桩", "city_urban_mgmt"),
        (Category.COMPLAINT, "天心区", "路口有流动摊贩占道经营,堵得过不去", "city_urban_mgmt"),
        (Category.REPORT, "雨花区", "小区旁边有个黑诊所无证行医", "city_health"),
        (Category.CONSULTATION, "岳麓区", "孩子明年上小学,学位和入学划片怎么查", "city_education"),
        (Category.COMPLAINT, "雨花区", "物业费涨了,物业服务却越来越差", "city_housing"),
        (Category.COMPLAINT, "长沙县", "公司拖欠工资三个月,劳动报酬一直不发", "city_hrss"),
        (Category.CONSULTATION, "天心区", "在外地住院,异地就医的医保报销比例是多少", "city_medicare"),
        (Category.CONSULTATION, "开福区", "户口迁移到长沙落户需要什么手续", "city_police"),
        (Category.HELP, "开福区", "家里天然气点不着火,燃气表也不走字", "xinao_gas"),
        (Category.COMPLAINT, "岳麓区", "地铁站出口的扶梯坏了一个星期没人修", "metro"),
        (Category.COMPLAINT, "雨花区", "公交车司机甩站,到站不停站", "bus_group"),
        (Category.HELP, "望城区", "小区最近频繁停电,冰箱里的东西都坏了", "power_supply"),
        (Category.COMPLAINT, "芙蓉区", "火车站出租车司机拒载还绕路", "city_transport"),
        (Category.REPORT, "天心区", "超市在卖过期食品", "city_market"),
        (Category.CONSULTATION, "浏阳市", "家里困难,低保怎么申请", "city_civil_affairs"),
        (Category.COMPLAINT, "开福区", "快递丢失了快递员不赔", "city_postal"),
        (Category.COMPLAINT, "岳麓区", "电信宽带经常断网", "telecom"),
        (Category.CONSULTATION, "芙蓉区", "个税汇算怎么申请退税", "city_tax"),
        (Category.REPORT, "浏阳市", "村里有人非法储存烟花爆竹", "city_emergency"),
        (Category.COMPLAINT, "天心区", "楼道里有人飞线充电,电动车充电很危险", "city_fire_rescue"),
        (Category.CONSULTATION, "开福区", "退役军人优待证在哪里办", "city_veterans"),
        (Category.COMPLAINT, "岳麓区", "自来水有异味,烧开了也有", "water_group"),
        (Category.REPORT, "宁乡市", "有人在河道里非法采砂", "city_water_resources"),
        (Category.COMPLAINT, "雨花区", "化工厂晚上偷排废气,臭味刺鼻", "city_ecology"),
        (Category.REPORT, "望城区", "山上有人乱砍滥伐", "city_forestry"),
    ],
)
def test_realistic_matters_get_the_expected_lead_unit_first(
    changsha: UnitDirectory, category: Category, district: str, text: str, lead: str
) -> None:
    suggestions = suggest_units(changsha, category=category, district=district, text=text)
    assert suggestions[0].unit.id == lead, [(s.unit.id, s.score, s.reasons) for s in suggestions]
    assert suggestions[0].matched_keywords and any("关键词" in r for r in suggestions[0].reasons)
    # the district's government stays in the list as the territorial co-unit
    government = changsha.district_government(district)
    assert government in [s.unit for s in suggestions]
    assert suggestions[0].score > next(s.score for s in suggestions if s.unit is government)


def test_suggestions_are_ordered_by_score_and_say_why(changsha: UnitDirectory) -> None:
    suggestions = suggest_units(
        changsha, category=Category.HELP, district="岳麓区", text="家里 停水 水压 很低"
    )
    first, second = suggestions[:2]
    assert first.unit.id == "water_group" and first.matched_keywords == ("停水", "水压")
    assert first.score == keyword_weight("停水") + keyword_weight("水压") == 4.0
    assert first.reasons == ("关键词: 停水、水压", "服务范围含岳麓区")
    assert second.unit.id == "yuelu" and second.score == DISTRICT_FALLBACK_SCORE
    assert second.reasons == ("属地: 诉求发生在岳麓区, 由属地政府办理或会同办理",)
    assert [s.score for s in suggestions] == sorted((s.score for s in suggestions), reverse=True)


def test_without_any_department_match_the_district_government_is_the_fallback(
    changsha: UnitDirectory,
) -> None:
    suggestions = suggest_units(
        changsha, category=Category.HELP, district="岳麓区", text="门口的公共座椅坏了很久没人修"
    )
    assert [s.unit.id for s in suggestions] == ["yuelu"]
    assert suggestions[0].reasons == ("属地兜底: 未匹配到对口部门或公共服务单位, 按属地原则由岳麓区办理",)


def test_a_department_that_matches_beats_the_district_government_even_with_its_own_words(
    changsha: UnitDirectory,
) -> None:
    # 社区 is a word of the district government; 停水 is the water company's
    suggestions = suggest_units(changsha, category=Category.HELP, district="岳麓区", text="我们社区停水了")
    assert [s.unit.id for s in suggestions[:2]] == ["water_group", "yuelu"]
    assert suggestions[1].matched_keywords == ("社区",)


def test_a_district_government_outside_the_matters_district_is_never_suggested(
    changsha: UnitDirectory,
) -> None:
    suggestions = suggest_units(
        changsha, category=Category.COMPLAINT, district="芙蓉区", text="岳麓区那边的拆迁安置房一直没有交付"
    )
    assert suggestions[0].unit.id == "furong"
    assert "yuelu" not in [s.unit.id for s in suggestions]
    # the same words of every district government, in every district: only that district's own units appear
    territorial_kinds = [kind for kind in UnitKind if kind.is_territorial]
    every_word = "、".join(sorted({k for u in changsha.of_kind(*territorial_kinds) for k in u.keywords}))
    for district in changsha.districts:
        found = suggest_units(changsha, category=None, district=district, text=every_word, limit=100)
        territorial = [s.unit for s in found if s.unit.kind.is_territorial]
        assert territorial and all(u.covers(district) for u in territorial), district


def test_a_park_in_the_district_is_suggested_on_its_words(changsha: UnitDirectory) -> None:
    suggestions = suggest_units(
        changsha, category=Category.COMPLAINT, district="岳麓区", text="麓谷一家企业拖欠工资"
    )
    assert [s.unit.id for s in suggestions] == ["city_hrss", "park_changsha_hitech", "yuelu"]
    assert "属地: 管辖范围含岳麓区" in suggestions[1].reasons
    elsewhere = suggest_units(
        changsha, category=Category.COMPLAINT, district="开福区", text="麓谷一家企业拖欠工资"
    )
    assert "park_changsha_hitech" not in [s.unit.id for s in elsewhere]


def test_a_park_matching_alone_comes_before_its_district_government(changsha: UnitDirectory) -> None:
    suggestions = suggest_units(
        changsha, category=Category.SUGGESTION, district="岳麓区", text="麓谷片区建议多种树"
    )
    assert [s.unit.id for s in suggestions] == ["park_changsha_hitech", "yuelu"]
    assert suggestions[0].reasons == ("关键词: 麓谷", "属地: 管辖范围含岳麓区")
    assert suggestions[1].reasons == ("属地兜底: 未匹配到对口部门或公共服务单位, 按属地原则由岳麓区办理",)


def test_a_utility_is_suggested_only_inside_its_service_area(changsha: UnitDirectory) -> None:
    urban = suggest_units(changsha, category=Category.HELP, district="开福区", text="停水了")
    assert urban[0].unit.id == "water_group"
    county = suggest_units(changsha, category=Category.HELP, district="长沙县", text="星沙这边停水了")
    assert [s.unit.id for s in county] == ["changsha_county"]
    assert county[0].reasons[0].startswith("属地兜底")


def test_without_a_district_no_territorial_unit_is_suggested(changsha: UnitDirectory) -> None:
    suggestions = suggest_units(changsha, category=None, district=None, text="公积金贷款额度怎么算,社区拆迁")
    assert suggestions[0].unit.id == "housing_fund"
    assert all(not s.unit.kind.is_territorial for s in suggestions)
    assert suggest_units(changsha, category=None, district=None, text="今天天气不错") == []


def test_an_unusual_category_halves_the_score_and_says_so(changsha: UnitDirectory) -> None:
    text = "中国电信宽带断网"
    complaint = suggest_units(changsha, category=Category.COMPLAINT, district="岳麓区", text=text)[0]
    report = suggest_units(changsha, category=Category.REPORT, district="岳麓区", text=text)[0]
    assert complaint.unit.id == report.unit.id == "telecom"
    assert report.score == complaint.score / 2
    assert "「举报」不是该单位常办的诉求类型, 分值减半" in report.reasons
    assert not any("常办" in r for r in complaint.reasons)


def test_a_report_of_telecom_fraud_goes_to_the_police_not_the_carrier(changsha: UnitDirectory) -> None:
    suggestions = suggest_units(
        changsha, category=Category.REPORT, district="岳麓区", text="有人冒充客服电信诈骗"
    )
    assert suggestions[0].unit.id == "city_police"


def test_longer_keywords_win_where_matches_overlap() -> None:
    text = normalise_text("公积金贷款额度")
    assert matched_keywords(["贷款", "公积金", "公积金贷款"], text) == ("公积金贷款",)
    assert matched_keywords(["噪音", "扰民"], normalise_text("扰民的噪音,噪音")) == ("扰民", "噪音")
    assert matched_keywords(["停水"], "") == ()
    assert keyword_weight("公积金提取") > keyword_weight("公积金") + keyword_weight("提取")


def test_transcript_spacing_width_and_case_do_not_hide_a_keyword(changsha: UnitDirectory) -> None:
    spoken = suggest_units(
        changsha, category=Category.CONSULTATION, district=None, text="租房 提取 公积金 怎么 办"
    )
    assert spoken[0].unit.id == "housing_fund" and "租房提取" in spoken[0].matched_keywords
    wide = suggest_units(changsha, category=Category.COMPLAINT, district=None, text="楼下ＫＴＶ营业到凌晨")
    assert wide[0].unit.id == "city_culture_tourism"
    assert (
        suggest_units(changsha, category=None, district=None, text="ktv")[0].unit.id == "city_culture_tourism"
    )


def test_an_unknown_district_is_refused_with_the_known_ones(changsha: UnitDirectory) -> None:
    with pytest.raises(InvalidCommand) as caught:
        suggest_units(changsha, category=Category.HELP, district="星沙", text="停水")
    assert caught.value.code == "unknown_district"
    assert caught.value.details["known"] == list(changsha.districts)
    assert "岳麓区" in caught.value.message and "宁乡市" in caught.value.message


def test_the_district_government_keeps_the_last_place_when_units_crowd_the_list(
    changsha: UnitDirectory,
) -> None:
    text = "电信宽带经常断网"  # all three carriers match on 宽带、断网
    ranked = suggest_units(changsha, category=Category.COMPLAINT, district="岳麓区", text=text, limit=10)
    assert [s.unit.id for s in ranked] == ["telecom", "mobile", "unicom", "yuelu"]
    three = suggest_units(changsha, category=Category.COMPLAINT, district="岳麓区", text=text)
    assert [s.unit.id for s in three] == ["telecom", "mobile", "yuelu"]
    two = suggest_units(changsha, category=Category.COMPLAINT, district="岳麓区", text=text, limit=2)
    assert [s.unit.id for s in two] == ["telecom", "yuelu"]
    one = suggest_units(changsha, category=Category.COMPLAINT, district="岳麓区", text=text, limit=1)
    assert [s.unit.id for s in one] == ["telecom"]
    # rules are never displaced for it
    rules = [RoutingRule(("断网",), "mobile", T0), RoutingRule(("宽带",), "unicom", T0 + timedelta(days=1))]
    ruled = suggest_units(changsha, category=None, district="岳麓区", text=text, rules=rules, limit=2)
    assert [s.unit.id for s in ruled] == ["unicom", "mobile"]


def test_the_limit_bounds_the_list_and_must_be_positive(changsha: UnitDirectory) -> None:
    text = "电信宽带断网"
    assert len(suggest_units(changsha, category=None, district="岳麓区", text=text, limit=1)) == 1
    assert len(suggest_units(changsha, category=None, district="岳麓区", text=text, limit=10)) == 4
    with pytest.raises(InvalidCommand, match="limit"):
        suggest_units(changsha, category=None, district="岳麓区", text=text, limit=0)


# --- coordination rules (第23条) ----------------------------------------------------------------------------


def _order(order_id: str, decision: CoordinationDecision | None) -> WorkOrder:
    coordination = Coordination(opened_at=T0, reason="职责不清", decision=decision)
    return WorkOrder(order_id=order_id, channel=Channel.PHONE, created_at=T0, coordination=coordination)


def _decision(lead: str, *keywords: str, days: int = 0, **fields: Any) -> CoordinationDecision:
    return CoordinationDecision(
        lead_unit=lead, decided_at=T0 + timedelta(days=days), keywords=keywords, **fields
    )


BIKES = "共享单车乱停乱放,把人行道都堵了"


def test_a_coordination_rule_overrides_the_keyword_suggestion(changsha: UnitDirectory) -> None:
    by_keywords = suggest_units(changsha, category=Category.COMPLAINT, district="岳麓区", text=BIKES)
    assert by_keywords[0].unit.id == "city_transport"

    rules = routing_rules_from_orders(
        [_order("WO-9", _decision("市城管执法局", "共享单车", basis="市政府协调会议纪要〔2025〕3号"))]
    )
    suggestions = suggest_units(
        changsha, category=Category.COMPLAINT, district="岳麓区", text=BIKES, rules=rules
    )
    first = suggestions[0]
    assert first.unit.id == "city_urban_mgmt" and first.rule is rules[0]
    assert first.reasons[0] == (
        "第23条协调确定: 2025-03-03 决定「共享单车」类事项由市城管执法局牵头; "
        "依据: 市政府协调会议纪要〔2025〕3号; 来源工单 WO-9"
    )
    # the rule's unit comes first even though the transport bureau's keywords weigh more
    assert first.score < by_keywords[0].score
    assert [s.unit.id for s in suggestions[1:]] == ["city_transport", "yuelu"]


def test_a_later_decision_of_the_same_kind_supersedes_the_earlier(changsha: UnitDirectory) -> None:
    earlier = _order("WO-1", _decision("city_transport", "共享单车", "单车乱停"))
    later = _order("WO-2", _decision("city_urban_mgmt", "单车乱停", "共享单车", days=30))
    for orders in ([earlier, later], [later, earlier]):
        rules = routing_rules_from_orders(orders)
        assert len(rules) == 1 and rules[0].order_id == "WO-2"
        first = suggest_units(changsha, category=None, district="岳麓区", text=BIKES, rules=rules)[0]
        assert first.unit.id == "city_urban_mgmt"


def test_decisions_of_different_kinds_all_stand_and_the_specific_one_comes_first(
    changsha: UnitDirectory,
) -> None:
    citywide = _order("WO-1", _decision("city_transport", "共享单车", days=5))
    local = _order("WO-2", _decision("岳麓区人民政府", "共享单车", district="岳麓区"))
    undecided = _order("WO-3", None)
    rules = routing_rules_from_orders([citywide, local, undecided])
    assert [r.order_id for r in rules] == ["WO-2", "WO-1"]
    in_yuelu = suggest_units(changsha, category=None, district="岳麓区", text=BIKES, rules=rules)
    assert [s.unit.id for s in in_yuelu[:2]] == ["yuelu", "city_transport"]
    assert in_yuelu[0].rule is not None and in_yuelu[0].rule.order_id == "WO-2"
    in_kaifu = suggest_units(changsha, category=None, district="开福区", text=BIKES, rules=rules)
    assert in_kaifu[0].unit.id == "city_transport" and in_kaifu[0].rule is not None
    assert "yuelu" not in [s.unit.id for s in in_kaifu]


def test_a_unit_named_by_several_matching_rules_appears_once_with_the_best_rule(
    changsha: UnitDirectory,
) -> None:
    general = RoutingRule(("共享单车",), "city_urban_mgmt", T0 + timedelta(days=9), order_id="A")
    local = RoutingRule(("共享单车",), "市城管执法局", T0, district="岳麓区", order_id="B")
    suggestions = suggest_units(
        changsha, category=None, district="岳麓区", text=BIKES, rules=[general, local]
    )
    assert [s.unit.id for s in suggestions].count("city_urban_mgmt") == 1
    assert suggestions[0].rule is local


def test_a_rule_applies_only_to_its_category_and_district(changsha: UnitDirectory) -> None:
    rule = RoutingRule(
        keywords=("共享单车",),
        lead_unit="city_urban_mgmt",
        decided_at=T0,
        category=Category.COMPLAINT,
        district="岳麓区",
    )
    assert rule.matched_terms(category=Category.COMPLAINT, district="岳麓区", text=BIKES) == ("共享单车",)
    assert rule.matched_terms(category=Category.SUGGESTION, district="岳麓区", text=BIKES) == ()
    assert rule.matched_terms(category=None, district="岳麓区", text=BIKES) == ()
    assert rule.matched_terms(category=Category.COMPLAINT, district="开福区", text=BIKES) == ()
    assert rule.matched_terms(category=Category.COMPLAINT, district="岳麓区", text="电动车") == ()
    other = suggest_units(changsha, category=Category.SUGGESTION, district="岳麓区", text=BIKES, rules=[rule])
    assert other[0].unit.id == "city_transport" and other[0].rule is None


def test_a_term_joined_with_plus_needs_all_its_words() -> None:
    rule = RoutingRule(keywords=("电动车+楼道", "飞线充电"), lead_unit="city_fire_rescue", decided_at=T0)
    assert rule.matched_terms(category=None, district=None, text="楼道 里 停 电动车") == ("楼道+电动车",)
    assert rule.matched_terms(category=None, district=None, text="电动车被偷了") == ()
    assert rule.matched_terms(category=None, district=None, text="有人飞线充电") == ("飞线充电",)
    # the order of the words in a term does not make another kind
    assert rule.kind == RoutingRule(("楼道+电动车", "飞线充电"), "city_fire_rescue", T0).kind


def test_rules_naming_units_or_districts_the_directory_lacks_are_config_errors(
    changsha: UnitDirectory,
) -> None:
    ghost = RoutingRule(keywords=("无关",), lead_unit="市不存在局", decided_at=T0, order_id="WO-5")
    with pytest.raises(ConfigError) as caught:
        suggest_units(changsha, category=None, district="岳麓区", text="停水", rules=[ghost])
    assert caught.value.code == "unknown_rule_unit" and "市不存在局" in caught.value.message
    assert caught.value.details == {"unit": "市不存在局", "order_id": "WO-5"}
    elsewhere = RoutingRule(keywords=("停水",), lead_unit="water_group", decided_at=T0, district="星沙")
    with pytest.raises(ConfigError, match="星沙"):
        suggest_units(changsha, category=None, district="岳麓区", text="停水", rules=[elsewhere])


@pytest.mark.parametrize(
    ("fields", "fragment"),
    [
        ({"keywords": ()}, "keywords"),
        ({"keywords": (" ", "+")}, "keywords"),
        ({"lead_unit": "  "}, "lead unit"),
        ({"decided_at": datetime(2025, 3, 3, 10, 0)}, "UTC offset"),  # naive on purpose
    ],
)
def test_a_malformed_rule_is_refused(fields: dict[str, Any], fragment: str) -> None:
    values: dict[str, Any] = {
        "keywords": ("共享单车",),
        "lead_unit": "city_transport",
        "decided_at": T0,
        **fields,
    }
    with pytest.raises(InvalidCommand, match=fragment):
        RoutingRule(**values)


def test_latest_rules_keeps_input_order_for_decisions_at_the_same_moment() -> None:
    first = RoutingRule(("共享单车",), "city_transport", T0, order_id="A")
    second = RoutingRule(("共享单车",), "city_urban_mgmt", T0, order_id="B")
    assert latest_rules([first, second]) == (second,)
    assert latest_rules([second, first]) == (first,)


def test_a_decision_taken_through_the_lifecycle_becomes_a_rule(changsha: UnitDirectory) -> None:
    order, now = walk(OrderState.COORDINATION)
    order = step(
        order,
        lc.DecideCoordination(
            "市住建局", ("夜间施工", "噪音"), category=Category.COMPLAINT, basis="市政府专题协调会"
        ),
        SUPERVISOR,
        now,
    )
    [rule] = routing_rules_from_orders([order])
    assert (rule.lead_unit, rule.order_id, rule.category) == ("市住建局", order.order_id, Category.COMPLAINT)
    text = "工地夜间施工噪音很大"
    assert suggest_units(changsha, category=Category.COMPLAINT, district="岳麓区", text=text)[0].unit.id == (
        "city_urban_mgmt"
    )
    ruled = suggest_units(changsha, category=Category.COMPLAINT, district="岳麓区", text=text, rules=[rule])
    assert ruled[0].unit.id == "city_housing" and ruled[0].rule == rule


def test_rules_from_a_decisions_mapping() -> None:
    data = {
        "decisions": [
            {
                "lead_unit": "city_transport",
                "decided_at": "2025-01-02T09:00:00+08:00",
                "keywords": ["共享单车"],
            },
            {
                "lead_unit": "city_urban_mgmt",
                "decided_at": "2025-02-02T09:00:00+08:00",
                "keywords": ["共享单车"],
                "category": "投诉",
                "district": "岳麓区",
                "basis": "纪要",
                "order_id": "WO-7",
            },
            {
                "lead_unit": "city_urban_mgmt",
                "decided_at": "2025-03-02T09:00:00+08:00",
                "keywords": ["共享单车"],
            },
        ]
    }
    rules = routing_rules_from_mapping(data, source="rules.json")
    assert [(r.lead_unit, r.category, r.district) for r in rules] == [
        ("city_urban_mgmt", Category.COMPLAINT, "岳麓区"),
        ("city_urban_mgmt", None, None),
    ]


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ([], "one key"),
        ({"decisions": [], "extra": 1}, "one key"),
        ({"decisions": ["x"]}, "decisions[0] must be an object"),
        (
            {
                "decisions": [
                    {"lead_unit": "a", "decided_at": "2025-01-02T09:00+08:00", "keywords": ["k"], "who": 1}
                ]
            },
            "unknown key(s): who",
        ),
        (
            {"decisions": [{"lead_unit": "a", "decided_at": "yesterday", "keywords": ["k"]}]},
            "not an ISO 8601",
        ),
        (
            {"decisions": [{"lead_unit": "a", "decided_at": "2025-01-02T09:00", "keywords": ["k"]}]},
            "UTC offset",
        ),
        (
            {"decisions": [{"lead_unit": "a", "decided_at": "2025-01-02T09:00+08:00", "keywords": "k"}]},
            "keywords must be a list",
        ),
        (
            {"decisions": [{"lead_unit": 3, "decided_at": "2025-01-02T09:00+08:00", "keywords": ["k"]}]},
            "lead_unit must be text",
        ),
        (
            {
                "decisions": [
                    {
                        "lead_unit": "a",
                        "decided_at": "2025-01-02T09:00+08:00",
                        "keywords": ["k"],
                        "category": "求救",
                    }
                ]
            },
            "unknown category",
        ),
    ],
)
def test_a_malformed_decisions_mapping_is_a_config_error(data: Any, fragment: str) -> None:
    with pytest.raises(ConfigError, match=r"rules\.json") as caught:
        routing_rules_from_mapping(data, source="rules.json")
    assert fragment in caught.value.message and caught.value.code == "bad_rules_file"
