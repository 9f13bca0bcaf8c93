"""Rules added after the first measurement of blind5/blind6 (calls written in new voices): each follows a
definition of docs/speech.md or `asr/prefill/category.py`, shown here on sentences that are not in any set."""

from __future__ import annotations

import pytest

from agent_desktop.core.work_order import Category, NotAcceptedReason
from agent_desktop.resources import load_unit_directory
from asr.prefill import prefill

C = Category


@pytest.mark.parametrize(
    "text",
    [
        "那个窗口的办事员我问她要带什么，她眼睛都不看我，翻了个白眼",
        "车管所的工作人员说话好难听，我就多问了一句",
        "社区的网格员态度那么差，问个事情就不耐烦",
        "街道办的人让我自己上网去查，我七十多了哪里会",
    ],
)
def test_a_public_servants_rudeness_is_criticism(text: str) -> None:
    assert prefill(text).category is C.CRITICISM


@pytest.mark.parametrize(
    ("text", "category"),
    [
        # a witness of bad hygiene reports it; the same seen after eating and falling ill is a complaint
        ("小区门口那家米粉店后厨蟑螂到处爬，碗也不洗干净，你们去看一下", C.REPORT),
        ("那家米粉店蟑螂到处爬，我昨天在那里吃了一碗，回来就拉肚子，老板不认账", C.COMPLAINT),
        # a fraud call that failed is reported, not queried
        ("有个人打电话冒充公安局，说我涉嫌洗钱，要我把钱转到安全账户，你们查一下这个号码", C.REPORT),
        # wages owed to the caller himself
        ("老板欠我们三个人两万多工钱，过年都没给", C.COMPLAINT),
    ],
)
def test_more_witness_and_victim_words(text: str, category: Category) -> None:
    assert prefill(text).category is category


def test_the_progress_of_an_earlier_report_is_a_query_even_when_it_retells_the_nuisance() -> None:
    text = "我前几天反映过楼下酒吧半夜放音乐太吵睡不着的事，想问一下现在处理得怎么样了"
    result = prefill(text)
    assert result.category is C.QUERY
    assert result.is_repeat


@pytest.mark.parametrize(
    "text",
    [
        "我要表扬一下那个医生，上周我爸在家突然晕倒，是他一路抢救过来的",
        "我想批评一下那个派出所，我的手机被偷了去报案，他们半天都不理",
    ],
)
def test_a_call_to_praise_or_criticise_tells_of_an_emergency_that_is_over(text: str) -> None:
    result = prefill(text)
    assert not result.is_emergency
    assert result.not_accepted_reason is None


def test_an_event_that_started_yesterday_and_goes_on_is_still_an_emergency() -> None:
    result = prefill("我妈从昨天开始就说不出话了，半边身子动不了")
    assert result.emergency_service == "120"


@pytest.mark.parametrize(
    "text",
    [
        "喂 快 点 我 老公 在 厨房 突然 倒 在 地上 了",
        "我 爷爷 叫 他 也 不 醒 了 怎么 办",
    ],
)
def test_a_collapse_is_for_the_ambulance(text: str) -> None:
    assert prefill(text).emergency_service == "120"


def test_drilling_at_my_home_is_not_an_assault() -> None:
    result = prefill("楼上装修天天打电钻，周末也打我屋里老人都没法休息")
    assert not result.is_emergency
    assert result.category is C.COMPLAINT


@pytest.mark.parametrize(
    "text",
    ["你们去查的时候别讲是我打的电话", "这个事你们千万别说出去，我怕他找我麻烦"],
)
def test_more_ways_to_ask_for_confidentiality(text: str) -> None:
    assert prefill(text).is_anonymous


def test_a_repeat_with_words_between_the_time_and_the_call() -> None:
    assert prefill("我上个月中旬打过你们电话说这个事，到现在没动静").is_repeat


def test_typed_notes_name_the_caller_in_the_third_person() -> None:
    result = prefill("来电人反映小区垃圾无人清运。来电人姓卢，先生。")
    assert (result.surname, result.form_of_address) == ("卢", "先生")


@pytest.mark.parametrize(
    "text",
    [
        "我爸今年要去海南过冬，在那边看病医保怎么报销",
        "我上个星期开车去了一趟韶山，想查一下路上有没有违章",
    ],
)
def test_the_callers_travels_do_not_put_the_matter_outside_changsha(text: str) -> None:
    assert prefill(text).not_accepted_reason is not NotAcceptedReason.OUTSIDE_JURISDICTION


def test_a_road_through_several_districts_is_not_an_outside_city() -> None:
    result = prefill("韶山中路和劳动路那个路口红绿灯太短了，老人过不完")
    assert result.not_accepted_reason is None
    assert result.district is None


def test_a_county_of_another_city_is_outside_changsha() -> None:
    result = prefill("我是平江的，我们县里那个养老保险怎么补缴")
    assert result.not_accepted_reason is NotAcceptedReason.OUTSIDE_JURISDICTION


def test_topics_route_rentals_food_hygiene_and_fraud() -> None:
    directory = load_unit_directory()

    def units(text: str) -> list[str]:
        return [u.id for u in prefill(text, directory=directory).suggested_units]

    assert "city_housing" in units("租房的中介公司退租以后押金一直不退")
    assert "city_market" in units("那家小吃店后厨苍蝇到处飞，生熟不分")
    assert "city_police" in units("接到一个诈骗电话，冒充客服让我转钱")


def test_the_summary_names_what_made_it_an_emergency() -> None:
    call = "喂 我 在 路上 跟 一 辆 面包车 追尾 了 人 没 事 但是 车 动 不 了 后面 堵 了 好 长 一 截 司机 在 骂"
    result = prefill(call)
    assert "追尾" in result.summary


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("有人在浏阳河里电鱼，一到晚上就来", C.REPORT),
        ("我前年申请的公租房现在排到第几号了", C.QUERY),
        ("能不能在我们学校旁边修一座人行天桥，过马路太危险了", C.SUGGESTION),
        ("我爸一个人住，打他电话一直没人接，我在外地，能不能请社区帮忙去看一下", C.HELP),
        ("小区门口的停车场收费太贵了，停一个小时二十块", C.COMPLAINT),
    ],
)
def test_more_category_words(text: str, category: Category) -> None:
    assert prefill(text).category is category


def test_an_estate_said_as_one_of_many_is_not_its_name() -> None:
    assert prefill("我住在一个老小区，叫桂花苑小区，楼道灯坏了").address == "桂花苑小区"


def test_afraid_to_say_who_he_is_asks_for_confidentiality() -> None:
    assert prefill("我们老板天天让我们加班不给加班费，我不敢说我是谁，怕被开除").is_anonymous


def test_a_neighbours_number_is_private() -> None:
    result = prefill("你们把楼上那家人的电话告诉我，告诉我楼上那个人的电话就行")
    assert result.not_accepted_reason is NotAcceptedReason.SECRETS_OR_PRIVACY


def test_an_injury_with_blood_now_is_for_the_ambulance() -> None:
    assert prefill("我儿子刚才在家被碎玻璃割伤了，满手是血").emergency_service == "120"


@pytest.mark.parametrize(
    "text",
    [
        "坐席：您好，请讲。市民：我要投诉楼上装修太吵。坐席：好的，请问您贵姓？市民：我姓雷。",
        "坐席: 您好 请讲 市民: 我 要 投诉 楼上 装修 太 吵 坐席: 请问 您 贵姓 市民: 我 姓 雷",
    ],
)
def test_turns_typed_on_one_line_are_split_at_their_labels(text: str) -> None:
    result = prefill(text)
    assert (result.category, result.surname) == (C.COMPLAINT, "雷")
    assert "您好" not in result.summary and "贵姓" not in result.summary
