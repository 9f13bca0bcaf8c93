"""Tests of the rule parameters: RULES.md defaults, the `[rules]` table of the config file, and validation."""

from __future__ import annotations

import dataclasses
import re
import tomllib
from datetime import time
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from agent_desktop.core.errors import ConfigError
from agent_desktop.core.roles import Role
from agent_desktop.core.rule_parameters import (
    DEFAULT_HANDLING_LIMITS_WD,
    RuleParameters,
    parameter_names,
    parameter_value_text,
    rule_parameters_from_mapping,
)
from agent_desktop.core.work_order import Category

SOURCE = "/etc/agent-desktop/config.toml"


def from_mapping(values: dict[str, Any]) -> RuleParameters:
    return rule_parameters_from_mapping(values, source=SOURCE)


# --- defaults


def test_defaults_are_the_regulations():
    params = RuleParameters()
    assert params.sign_limit_wd == 1  # 第17条: sign on the next WD
    assert params.return_window_wd == 2  # 第17条
    assert params.max_extensions == 1  # 第20条: normally once
    assert params.reply_within_wd == 1  # 第16条(一)
    assert params.no_rating_timeout_h == 72  # 第26条: clock hours
    assert params.manual_revisit_within_wd == 1  # 第26条
    assert params.appeal_window_wd == 5  # 第27条
    assert params.office_close == time(17, 30)  # RULES.md "Working days"
    assert params.timezone == "Asia/Shanghai"
    assert params.zone == ZoneInfo("Asia/Shanghai")
    assert params.emergency_sign_limit_h == 2  # 第16条, RULES.md default
    assert params.emergency_response_limit_h == 2
    assert params.decrypt_roles == frozenset({Role.SUPERVISOR})  # 第15条


@pytest.mark.parametrize(
    ("category", "limit"),
    [
        (Category.CONSULTATION, 3),  # 第19条
        (Category.COMPLAINT, 10),
        (Category.REPORT, 10),
        (Category.HELP, 10),
        (Category.SUGGESTION, 10),
        (Category.QUERY, 3),  # answered like a consultation
        (Category.PRAISE, 10),
        (Category.CRITICISM, 10),
    ],
)
def test_default_handling_limits(category: Category, limit: int):
    params = RuleParameters()
    assert params.handling_limit_wd(category) == limit
    assert params.handling_limits_wd[category] == limit


def test_every_category_has_a_default_handling_limit():
    assert set(RuleParameters().handling_limits_wd) == set(Category)


def test_defaults_compare_equal():
    assert RuleParameters() == RuleParameters()
    assert RuleParameters() != RuleParameters(sign_limit_wd=2)


# --- immutability


def test_parameters_are_frozen():
    params = RuleParameters()
    with pytest.raises(dataclasses.FrozenInstanceError):
        params.sign_limit_wd = 5  # type: ignore[misc]


def test_handling_limits_are_read_only_even_when_built_from_a_plain_dict():
    limits = dict(DEFAULT_HANDLING_LIMITS_WD)
    params = RuleParameters(handling_limits_wd=limits)
    with pytest.raises(TypeError):
        params.handling_limits_wd[Category.CONSULTATION] = 1  # type: ignore[index]
    limits[Category.CONSULTATION] = 99  # the caller's dict was copied, not kept
    assert params.handling_limit_wd(Category.CONSULTATION) == 3
    assert isinstance(params.handling_limits_wd, MappingProxyType)


def test_default_handling_limits_cannot_be_changed():
    with pytest.raises(TypeError):
        DEFAULT_HANDLING_LIMITS_WD[Category.CONSULTATION] = 1  # type: ignore[index]


# --- rule_parameters_from_mapping


def test_an_empty_table_gives_the_defaults():
    assert from_mapping({}) == RuleParameters()


def test_overrides_are_applied_and_the_rest_stay_default():
    params = from_mapping(
        {
            "sign_limit_wd": 2,
            "max_extensions": 2,
            "office_close": "18:00",
            "timezone": "Asia/Urumqi",
            "unusual_return_rate": 1,  # a whole number is a valid rate
            "decrypt_roles": ["supervisor", "agent"],
        }
    )
    assert params.sign_limit_wd == 2
    assert params.max_extensions == 2
    assert params.office_close == time(18, 0)
    assert params.zone == ZoneInfo("Asia/Urumqi")
    assert params.unusual_return_rate == 1.0
    assert isinstance(params.unusual_return_rate, float)
    assert params.decrypt_roles == frozenset({Role.SUPERVISOR, Role.AGENT})
    assert params.appeal_window_wd == 5
    assert params.handling_limits_wd == RuleParameters().handling_limits_wd


def test_a_rules_table_parsed_from_toml():
    table = tomllib.loads(
        "[rules]\n"
        "office_close = 18:00:00\n"  # a TOML local time
        "appeal_window_wd = 7\n"
        "[rules.handling_limits_wd]\n"
        '"咨询" = 5\n'  # TOML bare keys are ASCII, so a Chinese name is quoted
        "complaint = 15\n"
    )["rules"]
    params = from_mapping(table)
    assert params.office_close == time(18, 0)
    assert params.appeal_window_wd == 7
    assert params.handling_limit_wd(Category.CONSULTATION) == 5
    assert params.handling_limit_wd(Category.COMPLAINT) == 15
    assert params.handling_limit_wd(Category.REPORT) == 10  # categories not named keep their default


def test_handling_limits_accept_chinese_category_names():
    params = from_mapping({"handling_limits_wd": {"咨询": 5, "投诉": 12, "查询": 4}})
    assert params.handling_limit_wd(Category.CONSULTATION) == 5
    assert params.handling_limit_wd(Category.COMPLAINT) == 12
    assert params.handling_limit_wd(Category.QUERY) == 4
    assert params.handling_limit_wd(Category.HELP) == 10
    assert DEFAULT_HANDLING_LIMITS_WD[Category.CONSULTATION] == 3  # the defaults themselves are untouched
    with pytest.raises(TypeError):
        params.handling_limits_wd[Category.HELP] = 1  # type: ignore[index]


def test_an_unknown_key_is_refused_naming_it_and_the_source():
    with pytest.raises(ConfigError) as info:
        from_mapping({"sign_limit_wd": 1, "sign_limt_wd": 2})
    assert info.value.code == "unknown_key"
    assert "sign_limt_wd" in str(info.value)
    assert SOURCE in str(info.value)


@pytest.mark.parametrize(
    ("values", "key"),
    [
        pytest.param({"sign_limit_wd": "1"}, "sign_limit_wd", id="string-for-int"),
        pytest.param({"sign_limit_wd": True}, "sign_limit_wd", id="bool-for-int"),
        pytest.param({"sign_limit_wd": 1.5}, "sign_limit_wd", id="float-for-int"),
        pytest.param({"unusual_return_rate": "0.3"}, "unusual_return_rate", id="string-for-float"),
        pytest.param({"unusual_return_rate": False}, "unusual_return_rate", id="bool-for-float"),
        pytest.param({"office_close": "25:99"}, "office_close", id="bad-time"),
        pytest.param({"office_close": "half past five"}, "office_close", id="words-for-time"),
        pytest.param({"office_close": 1730}, "office_close", id="int-for-time"),
        pytest.param({"timezone": 8}, "timezone", id="int-for-timezone"),
        pytest.param({"decrypt_roles": ["supervisor", "boss"]}, "decrypt_roles", id="unknown-role"),
        pytest.param({"decrypt_roles": "supervisor"}, "decrypt_roles", id="role-not-in-a-list"),
        pytest.param({"handling_limits_wd": {"闲聊": 3}}, "handling_limits_wd", id="unknown-category"),
        pytest.param({"handling_limits_wd": {"咨询": "3"}}, "handling_limits_wd", id="string-for-limit"),
        pytest.param({"handling_limits_wd": {"咨询": True}}, "handling_limits_wd", id="bool-for-limit"),
        pytest.param({"handling_limits_wd": 3}, "handling_limits_wd", id="int-for-limits-table"),
    ],
)
def test_a_wrong_type_is_refused_naming_the_key_and_the_source(values: dict[str, Any], key: str):
    with pytest.raises(ConfigError) as info:
        from_mapping(values)
    assert info.value.code == "bad_value"
    assert f"rules.{key}" in str(info.value)
    assert SOURCE in str(info.value)


@pytest.mark.parametrize(
    "values",
    [
        pytest.param({"sign_limit_wd": 0}, id="sign-zero"),
        pytest.param({"reply_within_wd": 0}, id="reply-zero"),
        pytest.param({"manual_revisit_within_wd": 0}, id="manual-revisit-zero"),
        pytest.param({"supervision_limit_wd": 0}, id="supervision-zero"),
        pytest.param({"no_rating_timeout_h": 0}, id="rating-timeout-zero"),
        pytest.param({"emergency_sign_limit_h": 0}, id="emergency-sign-zero"),
        pytest.param({"emergency_response_limit_h": 0}, id="emergency-response-zero"),
        pytest.param({"repeat_caller_threshold": 0}, id="repeat-threshold-zero"),
        pytest.param({"hot_spot_min_orders": 0}, id="hot-spot-zero"),
        pytest.param({"max_extensions": -1}, id="extensions-negative"),
        pytest.param({"appeal_window_wd": -5}, id="appeal-negative"),
        pytest.param({"due_soon_h": -1}, id="due-soon-negative"),
        pytest.param({"handling_limits_wd": {"咨询": 0}}, id="limit-zero"),
        pytest.param({"handling_limits_wd": {"complaint": -10}}, id="limit-negative"),
        pytest.param({"unusual_return_rate": 1.5}, id="rate-above-one"),
        pytest.param({"unusual_return_rate": -0.1}, id="rate-below-zero"),
    ],
)
def test_a_value_out_of_range_is_invalid_rules(values: dict[str, Any]):
    with pytest.raises(ConfigError) as info:
        from_mapping(values)
    assert info.value.code == "invalid_rules"
    (name,) = values
    assert name in str(info.value) or "handling limit" in str(info.value)


def test_all_problems_are_reported_at_once():
    with pytest.raises(ConfigError) as info:
        RuleParameters(sign_limit_wd=0, appeal_window_wd=-1, timezone="Mars/Olympus")
    message = str(info.value)
    assert "sign_limit_wd" in message
    assert "appeal_window_wd" in message
    assert "Mars/Olympus" in message


def test_handling_limits_must_name_every_category():
    with pytest.raises(ConfigError) as info:
        RuleParameters(handling_limits_wd={Category.CONSULTATION: 3})
    assert info.value.code == "invalid_rules"
    assert "投诉" in str(info.value)
    assert "咨询" not in str(info.value)


def test_zero_extensions_is_allowed():
    # "normally once" (第20条) leaves room for a stricter centre that allows none
    assert from_mapping({"max_extensions": 0}).max_extensions == 0


@pytest.mark.parametrize(
    "zone", ["Mars/Olympus", "asia/shanghai", "", "Asia/", "../etc/passwd", "/etc/localtime"]
)
def test_an_unknown_time_zone_is_invalid_rules(zone: str):
    with pytest.raises(ConfigError) as info:
        from_mapping({"timezone": zone})
    assert info.value.code == "invalid_rules"
    assert "time zone" in str(info.value)


def test_a_time_zone_naming_a_folder_is_invalid_rules():
    with pytest.raises(ConfigError) as info:
        from_mapping({"timezone": "Asia"})
    assert info.value.code == "invalid_rules"


@pytest.mark.parametrize("name", ["return_window_wd", "appeal_window_wd"])
def test_a_zero_working_day_window_is_invalid_rules(name: str):
    with pytest.raises(ConfigError) as info:
        from_mapping({name: 0})
    assert info.value.code == "invalid_rules"


# --- describe_fields and display


def test_describe_fields_lists_every_field_in_order_with_an_article_and_a_description():
    described = RuleParameters.describe_fields()
    assert [name for name, _, _ in described] == [f.name for f in dataclasses.fields(RuleParameters)]
    assert {name for name, _, _ in described} == parameter_names()
    for name, article, doc in described:
        assert article.strip(), name
        assert doc.strip(), name
    by_name = {name: article for name, article, _ in described}
    assert by_name["sign_limit_wd"] == "第17条"
    assert by_name["handling_limits_wd"] == "第19条"
    assert by_name["no_rating_timeout_h"] == "第26条"
    assert by_name["appeal_window_wd"] == "第27条"


def test_every_field_cites_an_article_or_rules_md():
    for name, article, _ in RuleParameters.describe_fields():
        assert article == "RULES.md" or re.search(r"第\d+条", article), f"{name}: {article!r}"


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("office_close", "17:30"),
        ("sign_limit_wd", "1"),
        ("unusual_return_rate", "0.3"),
        ("decrypt_roles", "supervisor"),
        ("timezone", "Asia/Shanghai"),
    ],
)
def test_parameter_value_text(name: str, text: str):
    assert parameter_value_text(RuleParameters(), name) == text


def test_parameter_value_text_of_handling_limits_uses_chinese_names():
    text = parameter_value_text(RuleParameters(), "handling_limits_wd")
    assert "咨询=3" in text
    assert "投诉=10" in text
    assert text.count("=") == len(Category)
