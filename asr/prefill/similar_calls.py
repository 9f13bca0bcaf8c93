"""The category of a call told in no words of any category, from the labelled calls it is most like.

`category.py` decides from what the caller says he wants (我要投诉) and from the acts and matters its cues name.
A call that says none of those words — and on calls nobody tuned on they are many (a third to two thirds of the
misses of blind10 and of new sentences were such calls, all defaulted to 投诉) — is classed here instead: a naive
Bayes over the characters and character pairs of the calls already labelled (`tests/data/prefill/`: the
development set and the blind sets measured so far), which says which category calls worded like this one were
given. It is a prior learnt from the seats' labels, not a rule: it only ever decides where no cue did, and the
evidence says so (相近来电).

The counts ship as `resources/prefill/similar_calls.json` (`$AGENT_DESKTOP_RESOURCES` or the repository's
`resources/`), built by `python -m asr.prefill.similar_calls tests/data/prefill/dev.jsonl …` from labelled JSON
lines; a test rebuilds them from the sets the file names and compares, so they cannot drift from the data. A set
kept blind is left out until it has been measured. Without the file the pre-fill falls back to the acts of
`category.fallback`.
"""

from __future__ import annotations

import functools
import json
import math
import sys
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agent_desktop.core.errors import AgentDesktopError, ConfigError
from agent_desktop.core.work_order import Category
from agent_desktop.resources import read_json_file, resources_dir
from asr.prefill.text import read_transcript

SIMILAR_CALLS_FILE = "prefill/similar_calls.json"
SCHEMA_VERSION = 1
# a pair never seen with a category makes it unlikely, not impossible; 0.2 rather than 0.5 was chosen by leaving
# each labelled set out in turn (bench/category_loso.py: 88.0 % against 86.2 % of the left-out calls)
_SMOOTHING = 0.2
_MIN_COUNT = 2  # a pair seen in one call only says nothing about the next one (and keeps the file small)
_MIN_FEATURES = 6  # fewer known characters than this is too little to go on


def features(compact: str) -> set[str]:
    """The characters and character pairs of a call's compact text (whether each occurs, not how often)."""
    return set(compact) | {compact[i : i + 2] for i in range(len(compact) - 1)}


@dataclass(frozen=True)  # not slotted: the vocabulary is cached on the instance
class SimilarCalls:
    calls: Mapping[Category, int]  # labelled calls per category
    counts: Mapping[Category, Mapping[str, int]]  # per category: in how many of its calls each feature occurs
    sources: tuple[str, ...] = ()  # the labelled sets the counts come from

    @classmethod
    def build(cls, records: Iterable[tuple[str, Category]], sources: tuple[str, ...] = ()) -> SimilarCalls:
        """Counts from (caller's text, category) pairs, the text as `prefill` reads it."""
        calls: Counter[Category] = Counter()
        counts: dict[Category, Counter[str]] = {}
        for text, category in records:
            calls[category] += 1
            counts.setdefault(category, Counter()).update(features(read_transcript(text).caller.compact))
        total: Counter[str] = Counter()
        for per_category in counts.values():
            total.update(per_category)
        kept = {f for f, n in total.items() if n >= _MIN_COUNT}
        pruned = {c: {f: n for f, n in per.items() if f in kept} for c, per in counts.items()}
        return cls(dict(calls), pruned, sources)

    @classmethod
    def load(cls, path: str | Path | None = None) -> SimilarCalls:
        file = Path(path) if path is not None else resources_dir() / SIMILAR_CALLS_FILE
        return cls.from_json(read_json_file(file, "similar calls"), source=str(file))

    @classmethod
    def from_json(cls, raw: Any, *, source: str = "similar calls") -> SimilarCalls:
        if not isinstance(raw, Mapping) or raw.get("schema_version") != SCHEMA_VERSION:
            raise ConfigError(f"{source}: expected an object with schema_version {SCHEMA_VERSION}", code="bad_file")
        calls: dict[Category, int] = {}
        counts: dict[Category, dict[str, int]] = {}
        try:
            for zh, entry in raw["categories"].items():
                category = Category.parse(zh)
                calls[category] = int(entry["calls"])
                counts[category] = {str(f): int(n) for f, n in entry["features"].items()}
            sources = tuple(str(s) for s in raw.get("sources", ()))
        except (KeyError, TypeError, ValueError, AttributeError, AgentDesktopError) as exc:
            raise ConfigError(f"{source}: malformed similar-calls counts ({exc})", code="bad_file") from exc
        if not calls or any(n <= 0 for n in calls.values()):
            raise ConfigError(f"{source}: no labelled calls", code="bad_file")
        return cls(calls, counts, sources)

    def to_json(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "sources": list(self.sources),
            "categories": {
                c.zh: {"calls": self.calls[c], "features": dict(sorted(self.counts.get(c, {}).items()))}
                for c in sorted(self.calls, key=lambda c: c.zh)
            },
        }

    @functools.cached_property
    def _totals(self) -> dict[Category, int]:
        return {c: sum(self.counts.get(c, {}).values()) for c in self.calls}

    @functools.cached_property
    def _vocabulary(self) -> frozenset[str]:
        return frozenset(f for per in self.counts.values() for f in per)

    def most_like(self, compact: str) -> Category | None:
        """The category whose calls are most like `compact`, or None with too little to go on."""
        ranked = self.ranked(compact)
        return ranked[0][0] if ranked else None

    def ranked(self, compact: str) -> list[tuple[Category, float]]:
        """Every category with its log-likelihood for `compact` (prior included) per known character or pair, best
        first; empty with too little to go on. Per feature, so that the gap between two categories says how
        strongly the calls prefer one whatever the call's length (a long call's sums differ by tens)."""
        known = features(compact) & self._vocabulary
        if len(known) < _MIN_FEATURES:
            return []
        total_calls = sum(self.calls.values())
        scored = []
        for category, n_calls in self.calls.items():
            per = self.counts.get(category, {})
            # multinomial: a feature's share of all the features of the category's calls, smoothed
            denominator = self._totals[category] + _SMOOTHING * len(self._vocabulary)
            score = math.log(n_calls / total_calls) + sum(
                math.log((per.get(f, 0) + _SMOOTHING) / denominator) for f in known
            )
            scored.append((category, score / len(known)))
        return sorted(scored, key=lambda cs: -cs[1])  # stable: a tie keeps the file's order, as before

    def preferred_over(self, compact: str, category: Category) -> tuple[Category, float] | None:
        """The category the calls most like `compact` have, when it is not `category`, with the gap per feature
        between the two (see `ranked`); None when they agree or there is too little to go on."""
        ranked = self.ranked(compact)
        if not ranked or ranked[0][0] is category:
            return None
        other = dict(ranked).get(category)
        return ranked[0][0], ranked[0][1] - other if other is not None else math.inf


@functools.lru_cache(maxsize=1)
def default_similar_calls() -> SimilarCalls | None:
    """The shipped counts, read once per process; None when there is no file (the acts decide alone)."""
    file = resources_dir() / SIMILAR_CALLS_FILE
    if not file.exists():
        return None
    return SimilarCalls.load(file)


def labelled_calls(path: Path) -> list[tuple[str, Category]]:
    """(caller's text, category) of a labelled set in the format of tests/data/prefill: JSON lines, or a `.txt` of
    `category|text` lines (`category_probes.txt`; `#` starts a comment). Abuse, with no category, is left out: it
    is told apart by 第13条(四)'s words, not by what it is like."""
    records = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        if path.suffix == ".txt":
            zh, _bar, text = line.partition("|")
            if zh != "None":
                records.append((text, Category.parse(zh)))
            continue
        record = json.loads(line)
        zh = record["expected"]["category"]
        if zh is not None:
            records.append((record["text"], Category.parse(zh)))
    return records


def labelled_set(folder: Path, name: str) -> Path:
    """The file of the labelled set a model names among its sources (`dev` → dev.jsonl, `category_probes` →
    category_probes.txt)."""
    for suffix in (".jsonl", ".txt"):
        if (file := folder / f"{name}{suffix}").is_file():
            return file
    raise ConfigError(f"{folder}: no labelled set {name!r}", code="bad_file")


def main(argv: list[str]) -> int:
    """python -m asr.prefill.similar_calls SET.jsonl … : writes the counts to resources/prefill/."""
    if not argv:
        print(main.__doc__, file=sys.stderr)
        return 2
    paths = [Path(a) for a in argv]
    model = SimilarCalls.build(
        [r for p in paths for r in labelled_calls(p)], sources=tuple(p.stem for p in paths)
    )
    file = resources_dir() / SIMILAR_CALLS_FILE
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(json.dumps(model.to_json(), ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"{file}: {sum(model.calls.values())} calls from {', '.join(model.sources)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
