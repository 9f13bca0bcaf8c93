"""The category of the pre-fill scored set by set with the similar-calls counts built WITHOUT that set.

    python bench/category_loso.py [--json] [--sets blind10,blind11,…] [--writers]

The similar-calls counts (`asr/prefill/similar_calls.py`) are learnt from the labelled sets; scoring a set with
counts that include it says nothing of a call nobody labelled. So each labelled set — the splits of
tests/data/prefill/dev.jsonl (dev, holdout, fresh…fresh5), blind1…blind16 and blind18, and the five batches of
category_probes.txt — is scored with counts built from all the others (leave one set out), two ways:

- `model`: the similar calls alone (the category they give every call of the set, abuse left out);
- `prefill`: the whole pre-fill's category (cues, acts, the fallback and the second opinion of the similar calls).

The cues (`cues.py`) were written by reading most of these sets, so `prefill` is still in-sample for the cues: it is
an upper bound of what a new set scores. The honest figures of the cues on calls they had not seen are the first
scores of each blind set in docs/speech.md. Prints a table; with --json one JSON object.

With --writers, a writer's sets are left out together (the counts never see that writer): blind12 and blind13 (writer
A), blind14 (writer B), blind15 (writer C), blind16 (writer D), blind18 (writer F), the five who never read the
extractor. Leaving out one set of writer A would still count the other set of the same voice.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DATA = ROOT / "tests" / "data" / "prefill"
# the blind writers who never read the extractor, and their sets (tests/data/prefill/README.md)
WRITERS = {
    "writerA": ("blind12", "blind13"),
    "writerB": ("blind14",),
    "writerC": ("blind15",),
    "writerD": ("blind16",),
    "writerF": ("blind18",),
}
# blind17 is scored but not studied (kept unread, like blind19 and blind20), so the sets are named one by one
BLIND_SETS = (*(f"blind{n}" for n in range(1, 17)), "blind18")


def labelled_sets() -> dict[str, list[tuple[str, str, str | None]]]:
    """set name → (text, notes, category label or None) in file order."""
    sets: dict[str, list[tuple[str, str, str | None]]] = defaultdict(list)
    for path in (DATA / "dev.jsonl", *(DATA / f"{name}.jsonl" for name in BLIND_SETS)):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                record = json.loads(line)
                sets[record["split"]].append((record["text"], record.get("notes", ""), record["expected"]["category"]))
    batch = "probe"
    for line in (DATA / "category_probes.txt").read_text(encoding="utf-8").splitlines():
        if line.startswith("# batch"):
            batch = f"probe{line.split()[-1]}"
        if not line.strip() or line.startswith("#"):
            continue
        label, _bar, text = line.partition("|")
        sets[batch].append((text, "", None if label == "None" else label))
    return dict(sets)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--sets", default="", help="comma-separated sets to score (default: all)")
    parser.add_argument("--writers", action="store_true", help="leave out each blind writer's sets together")
    args = parser.parse_args(argv)

    from agent_desktop.core.work_order import Category
    from asr.prefill.extract import extract
    from asr.prefill.keywords import warm_up
    from asr.prefill.similar_calls import SimilarCalls

    warm_up()
    sets = labelled_sets()
    if args.writers:
        groups = {writer: names for writer, names in WRITERS.items() if all(n in sets for n in names)}
    else:
        groups = {name: (name,) for name in ([s for s in args.sets.split(",") if s] or list(sets))}
    rows = {}
    for name, left_out in groups.items():
        model = SimilarCalls.build(
            [(text, Category.parse(label)) for other, records in sets.items() if other not in left_out
             for text, _notes, label in records if label is not None],
            sources=tuple(s for s in sets if s not in left_out),
        )  # fmt: skip
        scored = [record for part in left_out for record in sets[part]]
        labelled = [(t, n, c) for t, n, c in scored if c is not None]
        model_right = sum(model.most_like(_compact(t)) == Category.parse(c) for t, _n, c in labelled)
        misses = []
        prefill_right = 0
        for text, notes, label in scored:
            result = extract(text, notes=notes, similar=model)
            got = result.category
            if (got.zh if got else None) == label:
                prefill_right += 1
            else:
                why = result.evidence.get("category", "")
                misses.append(f"{label}←{got.zh if got else None} [{why}]: {text[:40]}")
        rows[name] = {
            "calls": len(scored),
            "prefill": prefill_right,
            "labelled": len(labelled),
            "model": model_right,
            "misses": misses,
        }
    totals = {key: sum(r[key] for r in rows.values()) for key in ("calls", "prefill", "labelled", "model")}
    if args.json:
        print(json.dumps({"sets": rows, "totals": totals}, ensure_ascii=False))
        return 0
    print(f"{'set':<10}{'calls':>6}{'prefill':>10}{'model':>10}")
    for name, r in rows.items():
        print(f"{name:<10}{r['calls']:>6}{r['prefill'] / r['calls']:>10.1%}{r['model'] / r['labelled']:>10.1%}")
    print(
        f"{'all':<10}{totals['calls']:>6}{totals['prefill'] / totals['calls']:>10.1%}"
        f"{totals['model'] / totals['labelled']:>10.1%}"
    )
    return 0


def _compact(text: str) -> str:
    from asr.prefill.text import read_transcript

    return read_transcript(text).caller.compact


if __name__ == "__main__":
    raise SystemExit(main())
