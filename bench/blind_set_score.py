"""A blind set's per-field table, scored on the code of this checkout, without reading its misses.

    python bench/blind_set_score.py tests/data/prefill/blind17.jsonl [more.jsonl ...] [--misses]

The figure of record for a set nobody has studied (issue 14): the lead scores it table only, and only a round that
takes the set as its study set prints its misses (`--misses`). The table is `tests/asr/prefill/test_dev_set.py`'s,
for sets it does not check (blind17, blind19, blind20 are kept unread); several files are also scored pooled.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from agent_desktop.resources import load_unit_directory  # noqa: E402
from tests.asr.prefill import test_dev_set as dev_set  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sets", nargs="+", type=Path, help="JSON Lines files in the dev set's format")
    parser.add_argument("--misses", action="store_true", help="also list every miss (only for a set being studied)")
    args = parser.parse_args(argv)
    records = [r for path in args.sets for r in dev_set.load_dev_set(path)]
    splits = {r["split"] for r in records}
    # the table lists the splits it knows: the sets named here join them
    dev_set.BLIND_SETS = (*dev_set.BLIND_SETS, *sorted(splits - set(dev_set.BLIND_SETS)))
    table, _overall, misses = dev_set.accuracy_table(records, load_unit_directory())
    print(table)
    if args.misses:
        print("\n".join(misses))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
