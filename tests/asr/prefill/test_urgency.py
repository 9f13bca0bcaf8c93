"""第16条 紧急 (issue 14): a matter the hotline itself accepts and must have a unit act on within hours — not an
emergency for 110/119/120/122, which is transferred (第13条(二)). The pre-fill suggests `is_urgent` with its
evidence, apart from `is_emergency`, and `Prefill.urgency` is what the work order's 紧急 flag takes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from agent_desktop.core import lifecycle as lc
from agent_desktop.core.roles import Actor, Role
from agent_desktop.core.work_order import CallLink, Category, Channel, Urgency
from agent_desktop.resources import load_unit_directory
from asr.prefill import prefill
from tests.agent_desktop.core.lifecycle_fixtures import CTX, T0


@pytest.mark.parametrize(
    ("text", "evidence_word"),
    [
        ("喂 芙蓉 区 韶山 路 上 那个 供水 管子 爆 了 水 往 上 喷 马路 都 淹 了 车 都 过 不去", "爆"),
        ("我们 楼道 里 一 股 燃气 味 蛮 重 的 不 晓得 哪 家 的 你们 叫 燃气 公司 来 看 一下", "燃气 味"),
        ("停电 四 个 钟头 了 我 爸爸 在 家 用 呼吸机 的 电池 快 没 了", "停电"),
        ("小学 门口 那个 井盖 不见 了 一 个 大 洞 伢子 们 放学 要 从 那里 过", "井盖"),
        ("我们 这 条 路 中间 塌 了 一 个 坑 越来越 大", "塌"),
        ("刮 大风 一 根 电线 掉 到 路上 了 还 在 冒 火星", "电线"),
    ],
)
def test_a_danger_the_hotline_must_see_to_within_hours_is_urgent(text: str, evidence_word: str) -> None:
    result = prefill(text)
    assert result.is_urgent, result.evidence
    assert not result.is_emergency and result.emergency_service is None
    assert result.not_accepted_reason is None  # accepted: the hotline dispatches it itself
    assert evidence_word in result.evidence["is_urgent"]
    assert result.to_json()["is_urgent"] is True
    assert result.urgency is Urgency.EMERGENCY


@pytest.mark.parametrize(
    "text",
    [
        "上 个 月 我们 这里 水管 爆 了 路 都 淹 了 现在 想 问 一下 赔偿 怎么 弄",  # past
        "万一 燃气 泄漏 了 怎么 办 报警器 装 在 哪里",  # hypothetical
        "我 要 表扬 自来水 公司 的 师傅 昨天 水管 爆 了 他们 连夜 修 好 了",  # praise of a repair that is over
        "我们 小区 明天 计划 停电 一 天 是 真的 吧",  # a planned cut, nobody depends on a machine
        "我 的 电动车 轮胎 漏气 了 修车 的 不 给 我 补",  # a tyre, not gas
        "没有 什么 燃气 味 就是 燃气 费 好像 算 多 了",  # denied
    ],
)
def test_what_is_over_denied_or_only_feared_is_not_urgent(text: str) -> None:
    result = prefill(text)
    assert not result.is_urgent, result.evidence
    assert result.urgency is Urgency.NORMAL
    assert "is_urgent" not in result.evidence


def test_an_emergency_is_transferred_and_never_also_urgent() -> None:
    fire = prefill("楼道 里 有 股 煤气 味 现在 三 楼 厨房 着火 了 火 好 大")
    assert fire.emergency_service == "119" and fire.is_emergency
    assert not fire.is_urgent and fire.urgency is Urgency.NORMAL
    gas = prefill("楼道 里 有 股 煤气 味 不 晓得 哪 家 漏 的")
    assert gas.is_urgent and not gas.is_emergency  # 第16条, not 119: the gas company on site within hours
    assert gas.category is Category.HELP


def test_the_urgency_routes_to_the_unit_that_acts() -> None:
    directory = load_unit_directory()
    gas = prefill("开福 区 东风 路 这边 楼道 里 一 股 煤气 味", directory=directory)
    assert "xinao_gas" in [u.id for u in gas.suggested_units]
    main = prefill("雨花 区 万家丽 路 上 自来水 管子 爆 了 整 条 路 都 淹 了", directory=directory)
    assert "water_group" in [u.id for u in main.suggested_units]


def test_the_order_forms_urgency_flag_takes_the_suggestion_and_gets_hour_level_limits() -> None:
    """What the seat accepts into the form: the order is 紧急, dispatched with a sign limit in hours, not days."""
    result = prefill("喂 我们 这里 停电 三 个 钟头 了 屋里 老人 在 家 吸氧 的 制氧机 用 不 了 开福 区 四方坪 这边")
    assert result.is_urgent
    agent = Actor("agent-007", Role.AGENT, seat="A07")
    order = lc.open_work_order("WO-U1", channel=Channel.PHONE, actor=agent, now=T0,
                               call=CallLink("1727488800.21", linkedid="1727488800.21"))
    fields = {"category": result.category, "district": result.district, "street": result.street,
              "description": result.summary, "urgency": result.urgency}
    order = lc.apply(order, lc.EditFields(fields), agent, T0, CTX)
    assert order.is_emergency  # the work order's 紧急 flag (Urgency.EMERGENCY)
    order = lc.apply(order, lc.Dispatch("国网湖南省电力有限公司长沙供电分公司"), agent, T0, CTX)
    assert order.sign_due == T0 + timedelta(hours=CTX.rules.emergency_sign_limit_h)
