"""The pre-fill of a call kept up to date final by final (`asr.prefill.incremental.CallPrefill`) gives exactly the
fields of the full extraction of the transcript so far — over random splits of every committed transcript set
into final results."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agent_desktop.core.routing import UnitDirectory
from agent_desktop.resources import load_unit_directory
from asr.prefill import prefill
from asr.prefill.incremental import CallPrefill

DATA = Path(__file__).resolve().parents[2] / "data" / "prefill"
RECORDS = [json.loads(line) for path in sorted(DATA.glob("*.jsonl"))
           for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
PROFILE = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@cache
def directory() -> UnitDirectory:
    return load_unit_directory()


def split_at(text: str, cuts: list[int], *, at_spaces: bool) -> list[str]:
    """`text` cut into finals: at word gaps (a Vosk transcript: the parts joined by one space give `text` back)
    or anywhere (typed text: the join adds spaces, and the full extraction reads the same joined text)."""
    if at_spaces:
        words = text.split(" ")
        bounds = sorted({c % len(words) for c in cuts} - {0})
        pieces = [words[a:b] for a, b in zip([0, *bounds], [*bounds, len(words)], strict=True)]
        return [" ".join(p) for p in pieces]
    bounds = sorted({c % len(text) for c in cuts} - {0}) if text else []
    return [text[a:b] for a, b in zip([0, *bounds], [*bounds, len(text)], strict=True)]


def test_the_sets_are_there() -> None:
    assert len(RECORDS) >= 300 and any(r.get("style") == "vosk" for r in RECORDS)


@PROFILE
@given(index=st.integers(0, len(RECORDS) - 1), cuts=st.lists(st.integers(0, 10_000), max_size=12),
       anywhere=st.booleans())
def test_final_by_final_equals_the_full_extraction(index: int, cuts: list[int], anywhere: bool) -> None:
    record = RECORDS[index]
    text, notes = record["text"], record.get("notes", "")
    vosk = " " in text and not anywhere
    finals = split_at(text, cuts, at_spaces=vosk)
    call = CallPrefill(notes=notes, directory=directory())
    for final in finals:
        call.add(final)
    joined = " ".join(finals)
    assert call.text == joined
    if vosk:
        assert joined == text  # a Vosk transcript cut at word gaps is the same transcript
    assert call.result() == prefill(joined, notes=notes, directory=directory())
    assert call.result().to_json() == prefill(joined, notes=notes, directory=directory()).to_json()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(index=st.integers(0, len(RECORDS) - 1), cuts=st.lists(st.integers(0, 10_000), min_size=1, max_size=6))
def test_every_intermediate_result_equals_the_full_extraction_of_the_call_so_far(index: int, cuts: list[int]) -> None:
    record = RECORDS[index]
    finals = split_at(record["text"], cuts, at_spaces=" " in record["text"])
    call = CallPrefill(directory=directory())
    for n, final in enumerate(finals, start=1):
        call.add(final)
        assert call.result() == prefill(" ".join(finals[:n]), directory=directory())


def test_a_result_is_read_once_and_again_only_after_a_change() -> None:
    call = CallPrefill(directory=directory())
    call.add("喂 你好 我 想 投诉 一下")
    first = call.result()
    assert call.result() is first and call.passes == 1 and not call.stale
    call.add("我们 小区 旁边 工地 晚上 施工 吵 得 睡 不 着")
    assert call.stale
    second = call.result()
    assert call.passes == 2 and second.category is not None
    call.set_notes("王先生")
    assert call.result().surname == "王" and call.passes == 3
    call.set_notes("王先生")  # the same notes: nothing to read again
    assert not call.stale


def test_a_result_computed_for_an_older_transcript_is_not_kept() -> None:
    call = CallPrefill(directory=directory())
    call.add("我 要 投诉")
    job = call.job()
    assert job is not None and job.finals == 1
    result = call.run(job)  # elsewhere (the pre-fill thread), while a new final arrives
    call.add("电话 是 一 三 八 七 四 一 二 五 六 八 九")
    assert call.settle(job, result) is False and call.stale
    newer = call.job()
    assert newer is not None and newer.finals == 2
    assert call.settle(newer, call.run(newer)) is True
    assert call.result().phone == "13874125689" and call.job() is None
