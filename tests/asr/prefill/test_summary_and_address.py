"""The address and the summary as the seat sees them in the demo: estate names Vosk splits into words, a summary
that is one clause about the matter (never starting mid-word, without fillers), and no personal data of the
caller in the summary, which is free text filed as is (an anonymous caller's number or name must not leak)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from asr.prefill import prefill
from asr.prefill.phone import DIGITS

DATA = Path(__file__).resolve().parents[2] / "data" / "prefill"
SPOKEN = "零幺二三四五六七八九"

DEMO_VOSK = (
    "喂 你好 我 姓 王 住 在 岳麓区 望月湖街道 望月湖 小区 我们 这里 已经 停水 两天 了 也 没有 通知 "
    "我 的 电话 是 幺 三 八 零 七 三 幺 二 三 四 五"
)
DEMO_PLAIN = (
    "喂，你好，我姓王，住在岳麓区望月湖街道望月湖小区，我们这里已经停水两天了，也没有通知。"
    "我的电话是13807312345。"
)


def _digits(text: str) -> str:
    """Every spoken or written digit as an Arabic digit (幺三八 → 138), other characters kept."""
    return "".join(DIGITS.get(char, char) for char in text)


def leaks(summary: str, *, phone: str | None, surname: str | None) -> list[str]:
    """What of the caller's own data the summary carries: 5+ digits of his number (written or spoken), his
    surname as said (姓王, 王先生), or any number of 6+ digits (an ID or a phone)."""
    found = []
    normalised = _digits(summary)
    if phone:
        digits = phone.replace("-", "")
        if any(digits[i : i + 5] in normalised for i in range(len(digits) - 4)):
            found.append("phone")
    if surname and (f"姓{surname}" in summary or re.search(f"{surname}(先生|女士|小姐|阿姨|大姐|师傅|娭毑)", summary)):
        found.append("name")
    if re.search(r"\d{6,}", normalised):
        found.append("number")
    return found


def _records() -> list[dict[str, Any]]:
    records = []
    for path in sorted(DATA.glob("*.jsonl")):
        records += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return records


# --- the demo transcript ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("text", [DEMO_VOSK, DEMO_PLAIN], ids=["vosk", "plain"])
def test_demo_transcript_gives_the_estate_and_a_clean_summary(text: str) -> None:
    result = prefill(text)
    assert result.district == "岳麓区" and result.street == "望月湖街道"
    assert result.address == "望月湖小区"
    assert result.phone == "13807312345" and result.surname == "王"
    assert result.summary.startswith("望月湖小区：")
    core = result.summary.split("：", 1)[1]
    assert core.startswith("已经停水两天")
    assert "停水" in core and "通知" in core
    for filler in ("喂", "你好", "我们这里", "道"):
        assert filler not in result.summary
    assert leaks(result.summary, phone=result.phone, surname=result.surname) == []
    assert "电话" not in result.summary
    assert "停水" in result.keywords and "小区" not in result.keywords  # the address is a field, not a keyword


# --- address: estate and road names -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("我家在梅溪湖 花园 三 栋 楼下 天天 有人 放 鞭炮", "梅溪湖花园"),
        ("住 在 雨花区 砂子塘 街道 砂子塘 社区 楼道 的 灯 坏 了", "砂子塘社区"),
        ("开福区 伍家岭 街道 新码头 小区 电梯 坏 了", "新码头小区"),
        ("我 住 在 开福区 湘雅路 一百 号 门口 的 路灯 坏 了 三 天 了", "湘雅路一百号"),
        ("喂 你好 我 住 在 芙蓉区 五一 路 八十八 号 楼下 烧烤 店 每天 晚上 吵到 两 点", "五一路八十八号"),
    ],
)
def test_estate_and_road_names_split_by_vosk_are_joined(text: str, address: str) -> None:
    assert prefill(text).address == address


@pytest.mark.parametrize(
    "text",
    [
        "王先生反映：小区门口垃圾没人清运，联系电话13807312345",  # a name and a label are not an estate
        "我 手机 尾 号 二 三 四 五 小区 门口 垃圾 堆 了 一 个 星期 没 人 收",  # digits are not an estate
        "我想问一下能不能帮我查一下我前女友现在住在哪里",  # a question, not an address
        "讲我们那里路灯坏哒的事",  # 那里 + 路灯 is not a road
        "我 要 举报 我们 小区 有 一户 人家 在 搞 传销 在 雨花区 井湾子 街道",  # 人家在 is not 家在
        "我们 村 有 人 在 基本 农田 上面 建 房子 村 里 也 不 管",  # 村里 is not an estate named …村
        "建议增开一条至市区的公交线路",  # a bus line is not a road
        "我去开个证明，一会说要街道盖章，一会说要派出所出",  # 街道 is not a road named …街
        "他 帮 我 推 到 路边 还 帮 我 叫 了 拖车",  # 路边 is the roadside
    ],
)
def test_no_address_from_names_numbers_questions_or_street_lamps(text: str) -> None:
    assert prefill(text).address is None


# --- summary ------------------------------------------------------------------------------------------------------
def test_summary_drops_the_notes_label_and_the_name() -> None:
    result = prefill("", notes="王先生反映：小区门口垃圾没人清运，联系电话13807312345")
    assert result.summary == "小区门口垃圾没人清运"


def test_summary_keeps_the_clause_a_place_sits_in() -> None:
    result = prefill("你好，我要投诉宁乡市历经铺街道的一家幼儿园，乱收费。")
    assert result.summary.startswith("历经铺街道：")
    assert "一家幼儿园" in result.summary and "的一家" not in result.summary


def test_summary_keeps_a_park_named_after_a_street_and_drops_a_self_introduction() -> None:
    park = prefill("我 在 梅溪湖 公园 跑步 的 时候 看到 一 个 老 人 倒 在 地上 不 动 了").summary
    assert "梅溪湖公园跑步" in park
    gas = prefill("喂 你好 我 是 长沙县 榔梨 街道 的 我们 那边 天然气 停气 了 两 天 了 饭 都 做 不 了").summary
    assert gas.startswith("榔梨街道：天然气停气了两天了")


def test_summary_keeps_a_city_said_in_the_matter_and_drops_where_the_caller_is() -> None:
    house = prefill("喂 我 这边 有 个 事情 想 问 一下 我 的 房子 是 在 衡阳 买 的 现在 开发商 不 给 办 房产证").summary
    assert "在衡阳买的" in house
    farm = prefill("喂 我 这 里 是 宁乡 道林 镇 的 我 们 这里 有 个 养鸡场 鸡粪 臭 得 很").summary
    assert farm == "道林镇：有个养鸡场鸡粪臭得很"


def test_summary_window_does_not_end_on_a_dangling_word() -> None:
    text = (
        "喂 你好 我 是 开福区 湘雅路 街道 的 我 姓 杨 我们 家 这个 月 的 电费 突然 多 了 好几 百 块 平时 才 一百 多 "
        "我 怀疑 电表 有 问题 想 请 你们 帮 我 查 一下 电话 是 幺 三 九 零 七 三 幺 五 五 八 八"
    )
    result = prefill(text)
    assert result.summary.endswith("电表有问题")
    assert leaks(result.summary, phone=result.phone, surname=result.surname) == []


def test_keywords_carry_no_name_no_number_and_no_case_duplicates() -> None:
    licence = prefill("喂 你好 我 姓 司徒 我 想 问 一下 我 的 驾驶证 过期 了 怎么 换证")
    assert "司徒" not in licence.keywords
    assert "过期食品" not in licence.keywords  # a licence that expired is not expired food
    ktv = prefill("我要举报一家KTV，在芙蓉区韭菜园街道，他们没有营业执照")
    assert len({k.casefold() for k in ktv.keywords}) == len(ktv.keywords)
    tail = prefill("我 手机 尾 号 二 三 四 五 小区 门口 垃圾 堆 了 一 个 星期 没 人 收")
    assert "尾号" not in tail.keywords


def test_summary_never_carries_an_id_number_or_a_phone_tail() -> None:
    result = prefill("我叫张建国，住在天心区，楼下烧烤店油烟太大，我的身份证号是430104199001011234")
    assert result.summary == "天心区：楼下烧烤店油烟太大"
    tail = prefill("我 手机 尾 号 二 三 四 五 小区 门口 垃圾 堆 了 一 个 星期 没 人 收").summary
    assert "二三四五" not in tail and "尾号" not in tail and "垃圾" in tail


def test_summary_of_a_long_vosk_call_starts_and_ends_between_words() -> None:
    words = "我们 小区 旁边 工地 每天 晚上 十一 点 多 了 还在 施工 搅拌机 的 声音 特别 大 吵 得 老人 小孩 根本 睡 不 着"
    result = prefill(f"喂 你好 我 住 在 天心区 {words} {words}")
    core = result.summary.split("：", 1)[-1]
    spoken = words.split()
    assert any(core.startswith(word) for word in spoken)
    assert any(core.endswith(word) for word in spoken)
    assert len(result.summary) <= 60


# --- privacy property over every transcript we have ---------------------------------------------------------------
def test_no_summary_or_address_of_the_dev_and_blind_sets_carries_the_callers_data() -> None:
    records = _records()
    assert len(records) >= 300
    bad = {}
    for record in records:
        result = prefill(record["text"], notes=record.get("notes") or "")
        found = leaks(result.summary, phone=result.phone, surname=result.surname)
        expected = record["expected"]
        found += leaks(result.summary, phone=expected.get("phone"), surname=expected.get("surname"))
        found += leaks(result.address or "", phone=result.phone, surname=result.surname)
        found += leaks(" ".join(result.keywords), phone=result.phone, surname=result.surname)
        if result.surname and result.surname in result.keywords:
            found.append("surname keyword")
        if found:
            bad[record["id"]] = (found, result.summary)
    assert bad == {}


@settings(max_examples=60, deadline=None)
@given(
    number=st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True),
    spoken=st.booleans(),
    surname=st.sampled_from("王李张刘陈杨黄赵"),
    matter=st.sampled_from(["小区停水两天了", "楼下烧烤店油烟太大", "路灯坏了没人修", "工地晚上施工太吵"]),
    spaced=st.booleans(),
)
def test_a_number_and_name_said_anywhere_never_reach_the_summary(
    number: str, spoken: bool, surname: str, matter: str, spaced: bool
) -> None:
    said = "".join(SPOKEN[int(d)] for d in number) if spoken else number
    text = f"喂你好我姓{surname}，{matter}，我的电话是{said}，{surname}先生，谢谢"
    if spaced:
        text = " ".join(text.replace("，", ""))
    result = prefill(text)
    assert result.phone == number
    assert leaks(result.summary, phone=number, surname=surname) == []
    assert leaks(result.address or "", phone=number, surname=surname) == []
    assert surname not in result.keywords and not any(number[-4:] in _digits(k) for k in result.keywords)
    assert result.summary
