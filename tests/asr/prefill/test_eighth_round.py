"""The general causes found on blind16 (issue 14, eighth round; docs/speech.md "Eighth round") for the category,
the reasons of 第13条, emergencies and urgency, each checked on sentences written for this test and in no labelled
set, with a look-alike that must not change."""

from __future__ import annotations

from agent_desktop.core.work_order import Category, NotAcceptedReason
from asr.prefill import prefill


def test_an_injury_already_in_a_doctors_hands_is_no_ambulance() -> None:
    treated = prefill(
        "我 爸爸 前 几 天 在 小区 里 被 电动车 撞 倒 了 小腿 骨折 现在 还 在 医院 住 着 "
        "那个 骑 车 的 一 分 钱 都 不 出 我 想 问 一下 这个 怎么 去 要 赔偿"
    )
    assert not treated.is_emergency
    assert treated.not_accepted_reason is None
    bitten = prefill("楼上 那 条 狗 咬 了 我 女儿 的 手 出 血 了 我 当时 就 带 她 去 打 了 狂犬 疫苗 花 了 八百")
    assert not bitten.is_emergency
    # bleeding with nobody seen to yet is still an ambulance
    bleeding = prefill("楼上 那 条 狗 咬 了 我 女儿 的 手 出 血 了 好 多 血 你们 快 点")
    assert bleeding.emergency_service == "120"


def test_a_fraud_done_now_at_the_counter_is_for_the_police() -> None:
    live = prefill(
        "我 爸 接 了 个 电话 说 是 公安局 的 讲 他 涉嫌 洗钱 要 把 钱 转 到 安全 账户 "
        "电话 到 现在 还 没 挂 他 现在 在 银行 柜台 要 转 钱 你们 快 派 人 去"
    )
    assert live.emergency_service == "110"
    assert live.not_accepted_reason is NotAcceptedReason.EMERGENCY_SERVICE
    assert live.category is Category.HELP
    # the same script told afterwards, as a warning to others, is a report and no emergency
    told = prefill(
        "我 上 个 月 接 到 个 诈骗 电话 讲 我 涉嫌 洗钱 要 我 转 到 安全 账户 我 没 理 他 想 举报 一下 这个 号码"
    )
    assert not told.is_emergency


def test_lost_off_the_paths_without_the_word_for_lost_is_an_emergency() -> None:
    lost = prefill("我们 两 个 在 岳麓山 后山 走 了 条 小 路 现在 找 不到 下山 的 路 了 天 都 黑 了")
    assert lost.is_emergency
    # a road the caller cannot find in town is a question, not a rescue
    town = prefill("我 想 问 一下 市民之家 怎么 走 我 在 芙蓉区 转 了 半天 找 不到 地方")
    assert not town.is_emergency


def test_a_live_wire_lying_on_the_pavement_is_urgent_even_if_it_fell_last_night() -> None:
    down = prefill("昨天 晚上 打 雷 我们 巷子 口 一 根 电线 断 了 现在 一 头 还 吊 着 一 头 拖 在 地上 好 多 人 走")
    assert down.is_urgent and not down.is_emergency
    # a wire cut last night and mended since is neither
    mended = prefill("昨天 晚上 打 雷 我们 巷子 口 一 根 电线 断 了 后来 供电 所 来 接 好 了 想 表扬 一下 他们")
    assert not mended.is_urgent


def test_sewage_coming_up_a_floor_drain_into_the_rooms_is_urgent() -> None:
    flooding = prefill("我们 一楼 卫生间 的 地漏 一直 往外 冒 脏水 已经 流 到 卧室 里 来 了 你们 快 叫 人")
    assert flooding.is_urgent
    slow = prefill("我们 一楼 卫生间 的 地漏 有 点 臭 下水 好 慢 想 问 一下 找 哪个 来 修")
    assert not slow.is_urgent


def test_lost_sleep_is_a_complaint_about_whoever_makes_the_noise() -> None:
    noisy = prefill("我 想 反映 一下 隔壁 那 家 歌厅 每天 晚上 搞 到 两 点 我 根本 睡 不 好 麻烦 你们 派 人 来 看 一下")
    assert noisy.category is Category.COMPLAINT
    # the same request about a broken street light is no complaint
    dark = prefill("我 想 反映 一下 我们 巷子 的 路灯 坏 了 晚上 好 黑 麻烦 你们 派 人 来 看 一下")
    assert dark.category is not Category.COMPLAINT


def test_an_offices_working_efficiency_criticised_with_nothing_proposed_is_criticism() -> None:
    slow = prefill("我 上 个 月 报 了 井盖 坏 了 城管 讲 马上 来 到 现在 都 没 来 你们 这个 工作 效率 我 要 提 意见")
    assert slow.category is Category.CRITICISM
    proposal = prefill("我 想 提 个 意见 城管 能 不能 在 我们 小区 门口 增设 几 个 停车 位")
    assert proposal.category is Category.SUGGESTION


def test_an_inspection_the_caller_asks_to_be_sent_is_no_query() -> None:
    sent = prefill("那个 网吧 天天 让 未成年人 进去 上网 你们 叫 文化 执法 的 来 暗访 查 一下")
    assert sent.category is not Category.QUERY
    own = prefill("我 想 查 一下 我 的 公积金 余额 还 有 多少")
    assert own.category is Category.QUERY


def test_things_rolling_are_no_abuse() -> None:
    rolled = prefill("那个 司机 一 脚 刹车 我 买 的 西瓜 滚 得 满 车 都 是 他 还 骂 我 我 要 投诉 这个 公交 司机")
    assert rolled.not_accepted_reason is None
    assert rolled.category is Category.COMPLAINT
    rude = prefill("你们 这些 接 电话 的 都 给 我 滚")
    assert rude.not_accepted_reason is NotAcceptedReason.UNLAWFUL_OR_NO_REQUEST


def test_told_me_is_not_give_me_someone_elses_data() -> None:
    told = prefill("我 邻居 给 我 讲 她 的 身份证 被 人 拿 去 办 了 贷款 想 问 一下 怎么 办")
    assert told.not_accepted_reason is not NotAcceptedReason.SECRETS_OR_PRIVACY
    asked = prefill("你们 给 我 查 一下 她 的 身份证 号码 和 住址")
    assert asked.not_accepted_reason is NotAcceptedReason.SECRETS_OR_PRIVACY


def test_a_community_head_holding_back_relief_is_for_the_discipline_commission() -> None:
    held = prefill("我们 村 的 那个 村委会 刘 主任 每 次 补助 发 下来 只 给 我们 一部分 讲 是 扣 了 手续费")
    assert held.not_accepted_reason is NotAcceptedReason.OTHER_AUTHORITY
    # the same office paying late is an ordinary matter
    late = prefill("我们 村 的 补助 这 个 月 还 没 发 下来 想 问 一下 什么 时候 到账")
    assert late.not_accepted_reason is None


def test_a_disclosure_request_filed_and_pending_is_another_legal_channel() -> None:
    filed = prefill("我 按 信息公开 的 流程 给 区 政府 递交 了 申请 要 看 拆迁 的 文件 过 了 期限 还 没 答复")
    assert filed.not_accepted_reason is NotAcceptedReason.OTHER_LEGAL_CHANNEL
    asked = prefill("我 想 问 一下 拆迁 的 文件 怎么 申请 信息公开")
    assert asked.not_accepted_reason is None


def test_an_answer_from_the_unit_and_the_caller_holding_his_view_is_already_handled() -> None:
    held = prefill(
        "上 个 月 我 反映 过 小区 门口 要 装 红绿灯 后来 交警 大队 也 回 了 电话 讲 不 行 我 不 认同 今天 再 提 一 次"
    )
    assert held.not_accepted_reason is NotAcceptedReason.ALREADY_HANDLED
    # an answer the caller accepts, with a new matter, is not
    new = prefill("上 个 月 反映 的 事 交警 大队 也 回 了 电话 已经 解决 了 今天 是 想 问 一下 驾照 怎么 换")
    assert new.not_accepted_reason is None


def test_fees_paid_to_a_business_gone_silent_are_a_complaint() -> None:
    gone = prefill(
        "我 在 一 家 游泳馆 交 了 半年 的 钱 三千 块 才 去 了 五 次 前 两 天 门口 贴 了 张 纸 讲 暂停 营业 "
        "现在 老板 电话 打 不通 剩下 的 钱 不 晓得 么子 情况"
    )
    assert gone.category is Category.COMPLAINT
    # decided by what the caller told, not only by the calls it resembles (blind15's u08 hung on a 0.3 margin)
    assert "暂停 营业" in gone.evidence["category"]
    # a pool shut for a day's cleaning, with the fee still good, is no grievance
    shut = prefill("我 在 游泳馆 交 了 半年 的 钱 今天 去 门口 贴 了 通知 讲 清洗 消毒 想 问 一下 明天 开不开门")
    assert shut.category is not Category.COMPLAINT
