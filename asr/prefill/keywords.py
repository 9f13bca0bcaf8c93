"""Keywords of a matter: TF-IDF over jieba's words of the compact text (with jieba's own idf table), minus
call talk (greetings, fillers, pronouns), numbers and place names (those are fields of their own).

jieba is imported lazily, once: its dictionary takes about half a second to load, which a seat pays on the first
call of the session, not on every transcript.

Words are cut piece by piece (`cut`): jieba cuts each run of CJK/alphanumeric characters on its own, and a long run
(a Vosk transcript has no punctuation) is cut further at *safe cuts*, places no dictionary word spans, about every
`SEGMENT_CHARS` characters. jieba's best segmentation is the most probable path through the words of the text; with
no word across a safe cut every path passes through it, so the best path is the best path of each side joined
(the path probabilities are sums of logs: a segmentation could differ only by floating-point rounding between
two equally probable paths — the same words in another order, 咚|咚咚 against 咚咚|咚 —, which gives the same
keywords; the committed transcripts show none, a long call made of them one). A safe cut depends only on the
characters around it, so the pieces of a call's transcript are the same pieces in the next extraction, and a
call's `Memo` cuts only the new tail.
"""

from __future__ import annotations

import functools
import logging
import re
import warnings
from collections import Counter
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from pathlib import Path

from asr.prefill.memo import Memo
from asr.prefill.similar_calls import default_similar_calls

_STOPWORDS = frozenset(
    " ".join(
        (
            "你好 您好 喂 嗯 啊 呃 那个 这个 就是 然后 我们 你们 他们 她们 自己 一下 一个 什么",
            "怎么 怎么办 为什么 现在 已经 还是 但是 因为 所以 如果 可以 不能 能不能 是不是 没有",
            "知道 不知道 问题 情况 事情 反映 一直 这边 那边 这里 那里 时候 今天 昨天 明天 每天",
            "晚上 早上 上午 下午 电话 号码 手机 先生 女士 小姐 谢谢 麻烦 帮忙 希望 想要 觉得",
            "感觉 特别 非常 根本 真的 而且 还有 这样 那样 一样 所有 很多 好多 好几 几个 多少",
            "里面 外面 旁边 附近 门口 我家 家里 一些 一点 根本 到底 起来 出来 过来 不了 好像",
            "长沙 长沙市 地方 时间 直接 马上 赶紧 快点 其实 当时 之前 以前 以后 后来 平时 突然",
            "本来 应该 需要 不要 不想 不是 要求 投诉 咨询 举报 建议 表扬 批评 查询 求助 了解",
            "请问 问问 处理 解决 联系 跟你说 我跟你讲 打电话 打过 告诉 说话 工作人员 不对 最后",
            "12345 一二三四五 来电 来电人 人称 诉求人 市民 尾号",
        )
    ).split()
)
# a word with a numeral in it is a time, an amount or a piece of a number, not what the matter is about
_HAS_NUMERAL = re.compile(r"[\d零〇二两三四五六七八九十百千万幺]|^一|一$")
# words whose numeral is part of the word, not a count (二手车, 三无产品, 五金店, 三轮车, 一次性餐具): the matter's
# own nouns, kept
_NUMERAL_IN_WORD = re.compile(r"^(二手|三无|五金|三轮|一次性|十字路口)")
_PARTICLES = ("得", "了", "的", "吗", "呢", "吧")
_PRONOUNS = ("我", "你", "他", "她", "它", "咱", "姓")
_WORD = re.compile(r"^[\u4e00-\u9fffa-z0-9]{2,}$")
MAX_KEYWORDS = 8
MAX_TEXT_CHARS = 1200  # the matter is told in the first minutes of a call
SEGMENT_CHARS = 24  # a long run of characters is cut at the first safe cut after this many
_CJK = re.compile(r"[\u4e00-\u9fff]")
_RECENT_RUNS = 4  # the last runs of the keywords' text and of the summary's clauses, two readings each


@dataclass(frozen=True, slots=True)
class _Tfidf:
    cut_block: Callable[[str], list[str]]  # jieba's lcut (HMM off)
    blocks: re.Pattern[str]  # jieba's own pattern of the runs it cuts one by one
    freq: Mapping[str, int]  # jieba's prefix dictionary: every word (count > 0) and every prefix of one (count 0)
    longest: int  # the longest word of the dictionary
    idf: dict[str, float]
    median_idf: float

    def cut(self, text: str, memo: Memo | None = None) -> list[str]:
        """jieba's words of `text` (see the module docstring): run by run, a long run piece by piece between safe
        cuts, each piece's words taken from `memo` when it has them."""
        words: list[str] = []
        for block in self.blocks.split(text):
            if not block:
                continue
            if len(block) <= SEGMENT_CHARS or not self.blocks.fullmatch(block):
                words += self._cut_piece(block, memo)
                continue
            start = 0
            for cut in self._safe_cuts(block, memo):
                words += self._cut_piece(block[start:cut], memo)
                start = cut
            words += self._cut_piece(block[start:], memo)
        return words

    def _cut_piece(self, piece: str, memo: Memo | None) -> list[str] | tuple[str, ...]:
        if memo is None:
            return self.cut_block(piece)
        return memo.get("words", piece, lambda: tuple(self.cut_block(piece)))

    def _safe_cuts(self, block: str, memo: Memo | None = None) -> list[int]:
        """Positions to cut a run at: about every SEGMENT_CHARS characters, the first position after them between two
        CJK characters (jieba joins single letters and digits into one word) that no dictionary word spans.

        With a `memo`, a run that extends one cut before (the transcript's last run, one final longer) keeps the
        earlier run's cuts that were decided on characters both runs have: a decision at a position reads the
        characters up to `longest` − 1 after it, so the cuts up to there are the same, and the search goes on from
        the last of them as it would have."""
        cuts: list[int] = []
        position = SEGMENT_CHARS
        recent: list[tuple[str, list[int]]] = memo.recent("cuts") if memo is not None else []
        for earlier, earlier_cuts in recent:
            if len(earlier) < len(block) and block.startswith(earlier):
                kept = [c for c in earlier_cuts if c + self.longest - 1 <= len(earlier) and c < len(earlier) - 1]
                if len(kept) > len(cuts):
                    cuts = kept
                    position = kept[-1] + SEGMENT_CHARS
        end = len(block) - 1
        while position < end:
            if _CJK.match(block, position - 1) and _CJK.match(block, position) and not self._spanned(block, position):
                cuts.append(position)
                position += SEGMENT_CHARS
            else:
                position += 1
        if memo is not None:
            recent.append((block, cuts))
            del recent[:-_RECENT_RUNS]
        return cuts

    def _spanned(self, block: str, position: int) -> bool:
        """Whether a word jieba could take (in its DAG: count > 0, reached through prefixes of the dictionary)
        starts before `position` and ends after it."""
        freq = self.freq
        for start in range(max(0, position - self.longest + 1), position):
            if block[start:position] not in freq:
                continue  # not even a prefix of a word: jieba's walk from `start` stops before `position`
            end = position + 1
            while end <= len(block) and end - start <= self.longest:
                count = freq.get(block[start:end])
                if count is None:
                    break
                if count:
                    return True
                end += 1
        return False

    def tags(self, text: str, top: int, memo: Memo | None = None) -> list[str]:
        """jieba.analyse's TF-IDF ranking, without jieba.analyse (which leaves its idf file open at import)."""
        words = self.cut(text[:MAX_TEXT_CHARS], memo)
        counts: Counter[str] = Counter(w for w in words if len(w.strip()) >= 2)
        total = sum(counts.values()) or 1
        scored = {w: n * self.idf.get(w, self.median_idf) / total for w, n in counts.items()}
        return sorted(scored, key=lambda w: (-scored[w], w))[:top]


@functools.lru_cache(maxsize=1)
def _tfidf() -> _Tfidf:
    with warnings.catch_warnings():
        # jieba 0.42 imports pkg_resources, which newer setuptools deprecates with a UserWarning at import time;
        # nothing we can change in jieba, and pytest turns warnings into errors, so ignore exactly that one here.
        warnings.filterwarnings("ignore", message=r"pkg_resources is deprecated", category=UserWarning)
        import jieba  # noqa: PLC0415 — half a second of dictionary: loaded on first use, not at import

    jieba.setLogLevel(logging.WARNING)  # not "Building prefix dict…" on every seat's stderr
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    idf: dict[str, float] = {}
    idf_file = Path(jieba.__file__).resolve().parent / "analyse" / "idf.txt"
    try:
        with idf_file.open(encoding="utf-8") as handle:
            for line in handle:
                word, _, value = line.strip().partition(" ")
                try:
                    idf[word] = float(value)
                except ValueError:
                    continue
    except OSError:  # a jieba without its idf table: term frequency alone still ranks the words
        idf = {}
    values = sorted(idf.values())
    median = values[len(values) // 2] if values else 1.0
    # HMM off: new words are not guessed (that costs time quadratic in a run of unknown characters); the
    # dictionary's words are what a keyword should be anyway
    freq = tokenizer.FREQ
    return _Tfidf(
        cut_block=functools.partial(tokenizer.lcut, HMM=False),
        blocks=jieba.re_han_default,
        freq=freq,
        longest=max((len(word) for word, count in freq.items() if count), default=1),
        idf=idf,
        median_idf=median,
    )


def extract_keywords(compact: str, *, exclude: Collection[str] = (), memo: Memo | None = None) -> list[str]:
    """Up to MAX_KEYWORDS words of the matter, most specific first."""
    if not compact.strip():
        return []
    tags = _tfidf().tags(compact, MAX_KEYWORDS * 3, memo)
    words: list[str] = []
    for tag in tags:
        word = tag.strip().casefold()
        if (
            word in _STOPWORDS
            or word in exclude
            or not _WORD.match(word)
            or (_HAS_NUMERAL.search(word) and not _NUMERAL_IN_WORD.match(word))
            or word.endswith(_PARTICLES)
            or word.startswith(_PRONOUNS)
            or any(word in other or other in word for other in exclude if len(other) >= 2)
        ):
            continue
        words.append(word)
        if len(words) == MAX_KEYWORDS:
            break
    return words


def words_of(text: str, memo: Memo | None = None) -> list[str]:
    """jieba's words of `text` (dictionary words, HMM off), for cutting a clause only between words."""
    return _tfidf().cut(text, memo) if text else []


def warm_up() -> None:
    """Load jieba's dictionary and the similar calls' counts now (e.g. when a seat starts) instead of on the first
    transcript that needs them."""
    extract_keywords("预热")
    default_similar_calls()
