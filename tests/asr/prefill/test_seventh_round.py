"""The general causes found on blind15 (issue 14, seventh round; docs/speech.md "Seventh round"), each checked on
sentences written for this test and in no labelled set, with a look-alike that must not change."""

from __future__ import annotations

import pytest

from agent_desktop.core.routing import UnitDirectory
from agent_desktop.core.work_order import NotAcceptedReason
from agent_desktop.resources import load_unit_directory
from asr.prefill import prefill


@pytest.fixture(scope="module")
def directory() -> UnitDirectory:
    return load_unit_directory()


def units(text: str, directory: UnitDirectory) -> list[str]:
    return [u.id for u in prefill(text, directory=directory).suggested_units]


def test_trees_felled_by_any_tool_go_to_forestry(directory: UnitDirectory) -> None:
    sawn = "我 要 反映 一下 望城区 白箬铺镇 后山 上 有 人 天天 在 锯 松树 用 货车 拖走 了 好多"
    assert "city_forestry" in units(sawn, directory)
    assert "砍伐" in prefill(sawn, directory=directory).keywords
    # a branch over a road trimmed is not felling
    trimmed = "我 要 反映 一下 望城区 白箬铺镇 路边 的 路灯 坏 了 晚上 好黑"
    assert "city_forestry" not in units(trimmed, directory)


def test_a_tenants_deposit_is_the_housing_bureaus_but_a_gym_card_is_the_market_regulators(
    directory: UnitDirectory,
) -> None:
    rent = "我 在 开福区 四方坪 租 的 房子 退房 一个 月 了 房东 押金 三千 一直 不 退 电话 也 不 接"
    assert units(rent, directory)[0] == "city_housing"
    card = "开福区 四方坪 那家 健身房 关门 了 我 办 了 张 年卡 充 了 三千 块 押金 也 不 退"
    assert units(card, directory)[0] == "city_market"


def test_a_training_class_by_any_of_its_names_goes_to_education(directory: UnitDirectory) -> None:
    text = "我 给 崽 报 了 一个 英语 辅导班 在 天心区 坡子街 交 了 六千 现在 老板 跑 了 钱 退 不 回来"
    assert "city_education" in units(text, directory)
    assert "培训机构" in prefill(text, directory=directory).keywords


def test_a_sole_traders_licence_is_the_market_regulators_and_a_licence_held_by_the_other_side_is_not(
    directory: UnitDirectory,
) -> None:
    text = "我 在 岳麓区 开 了 个 个体户 的 奶茶店 想 问 一下 变更 经营 范围 要 么子 材料"
    assert units(text, directory)[0] == "city_market"
    smoke = prefill(
        "岳麓区 咸嘉湖 楼下 烧烤 店 油烟 好 大 我 找 过 老板 他 讲 他 有 营业执照 关 我 么子 事", directory=directory
    )
    assert "个体工商户" not in smoke.keywords


def test_free_clinics_selling_medicine_without_a_licence_go_to_health(directory: UnitDirectory) -> None:
    text = "浏阳 永安镇 集 上 有 伙 人 搞 么子 义诊 给 老人家 量 血压 然后 卖 药 一盒 两百"
    assert units(text, directory)[0] == "city_health"
    # a hospital's health check asked about is no unlicensed practice
    asked = prefill("我 想 问 一下 社区 医院 的 免费 体检 么子 时候 搞", directory=directory)
    assert "无证行医" not in asked.keywords


def test_a_car_owners_number_asked_of_the_hotline_is_someone_elses_data() -> None:
    asked = prefill("我 想 查 一下 湘 A 一 二 三 四 五 这个 车 的 车主 电话 他 的 车 停 在 我 门面 前头 两 天 了")
    assert asked.not_accepted_reason is NotAcceptedReason.SECRETS_OR_PRIVACY
    handed = prefill("隔壁 装修 把 我 墙 搞 裂 了 你们 把 他 的 电话 告诉 我 我 自己 找 他")
    assert handed.not_accepted_reason is NotAcceptedReason.SECRETS_OR_PRIVACY
    # giving the caller's own number is not asking for someone else's
    own = prefill("隔壁 装修 把 我 墙 搞 裂 了 我 的 电话 幺 三 八 七 三 一 二 二 三 四 五 你们 告诉 物业 来 看 下")
    assert own.not_accepted_reason is None


def test_the_caller_who_rules_out_the_police_reports_no_emergency() -> None:
    scrape = prefill("昨天 晚上 有 台 车 倒车 把 我 的 车门 刮 了 就 开 走 了 不 用 报警 你们 帮 我 找 下 车主 赔钱")
    assert not scrape.is_emergency and scrape.emergency_service is None
    # a scrape happening now, with no such word, still goes to the traffic police
    now = prefill("快点 来 人 一台 车 刚刚 撞 了 我 的 车 司机 要 跑 了 就 在 芙蓉路 上")
    assert now.emergency_service in ("122", "110")


def test_an_answer_disbelieved_or_asked_to_be_sent_again_is_reason_six() -> None:
    again = prefill(
        "我 上 个 月 反映 过 小区 门口 的 垃圾站 你们 那边 回复 我 了 讲 是 整改 了 我 不 信 你们 再 给 我 派 一次"
    )
    assert again.not_accepted_reason is NotAcceptedReason.ALREADY_HANDLED
    # an answer received and thanked for is no repeat of a handled matter
    thanks = prefill(
        "我 上 个 月 反映 过 小区 门口 的 垃圾站 你们 那边 回复 我 了 讲 是 整改 了 今天 去 看 了 搞 好 了 谢谢"
    )
    assert thanks.not_accepted_reason is None
