"""The category of a call in no words of any category, from the labelled calls it is most like
(`asr/prefill/similar_calls.py`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent_desktop.core.errors import ConfigError
from agent_desktop.core.work_order import Category
from agent_desktop.resources import resources_dir
from asr.prefill import prefill
from asr.prefill.category import Source, fallback
from asr.prefill.similar_calls import (
    SIMILAR_CALLS_FILE,
    SimilarCalls,
    default_similar_calls,
    labelled_calls,
    labelled_set,
)
from asr.prefill.text import read_transcript

DATA = Path(__file__).resolve().parents[2] / "data" / "prefill"


def test_the_shipped_counts_are_those_of_the_sets_they_name() -> None:
    """Rebuilt from the labelled sets the file names, the counts are the same: they cannot drift from the data."""
    shipped = default_similar_calls()
    assert shipped is not None
    assert shipped.sources[0] == "dev"
    assert {"blind12", "blind13", "blind14", "blind15", "blind16", "blind18", "category_probes"} <= set(shipped.sources)
    rebuilt = SimilarCalls.build(
        [r for name in shipped.sources for r in labelled_calls(labelled_set(DATA, name))], sources=shipped.sources
    )
    assert rebuilt.to_json() == shipped.to_json()
    assert sum(shipped.calls.values()) >= 600


def test_the_probe_sentences_are_read_with_their_labels_and_abuse_left_out() -> None:
    probes = labelled_calls(labelled_set(DATA, "category_probes"))
    lines = [
        line for line in (DATA / "category_probes.txt").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]  # fmt: skip
    assert len(probes) == sum(not line.startswith("None|") for line in lines) >= 90
    assert all(" " in text and "|" not in text for text, _category in probes)
    assert {category for _text, category in probes} == set(Category)
    with pytest.raises(ConfigError, match="no labelled set"):
        labelled_set(DATA, "blind99")


def test_a_call_in_no_category_words_takes_the_category_of_calls_like_it() -> None:
    # no word of any category, no question, no witness's 我看到/有人在: before, the default 投诉
    text = "我们 单位 旁边 那个 加油站 晚上 有 人 拿 桶 在 加 油 往 车 上 搬"
    result = prefill(text)
    assert result.category is Category.REPORT
    assert result.evidence["category"] == "(无明确用语, 相近来电→举报)"


def test_the_acts_still_come_first_and_without_counts_a_told_matter_is_a_complaint() -> None:
    doc = read_transcript("我们 单位 旁边 那个 加油站 晚上 有 人 拿 桶 在 加 油 往 车 上 搬").caller
    assert fallback([Source(doc)], asked=True)[0] is Category.CONSULTATION
    assert fallback([Source(doc)], asked=False, similar=None) == (Category.COMPLAINT, "(无明确用语, 默认)")


def test_too_little_text_is_like_nothing() -> None:
    shipped = default_similar_calls()
    assert shipped is not None
    assert shipped.most_like("喂喂") is None


def test_counts_round_trip_through_their_file(tmp_path: Path) -> None:
    model = SimilarCalls.build(
        [("楼上 半夜 跺脚 吵得 睡不着", Category.COMPLAINT),
         ("楼上 半夜 跺脚 吵得 我 睡不着", Category.COMPLAINT),
         ("想 问 一下 公积金 怎么 提取", Category.CONSULTATION),
         ("问 一下 公积金 要 什么 材料", Category.CONSULTATION)],
        sources=("mini",),
    )  # fmt: skip
    file = tmp_path / "similar_calls.json"
    file.write_text(json.dumps(model.to_json(), ensure_ascii=False), encoding="utf-8")
    loaded = SimilarCalls.load(file)
    assert loaded.to_json() == model.to_json()
    assert loaded.most_like("我想问一下公积金提取要带什么") is Category.CONSULTATION
    assert loaded.most_like("楼上半夜跺脚吵得人睡不着") is Category.COMPLAINT


@pytest.mark.parametrize(
    "content",
    [
        "not json",
        json.dumps({"schema_version": 2, "categories": {}}),
        json.dumps({"schema_version": 1, "categories": {"吵架": {"calls": 1, "features": {}}}}),
        json.dumps({"schema_version": 1, "categories": {"投诉": {"calls": "x", "features": {}}}}),
        json.dumps({"schema_version": 1, "categories": {}}),
    ],
)
def test_a_bad_counts_file_is_refused_with_its_name(tmp_path: Path, content: str) -> None:
    file = tmp_path / "similar_calls.json"
    file.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError, match=r"similar_calls\.json"):
        SimilarCalls.load(file)


def test_the_counts_live_in_the_resources_folder() -> None:
    assert (resources_dir() / SIMILAR_CALLS_FILE).is_file()


def test_the_ranking_is_per_feature_and_says_how_strongly_another_category_is_preferred() -> None:
    model = SimilarCalls.build(
        [("楼上 半夜 跺脚 吵得 睡不着", Category.COMPLAINT),
         ("楼上 半夜 跺脚 吵得 我 睡不着", Category.COMPLAINT),
         ("想 问 一下 公积金 怎么 提取", Category.CONSULTATION),
         ("问 一下 公积金 要 什么 材料", Category.CONSULTATION)],
    )  # fmt: skip
    short, long = "楼上半夜跺脚吵得睡不着", "楼上半夜跺脚吵得睡不着" * 4
    assert [c for c, _s in model.ranked(short)] == [Category.COMPLAINT, Category.CONSULTATION]
    # the same words said four times are no stronger evidence: the gap is per feature, not summed
    gap_short = model.preferred_over(short, Category.CONSULTATION)
    gap_long = model.preferred_over(long, Category.CONSULTATION)
    assert gap_short is not None and gap_long is not None
    assert gap_short[0] is gap_long[0] is Category.COMPLAINT
    assert gap_short[1] > 0.3 and abs(gap_short[1] - gap_long[1]) < 0.05
    assert model.preferred_over(short, Category.COMPLAINT) is None  # they agree
    assert model.preferred_over("喂喂", Category.COMPLAINT) is None  # too little to go on
