"""The category of a call (诉求类型) from what the caller says: pure scoring over the words of `cues.py`.

Where the categories come from. 长沙市12345政务热线运行管理办法 第12条 accepts (一) consultation on laws, rules and
policies (咨询); (二) difficulties and problems met in life, production or work that need the government or a unit
to solve them (求助, and the complaints and reports of a matter); (三) opinions, suggestions, praise, complaints
or criticism of government departments and their staff about their 工作作风、工作纪律、行政效能 (建议, 表扬,
投诉, 批评); (四) queries on government service information (查询). 第19条 gives 咨询 3 working days and 投诉举报,
求助, 建议 10. The seat's choice between them follows from who the caller is and what he wants done:

- 举报 — reports SOMEONE ELSE's unlawful act so that it is investigated: 无证经营/无证行医/黑诊所, 违建/私搭乱建,
  偷排/往河里排污/乱倒建筑垃圾, 传销, 赌博, 卖假货/用过期原料, 非法采砂, 非法储存烟花 … The caller is a witness
  (我看到, 有人在, 听人讲), not the victim.
- 投诉 — a grievance: the caller's OWN rights or interests are harmed by a unit, a business or a neighbour, and he
  wants it dealt with: 噪音扰民 (睡不着), 油烟熏到我家, 物业不作为 (坏了没人修, 拖着不修), 拖欠工资, 押金不退,
  老板跑路, 绕路宰客, 吃坏肚子老板不认账 … The same matter is 举报 when the caller only witnesses it and 投诉 when
  it harms him: a harm-to-me word adds to 投诉 (and a report word without one stays 举报).
- 求助 — an urgent difficulty the caller cannot solve alone, with nobody blamed for it: 停水/停电/停气, 燃气打不着,
  水管爆了, 被困, 老人走失, 燃气泄漏, every emergency for 110/119/120/122. "帮我催一下 / 帮忙协调" is how every
  caller asks for something and says nothing of the category.
- 咨询 — asks HOW: a policy, a procedure, conditions, materials, where to go (怎么办理, 需要什么材料, 能不能报名,
  在哪办, 一年能提几次). A general question.
- 查询 — asks the STATUS or a FACT of something specific, usually the caller's own case: 办理进度, 工单办到哪一步,
  批下来没有, 到账了没, 余额, 上不上班, 电话是多少. "我想问一下" is an opener of either and decides neither.
- 建议 — proposes an improvement to a public service (能不能增设/多装/延长/开放, 应该, 最好, 要是能…就好了,
  我的意思是…), with nothing wrong done to the caller.
- 表扬 — praises a unit or a person (表扬, 点赞, 感谢, 很负责, 很耐心).
- 批评 — criticises a government unit's or public servant's attitude, discipline or efficiency (态度差, 不耐烦,
  敷衍, 套话, 玩手机, 效率低, 粗暴) without a matter of his own to be put right: a government target and a
  conduct word together. The same words about a shop's staff are a 投诉.

How the words decide (all weights in `cues.py`):
1. The category's own word said as the caller's intent (我要投诉, 想咨询一下, 我来举报, 提个建议; in typed notes
   "来电人表扬：") outweighs everything else; denied (不是投诉, 不想投诉只是问问) it counts against; asked about
   (去哪里投诉) it is a consultation.
2. Otherwise circumstantial cues add up: matter words per category, plus the act the caller performs — a
   question (general → 咨询, about the status of a specific case → 查询), a proposal (→ 建议), criticism of a
   public servant's conduct (→ 批评), harm to the caller (→ 投诉).
3. An emergency (or a 第16条 urgency) adds to 求助. Nothing at all: the act the caller performs decides
   (`fallback`) — a question about his own case is a 查询, any other question a 咨询, a witness's account of
   what others do with no harm to himself a 举报, unless the labelled calls most like it clearly prefer another
   category —, and any other told matter takes the category of the labelled calls it is most like
   (`similar_calls.py`), or without those a complaint (the commonest kind of call); the evidence says which
   (无明确用语, …). Thanks, proposals and pleas have cues of their own in rule 2
   (想谢谢, 这样的好医生; 希望…多搞点, 我一直有个想法; 帮帮忙, 麻烦你们派人), as have a grievance asked as a
   question (这合法吗, 随便停我们的水) and where one's own case is stuck (卡在哪一步).
4. A verdict resting on one circumstantial word only (`second_opinion`) yields to the labelled calls most like
   the call where they clearly prefer another category: an incidental word (坏了 in a side matter, 臭 in a
   sewage flood, 问一下 before a grievance) should not outrank what the whole call is like.
Words that are denied (没有, 不是 …) do not count.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from agent_desktop.core.work_order import Category
from asr.prefill import cues
from asr.prefill.similar_calls import SimilarCalls
from asr.prefill.text import Doc

_LOOKBEHIND = 8
_Add = Callable[[Category, float, Doc, int, int], None]
# ties: the rarer, more specific act first
CATEGORY_ORDER = (
    Category.PRAISE, Category.SUGGESTION, Category.CRITICISM, Category.REPORT, Category.COMPLAINT,
    Category.HELP, Category.QUERY, Category.CONSULTATION,
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Source:
    """One document to classify: `notes` are the seat's own words (their category word is always intent)."""

    doc: Doc
    notes: bool = False


@dataclass(frozen=True, slots=True)
class Verdict:
    category: Category | None
    scores: dict[Category, float]
    doc: Doc | None = None  # where the deciding words are
    span: tuple[int, int] = (0, 0)
    question: bool = False  # the caller asked something (the default for a call without any cue)


def classify(sources: Sequence[Source], *, emergency: bool, urgent: bool = False) -> Verdict:
    scores: Counter[Category] = Counter()
    best: dict[Category, tuple[float, Doc, int, int]] = {}

    def add(category: Category, weight: float, doc: Doc, start: int, end: int) -> None:
        scores[category] += weight
        if weight > best.get(category, (0.0,))[0]:
            best[category] = (weight, doc, start, end)

    asked = False
    for source in sources:
        doc, text = source.doc, source.doc.compact
        boost = 2.0 if source.notes else 1.0
        _explicit_words(text, doc, add, scores, notes=source.notes, boost=boost)
        for category, patterns in cues.CATEGORY_CUES.items():
            for pattern, weight in patterns:
                for match in pattern.finditer(text):
                    if _negated(text, match.start()) and not cues.UNNEGATED_START.match(text, match.start()):
                        continue
                    if match.group() in cues.CUT_WORDS and cues.FUTURE_BEFORE.search(_before(text, match, 6)):
                        continue  # 明天要停水: announced, not yet a difficulty
                    if category in _ASKING and cues.REPORTED_QUESTION_BEFORE.search(_before(text, match, 10)):
                        continue
                    hedged = category is Category.REPORT and cues.HEDGE_BEFORE.search(_before(text, match, 10))
                    add(category, weight * boost * (0.5 if hedged else 1.0), doc, *match.span())
        _acts(text, doc, boost, add)
        asked = asked or bool(cues.QUESTION.search(_statement_words_out(text)))
    if emergency:
        scores[Category.HELP] += cues.EXPLICIT_WEIGHT / 2
    elif urgent:  # a danger nobody is blamed for yet (a burst main, a gas smell): a difficulty to be solved
        scores[Category.HELP] += cues.URGENT_HELP_WEIGHT
    if not scores:
        return Verdict(None, {}, question=asked)
    category, score = max(scores.items(), key=lambda kv: (kv[1], -CATEGORY_ORDER.index(kv[0])))
    if score <= 0:
        return Verdict(None, dict(scores), question=asked)
    if category in best:
        _w, doc, start, end = best[category]
        return Verdict(category, dict(scores), doc, (start, end), asked)
    return Verdict(category, dict(scores), question=asked)


_ASKING = (Category.CONSULTATION, Category.QUERY)  # the categories a question decides
# praise and criticism judge what has been done; a suggestion is not among them (我建议你们快点派消防车来)
RETROSPECTIVE = (Category.PRAISE, Category.CRITICISM)


def fallback(
    sources: Sequence[Source], asked: bool, similar: SimilarCalls | None = None
) -> tuple[Category, str]:
    """Rule 3: a matter told in no words of any category is classed by the act the caller performs, with the
    label the evidence shows: a question about his own case is a 查询 and any other a 咨询 (第12条(一)、(四)),
    a witness's account of what others do, with no harm to himself, a 举报. Any other told matter is given the
    category of the labelled calls it is most like (`similar_calls`); without those, a grievance, the commonest
    call. The act is a weak verdict (a proposal or a criticism asked as a question is no consultation: 希望…能不能
    推迟, 哪里有这样执法的): where the similar calls clearly prefer another category, they decide."""
    texts = [source.doc.compact for source in sources]
    whole = "".join(texts)
    act: tuple[Category, str] | None = None
    if asked and any(_live(cues.OWN_CASE, text) for text in texts):
        act = Category.QUERY, "问自己的事→查询"
    elif asked:
        act = Category.CONSULTATION, "问句→咨询"
    elif any(_live(cues.WITNESS, text) for text in texts) and not any(_live(cues.HARM_TO_ME, text) for text in texts):
        act = Category.REPORT, "目睹他人→举报"
    if act is not None:
        other = similar.preferred_over(whole, act[0]) if similar is not None else None
        if other is not None and other[1] >= cues.SECOND_OPINION_MARGIN and not _both_asking(act[0], other[0]):
            return other[0], f"(无明确用语, {act[1]}, 相近来电→{other[0].zh})"
        return act[0], f"(无明确用语, {act[1]})"
    like = similar.most_like(whole) if similar is not None else None
    if like is not None:
        return like, f"(无明确用语, 相近来电→{like.zh})"
    return Category.COMPLAINT, "(无明确用语, 默认)"


def second_opinion(
    verdict: Verdict, sources: Sequence[Source], similar: SimilarCalls | None
) -> tuple[Category, str] | None:
    """Rule 4: a verdict that rests on one circumstantial word (`cues.WEAK_CUE_MAX`: an incidental 坏了 or 臭 in
    a call about something else, a 问一下 opening a complaint) yields to the labelled calls most like the call
    when they clearly prefer another category (`cues.SECOND_OPINION_MARGIN`); the evidence names both. The
    caller's own category word, an act of two words, an emergency or an urgency, and the seat's notes are never
    overruled."""
    if verdict.category is None or similar is None or any(source.notes for source in sources):
        return None
    if max(verdict.scores.values()) > cues.WEAK_CUE_MAX:
        return None
    other = similar.preferred_over("".join(source.doc.compact for source in sources), verdict.category)
    if other is None or other[1] < cues.SECOND_OPINION_MARGIN or _both_asking(verdict.category, other[0]):
        return None
    said = verdict.doc.compact[verdict.span[0] : verdict.span[1]] if verdict.doc is not None else ""
    return other[0], f"(仅弱线索「{said}」→{verdict.category.zh}, 相近来电→{other[0].zh})"


def _both_asking(said: Category, like: Category) -> bool:
    """咨询 against 查询 is the question's own structure (about the caller's case or in general), which the cues
    read and characters do not: the similar calls tell a question from a grievance or a proposal, not one kind of
    question from the other (they overruled 出来了没有 and 24小时的吗 wrongly on the sets left out)."""
    return said in _ASKING and like in _ASKING


def retrospective_intent(sources: Sequence[Source]) -> tuple[Doc, int, int] | None:
    """The caller says he calls to praise or criticise (我要表扬, 要批评一下): the fire, the fall or the theft he
    tells of is the story behind it, not an emergency happening now."""
    for source in sources:
        text = source.doc.compact
        for category in RETROSPECTIVE:
            for word in cues.EXPLICIT_WORDS[category]:
                for match in re.finditer(re.escape(word), text):
                    before = text[max(0, match.start() - _LOOKBEHIND) : match.start()]
                    intent = cues.INTENT_BEFORE.search(before) or cues.NOTES_LABEL_BEFORE.search(before)
                    if intent and not cues.NEGATION_BEFORE.search(before) and not cues.QUESTION_ABOUT.search(before):
                        return source.doc, *match.span()
    return None


def _explicit_words(
    text: str, doc: Doc, add: _Add, scores: Counter[Category], *, notes: bool, boost: float
) -> None:
    """Rule 1: the category's own word. Its weight depends on what stands before it: intent (我要投诉), a
    typed-notes label (来电人表扬：), a noun (我的投诉: a thing, not an intent), a denial, a question about it."""
    for category, words in cues.EXPLICIT_WORDS.items():
        for word in words:
            for match in re.finditer(re.escape(word), text):
                before = text[max(0, match.start() - _LOOKBEHIND) : match.start()]
                if cues.NEGATION_BEFORE.search(before):  # 不是投诉 / 我不是要投诉
                    scores[category] -= cues.EXPLICIT_WEIGHT
                    continue
                if cues.QUESTION_ABOUT.search(before):
                    add(Category.CONSULTATION, cues.BARE_WORD_WEIGHT * boost, doc, *match.span())
                    continue
                weight = cues.EXPLICIT_WEIGHT if cues.INTENT_BEFORE.search(before) else cues.BARE_WORD_WEIGHT
                if cues.NOUN_BEFORE.search(before):
                    weight = 1.0
                if notes or cues.NOTES_LABEL_BEFORE.search(before):
                    weight = cues.EXPLICIT_WEIGHT
                said = category
                if word in cues.OPINION_WORDS and _criticism_without_proposal(text):
                    said = Category.CRITICISM
                add(said, weight * boost, doc, *match.span())


def _criticism_without_proposal(text: str) -> bool:
    """提意见 about a public servant's (or the hotline's) conduct, with no improvement proposed: a criticism."""
    if _live(cues.GOVERNMENT_TARGET, text) is None or _live(cues.CONDUCT, text) is None:
        return False
    return not any(pattern.search(text) for pattern, _w in cues.CATEGORY_CUES[Category.SUGGESTION])


def _acts(text: str, doc: Doc, boost: float, add: _Add) -> None:
    """Rule 2's acts that need two words together."""
    # 批评: a public servant (or the hotline itself) and a word of his conduct
    target = _live(cues.GOVERNMENT_TARGET, text)
    conduct = _live(cues.CONDUCT, text)
    if target is not None and conduct is not None:
        add(Category.CRITICISM, cues.CRITICISM_WEIGHT * boost, doc, *conduct)
    # 查询 vs 咨询: a question about the caller's own case is a status query (a statement about it is not)
    own = _live(cues.OWN_CASE, text)
    # 还没到账 / 没有批下来 ask the status as much as 到账了没: no negation test here, only "told as done"
    status = next(
        (m.span() for m in cues.STATUS_ASKED.finditer(text) if not cues.STATUS_STATED_BEFORE.search(_before(text, m))),
        None,
    )
    asks = cues.QUESTION.search(_statement_words_out(text)) or cues.STATUS_QUESTION.search(text)
    if own is not None and status is not None and asks:
        add(Category.QUERY, cues.OWN_STATUS_WEIGHT * boost, doc, *status)
    # 查询 of an earlier call's progress (我上周反映过…, 现在处理得怎么样了)
    progress = _live(cues.PROGRESS_ASKED, text)
    if progress is not None and cues.REPEAT.search(text):
        add(Category.QUERY, cues.EARLIER_CASE_WEIGHT * boost, doc, *progress)
    # 投诉: the caller himself is harmed
    harm = _live(cues.HARM_TO_ME, text)
    if harm is not None and cues.PARTY.search(text):
        add(Category.COMPLAINT, cues.HARM_WEIGHT * boost, doc, *harm)


def _statement_words_out(text: str) -> str:
    """Without the words that only look like a question: the greeting (是12345吧) and 什么 as "some"."""
    return cues.INDEFINITE.sub("", cues.GREETING_QUESTION.sub("", text))


def _live(pattern: re.Pattern[str], text: str) -> tuple[int, int] | None:
    for match in pattern.finditer(text):
        if match.end() > match.start() and not _negated(text, match.start()):
            return match.span()
    return None


def _before(text: str, match: re.Match[str], width: int = 4) -> str:
    return text[max(0, match.start() - width) : match.start()]


def _negated(text: str, start: int) -> bool:
    return bool(cues.NEGATION_BEFORE.search(text[max(0, start - 4) : start]))
