"""`agent-desktop prefill`: the work-order fields a transcript suggests (issue 5 §5–6).

    agent-desktop prefill --text "喂 你好 我 想 投诉 …" [--notes "王先生 138…"] [--json] [--directory FILE]
    agent-desktop prefill --file transcript.txt [--json]

Prints the suggested fields — category, surname, form_of_address, phone, district, street, address,
is_anonymous, is_emergency, emergency_service, not_accepted_reason, is_repeat, is_urgent, summary, keywords,
suggested_units — with `evidence` (field → the words it came from). `--json` prints exactly one JSON object
with those keys; without it a table in Chinese. The unit directory is the shipped one under the resources folder
(AGENT_DESKTOP_RESOURCES) unless `--directory` names one.
"""

from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from pathlib import Path
from typing import Any

from agent_desktop.core.errors import InvalidCommand
from agent_desktop.core.work_order import NOT_ACCEPTED_BASIS, NotAcceptedReason
from agent_desktop.resources import load_unit_directory

_LABELS = (
    ("category", "诉求类型"),
    ("surname", "姓氏"),
    ("form_of_address", "称呼"),
    ("phone", "联系电话"),
    ("district", "区县(市)"),
    ("street", "街道(乡镇)"),
    ("address", "详细地址"),
    ("is_anonymous", "要求保密"),
    ("is_emergency", "紧急情况"),
    ("emergency_service", "转接专线"),
    ("not_accepted_reason", "不予受理"),
    ("is_repeat", "重复来电"),
    ("is_urgent", "紧急(第16条)"),  # the order's urgency flag; is_emergency is a transfer to 110/119/120/122
    ("summary", "诉求摘要"),
    ("keywords", "关键词"),
    ("suggested_units", "建议责任单位"),
)
_SERVICE_ZH = {"110": "110 报警", "119": "119 火警/救援", "120": "120 急救", "122": "122 交通事故"}
MAX_FILE_BYTES = 1_000_000


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add this group's subcommands to the parser."""
    parser = subparsers.add_parser(
        "prefill",
        help="suggest work-order fields from a call transcript",
        description="Extract the work-order fields from a Chinese call transcript (Vosk style with spaces between "
        "words, or plain text) and the agent's notes, each with the words it came from.",
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--text", metavar="TEXT", help="the transcript")
    source.add_argument("--file", metavar="FILE", help="read the transcript from a UTF-8 text file ('-' = stdin)")
    parser.add_argument("--notes", default="", metavar="TEXT", help="the agent's own typed notes")
    parser.add_argument("--directory", metavar="FILE", help="unit directory to use instead of the shipped one")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    parser.set_defaults(handler=run_prefill)


def run_prefill(args: argparse.Namespace) -> int:
    from asr.prefill import prefill  # noqa: PLC0415 — the adapter (and jieba) only when this command runs

    text = args.text if args.text is not None else _read_text(args.file)
    result = prefill(text, notes=args.notes, directory=load_unit_directory(args.directory))
    data = result.to_json()
    if args.json:
        print(json.dumps(data, ensure_ascii=False))
    else:
        print(format_table(data))
    return 0


def _read_text(file: str) -> str:
    if file == "-":
        return sys.stdin.read(MAX_FILE_BYTES)
    path = Path(file).expanduser()
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise InvalidCommand(f"{path}: cannot read transcript: {exc.strerror or exc}", code="unreadable_file") from exc
    if len(raw) > MAX_FILE_BYTES:
        raise InvalidCommand(f"{path}: transcript larger than {MAX_FILE_BYTES} bytes", code="file_too_large")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidCommand(f"{path}: transcript is not UTF-8 text", code="bad_file") from exc


def format_table(data: dict[str, Any]) -> str:
    """The fields as a two-column table in Chinese, with each field's source words under it."""
    evidence: dict[str, str] = data.get("evidence", {})
    width = max(_width(label) for _key, label in _LABELS)
    lines = ["预填结果(仅供参考, 请坐席核对):"]
    for key, label in _LABELS:
        lines.append(f"  {label}{' ' * (width - _width(label))}  {_value(key, data.get(key))}")
        if evidence.get(key):
            lines.append(f"  {' ' * width}  └ 依据: {evidence[key]}")
    return "\n".join(lines)


def _value(key: str, value: Any) -> str:
    if value is None or value in ([], ""):
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if key == "emergency_service":
        return _SERVICE_ZH.get(str(value), str(value))
    if key == "not_accepted_reason":
        return f"第十三条第({'一二三四五六七八'[int(value) - 1]})项 — {_basis(int(value))}"
    if key == "keywords":
        return "、".join(value)
    if key == "suggested_units":
        return "; ".join(f"{u['name']}({u['id']})" for u in value)
    return str(value)


def _basis(reason: int) -> str:
    return NOT_ACCEPTED_BASIS[NotAcceptedReason(reason)].split(":", 1)[-1]


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
