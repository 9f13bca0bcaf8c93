"""The pre-fill's rules one by one: phone forms, negation, districts, emergency lines, 第13条 reasons, speakers,
notes, evidence, and hostile input that must never raise."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agent_desktop.core.routing import UnitDirectory
from agent_desktop.core.work_order import Category, NotAcceptedReason
from agent_desktop.resources import load_unit_directory
from asr.prefill import FIELDS, prefill
from asr.prefill.phone import digit_runs, find_phone


@pytest.fixture(scope="module")
def directory() -> UnitDirectory:
    return load_unit_directory()


# --- phone numbers --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("spoken", "number"),
    [
        ("电话 是 一 三 八 七 四 一 二 五 六 八 九", "13874125689"),
        ("电话幺五九七三一六八八二零", "15973168820"),  # 幺 for 1
        ("号码 幺 三 九 幺 七 三 二 零 零 四 八", "13917320048"),
        ("手机 一八六 零七三 一两四四 九", "18607312449"),  # 两 for 2, grouped
        ("电话 139 7315 2048", "13973152048"),  # Arabic digits with pauses
        ("电话 幺三八 1234 五六七八", "13812345678"),  # mixed
        ("号码 一 三 八 嗯 一 二 三 四 啊 五 六 七 八", "13812345678"),  # fillers between groups
        ("电话 一 三 八 腰 七 四 九 五 二 六 零", "13817495260"),  # the recogniser's homophone of 幺
        ("座机 零七三一 八四五二 一三七六", "0731-84521376"),  # landline with area code
        ("电话是0731-84521376", "0731-84521376"),
        ("电话 洞 七 三 幺 八 二 五 六 四 三 九 一", "0731-82564391"),  # 洞 for 0
        ("联系电话84561234", "0731-84561234"),  # landline without area code, after 电话
        ("电话是一五一，零八四七，六六二一。", "15108476621"),
    ],
)
def test_spoken_phone_forms(spoken: str, number: str) -> None:
    assert prefill(spoken).phone == number


def test_a_correction_replaces_the_tail_of_the_number() -> None:
    text = "我 的 电话 是 幺 三 零 七 三 二 四 六 六 八 五 哦 不对 最后 是 六 八 七"
    result = prefill(text)
    assert result.phone == "13073246687"
    assert "六 八 七" in result.evidence["phone"]


def test_a_correction_with_the_whole_number_replaces_it() -> None:
    text = "电话 一 三 九 零 零 零 零 一 一 一 一 不对 不对 是 一 三 八 零 零 零 零 二 二 二 二"
    assert prefill(text).phone == "13800002222"


def test_quantities_and_the_hotline_number_are_not_phone_numbers() -> None:
    text = "喂 是 一二三四五 吗 我 住 八十八 号 交 了 两千 块 钱 的 物业费 停水 两 三 天 了"
    assert prefill(text).phone is None


def test_a_word_starting_with_one_after_the_number_does_not_lengthen_it() -> None:
    # 一直: the 一 right after the number is not a twelfth digit
    assert find_phone("电话一三八一二三四五六七八一直没人接") is not None
    assert find_phone("电话一三八一二三四五六七八一直没人接").number == "13812345678"  # type: ignore[union-attr]


def test_an_id_number_is_not_a_phone_number() -> None:
    assert prefill("身份证号 430102199001011234").phone is None


def test_digit_runs_tolerate_separators_but_not_words() -> None:
    runs = digit_runs("一三八-1234，五六七八我住三栋")
    assert [r.digits for r in runs] == ["13812345678", "3"]


# --- negation, hypotheticals, past -----------------------------------------------------------------------------
def test_denied_fire_is_not_an_emergency_and_smoke_from_a_kitchen_hood_is_not_a_fire() -> None:
    result = prefill("没有着火，就是楼下那个餐馆的油烟机天天冒烟，烟都飘到我家里来了。")
    assert result.is_emergency is False
    assert result.emergency_service is None
    assert result.category is Category.COMPLAINT


@pytest.mark.parametrize(
    "text",
    [
        "消防通道天天被车占着，万一着火了消防车进不来",  # hypothetical
        "楼道里堆满了杂物，存在火灾隐患",  # a hazard, not a fire
        "去年我们小区着过一次火，现在想问赔偿的事",  # past
        "还 没有 着火 但是 很 担心",  # denied
        "我 老公 上个月 出了 车祸 现在 想 问 一下 医保 报销",  # past accident
    ],
)
def test_no_emergency_for_hypothetical_past_or_denied_words(text: str) -> None:
    result = prefill(text)
    assert result.is_emergency is False, result.evidence
    assert result.not_accepted_reason is not NotAcceptedReason.EMERGENCY_SERVICE


def test_not_a_complaint_says_which_category_it_is_not() -> None:
    result = prefill("我不是要投诉，我就是想了解一下这个规划有没有公示过")
    assert result.category is Category.CONSULTATION


# --- emergency lines ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "service"),
    [
        ("我们 这 栋 楼 着火 了 三 楼 在 冒烟", "119"),
        ("电梯 里 有 人 困 住 了 出 不 来", "119"),
        ("我 爸爸 突然 晕倒 了 叫 他 也 没 反应", "120"),
        ("我妈在楼梯上摔倒了，头上在流血", "120"),
        ("路口 出 了 车祸 两 辆 车 撞 在 一起", "122"),
        ("一辆车翻到沟里了，里面好像还有人", "122"),
        ("楼下 有 人 在 打架 拿 着 棍子", "110"),
        ("有人在抢劫，拿着刀", "110"),
        ("车祸以后车子着火了", "119"),  # a burning car is a fire first
    ],
)
def test_emergency_words_map_to_the_emergency_line(text: str, service: str) -> None:
    result = prefill(text)
    assert result.is_emergency is True
    assert result.emergency_service == service
    assert result.not_accepted_reason is NotAcceptedReason.EMERGENCY_SERVICE  # 第13条(二): transfer the call
    assert result.category is Category.HELP
    assert result.evidence["emergency_service"]


# --- 第13条 reasons ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("我 是 株洲 的 我 想 投诉 我们 株洲 荷塘区 的 一个 物业 公司", NotAcceptedReason.OUTSIDE_JURISDICTION),
        ("我跟开发商的纠纷已经起诉到法院了，法院也立案了", NotAcceptedReason.OTHER_LEGAL_CHANNEL),
        ("劳动 仲裁 已经 申请 了 仲裁 委 也 受理 了", NotAcceptedReason.OTHER_LEGAL_CHANNEL),
        ("我要投诉长沙中院的一个法官，判了两年了一直不执行", NotAcceptedReason.OTHER_AUTHORITY),
        ("帮我查一下我前女友现在住在哪里", NotAcceptedReason.SECRETS_OR_PRIVACY),
        ("你们已经答复过了，说已经处理完了，但是我还是不满意，没有什么新的情况", NotAcceptedReason.ALREADY_HANDLED),
        ("你们这个破热线有什么用，一群废物", NotAcceptedReason.UNLAWFUL_OR_NO_REQUEST),
        ("我就想找个人说说话，我一个人在家好无聊", NotAcceptedReason.UNLAWFUL_OR_NO_REQUEST),
    ],
)
def test_article_13_reasons(text: str, reason: NotAcceptedReason) -> None:
    result = prefill(text)
    assert result.not_accepted_reason is reason
    assert result.evidence["not_accepted_reason"]
    assert result.to_json()["not_accepted_reason"] == int(reason)


@pytest.mark.parametrize(
    "text",
    [
        "我想问一下，公司不交社保，是找劳动监察还是去劳动仲裁？",  # asks about arbitration, is not in it
        "我 想 问 一下 医保 异地 就医 备案 我 妈妈 要 去 广州 住院 我们 是 长沙 的 职工 医保",  # Changsha matter
        "我在株洲上班，但是我家在长沙芙蓉区，我想把公积金转到长沙来",
        "我是退伍军人，想问安置政策",  # 军人 is not 军队
    ],
)
def test_no_reason_for_an_ordinary_matter(text: str) -> None:
    assert prefill(text).not_accepted_reason is None


# --- places --------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "district", "street"),
    [
        ("我 住 在 岳麓区 梅溪湖 街道", "岳麓区", "梅溪湖街道"),
        ("我们是岳麓的，在咸嘉湖这边", "岳麓区", "咸嘉湖街道"),
        ("长沙 县 星沙 这边 的 夜宵 一条街", "长沙县", None),  # Vosk splits 长沙县
        ("我在长沙县星沙街道", "长沙县", "星沙街道"),
        ("浏阳河街道那边", "开福区", "浏阳河街道"),  # not 浏阳市
        ("望城坡那个小区", "岳麓区", "望城坡街道"),  # not 望城区
        ("我在长沙南站打车", "雨花区", None),
        ("黄花机场附近", "长沙县", None),
        ("宁乡 灰汤 镇 的", "宁乡市", "灰汤镇"),
        ("浏阳市大瑶镇", "浏阳市", "大瑶镇"),
        ("雨花区高桥大市场", "雨花区", "高桥街道"),
        ("芙蓉中路上有个井盖坏了", None, None),  # a road through several districts
    ],
)
def test_districts_and_streets(text: str, district: str | None, street: str | None) -> None:
    result = prefill(text)
    assert (result.district, result.street) == (district, street)


def test_the_notes_district_wins_over_the_transcript() -> None:
    result = prefill("我 住 在 岳麓区", notes="实际地点 开福区 伍家岭街道")
    assert result.district == "开福区"
    assert result.street == "伍家岭街道"
    assert result.evidence["district"].startswith("[备注]")


def test_address_community_and_road() -> None:
    assert "金色家园" in (prefill("我 住 在 岳麓区 梅溪湖 街道 金色 家园 小区").address or "")
    assert "白沙路" in (prefill("地址是天心区城南路街道白沙路。").address or "")
    assert "万科城" in (prefill("小区是雨花区圭塘街道的万科城，我姓孙").address or "")


# --- caller ----------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "surname", "form"),
    [
        ("我 姓 王 电话 是", "王", None),
        ("我姓陈，陈女士", "陈", "女士"),
        ("我姓邓，女士", "邓", "女士"),
        ("我姓欧阳，欧阳先生", "欧阳", "先生"),  # compound surname
        ("我是孩子的妈妈，姓李", "李", "女士"),
        ("帮我查一下我老婆的事", None, "先生"),
        ("窗口的那个女士态度很差", None, None),  # someone else
        ("老百姓的事你们要管", None, None),  # 百姓 is not a surname said
    ],
)
def test_surname_and_form_of_address(text: str, surname: str | None, form: str | None) -> None:
    result = prefill(text)
    assert (result.surname, result.form_of_address) == (surname, form)


def test_agent_turns_give_the_name_but_not_the_category() -> None:
    text = (
        "坐席：您好，请问您是要投诉吗？\n市民：不是，我想咨询一下高龄补贴怎么申请。\n"
        "坐席：好的女士，请问您贵姓？\n市民：我姓汤。"
    )
    result = prefill(text)
    assert result.category is Category.CONSULTATION
    assert result.surname == "汤"
    assert result.form_of_address == "女士"


@pytest.mark.parametrize(
    "text",
    ["我不想透露我的信息，你们给我保密", "你们别说是我举报的", "不要把我的名字和电话告诉他们", "我要匿名"],
)
def test_anonymity_requests(text: str) -> None:
    assert prefill(text).is_anonymous is True


def test_no_anonymity_when_the_caller_waives_it() -> None:
    assert prefill("不用保密，可以公开我的名字").is_anonymous is False
    assert prefill("我要投诉噪音").is_anonymous is False


@pytest.mark.parametrize(
    ("text", "repeat"),
    [
        ("我 已经 打 过 好几 次 了 上次 也 反映 过", True),
        ("我是去年打过一次电话的，车库漏水的事", True),
        ("我想查询一下我上个月反映的那个工单", True),
        ("打 了 好几 次 电话 他们 都 推 来 推 去", False),  # calls to the company, not to the hotline
        ("我们小区停水了", False),
    ],
)
def test_repeat_calls(text: str, repeat: bool) -> None:
    assert prefill(text).is_repeat is repeat


# --- output shape ------------------------------------------------------------------------------------------------
def test_json_has_exactly_the_field_names_plus_evidence(directory: UnitDirectory) -> None:
    result = prefill("我 要 投诉 岳麓区 梅溪湖 工地 晚上 施工 吵 我 姓 王 电话 一 三 八 七 四 一 二 五 六 八 九",
                     directory=directory)
    data = result.to_json()
    assert list(data) == [*FIELDS, "evidence"]
    assert data["category"] == "投诉"
    assert data["suggested_units"][0]["id"] == "city_urban_mgmt"
    assert set(data["evidence"]) <= set(FIELDS)
    assert data["evidence"]["phone"] == "一 三 八 七 四 一 二 五 六 八 九"  # the words as the recogniser wrote them
    json.dumps(data, ensure_ascii=False)


def test_without_a_directory_no_units_are_suggested() -> None:
    assert prefill("小区停水了").suggested_units == ()


def test_summary_is_short_and_names_the_place() -> None:
    text = "喂 你好 我 想 投诉 一下 就是 我们 小区 旁边 那个 工地 晚上 十一 点 多 了 还在 施工 吵 得 根本 睡 不 着 " * 5
    result = prefill(text + " 岳麓区")
    assert 0 < len(result.summary) <= 60
    assert result.summary.startswith("岳麓区")
    assert "嗯" not in result.summary and "那个" not in result.summary


# --- hostile input ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "。，！？…—·、；：“”‘’（）《》【】" * 50,
        "\x00\x01\x1b[31m\u200b\ufeff\ud800"[:-1],
        "Hello 12345 привет مرحبا 안녕하세요 こんにちは 🔥🚒 着火",
        "一" * 5000,
        "1" * 20000,
        "坐席：\n市民：\n坐席：",
        "我姓",
        "电话是",
        "𠀀𠀁𠀂" * 100,
    ],
)
def test_hostile_input_never_raises(text: str, directory: UnitDirectory) -> None:
    data = prefill(text, notes=text, directory=directory).to_json()
    assert list(data) == [*FIELDS, "evidence"]


def test_a_megabyte_of_text_is_read_in_bounded_time(directory: UnitDirectory) -> None:
    text = ("我 要 投诉 噪音 岳麓区 电话 一 三 八 七 四 一 二 五 六 八 九 " * 30_000)[:1_000_000]
    result = prefill(text, directory=directory)
    assert result.phone == "13874125689"
    assert result.district == "岳麓区"


HOSTILE_ALPHABET = "我要投诉不没有着火一二三四五六七八九幺两零电话岳麓区街道小区姓王先生 ，。:：\n坐席市民"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=st.sampled_from(list(HOSTILE_ALPHABET)), max_size=200),
       st.text(max_size=50))
def test_any_text_gives_a_valid_prefill(text: str, notes: str) -> None:
    data = prefill(text, notes=notes).to_json()
    assert data["category"] in (None, *(c.zh for c in Category))
    assert data["emergency_service"] in (None, "110", "119", "120", "122")
    assert data["is_emergency"] == (data["emergency_service"] is not None)
    assert data["not_accepted_reason"] in (None, 1, 2, 3, 4, 5, 6, 7, 8)
    assert data["phone"] is None or data["phone"].replace("-", "").isdigit()
    assert len(data["summary"]) <= 60


def test_changsha_dialect_is_read_as_mandarin(directory: UnitDirectory) -> None:
    result = prefill("喂 我 屋里 冇得 水 哒 两 天 哒 也 冇 人 来 讲 一声 在 天心区 裕南街 这边", directory=directory)
    assert result.category is Category.HELP
    assert "停水" in result.keywords
    assert result.suggested_units[0].id == "water_group"
    assert result.evidence["street"] == "裕南街"  # evidence keeps the words as said


@pytest.mark.parametrize(
    "text", ["我都打了三次了还是没人管", "上次我反映的问题，工单直接被办结了", "我 这 是 第二 次 打 了"]
)
def test_more_ways_of_saying_it_was_reported_before(text: str) -> None:
    assert prefill(text).is_repeat is True


def test_a_missing_child_is_for_the_police() -> None:
    assert prefill("我家小孩走丢了，在橘子洲附近").emergency_service == "110"


def test_an_accident_being_dealt_with_is_not_an_emergency() -> None:
    result = prefill("我老公在外地出了车祸住院了，交警那边的事故认定书要去哪里拿？")
    assert result.is_emergency is False
    assert result.category is Category.CONSULTATION
    assert result.form_of_address == "女士"


def test_keywords_include_the_directorys_words_and_the_emergency(directory: UnitDirectory) -> None:
    taxi = prefill("我要投诉一个网约车司机，他故意绕路", directory=directory)
    assert {"网约车", "绕路"} <= set(taxi.keywords)
    knife = prefill("有 人 拿 刀 在 我 家 门口 要 砍 人", directory=directory)
    assert knife.keywords[0] == "拿刀"


def test_where_the_caller_works_does_not_make_a_matter_local() -> None:
    result = prefill("你好 我 是 在 长沙 打工 的 我 老家 是 邵阳 的 村 里 修 路 的 钱 被 村 干部 贪 了")
    assert result.not_accepted_reason is NotAcceptedReason.OUTSIDE_JURISDICTION
    assert result.category is Category.REPORT
    assert prefill("我 在 深圳 交 了 五 年 的 社保 现在 回 长沙 了 怎么 转 回来").not_accepted_reason is None


def test_a_smell_of_gas_is_urgent_for_the_hotline_and_a_fire_is_for_the_fire_brigade() -> None:
    """Issue 14: a gas smell is 第16条 紧急 (the gas company on site within hours), not a 119 emergency;
    once something burns it is 119 (transferred) and no longer the hotline's urgent order."""
    result = prefill("我 们 这 个 楼 里 面 有 一 股 很 浓 的 煤气 味 不 知道 哪 家 漏 气 了")
    assert result.emergency_service is None and not result.is_emergency
    assert result.is_urgent and result.evidence["is_urgent"] == "煤气 味"
    burning = prefill("我 们 楼 里 面 有 股 煤气 味 现在 厨房 着火 了")
    assert burning.emergency_service == "119"
    assert not burning.is_urgent


def test_abuse_has_no_category() -> None:
    result = prefill("我就是想骂人，你们这些当官的没一个好东西！")
    assert result.not_accepted_reason is NotAcceptedReason.UNLAWFUL_OR_NO_REQUEST
    assert result.category is None
    assert "category" not in result.evidence


def test_what_to_do_is_a_request_for_help_not_a_consultation() -> None:
    assert prefill("我 的 行李 箱 被 人 拿 错 了 里面 有 很 重要 的 东西 怎么办").category is Category.HELP
    assert prefill("新生儿的医保怎么办理").category is Category.CONSULTATION


def test_the_notes_tell_the_matter_when_the_caller_says_little(directory: UnitDirectory) -> None:
    notes = "求助 雨花区同升街道 停电三天 李女士 18874125630"
    result = prefill("喂 嗯 对 对 就是 那个 事 你 帮 我 记 一下", notes=notes, directory=directory)
    assert (result.category, result.surname, result.form_of_address) == (Category.HELP, "李", "女士")
    assert (result.phone, result.district, result.street) == ("18874125630", "雨花区", "同升街道")
    assert "停电" in result.summary
    assert result.suggested_units[0].id == "power_supply"
    assert result.evidence["phone"] == "[备注] 18874125630"


def test_my_complaint_is_a_status_query_of_an_earlier_call() -> None:
    result = prefill("你们之前给我打过电话，说我的投诉已经转给街道了，我想问一下现在处理得怎么样了。")
    assert result.category is Category.QUERY
    assert result.is_repeat is True


def test_asking_for_other_peoples_numbers_is_privacy_not_anonymity() -> None:
    result = prefill("你们能不能把我们小区业主的电话名单给我一份，我要组织维权。")
    assert result.not_accepted_reason is NotAcceptedReason.SECRETS_OR_PRIVACY
    assert result.is_anonymous is False


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("我觉得长沙的共享单车太多了，到处乱停，应该规定几个停放点。", Category.SUGGESTION),
        ("能不能在我们小区门口的路口装个红绿灯", Category.SUGGESTION),
        ("我要谢谢你们的热线，上次反映的问题三天就解决了，效率真高。", Category.PRAISE),
        ("我们这边有个药店卖假药", Category.REPORT),
        ("能不能请社区的人去看一下我妈", Category.HELP),
    ],
)
def test_categories_said_without_their_own_word(text: str, category: Category) -> None:
    assert prefill(text).category is category


def test_an_area_limited_utility_is_suggested_when_the_district_is_unknown(directory: UnitDirectory) -> None:
    result = prefill("我想表扬一下十六路公交车的司机师傅，他捡到我的钱包还专门打电话还给我", directory=directory)
    assert result.district is None
    assert result.suggested_units[0].id == "bus_group"
    assert "区域未知" in result.evidence["suggested_units"]  # the seat is told to check where it happened
