"""The general causes found on blind12 (issue 14, fourth round; docs/speech.md "Fourth round"), each checked on
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


def test_an_opinion_about_a_public_servants_conduct_is_criticism_and_a_proposal_stays_a_suggestion() -> None:
    criticism = prefill("我 要 提 意见 车管所 窗口 那个 人 态度 太 差 了 问 三 句 答 一 句")
    assert criticism.category is Category.CRITICISM
    proposal = prefill("我 想 提 个 意见 车管所 窗口 太 少 了 能不能 周末 也 开放 一下")
    assert proposal.category is Category.SUGGESTION


def test_a_cadre_holding_back_money_due_to_villagers_is_a_report_for_the_discipline_commission() -> None:
    result = prefill("我 要 反映 我们 村 的 村主任 把 上面 发 下来 的 危房 改造 补贴 扣 了 一 半 账 也 不 公开")
    assert result.category is Category.REPORT
    assert result.not_accepted_reason is NotAcceptedReason.OTHER_AUTHORITY
    # a business docking the caller's own pay is his grievance, nobody's corruption
    wages = prefill("我们 老板 把 我 的 工资 扣 了 一 半 一直 不 给")
    assert wages.not_accepted_reason is None and wages.category is Category.COMPLAINT


def test_an_answered_case_the_caller_will_not_accept_is_a_complaint_not_accepted_again() -> None:
    result = prefill("还是 上 回 那个 事 楼下 饭店 油烟 工单 上 已经 回复 了 讲 是 达标 的 我 就是 不 服")
    assert result.not_accepted_reason is NotAcceptedReason.ALREADY_HANDLED
    assert result.category is Category.COMPLAINT


def test_a_troubled_mind_is_no_illness_and_abuse_is_named_in_summary_and_keywords() -> None:
    result = prefill("我 今天 心里 不 舒服 你们 咯些 饭桶 我 就 要 骂 你们 一 顿")
    assert not result.is_emergency and result.emergency_service is None
    assert result.not_accepted_reason is NotAcceptedReason.UNLAWFUL_OR_NO_REQUEST
    assert result.category is None
    assert result.summary.startswith("辱骂") and result.keywords[0] == "辱骂"
    # feeling unwell in the body is still 120
    assert prefill("我 老伴 突然 不 舒服 脸色 发白 在 沙发 上 起 不 来").emergency_service == "120"
    chat = prefill("我 冇得 么子 事 就 想 找 个 人 聊 下 天")
    assert chat.keywords[0] == "无实质诉求"


def test_an_emergency_is_routed_to_the_unit_of_its_kind_without_putting_our_words_in_the_keywords(
    directory: UnitDirectory,
) -> None:
    fire = prefill("快 点 我 隔壁 屋里 着火 了 火苗 从 窗户 里 窜 出来 岳麓 区 望月湖", directory=directory)
    assert fire.emergency_service == "119"
    assert "city_fire_rescue" in [u.id for u in fire.suggested_units]
    assert "消防安全" not in fire.keywords
    fall = prefill("我 屋里 娭毑 摔 了 一跤 喊 她 冇得 反应 在 开福 区 湘雅 路", directory=directory)
    assert fall.emergency_service == "120"
    assert "city_health" in [u.id for u in fall.suggested_units]


def test_wildlife_for_sale_and_the_hotlines_own_service_find_their_units(directory: UnitDirectory) -> None:
    assert "city_forestry" in _units("菜市场 里面 有 人 在 卖 穿山甲 还有 野生 的 蛇 关 在 笼子 里", directory)
    assert "city_admin_approval" in _units("你们 热线 就是 个 传话筒 转 来 转 去 一个 月 了 没 人 管", directory)


def test_calling_the_hotline_before_is_a_repeat_and_calling_the_property_company_is_not() -> None:
    assert prefill("前天 我 就 打 了 你们 这个 电话 讲 楼下 的 下水道 堵 了 到 现在 没 人 来").is_repeat
    assert not prefill("前天 我 就 打 了 物业 的 电话 讲 楼下 的 下水道 堵 了 到 现在 没 人 来").is_repeat


def test_where_the_caller_works_or_goes_home_is_not_where_the_matter_is() -> None:
    aside = prefill("我 在 梅溪湖 上班 希望 地铁 晚上 能 多 开 一 个 小时 打车 回 星沙 太 贵 了")
    assert aside.district is None and aside.street is None
    home = prefill("我 住 在 梅溪湖 那边 晚上 工地 打桩 好 吵 睡 不 着")
    assert home.district == "岳麓区"
