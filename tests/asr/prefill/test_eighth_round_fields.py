"""The general causes found on blind16 for the summary, keywords, units, phone, surname and form of address
(issue 14, eighth round B; docs/speech.md "Eighth round"), each checked on sentences written for this test and in
no labelled set, with a look-alike that must not change."""

from __future__ import annotations

import pytest

from agent_desktop.core.routing import UnitDirectory
from agent_desktop.resources import load_unit_directory
from asr.prefill import prefill


@pytest.fixture(scope="module")
def directory() -> UnitDirectory:
    return load_unit_directory()


def units(text: str, directory: UnitDirectory) -> list[str]:
    return [u.id for u in prefill(text, directory=directory).suggested_units]


# --- summary: the caller's headline -------------------------------------------------------------------------------
def test_the_callers_headline_leads_the_summary(directory: UnitDirectory) -> None:
    # the story's words (羽绒服, 缩水, 赔, 老板) outweigh the headline's clause; the headline names the matter
    told = (
        "喂 我 要 投诉 一 家 洗衣店 是 在 我们 小区 门口 的 上 个 礼拜 我 拿 了 一 件 羽绒服 去 洗 拿 回来 "
        "羽绒服 缩水 了 一 大 截 袖子 短 了 一 截 跟 老板 讲 老板 讲 羽绒服 本来 就 会 缩水 不 肯 赔 "
        "一 件 羽绒服 一千 多 块 钱 我 要 他 赔 羽绒服 的 钱 我 姓 康 电话 幺 三 八 七 四 幺 六 二 九 五 三"
    )
    assert "洗衣店" in prefill(told, directory=directory).summary
    # an announcement that names nothing (反映个事) or an earlier call (反映过了) is no headline
    nothing = (
        "喂 我 想 反映 个 事 我们 楼 上 的 空调 外机 滴水 滴 到 我 屋 的 阳台 上 滴 了 一 个 夏天 "
        "跟 他 讲 过 好 几 次 都 不 理 我 电话 幺 三 八 七 四 幺 六 二 九 五 三"
    )
    assert "反映个事" not in prefill(nothing, directory=directory).summary
    before = (
        "喂 我 要 反映 一下 我 上 个 月 已经 反映 过 了 我们 这 栋 楼 的 电梯 天天 坏 还 没 人 来 修 "
        "我 电话 幺 三 八 七 四 幺 六 二 九 五 三"
    )
    assert not prefill(before, directory=directory).summary.startswith("反映我")


def test_the_callers_trade_is_not_the_matter(directory: UnitDirectory) -> None:
    # 我是开快递驿站的: who calls; the clause that introduces him leads the summary on 快递驿站's words (a topic)
    trade = (
        "喂 你好 我 是 开 快递 驿站 的 每天 快递 好多 我们 楼下 那 个 路灯 坏 了 一 个 月 了 晚上 黑 漆漆 的 "
        "电话 幺 三 八 七 四 幺 六 二 九 五 三"
    )
    summary = prefill(trade, directory=directory).summary
    assert "开快递驿站" not in summary and "路灯" in summary
    # a call about the trade itself keeps its words (no 我是开…的 said of himself)
    about_it = "喂 你好 我 开 的 快递 驿站 门口 的 路灯 坏 了 一 个 月 了 电话 幺 三 八 七 四 幺 六 二 九 五 三"
    assert "快递驿站" in prefill(about_it, directory=directory).summary


# --- keywords ------------------------------------------------------------------------------------------------------
def test_words_whose_numeral_is_part_of_the_word_are_keywords(directory: UnitDirectory) -> None:
    second_hand = "我 在 网上 买 了 一 台 二手 电脑 回来 就 开 不 了 机 卖家 不 退 钱 二手 电脑 的 卖家 也 不 理 我"
    assert any("二手" in k for k in prefill(second_hand, directory=directory).keywords)
    # a count or a time is still no keyword
    counted = "我 在 网上 买 了 三 台 电脑 两 三 天 就 坏 了 卖家 不 退 钱 三 台 电脑 都 坏 了"
    assert not any(c in k for k in prefill(counted, directory=directory).keywords for c in "两三")


# --- units ---------------------------------------------------------------------------------------------------------
def test_the_unit_the_caller_asks_for_by_name_is_suggested(directory: UnitDirectory) -> None:
    asked = "我 要 投诉 一 家 店 卖 给 我 的 东西 跟 讲 的 不 一样 你们 帮 我 找 卫健委 的 来 查 一下 我 姓 吴"
    assert units(asked, directory)[0] == "city_health"
    # a unit named as one that answered before is no request
    answered = "我 要 投诉 一 家 店 卖 给 我 的 东西 跟 讲 的 不 一样 卫健委 也 回 了 电话 我 姓 吴"
    assert "city_health" not in units(answered, directory)


# --- phone ---------------------------------------------------------------------------------------------------------
def test_a_number_said_twice_in_a_row_is_the_number() -> None:
    twice = "我 姓 马 号码 是 幺 五 幺 七 三 幺 八 二 六 四 九 幺 五 幺 七 三 幺 八 二 六 四 九"
    assert prefill(twice).phone == "15173182649"
    twice_landline = "屋里 电话 是 八 八 六 二 三 幺 五 七 八 八 六 二 三 幺 五 七"
    assert prefill(twice_landline).phone == "0731-88623157"
    # two different numbers run together are neither
    two = "我 姓 马 号码 是 幺 五 幺 七 三 幺 八 二 六 四 九 幺 八 幺 七 三 幺 八 二 六 四 九"
    assert prefill(two).phone is None


# --- surname and form of address -------------------------------------------------------------------------------
def test_surname_after_the_callers_station() -> None:
    assert prefill("你好 我 是 县 里 一 个 退休 职工 姓 司马 我 想 问 一下 养老金 的 事").surname == "司马"
    # the station of someone he calls about is not his
    assert prefill("你好 我 是 来 反映 那个 干部 姓 王 的 他 天天 不 上班").surname is None


@pytest.mark.parametrize(
    ("text", "form"),
    [
        ("俺 媳妇 在 这边 上班 俺 想 问 一下 社保 的 事", "先生"),  # 俺 is 我
        ("我 跟 我 未婚妻 去 办 证 窗口 的 人 态度 太 差", "先生"),
        ("我 跟 我 男朋友 去 吃饭 吃 出 了 虫子", "女士"),
        ("我 是 一 个 脑瘫 孩子 的 妈妈 想 问 一下 康复 补贴", "女士"),
        ("我 一 个 女 司机 晚上 收 车 好 怕", "女士"),
        ("我 是 个 男 的 在 这里 做事", "先生"),
        # look-alikes: a daughter, a girl's parent unsaid, an old man said of himself
        ("我 一 个 女儿 在 外地 读书 想 问 一下 学费", None),
        ("我 是 个 老倌子 了 搞 不 来 手机", "先生"),
    ],
)
def test_form_of_address_from_what_the_caller_says_of_himself(text: str, form: str | None) -> None:
    assert prefill(text).form_of_address == form


# --- topics: a question about power is no power cut ---------------------------------------------------------------
def test_asking_whether_a_wire_is_live_is_no_power_cut(directory: UnitDirectory) -> None:
    # 有没电 asks whether the wire is live; 屋里没电 is the cut itself
    asked = (
        "喂 我 跟 你 讲 我们 小区 门口 有 根 电线 掉 下来 了 吊 在 人行道 上面 不 晓得 它 有 没 电 "
        "细伢子 放学 都 从 那里 过 我 姓 葛 电话 幺 三 七 零 七 三 幺 二 四 六 八"
    )
    assert "停电" not in prefill(asked, directory=directory).keywords
    cut = (
        "喂 我 屋里 没 电 了 从 中午 到 现在 冰箱 里 的 东西 都 要 坏 了 "
        "我 姓 葛 电话 幺 三 七 零 七 三 幺 二 四 六 八"
    )
    assert "停电" in prefill(cut, directory=directory).keywords
