"""General causes of misses on calls nobody had tuned on (issue 14; blind7 was studied, blind8 kept blind): each
shown on sentences that are in no set. Callers correct part of a number or give someone else's; ask for
confidentiality as Changsha callers say it; meet every reason of 第13条 in plain words; describe a crime in
progress without naming it; tell several matters in one call."""

from __future__ import annotations

import pytest

from agent_desktop.core.work_order import Category, NotAcceptedReason
from agent_desktop.resources import load_unit_directory
from asr.prefill import prefill

C = Category
R = NotAcceptedReason


@pytest.mark.parametrize(
    ("text", "phone"),
    [
        # the tail, with 两位 counting the digits that follow (it is not a 2)
        ("电话 是 一 五 八 零 七 三 一 六 六 二 九 哦 说 错 了 最后 两 位 是 九 二", "15807316692"),
        # the head
        ("电话 一 八 六 七 三 一 零 五 五 三 八 不 对 开头 是 一 三 六 后面 都 一样", "13673105538"),
        # "不是 A 是 B": A is replaced where it was said
        ("我 的 手机 一 三 九 七 四 八 八 二 零 一 六 不 是 八 八 二 是 八 六 二", "13974862016"),
        # "是 B 不是 A", in the middle
        ("号码 一 三 七 八 七 三 一 二 三 四 五 中间 是 四 四 不 是 二 三", "13787314445"),
        # read back the same: no change
        ("电话 一 三 七 八 七 三 一 二 三 四 五 我 再 念 一 遍 一 三 七 八 七 三 一 二 三 四 五", "13787312345"),
    ],
)
def test_a_caller_who_corrects_part_of_his_number(text: str, phone: str) -> None:
    result = prefill(text)
    assert result.phone == phone, result.evidence


@pytest.mark.parametrize(
    ("text", "phone"),
    [
        ("包工头 姓 刘 电话 是 一 三 八 七 三 一 零 九 九 八 八 你们 打 给 他 问 一下", None),
        ("房东 的 电话 一 五 二 七 三 一 一 二 二 三 三 我 的 电话 是 一 八 九 七 三 一 四 四 五 五 六", "18973144556"),
        ("牌子 上 写 的 电话 一 七 七 七 三 一 零 零 零 一 二 你们 可以 打 这个", None),
        # the caller's own work number, and a relative he gives for the callback, are his
        ("我 单位 电话 是 八 四 五 二 一 三 七 六", "0731-84521376"),
        ("你们 打 我 儿子 的 电话 一 三 五 七 四 八 零 零 一 二 三", "13574800123"),
    ],
)
def test_someone_elses_number_is_not_the_callback_number(text: str, phone: str | None) -> None:
    assert prefill(text).phone == phone


@pytest.mark.parametrize(
    "text",
    [
        "莫 把 我 的 名字 讲 出去 啊 他们 认得 我",
        "这个 事 你们 帮 我 保 个 密 啊",
        "你们 莫 讲 是 我 反映 的",
        "不要 让 人家 晓得 是 我 打 的 电话",
        "我 的 电话 莫 登记 啊 怕 他 找 上 门",
    ],
)
def test_confidentiality_as_changsha_callers_ask_for_it(text: str) -> None:
    result = prefill(f"我们 隔壁 那个 厂 晚上 偷偷 排 废水 {text}")
    assert result.is_anonymous, result.evidence


def test_a_caller_who_does_not_mind_being_named_is_not_anonymous() -> None:
    result = prefill("我 举报 那个 养鸡场 往 河 里 排 粪水 我 不 怕 他 晓得 你们 直接 讲 是 我 反映 的")
    assert not result.is_anonymous


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        # (三) privacy of others, and a business's secrets
        ("你们 帮 我 查 一下 隔壁 那个 女 的 叫 什么 名字 在 哪里 上班", R.SECRETS_OR_PRIVACY),
        ("我 想 查 一下 我 前夫 的 银行 流水 看 他 到底 有 好多 钱", R.SECRETS_OR_PRIVACY),
        ("你们 能 不 能 告诉 我 对面 那 家 公司 的 客户 名单 跟 进货 价", R.SECRETS_OR_PRIVACY),
        # (四) harassing the agent, or nothing to ask
        ("妹子 你 有 男朋友 冇 你 声音 好 好听", R.UNLAWFUL_OR_NO_REQUEST),
        ("冇 么子 事 就是 想 跟 你 聊 下 天", R.UNLAWFUL_OR_NO_REQUEST),
        # (七) the army's ground, a cadre's corruption (the discipline commission's)
        ("我们 旁边 武警 的 营区 天天 晚上 十 点 还 在 那里 喊 口号 吹 哨子 好 吵", R.OTHER_AUTHORITY),
        ("我 要 举报 我们 镇 上 的 一 个 干部 把 扶贫 的 钱 拿 去 给 自己 屋里 用 了", R.OTHER_AUTHORITY),
    ],
)
def test_reasons_of_article_13_in_plain_words(text: str, reason: NotAcceptedReason) -> None:
    assert prefill(text).not_accepted_reason is reason


@pytest.mark.parametrize(
    "text",
    [
        "我 要 投诉 那个 司机 他 叫 什么 名字 我 不 知道 车牌 我 记 了",  # not asking for his name
        "我们 物业 主任 收 了 我们 的 钱 不 办事",  # a company's manager, not a public official
        "可以 加 个 微信 发 照片 给 你们 吗 我们 小区 路灯 坏 了 一 个 月",  # a way to send photos
    ],
)
def test_words_near_a_reason_do_not_make_one(text: str) -> None:
    assert prefill(text).not_accepted_reason is None


@pytest.mark.parametrize(
    "text",
    [
        "有 个 人 在 撬 我 隔壁 屋 的 门 撬 了 好 一阵 了 我 从 窗户 里 看 到 的",
        "地铁 上 有 个 男 的 把 手 伸 到 一 个 老人家 的 口袋 里 去 了 现在 还 在 车厢 里",
    ],
)
def test_a_crime_in_progress_told_without_its_name_is_for_110(text: str) -> None:
    result = prefill(text)
    assert result.emergency_service == "110"
    assert result.category is C.HELP
    assert result.not_accepted_reason is R.EMERGENCY_SERVICE


def test_secretly_is_not_stealing() -> None:
    assert prefill("我们 那边 有 个 厂 在 偷偷 排 污水 到 河 里").emergency_service is None


def test_the_first_of_several_matters_decides_and_routes() -> None:
    directory = load_unit_directory()
    result = prefill(
        "我 有 两 个 事 第一 个 是 物业 每 个 月 多 收 我们 三十 块 钱 的 电梯 费 也 不 说 清楚 "
        "第二 个 就是 想 问 一下 公积金 能 不 能 提取 出来 还 房贷",
        directory=directory,
    )
    assert result.category is C.COMPLAINT
    assert result.suggested_units[0].id == "city_housing"
    assert "物业" in result.summary
    assert "公积金" in result.keywords  # the other matter is not lost
    main_later = prefill("我 打 电话 主要 是 想 投诉 楼下 的 麻将 馆 吵 到 半夜 顺便 问 一下 老年卡 在 哪里 办")
    assert main_later.category is C.COMPLAINT


def test_a_consultation_about_a_problem_is_a_consultation() -> None:
    result = prefill("我 想 问 一下 屋里 热水器 打 不 着 火 是 什么 原因 是 不 是 要 换 电池")
    assert result.category is C.CONSULTATION


def test_a_bus_line_is_not_an_address() -> None:
    result = prefill("我 想 表扬 一下 三 零 二 路 公交 的 司机 他 等 了 我 屋里 老人家 好 久")
    assert result.address is None
    assert "公交" in result.summary
    assert prefill("我 住 在 八一 路 二十 号 楼下 天天 有 人 乱 停 车").address == "八一路二十号"


# Causes found on blind8 after its final measurement (fixed afterwards, checked on blind9):


def test_a_fire_told_by_its_flames_is_for_119() -> None:
    result = prefill("对面 仓库 屋顶 上 有 火苗 窜 出来 了")
    assert result.emergency_service == "119"
    assert prefill("那个 厂 的 烟囱 天天 冒 黑烟 熏 得 我们 窗户 都 不 敢 开").emergency_service is None


def test_a_cut_announced_for_later_asked_about_is_a_query() -> None:
    result = prefill("我 看到 通知 说 后天 要 停电 一 天 是 真的 吗 要 停 到 几 点")
    assert result.category is C.QUERY
    assert prefill("我们 这里 停电 停 了 一 上午 了 冰箱 里 的 东西 都 要 坏 了").category is C.HELP


def test_a_matter_registered_before_asked_after_is_a_repeat_query() -> None:
    result = prefill("我 前 几 天 在 你们 这里 登记 了 小区 垃圾 没 人 清 的 事 想 问 一下 派 给 哪个 部门 了")
    assert result.is_repeat
    assert result.category is C.QUERY


def test_an_answer_given_before_without_new_facts_is_reason_6() -> None:
    result = prefill("上 次 你们 给 我 回复 了 说 那个 棚子 已经 处理 了 我 还是 不 服 也 没 什么 新 情况")
    assert result.not_accepted_reason is R.ALREADY_HANDLED
    assert result.is_repeat


def test_by_the_way_starts_another_matter() -> None:
    result = prefill("我 想 问 一下 退休 以后 医保 还 要 不要 交 哦 还有 楼下 路灯 坏 了 一 个 月 没 人 修 你 记 下")
    assert result.category is C.CONSULTATION


def test_an_estate_named_yuan_is_an_address() -> None:
    assert prefill("我们 天心 区 翠竹苑 的 电梯 坏 了 一 个 礼拜").address == "翠竹苑"


def test_a_number_on_someone_elses_card_is_not_the_callers() -> None:
    assert prefill("他 给 我 的 名片 上 电话 是 一 三 九 零 七 三 一 八 八 六 六").phone is None


# Causes found on blind9 after its final measurement (fixed afterwards; no unseen set has measured them):


def test_choking_and_smashing_told_as_seen_are_emergencies() -> None:
    assert prefill("我 崽 吃 果冻 卡 住 了 喉咙 脸 都 发紫 了").emergency_service == "120"
    assert prefill("有 个 人 拿 石头 在 砸 我们 店 的 玻璃 门 现在 还 在 砸").emergency_service == "110"


def test_a_danger_that_began_last_night_and_goes_on_is_urgent() -> None:
    result = prefill("昨天 晚上 打 雷 把 路边 的 电线 打 断 了 掉 下来 现在 还在 冒 火花")
    assert result.is_urgent and not result.is_emergency
    assert not prefill("昨天 晚上 路边 的 电线 断 了 掉 下来 今天 早上 已经 修 好 了").is_urgent


def test_sewage_coming_up_into_a_home_is_urgent() -> None:
    assert prefill("下水道 堵 了 污水 从 我 家 卫生间 地漏 里 往 上 冒 出来 流 得 满屋 都 是").is_urgent


def test_hide_my_name_asks_for_confidentiality() -> None:
    assert prefill("有 人 在 河 边 偷偷 倒 垃圾 你们 把 我 的 名字 藏 起来 啊").is_anonymous


def test_where_the_caller_studies_does_not_make_a_matter_local() -> None:
    result = prefill("我 在 长沙 读 大学 户口 在 株洲 想 问 一下 株洲 的 居民 医保 在 哪里 交")
    assert result.not_accepted_reason is R.OUTSIDE_JURISDICTION


def test_where_a_relatives_lover_lives_is_private() -> None:
    result = prefill("帮 我 查 一下 我 儿媳 在 外面 认识 的 那个 男 的 住 在 哪里")
    assert result.not_accepted_reason is R.SECRETS_OR_PRIVACY


def test_a_long_if_only_is_a_suggestion() -> None:
    result = prefill("要是 能 把 社区 医院 周末 打 疫苗 的 时间 往 后 延 一 个 钟头 就 好 了 上班 的 人 赶 不 上")
    assert result.category is C.SUGGESTION


def test_an_answer_given_to_me_twice_is_reason_6_and_an_earlier_order_is_a_repeat() -> None:
    result = prefill("你们 已经 给 我 回复 过 好 几 次 了 我 就是 不 服 也 没 什么 新 的 东西")
    assert result.not_accepted_reason is R.ALREADY_HANDLED
    assert prefill("我 要 批评 你们 上 次 派 的 工单 根本 没 人 管").is_repeat
