"""`agent-desktop kb`: the knowledge base (信息库) on this seat's local store, searched offline (第16条(一)).

    agent-desktop kb search "公积金 提取" [--store FILE] [--limit N] [--unit UNIT] [--at ISO] [--json]
    agent-desktop kb list [--store FILE] [--unit UNIT] [--all] [--at ISO] [--json]
    agent-desktop kb show ENTRY_ID [--store FILE] [--json]
    agent-desktop kb import [FILE] [--store FILE]

The store is the seat's local store file (`sync.local_store.default_store_path()` unless `--store`); sync keeps
its knowledge base current. A store that holds no knowledge base yet (a new seat, never synced) is given the
shipped seed (`resources/knowledge/changsha_kb.json`) first, and a line on stderr says so — `kb search` works out
of the box. Only published entries valid at the time (`--at`, default now) are searched and listed.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from agent_desktop.cli.options import command_config
from agent_desktop.core.errors import ConfigError, InvalidCommand
from agent_desktop.core.knowledge import EntryState, KnowledgeEntry, entry_to_dict

DEFAULT_LIMIT = 5


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add this group's subcommands to the parser."""
    kb = subparsers.add_parser(
        "kb",
        help="knowledge base (信息库): search and list the entries on this seat",
        description="The knowledge base (信息库) on this seat's local store: offline Chinese search of the "
        "published entries the seat answers callers from (第16条(一)).",
    )
    commands = kb.add_subparsers(dest="kb_command", metavar="SUBCOMMAND")
    commands.required = True

    search = commands.add_parser(
        "search",
        help="search the published entries, best first",
        description="Search the published, currently valid entries. Words may be separated by spaces or not "
        '("公积金 提取", "公积金怎么提取", "公 积 金 提 取"); a wrong character still finds near matches.',
    )
    search.add_argument("query", metavar="QUERY", help="the caller's question or a few words")
    search.add_argument("--limit", type=int, default=DEFAULT_LIMIT, metavar="N",
                        help=f"at most N results (1-100, default {DEFAULT_LIMIT})")
    search.add_argument("--unit", metavar="UNIT", help="only entries of this unit (its full name)")
    _common(search, at=True)
    search.set_defaults(handler=run_search)

    listing = commands.add_parser(
        "list", help="list the entries", description="List the entries served now (with --all: every stored one)."
    )
    listing.add_argument("--unit", metavar="UNIT", help="only entries of this unit (its full name)")
    listing.add_argument("--all", action="store_true", help="also drafts, entries under review, withdrawn, expired")
    _common(listing, at=True)
    listing.set_defaults(handler=run_list)

    show = commands.add_parser("show", help="show one entry in full", description="Show one entry with its history.")
    show.add_argument("entry_id", metavar="ENTRY_ID")
    _common(show, at=False)
    show.set_defaults(handler=run_show)

    load = commands.add_parser(
        "import",
        help="index published entries from a file into the store",
        description="Index the entries of a seed-format JSON file (default: the shipped Changsha seed) as "
        "published entries. An entry the store already holds is left as it is.",
    )
    load.add_argument("file", nargs="?", metavar="FILE", help="seed-format JSON file")
    load.add_argument("--store", metavar="FILE", help="the seat's local store (default: the user data folder)")
    load.set_defaults(handler=run_import)


def _common(parser: argparse.ArgumentParser, *, at: bool) -> None:
    parser.add_argument("--store", metavar="FILE", help="the seat's local store (default: the user data folder)")
    if at:
        parser.add_argument("--at", metavar="ISO", help="judge validity at this time (ISO 8601 with offset)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")


# ---------------------------------------------------------------------------------------------------- handlers


def run_search(args: argparse.Namespace) -> int:
    now = _moment(args.at)
    hits = _with_index(
        _store_option(args), lambda index: index.search(args.query, now, limit=args.limit, unit=args.unit)
    )
    if args.json:
        print(json.dumps([hit.to_json() for hit in hits], ensure_ascii=False, indent=2))
        return 0
    if not hits:
        print(f"信息库中没有找到与「{args.query}」相关的已发布条目。可征得诉求人同意后 1 个工作日内答复(第16条(一))。")
        return 0
    for hit in hits:
        tag = {"all": "", "some": "  (部分匹配)", "fuzzy": "  (近似匹配)"}.get(hit.match, "")
        print(f"{hit.rank}. {hit.content.question}{tag}")
        print(f"   {hit.content.category} · {hit.entry.unit} · {hit.entry.entry_id}{_until(hit.content.valid_to)}")
        print(f"   {hit.snippet}")
    return 0


def run_list(args: argparse.Namespace) -> int:
    now = _moment(args.at)
    entries = _with_index(
        _store_option(args), lambda index: index.entries(unit=args.unit, served_at=None if args.all else now)
    )
    if args.json:
        print(json.dumps([entry_to_dict(e) for e in entries], ensure_ascii=False, indent=2))
        return 0
    for entry in entries:
        served = entry.served_content(now)
        shown = served or entry.published or entry.content
        status = "在用" if served is not None else _not_served_reason(entry, now)
        print(f"{entry.entry_id}\t{entry.state.zh}/{status}\t{shown.category}\t{entry.unit}\t{shown.question}")
    print(f"共 {len(entries)} 条", file=sys.stderr)
    return 0


def run_show(args: argparse.Namespace) -> int:
    entry = _with_index(_store_option(args), lambda index: index.get(args.entry_id))
    if entry is None:
        raise InvalidCommand(f"no knowledge entry {args.entry_id!r} in the store", code="unknown_entry")
    if args.json:
        print(json.dumps(entry_to_dict(entry), ensure_ascii=False, indent=2))
        return 0
    content = entry.published or entry.content
    print(f"{entry.entry_id}  {entry.state.zh}  v{entry.version}  {entry.unit}")
    print(f"问: {content.question}")
    print(f"类别: {content.category}    关键词: {'、'.join(content.keywords) or '—'}")
    print(f"有效期: {_day(content.valid_from)} 至 {_day(content.valid_to) if content.valid_to else '长期'}")
    print("答:")
    print(content.answer)
    if entry.has_pending_revision:
        print(f"\n(修订中: {entry.state.zh}; 坐席仍使用上面已发布的内容)")
    if entry.reject_reason and entry.state is EntryState.REJECTED:
        print(f"退回原因: {entry.reject_reason}")
    print("\n历史:")
    for h in entry.history:
        note = f"  {h.note}" if h.note else ""
        changes = f"  改动: {', '.join(h.changes)}" if h.changes else ""
        print(f"  {h.at.isoformat()}  v{h.version}  {h.action.zh}  {h.user_id} ({h.role.zh}){changes}{note}")
    return 0


def run_import(args: argparse.Namespace) -> int:
    from sync.kb_index import KnowledgeIndex, default_seed_path, load_seed_entries  # noqa: PLC0415 - adapter

    source = Path(args.file).expanduser() if args.file else default_seed_path()
    entries = load_seed_entries(source)
    with _open_store(_store_option(args)) as store:
        added = KnowledgeIndex(store.engine).upsert(entries)
    print(f"{source}: {len(entries)} entries read, {added} indexed into {store.path}")
    return 0


# ---------------------------------------------------------------------------------------------------- helpers


def _store_option(args: argparse.Namespace) -> str:
    """--store, else the config file's [sync] store (default: the seat store in the user data folder)."""
    if args.store:
        return str(args.store)

    return str(command_config(args).sync.store)


def _open_store(path: str | None) -> Any:
    from sync.local_store import LocalStore, default_store_path  # noqa: PLC0415 - adapter, loaded only when used

    return LocalStore(Path(path).expanduser() if path else default_store_path())


def _with_index(path: str | None, work: Callable[[Any], Any]) -> Any:
    """`work(index)` on the store's knowledge index; a store without any entry gets the seed first."""
    from sync.kb_index import KnowledgeIndex, default_seed_path  # noqa: PLC0415 - adapter, loaded only when used

    with _open_store(path) as store:
        index = KnowledgeIndex(store.engine)
        seed = default_seed_path()
        try:
            added = index.seed_if_empty(seed)
        except ConfigError as exc:  # no usable seed: the seat still searches what it has (nothing, until sync)
            print(f"agent-desktop: warning: the knowledge base is empty and the seed cannot be used: {exc.message}",
                  file=sys.stderr)
            added = 0
        if added:
            print(
                f"agent-desktop: {store.path} had no knowledge base yet (never synced); "
                f"indexed {added} seed entries from {seed}",
                file=sys.stderr,
            )
        return work(index)


def _moment(raw: str | None) -> datetime:
    if raw is None:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise InvalidCommand(f"--at must be an ISO 8601 date and time, got {raw!r}", code="bad_value") from None
    if moment.tzinfo is None:
        raise InvalidCommand(f"--at needs a UTC offset (e.g. {raw}+08:00)", code="naive_datetime")
    return moment


def _day(moment: datetime | None) -> str:
    return "—" if moment is None else moment.date().isoformat()


def _until(valid_to: datetime | None) -> str:
    return "" if valid_to is None else f" · 有效至 {_day(valid_to)}"


def _not_served_reason(entry: KnowledgeEntry, now: datetime) -> str:
    if entry.state is EntryState.WITHDRAWN:
        return EntryState.WITHDRAWN.zh
    if entry.published is None:
        return "未发布"
    if entry.published.is_expired_at(now):
        return "已过期"
    return "未生效"
