"""Per-field accuracy of the pre-fill on the development set of Changsha 12345 transcripts
(tests/data/prefill/dev.jsonl; how it was written: tests/data/prefill/README.md).

Exact fields must equal the expected value; summary, keywords, address and suggested units are checked loosely
(one of the expected words in the summary / among the keywords, the expected community in the address, the
expected unit among the top three). The table is printed (pytest -s, or -rA) for each split: `dev` (what the
extractor was tuned on), `holdout` (a third written with it, never tuned on) and `fresh` (written later in a
different voice). The test fails below 90 % over all checks.

The blind sets (tests/data/prefill/blind1.jsonl … blind16.jsonl, 30 transcripts each: blind1–3 written before the
category rules of `asr/prefill/category.py` in three voices — an elderly caller in Changsha dialect, a terse young
caller, a seat's typed notes and Vosk output —, blind4 after them as agent/caller dialogues and Vosk output,
blind5–6 across many more departments with Vosk recognition errors; blind7–9 for issue 14, Vosk output with
corrected numbers, third parties' numbers, Changsha confidentiality, every reason of 第13条 and 第16条 urgency;
blind10–11 for its second round, calls in no category words, matters told late, complaints asked as questions;
blind12–blind16 for its fourth to eighth rounds, written by people who never read the extractor or its rules) are
checked the same way, each on its own, and each must reach 90 %. `is_urgent` is checked where a record gives it.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest

from agent_desktop.core.routing import UnitDirectory
from agent_desktop.core.work_order import Category
from agent_desktop.resources import load_unit_directory
from asr.prefill import prefill

DATA = Path(__file__).resolve().parents[2] / "data" / "prefill"
DEV_SET = DATA / "dev.jsonl"
# blind17 is scored but not studied (kept unread, like blind19 and blind20), so the sets are named one by one
BLIND_SETS = (*(f"blind{n}" for n in range(1, 17)), "blind18")
EXACT_FIELDS = (
    "category", "surname", "form_of_address", "phone", "district", "street", "is_anonymous", "is_emergency",
    "emergency_service", "not_accepted_reason", "is_repeat",
)  # fmt: skip
# Checked exactly where the record gives it (the sets written since urgency was suggested; issue 14)
OPTIONAL_FIELDS = ("is_urgent",)
LOOSE_FIELDS = ("summary", "keywords", "address", "suggested_units")
REQUIRED_ACCURACY = 0.90


def load_dev_set(path: Path = DEV_SET) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def check(record: dict[str, Any], got: dict[str, Any]) -> dict[str, bool]:
    """field → correct? Loose fields are checked only where the record expects something."""
    expected = record["expected"]
    results = {name: got[name] == expected[name] for name in EXACT_FIELDS}
    for name in OPTIONAL_FIELDS:
        if name in expected:
            results[name] = got.get(name, False) == expected[name]
    summary = got["summary"].casefold()
    if expected["summary_any"]:
        results["summary"] = any(word.casefold() in summary for word in expected["summary_any"])
    if expected["keywords_any"]:
        keywords = [k.casefold() for k in got["keywords"]]
        results["keywords"] = any(
            w.casefold() in k or k in w.casefold() for w in expected["keywords_any"] for k in keywords
        )
    if expected["address_contains"]:
        results["address"] = expected["address_contains"] in (got["address"] or "")
    if expected["unit"]:
        results["suggested_units"] = expected["unit"] in [u["id"] for u in got["suggested_units"]]
    return results


def accuracy_table(records: list[dict[str, Any]], directory: UnitDirectory) -> tuple[str, dict[str, float], list[str]]:
    counts: dict[str, dict[str, list[bool]]] = defaultdict(lambda: defaultdict(list))
    misses: list[str] = []
    for record in records:
        got = prefill(record["text"], notes=record.get("notes", ""), directory=directory).to_json()
        for name, ok in check(record, got).items():
            for split in (record["split"], "all"):
                counts[split][name].append(ok)
            if not ok:
                key = {"summary": "summary_any", "keywords": "keywords_any", "address": "address_contains",
                       "suggested_units": "unit"}.get(name, name)
                want = record["expected"][key]
                misses.append(f"{record['id']} {name}: got {got.get(name)!r}, expected {want!r}")
    known = ("dev", "holdout", "fresh", "fresh2", "fresh3", "fresh4", "fresh5", *BLIND_SETS)
    splits = [s for s in known if s in counts] + ["all"]
    lines = [f"{'field':<22}" + "".join(f"{s:>10}" for s in splits)]
    for name in (*EXACT_FIELDS, *OPTIONAL_FIELDS, *LOOSE_FIELDS):
        cells = []
        for split in splits:
            values = counts[split].get(name, [])
            cells.append(f"{sum(values) / len(values):>10.1%}" if values else f"{'-':>10}")
        lines.append(f"{name:<22}" + "".join(cells))
    overall = {
        split: sum(sum(v) for v in counts[split].values()) / sum(len(v) for v in counts[split].values())
        for split in splits
    }
    lines.append(f"{'overall':<22}" + "".join(f"{overall[s]:>10.1%}" for s in splits))
    sizes = {s: sum(1 for r in records if s == "all" or r["split"] == s) for s in splits}
    lines.append(f"{'transcripts':<22}" + "".join(f"{sizes[s]:>10}" for s in splits))
    return "\n".join(lines), overall, misses


@pytest.fixture(scope="module")
def directory() -> UnitDirectory:
    return load_unit_directory()


def test_dev_set_is_large_and_half_vosk_style() -> None:
    records = load_dev_set()
    assert len(records) >= 60
    assert len({r["id"] for r in records}) == len(records)
    vosk = [r for r in records if r["style"] == "vosk"]
    assert 0.4 <= len(vosk) / len(records) <= 0.6
    for record in vosk:  # Vosk style: words separated by spaces, no punctuation
        assert " " in record["text"]
        assert not any(mark in record["text"] for mark in "，。？！")
    held_out = [r for r in records if r["split"] != "dev"]
    assert len(held_out) >= len(records) // 3
    for record in records:
        assert set(record["expected"]) >= {*EXACT_FIELDS, "summary_any", "keywords_any", "address_contains", "unit"}


def test_per_field_accuracy_is_at_least_90_percent(directory: UnitDirectory) -> None:
    table, overall, misses = accuracy_table(load_dev_set(), directory)
    print("\npre-fill accuracy per field\n" + table)
    if misses:
        print("misses:\n  " + "\n  ".join(misses))
    assert overall["all"] >= REQUIRED_ACCURACY, f"overall {overall['all']:.1%} < 90%\n{table}\n" + "\n".join(misses)


@pytest.mark.parametrize("name", BLIND_SETS)
def test_each_blind_set_is_at_least_90_percent(name: str, directory: UnitDirectory) -> None:
    records = load_dev_set(DATA / f"{name}.jsonl")
    table, overall, misses = accuracy_table(records, directory)
    print(f"\npre-fill accuracy per field, {name}\n" + table)
    if misses:
        print("misses:\n  " + "\n  ".join(misses))
    failure = f"{name}: overall {overall['all']:.1%} < 90%\n{table}\n" + "\n".join(misses)
    assert overall["all"] >= REQUIRED_ACCURACY, failure


@pytest.mark.parametrize("name", BLIND_SETS)
def test_blind_sets_are_balanced_across_the_eight_categories(name: str) -> None:
    records = load_dev_set(DATA / f"{name}.jsonl")
    assert len(records) == 30
    assert {r["split"] for r in records} == {name}
    counts = Counter(r["expected"]["category"] for r in records)
    assert counts.pop(None, 0) <= 2  # abuse or idle talk (第13条(四)) has no category
    assert set(counts) == {c.zh for c in Category}
    # 2–5 per category was the brief of blind1–blind14; blind15's writer (who never read the rules) labelled six calls
    # 投诉, each by the written rule (the caller's own interests harmed), so the bound is six rather than a relabel
    assert min(counts.values()) >= 2 and max(counts.values()) <= 6
    for record in records:
        assert set(record["expected"]) >= {*EXACT_FIELDS, "summary_any", "keywords_any", "address_contains", "unit"}
        if record["style"] == "vosk":
            assert " " in record["text"] and not any(mark in record["text"] for mark in "，。？！")


def test_expected_units_and_districts_exist_in_the_shipped_directory(directory: UnitDirectory) -> None:
    """A typo in the expected values would silently lower the score: every expected unit and district is real."""
    for record in [r for name in ("dev", *BLIND_SETS) for r in load_dev_set(DATA / f"{name}.jsonl")]:
        expected = record["expected"]
        if expected["unit"]:
            assert expected["unit"] in directory, record["id"]
        if expected["district"]:
            assert expected["district"] in directory.districts, record["id"]
