"""The general causes found on blind14 (issue 14, sixth round; docs/speech.md "Sixth round"), each checked on
sentences written for this test and in no labelled set, with a look-alike that must not change."""

from __future__ import annotations

from agent_desktop.core.work_order import Category, NotAcceptedReason
from asr.prefill import prefill


def test_da_wo_before_a_number_or_a_place_is_a_call_not_a_blow() -> None:
    call = prefill("路灯 坏 了 半 个 月 你们 有 么子 事 就 打 我 儿子 的 电话 幺 三 九 零 七 三 一 二 二 三 四")
    assert not call.is_emergency and call.not_accepted_reason is None
    assert call.phone == "13907312234"  # a relative given for the callback is the caller's (test_callers_own_words)
    said = prefill("物业 不 修 我 就 天天 打 我 在 开福区 四方坪 住")
    assert not said.is_emergency
    # a blow is still a blow
    hit = prefill("快 来 人 啊 他 拿 棍子 在 打 我 我 跑 不 脱")
    assert hit.emergency_service == "110"


def test_kinship_said_of_oneself_gives_the_form_of_address() -> None:
    assert prefill("我 是 他 满崽 想 问 一下 低保 怎么 办").form_of_address == "先生"
    assert prefill("我 是 伢子 他 爸爸 想 问 一下 学位 的 事").form_of_address == "先生"
    assert prefill("我 堂客 生 了 病 想 问 一下 医保 报销").form_of_address == "先生"
    assert prefill("我 是 他 堂客 想 问 一下 医保 报销").form_of_address == "女士"
    # my son, told of, says nothing of the caller
    assert prefill("我 崽 在 外地 读书 想 问 一下 医保 报销").form_of_address is None


def test_surnames_said_after_who_the_caller_is_or_spelt() -> None:
    assert prefill("我 是 他 妈妈 姓 詹 电话 幺 三 八 七 三 一 二 二 三 四 五").surname == "詹"
    one = prefill("我 是 前 几 天 打 电话 讲 路灯 不 亮 的 那个 姓 傅 的 现在 还是 黑 的")
    assert one.surname == "傅"
    assert prefill("路灯 不 亮 我 姓 豆 豆子 的 豆 电话 幺 三 八 七 三 一 二 二 三 四 五").surname == "豆"
    assert prefill("路灯 不 亮 我 姓 么子 不 要紧").surname is None
    # another person's surname stays his
    judge = prefill("我 要 反映 一下 那个 姓 傅 的 法官 案子 拖 了 一年")
    assert judge.surname is None
    assert prefill("我 是 上 个 月 打 电话 的 那个 姓 傅 的 法官 的 当事人").surname is None


def test_a_call_to_the_hotline_on_a_past_day_is_a_repeat_even_without_guo() -> None:
    assert prefill("我 十五 号 就 打 你们 电话 了 讲 下水道 堵 了 到 现在 冇 人 来").is_repeat
    assert prefill("上 个 礼拜 我 打 你们 电话 讲 路灯 不 亮").is_repeat
    # calling the landlord last week is not calling the hotline
    assert not prefill("上 个 礼拜 我 打 房东 电话 讲 路灯 不 亮").is_repeat


def test_a_case_filed_at_arbitration_is_reason_five_but_asking_how_to_file_is_not() -> None:
    filed = prefill("公司 欠 我 两 个 月 工资 我 到 开福区 仲裁 那边 立 了 案 了 你们 帮 我 催 一下")
    assert filed.not_accepted_reason is NotAcceptedReason.OTHER_LEGAL_CHANNEL
    asked = prefill("公司 欠 我 两 个 月 工资 我 想 问 一下 劳动 仲裁 怎么 立案")
    assert asked.not_accepted_reason is None


def test_a_cadres_works_given_to_his_kin_are_the_discipline_commissions() -> None:
    cadre = prefill("我 举报 村 的 村主任 修 水渠 的 钱 下来 了 他 把 活 包 给 他 自己 的 侄子 做 账 也 对 不 上")
    assert cadre.not_accepted_reason is NotAcceptedReason.OTHER_AUTHORITY
    # the same told of a property company is the hotline's
    company = prefill("我 要 反映 我们 小区 物业 把 绿化 包 给 经理 自己 的 侄子 做 账 也 对 不 上")
    assert company.not_accepted_reason is None


def test_getting_someone_out_of_criminal_custody_is_reason_eight_but_asking_about_visits_is_not() -> None:
    held = prefill("我 老公 被 派出所 抓 走 了 关 在 看守所 你们 帮 我 讲 一下 先 把 他 放 出来")
    assert held.not_accepted_reason is NotAcceptedReason.OTHER_BY_LAW
    visit = prefill("我 老公 被 派出所 抓 走 了 关 在 看守所 想 问 一下 家属 能不能 去 送 衣服")
    assert visit.not_accepted_reason is None


def test_a_reply_by_phone_not_accepted_is_reason_six_but_a_reply_awaited_is_not() -> None:
    again = prefill("还是 上次 噪音 的 事 环保 的 人 来 测 了 也 给 我 回 了 电话 讲 达标 我 不 认 这个 账")
    assert again.not_accepted_reason is NotAcceptedReason.ALREADY_HANDLED
    waiting = prefill("上次 噪音 的 事 环保 的 人 也 给 我 回 了 电话 讲 下 个 礼拜 来 测 到 现在 冇 来")
    assert waiting.not_accepted_reason is None


def test_a_judges_want_of_care_is_criticism() -> None:
    judge = prefill(
        "我 要 反映 一下 望城区 法院 执行局 的 法官 姓 傅 判 了 对方 还 我 钱 一年 了 冇 拿到 "
        "这个 法官 太 不 负责 了 我 姓 邹"
    )
    assert judge.category is Category.CRITICISM
    # a trader's want of care harming the caller stays a complaint
    shop = prefill("我 在 那个 装修 公司 装 的 房子 漏水 他们 太 不 负责 了 要 他们 赔")
    assert shop.category is Category.COMPLAINT


def test_the_summary_drops_the_form_of_address_said_after_the_name() -> None:
    summary = prefill("我 姓 王 是 先生 我们 小区 门口 的 路灯 坏 了 半 个 月").summary
    assert "先生" not in summary and "王" not in summary and "路灯" in summary
    # what the caller is, said after the name, stays
    assert "开福区" in prefill("我 姓 王 是 开福区 的 我们 小区 门口 的 路灯 坏 了 半 个 月").summary
