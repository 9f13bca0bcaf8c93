"""The pre-fill feedback value (pure): its checks and bounds, the supervisor's figures, and the masked dev cases."""

from __future__ import annotations

import json

import pytest

from agent_desktop.core.errors import InvalidCommand, PrivacyError
from agent_desktop.core.prefill_feedback import (
    MAX_FEEDBACK_BYTES,
    MAX_VALUE_CHARS,
    FeedbackOutcome,
    FieldFeedback,
    PrefillFeedback,
    disagreement_cases,
    evaluate,
    feedback_from_dict,
    feedback_from_json,
    feedback_to_json,
)
from agent_desktop.core.privacy import FieldCipher, seal
from tests.asr.prefill.test_dev_set import EXACT_FIELDS, check

Out = FeedbackOutcome
CIPHER = FieldCipher.generate()


def _fb(*fields: FieldFeedback, transcript: str = "", anonymous: bool = False) -> PrefillFeedback:
    return PrefillFeedback(anonymous, fields, transcript)


def test_figures_per_field() -> None:
    orders = [
        _fb(FieldFeedback("category", Out.ACCEPTED, "投诉", "投诉"),
            FieldFeedback("district", Out.TYPED, None, "岳麓区")),
        _fb(FieldFeedback("category", Out.OVERRIDDEN, "咨询", "投诉"),
            FieldFeedback("district", Out.ACCEPTED, "岳麓区", "岳麓区")),
        _fb(FieldFeedback("category", Out.ACCEPTED, "求助", "求助"),
            FieldFeedback("street", Out.IGNORED, "岳麓街道", None)),
        _fb(FieldFeedback("category", Out.ACCEPTED, "求助", "求助")),
    ]
    result = evaluate(orders).to_dict()
    assert result["orders"] == 4
    assert result["fields"]["category"] == {"accuracy": 0.75, "precision": 0.75, "total": 4, "accepted": 3,
                                            "overridden": 1, "typed_without_suggestion": 0, "suggestion_ignored": 0}
    assert result["fields"]["district"]["accuracy"] == 0.5 and result["fields"]["district"]["precision"] == 1.0
    assert result["fields"]["street"]["accuracy"] == 0.0
    assert result["overall_accuracy"] == round(4 / 7, 4)
    assert set(result["fields"]) == {"category", "district", "street"}


def test_disagreements_become_masked_dev_cases() -> None:
    known = _fb(FieldFeedback("caller_phone", Out.OVERRIDDEN, "13812348000", "13812348001"),
                FieldFeedback("caller_name", Out.ACCEPTED, "王", "王"),
                FieldFeedback("category", Out.OVERRIDDEN, "咨询", "投诉", "我 想 问"),
                FieldFeedback("urgency", Out.TYPED, None, "emergency"),
                transcript="我 姓 王 电话 13812348000 不对 是 13812348001 我 想 问 一下 工地 噪音")
    agreed = _fb(FieldFeedback("category", Out.ACCEPTED, "求助", "求助"), transcript="停水 了")
    sealed = seal(CIPHER, "13812348000", order_id="WO-3", field="phone")
    anonymous = _fb(FieldFeedback("caller_phone", Out.TYPED, None, sealed), anonymous=True)
    cases = disagreement_cases([("WO-1", known), ("WO-2", agreed), ("WO-3", anonymous)])
    assert [c["id"] for c in cases] == ["fb-WO-1"]  # agreement teaches nothing; an anonymous call has no words
    case = cases[0]
    # every key a dev case has: the agreed surname as much as the disputed category, empty fields as None
    assert case["expected"] == {
        "category": "投诉", "surname": "*", "form_of_address": None, "phone": "138****8001", "district": None,
        "street": None, "is_anonymous": False, "is_emergency": False, "emergency_service": None,
        "not_accepted_reason": None, "is_repeat": False, "is_urgent": True, "summary_any": [], "keywords_any": [],
        "address_contains": None, "unit": None,
    }  # fmt: skip
    assert case["review"] == ["is_repeat", "keywords_any", "surname", "phone"]
    assert case["prefill"]["category"] == "咨询" and case["prefill"]["phone"] == "138****8000"
    assert case["outcomes"] == {"caller_phone": "overridden", "caller_name": "accepted", "category": "overridden",
                                "urgency": "typed_without_suggestion"}
    assert case["disputed"] == ["caller_phone", "category", "urgency"]
    assert case["evidence"] == {"category": "我 想 问"}
    assert "13812348000" not in json.dumps(case) and "13812348001" not in json.dumps(case)
    assert "王" not in case["text"] and "工地 噪音" in case["text"]
    spoken = _fb(FieldFeedback("category", Out.OVERRIDDEN, "咨询", "投诉"),
                 transcript="电话 是 幺 三 八 一 二 三 四 八 零 零 零 小区 三 栋")
    [case] = disagreement_cases([("WO-4", spoken)])
    assert "八 零 零 零" not in case["text"] and case["text"].endswith("小区 三 栋")


def test_round_trip_and_refusals() -> None:
    sealed = seal(CIPHER, "李四", order_id="WO-9", field="name")
    feedback = _fb(FieldFeedback("caller_name", Out.OVERRIDDEN, seal(CIPHER, "李", order_id="WO-9", field="name"),
                                 sealed), FieldFeedback("category", Out.ACCEPTED, "举报", "举报", "举报"),
                   anonymous=True)
    assert feedback_from_json(feedback_to_json(feedback)) == feedback
    data = json.loads(feedback_to_json(feedback))

    too_long = json.loads(json.dumps(data))
    too_long["fields"][1]["final"] = too_long["fields"][1]["suggested"] = "举" * (MAX_VALUE_CHARS + 1)
    with pytest.raises(InvalidCommand) as refused:
        feedback_from_dict(too_long)
    assert refused.value.code == "bad_feedback" and refused.value.details["limit"] == MAX_VALUE_CHARS

    sealed_non_personal = json.loads(json.dumps(data))
    sealed_non_personal["fields"][1]["final"] = data["fields"][0]["final"]
    with pytest.raises(InvalidCommand):
        feedback_from_dict(sealed_non_personal)

    plain = json.loads(json.dumps(data))
    plain["fields"][0]["final"] = "李四"
    with pytest.raises(PrivacyError) as leak:
        feedback_from_dict(plain)
    assert leak.value.code == "not_sealed" and "李四" not in leak.value.message


def test_the_whole_value_is_bounded() -> None:
    long = "说" * MAX_VALUE_CHARS
    names = ("description", "address", "street", "district", "lead_unit", "category")
    data = {"version": 1, "anonymous": False, "transcript": "",
            "fields": [{"field": n, "outcome": "overridden", "suggested": long, "final": long + "", "evidence": ""}
                       for n in names]}
    assert len(json.dumps(data, ensure_ascii=False).encode()) > MAX_FEEDBACK_BYTES
    with pytest.raises(InvalidCommand) as refused:
        feedback_from_dict(data)
    assert refused.value.code == "bad_feedback" and refused.value.details["limit"] == MAX_FEEDBACK_BYTES


def test_an_exported_case_is_scored_by_the_dev_set_test_as_it_stands() -> None:
    """A case joins tests/data/prefill as exported (after its `review` keys are checked): the dev-set scorer reads
    every key it needs, and the pre-fill's own suggestion scores as the miss it was."""
    feedback = _fb(FieldFeedback("category", Out.OVERRIDDEN, "咨询", "投诉", "问 一下"),
                   FieldFeedback("district", Out.ACCEPTED, "岳麓区", "岳麓区"),
                   FieldFeedback("not_accepted_reason", Out.TYPED, None, "2"),
                   FieldFeedback("lead_unit", Out.OVERRIDDEN, "yuelu", "city_police"),
                   FieldFeedback("description", Out.OVERRIDDEN, "工地噪音", "楼下有人持刀打架"),
                   transcript="我 想 问 一下 楼下 有 人 拿 刀 在 打架 岳麓区")
    [case] = disagreement_cases([("WO-7", feedback)])
    expected = case["expected"]
    assert set(expected) >= {*EXACT_FIELDS, "is_urgent", "summary_any", "keywords_any", "address_contains", "unit"}
    assert expected["is_emergency"] is True and expected["not_accepted_reason"] == 2
    assert "emergency_service" in case["review"] and case["description"] == "楼下有人持刀打架"
    got = dict.fromkeys(EXACT_FIELDS) | {
        "category": "咨询", "district": "岳麓区", "is_anonymous": False, "is_emergency": False, "is_repeat": False,
        "is_urgent": False, "summary": "楼下有人打架", "keywords": ["打架"],
        "suggested_units": [{"id": "yuelu", "name": "岳麓区人民政府"}],
    }  # fmt: skip
    scored = check(case, got)
    assert scored["district"] and not scored["category"] and not scored["is_emergency"]
    assert not scored["suggested_units"] and "summary" not in scored  # nothing to check the summary against
