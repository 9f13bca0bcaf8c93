"""The category's decision rules of `asr/prefill/category.py`, one group of examples per rule: who is harmed
decides 投诉 vs 举报, a blamed party decides 投诉 vs 求助, the question asked decides 咨询 vs 查询, the caller's own
word of intent overrides the topic, a denied word counts against, and so on."""

from __future__ import annotations

import pytest

from agent_desktop.core.work_order import Category
from asr.prefill import prefill
from asr.prefill.category import Source, classify
from asr.prefill.text import Doc

C = Category


def category_of(text: str, notes: str = "") -> Category | None:
    return prefill(text, notes=notes).category


@pytest.mark.parametrize(
    ("text", "category"),
    [
        # the same kind of matter: a witness reports, a victim complains
        ("我发现我们村有个人开了个麻将馆聚众赌博，没有营业执照，你们查一下", C.REPORT),
        ("我们楼下新开了一家麻将馆，没有营业执照，天天吵到半夜，我们家孩子都睡不着", C.COMPLAINT),
        ("有个化工厂晚上偷偷往河里排污水，河里的鱼都死了", C.REPORT),
        ("我们旁边那个厂子排的废气臭得我们晚上都不敢开窗", C.COMPLAINT),
        ("有人在我们小区楼顶加盖了一层，也没见有什么审批手续", C.REPORT),
        ("楼上住户违建阳光房，现在我家天花板漏水，找他们也不管", C.COMPLAINT),
        ("隔壁那个餐馆的厨房脏得很，老鼠到处跑，还用地沟油，我在那里做过事", C.REPORT),
        ("我在那个餐馆吃了饭回来上吐下泻，拉肚子，找老板他还骂人", C.COMPLAINT),
        ("我们村后山的树被人砍了一大片，拉木头的车天天晚上走", C.REPORT),
        # a suspicion beside a nuisance is a grievance, not a report
        ("我们这边的焚烧厂最近晚上总有臭味，不知道是不是在偷偷烧什么东西", C.COMPLAINT),
    ],
)
def test_who_is_harmed_decides_between_report_and_complaint(text: str, category: Category) -> None:
    assert category_of(text) is category


@pytest.mark.parametrize(
    ("text", "category"),
    [
        # a grievance against whoever did it
        ("我们公司三个月没发工资了，老板说没钱，我们十几个人都在等着", C.COMPLAINT),
        ("我的房东不退押金，还说要扣我一千块清洁费", C.COMPLAINT),
        ("我们小区的电梯每个月都要坏几次，物业收了电梯维修费也不好好修", C.COMPLAINT),
        ("健身房办卡交了三千，开了两个月老板跑路了，联系不上，你们能不能帮忙", C.COMPLAINT),
        # an urgent difficulty nobody is blamed for
        ("我们这一片停电了，已经停了五个小时了，家里有老人要吸氧", C.HELP),
        ("我们这里自来水一打开全是黄泥巴水，已经三天了，没办法做饭", C.HELP),
        ("我们小区燃气点不着火了，整栋楼都没气，孩子还等着吃饭", C.HELP),
        ("家里暖气片不热，这么冷老人受不了", C.HELP),
    ],
)
def test_a_blamed_party_makes_a_complaint_and_a_difficulty_without_one_a_help_request(
    text: str, category: Category
) -> None:
    assert category_of(text) is category


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("我想问一下，异地医保备案要怎么弄？", C.CONSULTATION),
        ("我孩子明年上小学，我们是租房的，能在长沙报名读书吗", C.CONSULTATION),
        ("公积金租房提取一年能提几次，额度多少？", C.CONSULTATION),
        ("喂 那个 我 想 问 下 护照 怎么 办 要 多久 才 能 拿 到", C.CONSULTATION),
        ("我们家狗要办狗证吗？去哪里办？", C.CONSULTATION),
        # the status of the caller's own case
        ("我想问一下我的社保卡做好了没有", C.QUERY),
        ("嗯 我 想 问 一下 我 前 几 天 交 的 廉租 房 申请 批 下来 没有", C.QUERY),
        ("我之前申请的人才补贴到现在还没到账，能帮我看一下吗", C.QUERY),
        ("喂 我 是 想 问 我 去年 交 的 那个 契税 补贴 什么 时候 发", C.QUERY),
        ("我上个礼拜打过你们这个电话，讲路灯坏哒的事，我想问下那个事办到么子程度哒", C.QUERY),
        ("我就是想问问你们这个热线是24小时的吗？", C.QUERY),
    ],
)
def test_a_general_question_is_a_consultation_and_a_status_question_a_query(text: str, category: Category) -> None:
    assert category_of(text) is category


def test_a_status_told_as_done_is_not_a_query() -> None:
    text = "我想问一下我这个事情之前你们已经答复过了，说是已经处理完了，但是我还是不满意，还是那个违章搭建的事"
    assert category_of(text) is not C.QUERY


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("我觉得我们这条路应该装几个减速带，车开得太快了", C.SUGGESTION),
        ("公园里的健身器材太少了，希望能多装一些", C.SUGGESTION),
        ("市民之家能不能周末也开放？上班族没时间请假办事。", C.SUGGESTION),
        ("我有个想法，政务大厅可以搞个老年人专用窗口", C.SUGGESTION),
        ("我觉得烈士公园里面厕所太少哒，要是能多修几个就好哒", C.SUGGESTION),
        # asking for one's own repair is not a proposal
        ("喂 我 是 开福区 的 我们 这里 路灯 坏 了 一个 多 月 了 晚上 很 黑 能 不能 派 人 来 修 一下", C.HELP),
    ],
)
def test_a_proposal_for_a_public_service_is_a_suggestion(text: str, category: Category) -> None:
    assert category_of(text) is category


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("你们政务大厅的工作人员上班时间在玩手机，叫了几遍都不理", C.CRITICISM),
        ("那个派出所的民警说话很冲，一点都不耐烦，态度太差了", C.CRITICISM),
        ("我觉得你们12345就是走过场，每次回复都是一样的话", C.CRITICISM),
        ("街道办的干部办事拖拉，一件小事拖了两个月", C.CRITICISM),
        # the same conduct words about a shop: the caller's grievance
        ("那个饭店的服务员态度太差了，还多收了我们五十块钱", C.COMPLAINT),
        # praise of a public servant's attitude
        ("你们那个接线员小姑娘态度特别好，耐心帮我查了半天", C.PRAISE),
    ],
)
def test_criticism_needs_a_public_servant_and_a_word_of_conduct(text: str, category: Category) -> None:
    assert category_of(text) is category


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("我要投诉那个黑诊所，给我老婆打针打出了问题", C.COMPLAINT),
        ("我要举报，我们公司老板拖欠工资", C.REPORT),
        ("我不是要投诉哈，我就是想问问，菜市场要拆了以后到哪里买菜", C.CONSULTATION),
        ("不想投诉啊，我就是问问，装修噪音晚上几点以后不能施工？", C.CONSULTATION),
        ("不是投诉，就问下，狗狗办证在哪办，要打什么疫苗？", C.CONSULTATION),
    ],
)
def test_the_callers_own_word_overrides_the_topic_and_a_denied_one_counts_against(
    text: str, category: Category
) -> None:
    assert category_of(text) is category


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("来电人表扬：某社区网格员在疫情期间多次上门为其送菜送药。", C.PRAISE),
        ("来电咨询：灵活就业人员社保缴费基数及办理地点。", C.CONSULTATION),
        ("来电人匿名反映：某小区地下室有人开设赌场，每晚聚集十余人。", C.REPORT),
        ("市民查询其医保个人账户余额", C.QUERY),
    ],
)
def test_the_label_of_a_seats_typed_notes_is_the_category(text: str, category: Category) -> None:
    assert category_of(text) is category


def test_a_question_with_no_other_cue_is_a_consultation_and_a_greeting_is_no_question() -> None:
    assert category_of("请问老年人坐地铁需要买票吗？") is C.CONSULTATION
    result = prefill("喂，是12345吧？我楼上那户人家天天晚上十二点多还在剁东西，一晚上都冇得觉睡，讲了也理都不理。")
    assert result.category is C.COMPLAINT


def test_the_verdict_says_where_its_words_are() -> None:
    doc = Doc.of("我 想 表 扬 一下 物业 的 保安")
    verdict = classify([Source(doc)], emergency=False)
    assert verdict.category is C.PRAISE
    assert doc.source(*verdict.span) == "表 扬"
    assert verdict.scores[C.PRAISE] > max((v for c, v in verdict.scores.items() if c is not C.PRAISE), default=0.0)
    assert classify([], emergency=True).category is C.HELP
    assert classify([], emergency=False).category is None
