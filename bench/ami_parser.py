"""Parse rate of the byte-level AMI parser vs panoramisk 1.4's own parsing, on the real 03_queue_inbound capture.

    .venv/bin/python bench/ami_parser.py [--repeat N] [--chunk BYTES] [--json]

Both parse the same bytes fed in `--chunk`-sized reads (as TCP delivers them). panoramisk's figure is its
`AMIProtocol.data_received` with dispatch stubbed out (its parse only) — the ceiling the issue compares with.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from panoramisk.ami_protocol import AMIProtocol  # noqa: E402

from telephony.ami.protocol import AmiParser  # noqa: E402

CAPTURE = Path(__file__).resolve().parent.parent / "tests" / "data" / "ami" / "03_queue_inbound.ami.raw"


def _chunks(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


def ours(chunks: list[bytes]) -> tuple[int, float]:
    parser = AmiParser()
    count = 0
    start = time.perf_counter()
    for chunk in chunks:
        count += len(parser.feed(chunk))
    return count, time.perf_counter() - start


class _Sink:
    """Stands in for panoramisk's Manager: counts dispatched events, nothing else."""

    save_stream = None

    def __init__(self) -> None:
        self.count = 0

    def dispatch(self, _message: object) -> None:
        self.count += 1


def theirs(chunks: list[bytes]) -> tuple[int, float]:
    protocol = AMIProtocol()
    protocol.connection_made(None)  # type: ignore[arg-type]
    sink = _Sink()
    protocol.factory = sink
    protocol.encoding = "utf8"
    start = time.perf_counter()
    for chunk in chunks:
        protocol.data_received(chunk)
    return sink.count, time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--chunk", type=int, default=4096)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    raw = CAPTURE.read_bytes()
    body = raw[raw.index(b"\r\n") + 2 :]  # without the banner, so it can repeat
    data = raw[: raw.index(b"\r\n") + 2] + body * args.repeat
    chunks = _chunks(data, args.chunk)
    ours_count, ours_s = min((ours(chunks) for _ in range(3)), key=lambda r: r[1])
    theirs_count, theirs_s = min((theirs(chunks) for _ in range(3)), key=lambda r: r[1])
    figures = {
        "bytes": len(data),
        "chunk": args.chunk,
        "ours_messages": ours_count,
        "ours_messages_per_s": round(ours_count / ours_s),
        "ours_mb_per_s": round(len(data) / ours_s / 1e6, 1),
        "panoramisk_events": theirs_count,
        "panoramisk_messages_per_s": round(ours_count / theirs_s),
        "ratio_ours_to_panoramisk": round(theirs_s / ours_s, 2),
    }
    if args.json:
        print(json.dumps(figures))
    else:
        print(f"{len(data) / 1e6:.1f} MB of real Asterisk 20 traffic in {args.chunk}-byte reads")
        print(f"byte-level AmiParser : {figures['ours_messages_per_s']:>9,} messages/s  "
              f"({figures['ours_mb_per_s']} MB/s)")
        print(f"panoramisk 1.4 parse : {figures['panoramisk_messages_per_s']:>9,} messages/s")
        print(f"ratio                : {figures['ratio_ours_to_panoramisk']}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
