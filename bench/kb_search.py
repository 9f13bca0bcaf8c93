"""Knowledge-base search on a seat: tokenizer start-up, indexing and query latency, on a real SQLite file.

    .venv/bin/python bench/kb_search.py [--copies N] [--queries M] [--json]

Indexes the shipped Changsha seed `--copies` times (distinct entry ids, so the index holds N × 47 entries, like a
city-wide knowledge base of a few thousand entries), then runs a mix of everyday, spaced (Vosk-style), misspelt and
hostile queries. Prints jieba's start-up time, indexing throughput, query p50/p99 and the share of the fixed
relevance checks answered with the right entry first. With `--json`: exactly one JSON object on stdout.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine

from sync.kb_index import KnowledgeIndex, load_seed_entries, tokens

QUERIES = [
    "公积金 提取", "公 积 金 提 取", "公积金怎么提取", "租房提取公积金", "公鸡金提取", "停电了怎么办", "燃气泄漏",
    "身份证丢了", "异地就医备案", "噪音扰民", "营业执照", "个体户登记", "居住证", "孩子上学报名", "12345 匿名",
    "社保卡丢了", "失业金", "二手房过户", "地铁丢东西", "物业费", '"*(NEAR', "AND OR", "", "。。。",
]
RELEVANCE = {
    "公积金 提取": "cs-hf-withdraw", "公 积 金 提 取": "cs-hf-withdraw", "停电了怎么办": "cs-power-outage",
    "燃气泄漏": "cs-gas-leak", "身份证丢了": "cs-hh-idcard", "异地就医备案": "cs-mi-offsite", "噪音扰民": "cs-noise",
    "居住证": "cs-hh-residence", "社保卡丢了": "cs-si-card", "二手房过户": "cs-re-register",
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=40, help="index the seed this many times (default 40)")
    parser.add_argument("--queries", type=int, default=2000, help="queries to time (default 2000)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()

    started = time.perf_counter()
    tokens("公积金提取")  # loads jieba's dictionary (cached in the user cache folder after the first run)
    tokenizer_s = time.perf_counter() - started

    seed = load_seed_entries(at=datetime(2025, 6, 1, tzinfo=UTC))
    entries = [
        seed_entry if copy == 0 else replace(seed_entry, entry_id=f"{seed_entry.entry_id}-{copy}")
        for copy in range(args.copies) for seed_entry in seed
    ]
    now = datetime(2026, 6, 1, tzinfo=UTC)
    with tempfile.TemporaryDirectory() as folder:
        engine = create_engine(f"sqlite:///{Path(folder) / 'seat.sqlite3'}")
        index = KnowledgeIndex(engine)
        started = time.perf_counter()
        index.upsert(entries)
        index_s = time.perf_counter() - started

        latencies: list[float] = []
        for i in range(args.queries):
            query = QUERIES[i % len(QUERIES)]
            started = time.perf_counter()
            index.search(query, now, limit=5)
            latencies.append((time.perf_counter() - started) * 1000)
        right = 0
        for query, expected in RELEVANCE.items():
            hits = index.search(query, now, limit=1)
            right += bool(hits) and hits[0].entry.entry_id.split("-")[0:3] == expected.split("-")[0:3]
        engine.dispose()

    latencies.sort()
    result = {
        "entries": len(entries),
        "tokenizer_start_s": round(tokenizer_s, 3),
        "index_s": round(index_s, 3),
        "index_entries_per_s": round(len(entries) / index_s, 1),
        "queries": len(latencies),
        "query_p50_ms": round(statistics.median(latencies), 3),
        "query_p99_ms": round(latencies[int(0.99 * (len(latencies) - 1))], 3),
        "relevance_top1": f"{right}/{len(RELEVANCE)}",
    }
    if args.json:
        print(json.dumps(result))
    else:
        print(f"jieba start-up            {result['tokenizer_start_s']} s")
        print(f"indexed {result['entries']} entries in {result['index_s']} s "
              f"({result['index_entries_per_s']} entries/s)")
        print(f"{result['queries']} queries: p50 {result['query_p50_ms']} ms, p99 {result['query_p99_ms']} ms")
        print(f"right entry first         {result['relevance_top1']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
