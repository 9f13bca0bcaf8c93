"""The general causes found on blind13 (issue 14, fifth round; docs/speech.md "Fifth round"), each checked on
sentences written for this test and in no labelled set, with a look-alike that must not change."""

from __future__ import annotations

import pytest

from agent_desktop.core.routing import UnitDirectory
from agent_desktop.core.work_order import Category, NotAcceptedReason
from agent_desktop.resources import load_unit_directory
from asr.prefill import prefill


@pytest.fixture(scope="module")
def directory() -> UnitDirectory:
    return load_unit_directory()


def _units(text: str, directory: UnitDirectory) -> list[str]:
    return [u.id for u in prefill(text, directory=directory).suggested_units]


def test_a_blade_in_hand_seen_now_is_110_and_routed_to_the_police(directory: UnitDirectory) -> None:
    seen = "快 来 人 我们 菜市场 门口 有 个 男的 拿 着 菜刀 在 追 他 老婆 开福 区 伍家岭"
    result = prefill(seen, directory=directory)
    assert result.emergency_service == "110"
    assert result.not_accepted_reason is NotAcceptedReason.EMERGENCY_SERVICE
    assert "city_police" in [u.id for u in result.suggested_units]
    assert "持刀" in result.keywords
    # a kitchen knife bought is no weapon in hand
    bought = prefill("我 在 超市 买 了 一 把 菜刀 用 了 两 天 刀 口 就 卷 了 要 退 他们 不 肯")
    assert not bought.is_emergency


def test_a_theft_told_inside_a_time_that_is_over_is_help_not_110() -> None:
    over = prefill("我 在 火车站 排队 买票 的 时候 手机 被 人 偷 了 现在 冇得 钱 回 不 去 屋 里 你们 能 帮 下 我 冇")
    assert not over.is_emergency and over.not_accepted_reason is None
    # a theft happening as the caller speaks stays 110
    now = prefill("快 点 我 眼 看 着 一个 人 的 手机 被 人 偷 了 那个 小偷 还 在 公交 站 这里")
    assert now.emergency_service == "110"


def test_a_judges_conduct_is_the_courts_discipline_even_with_the_case_in_court() -> None:
    judge = prefill("我 的 离婚 案子 法院 立案 八 个 月 了 那个 审判员 每次 都 推 我 打 电话 过去 他 态度 恶劣 得 很")
    assert judge.not_accepted_reason is NotAcceptedReason.OTHER_AUTHORITY
    # the same case in court, asked about with no word against the judge, is still (五)
    case = prefill("我 的 离婚 案子 法院 立案 八 个 月 了 想 问 一下 一般 要 多久 才 会 开庭")
    assert case.not_accepted_reason is NotAcceptedReason.OTHER_LEGAL_CHANNEL


def test_a_foreign_embassys_refusal_is_reason_eight_and_a_favour_asked_is_help() -> None:
    refused = prefill("我 想 请 你们 帮 个 忙 我 女儿 去 日本 的 签证 被 拒 了 你们 能 不 能 跟 领事馆 讲 一下")
    assert refused.not_accepted_reason is NotAcceptedReason.OTHER_BY_LAW
    assert refused.category is Category.HELP
    # where to apply for a passport is a consultation the hotline answers
    passport = prefill("请问 一下 办 护照 要 去 哪里 办 要 带 么子 材料")
    assert passport.not_accepted_reason is None and passport.category is Category.CONSULTATION


def test_changsha_gang_for_jiang_asks_for_confidentiality_but_a_town_named_gang_does_not() -> None:
    assert prefill("河 边 有 人 晚上 偷偷 挖 沙 你们 千万 莫 港 出去 是 我 打 的 电话").is_anonymous
    town = prefill("我 是 望城 区 靖港 镇 的 河 边 有 人 晚上 偷偷 挖 沙")
    assert not town.is_anonymous and town.street == "靖港镇"


def test_calling_the_hotline_the_day_before_is_a_repeat_and_calling_the_landlord_is_not() -> None:
    assert prefill("昨天 下午 我 打 过 你们 电话 讲 路灯 不 亮 今天 还是 黑 的").is_repeat
    assert not prefill("昨天 下午 我 打 过 房东 电话 讲 路灯 不 亮 今天 还是 黑 的").is_repeat


def test_touting_unlicensed_cars_and_a_new_bus_line_go_to_the_transport_bureau(directory: UnitDirectory) -> None:
    assert "city_transport" in _units("汽车站 门口 好多 人 拉客 上 了 车 不 打表 乱 收钱", directory)
    assert "city_transport" in _units("我们 小区 到 地铁站 太 远 了 希望 能 开 一 条 直达 的 公交 线", directory)
    # a bus running late is the bus company's
    late = _units("二十 路 公交 车 等 了 四十 分钟 都 不 来 司机 还 不 停 站", directory)
    assert "bus_group" in late
