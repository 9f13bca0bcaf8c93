"""The general causes found on blind18 for the phone, the form of address, the address and the summary's place
(issue 14, ninth round B), each checked on sentences written for this test and in no labelled set, with a
look-alike that must not change."""

from __future__ import annotations

from asr.prefill import prefill
from asr.prefill.phone import find_phone

NUMBER = "幺 三 八 六 二 四 四 七 幺 五 九"  # 13862447159


def compact(text: str) -> str:
    return text.replace(" ", "")


# --- phone: the digit the caller names, and the number said again after 一遍 -----------------------------------------
def test_a_digit_named_by_its_place_is_corrected_there() -> None:
    # 第三个数是七: the third digit, not the last one, is what he corrects
    named = f"电话 是 {NUMBER} 不对 不对 第 三 个 数 是 七"
    assert prefill(named).phone == "13762447159"
    said_as = f"电话 是 {NUMBER} 哦 错了 第 五 位 应该 是 九"
    assert prefill(said_as).phone == "13869447159"
    # look-alike: the last digit corrected without naming its place stays a tail correction
    tail = f"电话 是 {NUMBER} 不对 最后 一 位 是 七"
    assert prefill(tail).phone == "13862447157"


def test_the_number_said_again_after_yibian_replaces_the_first() -> None:
    # 我重新讲一遍 <number>: 一 counts the times; it was read as a one-digit tail correction (…7151)
    again = f"电话 是 {NUMBER} 不对 不对 我 重新 讲 一 遍 幺 三 八 六 二 四 四 七 幺 五 三"
    assert prefill(again).phone == "13862447153"
    # look-alike: a number that starts with 一 (not 幺) right after 一遍 keeps its first digit
    with_yi = "我 的 电话 我 讲 一 遍 一 三 八 六 二 四 四 七 幺 五 九"
    found = find_phone(compact(with_yi))
    assert found is not None and found.number == "13862447159"


# --- form of address: the child of the people the call is for ------------------------------------------------------
def test_the_caller_as_their_son_or_daughter() -> None:
    son = f"我 是 帮 我 爸妈 打 的 他们 屋 里 的 水管 爆 了 我 是 他们 的 儿子 电话 {NUMBER}"
    assert prefill(son).form_of_address == "先生"
    daughter = f"我 是 帮 我 爸妈 打 的 他们 屋 里 的 水管 爆 了 我 是 他们 的 女儿 电话 {NUMBER}"
    assert prefill(daughter).form_of_address == "女士"
    # look-alike: their son spoken of, not the caller
    other = f"楼 上 那 家 人 天天 吵 是 他们 的 儿子 在 打 鼓 电话 {NUMBER}"
    assert prefill(other).form_of_address is None


# --- address: a landmark where nothing else is named ---------------------------------------------------------------
def test_a_landmark_is_the_address_when_no_estate_or_road_is_named() -> None:
    hill = "我 每天 在 岳麓山 爬山 山 上 那 个 垃圾桶 满 了 一 个 礼拜 没 人 倒"
    assert prefill(hill).address == "岳麓山"
    stall = "晚上 贺龙体育馆 门口 好多 人 摆摊 把 人行道 都 占 了"
    assert prefill(stall).address == "贺龙体育馆"
    # look-alike: an estate named as well stays the address; a landmark where the caller works is none
    estate = "我 住 在 枫叶 小区 每天 去 贺龙体育馆 跑步 小区 门口 的 垃圾 没 人 清"
    assert prefill(estate).address == "枫叶小区"
    works = "我 在 贺龙体育馆 上班 想 问 一下 公积金 怎么 提取"
    assert prefill(works).address is None


def test_a_landmark_as_address_stays_in_the_summary_and_the_district_leads() -> None:
    # the landmark is kept in the core's words (it is often the matter); the place before it is the district
    stall = "晚上 贺龙体育馆 门口 好多 人 摆摊 把 人行道 都 占 了"
    summary = prefill(stall).summary
    assert "贺龙体育馆" in summary and not summary.startswith("贺龙体育馆：")
    assert summary.startswith("天心区：")
