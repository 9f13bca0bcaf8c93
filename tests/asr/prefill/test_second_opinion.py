"""Which evidence outranks which in the category (issue 14, third round): one circumstantial word against the
labelled calls the whole call is most like (`category.second_opinion`, `category.fallback`). The sentences are in no
labelled set."""

from __future__ import annotations

import pytest

from agent_desktop.core.work_order import Category
from asr.prefill import prefill
from asr.prefill.category import Source, classify, fallback, second_opinion
from asr.prefill.similar_calls import default_similar_calls
from asr.prefill.text import read_transcript


@pytest.mark.parametrize(
    ("text", "category", "weak"),
    [
        # a simile (好像我欠了她钱一样) is no debt: the call criticises a clerk
        ("税务 大厅 那个 窗口 的 工作 人员 讲话 好 冲 好像 我 欠 了 她 钱 一样", Category.CRITICISM, "欠了"),
        # 问一下 opens a criticism of a bureau's phone line, not a consultation
        (
            "我 想 问 一下 你们 社保 局 的 电话 怎么 一直 打 不 通 打 了 一 上午 都 冇 人 接",
            Category.CRITICISM,
            "问一下",
        ),
    ],
)
def test_one_incidental_word_yields_to_what_the_whole_call_is_like(text: str, category: Category, weak: str) -> None:
    result = prefill(text)
    assert result.category is category
    assert result.evidence["category"].startswith(f"(仅弱线索「{weak}」→")
    assert result.evidence["category"].endswith(f"相近来电→{category.zh})")
    # without the similar calls the word would have decided
    verdict = classify([Source(read_transcript(text).caller)], emergency=False)
    assert verdict.category is not category
    assert second_opinion(verdict, [Source(read_transcript(text).caller)], None) is None


def test_a_proposal_asked_as_a_question_is_no_consultation() -> None:
    text = "我 希望 地铁 三号 线 晚上 能不能 开 到 十二点 我们 加班 的 人 回 不 去"
    result = prefill(text)
    assert result.category is Category.SUGGESTION
    assert result.evidence["category"] == "(无明确用语, 问句→咨询, 相近来电→建议)"
    doc = read_transcript(text).caller
    assert fallback([Source(doc)], asked=True, similar=None) == (Category.CONSULTATION, "(无明确用语, 问句→咨询)")


@pytest.mark.parametrize(
    ("text", "category"),
    [
        # the caller's own word is never overruled, whatever the call is like
        ("我 要 投诉 那个 师傅 修 好 了 电表 还 收 我 两百块", Category.COMPLAINT),
        ("上 个 礼拜 我 屋里 停电 了 供电局 的 师傅 半夜 赶 过来 修 好 了 我 想 谢谢 他们", Category.PRAISE),
        # 咨询 against 查询 is the question's structure, which characters do not tell: the cue keeps it
        ("喂 我 是 想 问 我 去年 交 的 那个 契税 补贴 什么 时候 发", Category.QUERY),
    ],
)
def test_strong_words_and_the_kind_of_question_are_not_overruled(text: str, category: Category) -> None:
    result = prefill(text)
    assert result.category is category
    assert "相近来电" not in result.evidence["category"]


def test_the_seats_notes_are_never_overruled() -> None:
    text = "税务 大厅 那个 窗口 的 工作 人员 讲话 好 冲 好像 我 欠 了 她 钱 一样"
    doc = read_transcript("", notes=text).notes
    sources = [Source(doc, notes=True)]
    verdict = classify(sources, emergency=False)
    assert verdict.category is not None
    assert second_opinion(verdict, sources, default_similar_calls()) is None
