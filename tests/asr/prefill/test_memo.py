"""Work a call's extractions share (`asr.prefill.memo.Memo`): jieba's words cut piece by piece between safe cuts are
jieba's words of the whole text, a document extended by a final is folded like the whole, and a call's next
extraction computes only what its last finals added."""

from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from agent_desktop.resources import load_unit_directory
from asr.prefill.incremental import CallPrefill
from asr.prefill.keywords import SEGMENT_CHARS, _tfidf
from asr.prefill.memo import Memo
from asr.prefill.text import Doc, read_transcript

DATA = Path(__file__).resolve().parents[2] / "data" / "prefill"
RECORDS = [json.loads(line) for path in sorted(DATA.glob("*.jsonl"))
           for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
VOSK = [r["text"] for r in RECORDS if r.get("style") == "vosk"]


def long_call(rng: random.Random, finals: int = 50) -> list[str]:
    """A long call as the bench makes one: transcripts one after another, cut into finals of 6-16 words."""
    words: list[str] = []
    while len(words) < finals * 16:
        words += rng.choice(VOSK).split()
    parts, i = [], 0
    while len(parts) < finals:
        n = rng.randint(6, 16)
        parts.append(" ".join(words[i : i + n]))
        i += n
    return parts


def test_words_cut_between_safe_cuts_are_jiebas_words_of_the_whole_text() -> None:
    tfidf = _tfidf()
    rng = random.Random(5)
    texts = [read_transcript(r["text"]).caller.compact for r in RECORDS]
    texts += [read_transcript(" ".join(long_call(rng))).caller.compact for _ in range(10)]
    long_runs = 0
    memo = Memo()
    ties = 0
    for text in texts:
        whole = tfidf.cut_block(text)  # jieba's own lcut of the whole text
        for cut in (tfidf.cut(text), tfidf.cut(text, memo)):  # the pieces' words from the memo give the same
            if cut != whole:
                # two equally probable paths (咚|咚咚 and 咚咚|咚: the same words in another order) that floating-point
                # rounding of the path sums decides one way in the whole text and the other in a piece (see
                # asr/prefill/keywords.py); the keywords count words, so they are the same
                assert Counter(cut) == Counter(whole) and "".join(cut) == "".join(whole)
                ties += 1
        long_runs += any(len(b) > 2 * SEGMENT_CHARS for b in tfidf.blocks.split(text))
    assert long_runs >= 50  # the safe cuts were really used
    assert ties <= 2  # a rare tie, not a segmentation that differs


def test_a_safe_cut_has_no_dictionary_word_across_it() -> None:
    tfidf = _tfidf()
    block = "".join(read_transcript(" ".join(long_call(random.Random(9)))).caller.compact.split("。"))[:600]
    assert tfidf.blocks.fullmatch(block)
    cuts = tfidf._safe_cuts(block)
    assert len(cuts) >= 600 // (2 * SEGMENT_CHARS)
    for cut in cuts:
        for start in range(max(0, cut - tfidf.longest), cut):
            for end in range(cut + 1, min(len(block), start + tfidf.longest) + 1):
                assert not tfidf.freq.get(block[start:end]), (cut, block[start:end])


def test_the_next_final_costs_only_its_own_pieces() -> None:
    call = CallPrefill(directory=load_unit_directory())
    parts = long_call(random.Random(11))
    for part in parts[:40]:
        call.add(part)
        call.result()
    pieces = len(call.memo)
    misses = call.memo.misses
    hits = call.memo.hits
    call.add(parts[40])
    call.result()
    new_misses = call.memo.misses - misses
    # the transcript's 600-odd characters are dozens of pieces; only those the last final touched are computed
    assert pieces >= 60
    assert new_misses <= 12
    assert call.memo.hits - hits >= 30


@settings(max_examples=300, deadline=None)
@given(parts=st.lists(st.text(alphabet="冇得么子晓哒我姓王\n。 ，Ａ１a\u200b\t投诉停水", max_size=12), min_size=1,
                      max_size=6))
def test_a_document_read_after_an_earlier_one_is_folded_the_same(parts: list[str]) -> None:
    memo = Memo()
    text = ""
    for part in parts:  # a call's transcript, one final more each time (dialect words cut across finals too)
        text += part
        assert Doc.of(text, memo) == Doc.of(text)


def test_the_safe_cuts_of_a_run_one_final_longer_are_the_cuts_of_the_whole_run() -> None:
    tfidf = _tfidf()
    memo = Memo()
    parts = long_call(random.Random(13))
    resumed = 0
    for n in range(1, len(parts) + 1):
        block = "".join(" ".join(parts[:n]).split())  # one run: a Vosk transcript has no punctuation
        fresh = tfidf._safe_cuts(block)
        earlier = memo.recent("cuts")[-1][1] if memo.recent("cuts") else []
        assert tfidf._safe_cuts(block, memo) == fresh
        resumed += bool(earlier) and fresh[: len(earlier) // 2] == earlier[: len(earlier) // 2]
    assert resumed >= 40
