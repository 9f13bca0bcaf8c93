"""The seat's offline knowledge-base search (信息库, 第16条(一)): SQLite FTS5 over jieba tokens, ranked with bm25.

Why this design
---------------
SQLite's own tokenizers cannot split Chinese into words (unicode61 treats a run of Han characters as one token;
trigram needs 3+ characters and ranks poorly). A C tokenizer extension (simple, wangfenjin/simple) would have to be
built and loaded on every seat. Instead the words are cut in Python with jieba (`cut_for_search`, which also yields
the sub-words of long words: 公积金 → 公积, 积金, 公积金) and stored space-joined in an FTS5 table using the
built-in unicode61 tokenizer, which then only splits on the spaces. Queries go through the same cutting, so index
and query agree. bm25 ranks with field weights: question > keywords > category > answer.

Queries run in tiers, so a clear query is precise and a noisy one still finds something:
1. every word of the query (AND), 2. any word (OR, bm25 favours entries matching more and rarer words),
3. single Han characters of the question and keywords (OR) — catches a recognizer's or typist's wrong character
   (公鸡金提取 still reaches 公积金提取). Each hit says which tier found it (`match`: all / some / fuzzy).
Speech recognizers (Vosk) emit Chinese with spaces between words or even characters ("公 积 金 提 取"): spaces
between Han characters are removed before cutting. Query words are always quoted for FTS5, so no input — quotes,
`*`, `(`, `NEAR`, `AND` — is ever read as FTS5 syntax.

Only entries whose published content is valid at the given `now` are served (`KnowledgeEntry.served_content`);
drafts, submissions under review, rejected, withdrawn and expired entries are stored (so a newer version can be
compared) but never returned by `search`.

Tables (created on first use, in the seat's local store database or any SQLite database): `kb_entry` (one row
per entry: version, unit, state, served window, the entry's JSON) and the FTS5 table `kb_fts` (rowid =
kb_entry.rowid, only entries with published content). `KnowledgeIndex(engine_or_connection)`: with an Engine each
call is its own transaction; with a Connection statements run in the caller's transaction and are never committed
here.

jieba loads its dictionary once per process (~1–2 s the first time, then ~0.5 s from a cache file kept in the
user cache directory).
"""

from __future__ import annotations

import json
import logging
import re
import threading
import unicodedata
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

with warnings.catch_warnings():
    # jieba 0.42 imports pkg_resources, which newer setuptools deprecate with a warning at import (and pytest
    # turns warnings into errors). Only those pkg_resources warnings are silenced, only for this import. Importing
    # jieba is cheap; its dictionary loads later, once, in `_jieba()`.
    warnings.filterwarnings("ignore", message=r".*pkg_resources", category=UserWarning)
    warnings.filterwarnings("ignore", message=r".*pkg_resources", category=DeprecationWarning)
    import jieba
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import SQLAlchemyError

from agent_desktop.core.errors import AgentDesktopError, ConfigError, InvalidCommand, SyncError
from agent_desktop.core.knowledge import (
    EntryContent,
    EntryState,
    KnowledgeEntry,
    entry_from_dict,
    entry_to_dict,
    imported_entry,
)
from agent_desktop.resources import default_cache_dir, read_json_file, resources_dir

log = logging.getLogger(__name__)

SEED_FILE = Path("knowledge") / "changsha_kb.json"
MAX_QUERY_CHARS = 200  # a question read out on a call; longer input is cut, not refused
MAX_LIMIT = 100
# bm25 weights per FTS column, in the table's column order: question, keywords, category, answer, chars.
# A word in the question says far more about what the entry answers than the same word somewhere in the answer.
FIELD_WEIGHTS = (10.0, 6.0, 3.0, 1.0, 1.0)
_SEARCH_COLUMNS = "{question keywords category answer}"
SNIPPET_CHARS = 80
MARK_OPEN, MARK_CLOSE = "【", "】"

# Words that carry no subject in a caller's question; dropped from queries (never from the index) unless nothing
# else is left. Kept short on purpose: 办理, 提取, 报销 etc. do tell entries apart.
_STOP_WORDS_TEXT = (
    "的 了 吗 呢 啊 吧 呀 嘛 哦 嗯 么 我 你 他 她 它 我们 你们 请问 问 问下 问一下 一下 "
    "怎么 怎么样 怎样 如何 什么 哪里 哪儿 哪个 哪些 是 在 有 没有 要 想 想要 能 能不能 "
    "可以 可不可以 就 都 和 与 或 及 那 这 这个 那个 还 也 去 到 给 把 被 让 需要 应该 "
    "该 咋 咋办 怎么办 谁 多少 喂 您好 你好"
)
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())
# Domain words jieba's general dictionary lacks or splits; added to the tokenizer before any cutting, so index and
# queries always agree (never derived from the entries themselves, which would make tokenising depend on the data).
DOMAIN_WORDS = (
    "公积金", "住房公积金", "社保卡", "医保卡", "医保", "社保", "养老金", "失业金", "居住证", "暂住证", "身份证",
    "户口本", "营业执照", "个体户", "个体工商户", "不动产", "不动产权证", "房产证", "网约车", "出租车", "乘车码",
    "物业费", "物业公司", "业委会", "业主委员会", "燃气", "天然气", "停水", "停电", "漏水", "噪音", "噪声", "扰民",
    "违建", "违章搭建", "占道经营", "学位", "划片", "小升初", "随迁子女", "异地就医", "慢特病", "门诊慢特病",
    "个税", "汇算", "残疾人证", "结婚登记", "落户", "新生儿", "回访", "满意度", "匿名", "工单", "水压", "电表", "水表",
)

_HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_SPACE_BETWEEN_HAN = re.compile(rf"(?<=[{_HAN}])\s+(?=[{_HAN}])")
_HAN_CHAR = re.compile(rf"[{_HAN}]")
_WORDLIKE = re.compile(rf"[0-9A-Za-z{_HAN}]")

_DDL = (
    """
    CREATE TABLE IF NOT EXISTS kb_entry (
        entry_id TEXT PRIMARY KEY,
        version INTEGER NOT NULL,
        unit TEXT NOT NULL,
        state TEXT NOT NULL,
        category TEXT,
        served INTEGER NOT NULL,
        served_from_us INTEGER,
        served_to_us INTEGER,
        payload TEXT NOT NULL
    )
    """,
    "CREATE INDEX IF NOT EXISTS kb_entry_unit ON kb_entry (unit)",
    """
    CREATE VIRTUAL TABLE IF NOT EXISTS kb_fts USING fts5(
        question, keywords, category, answer, chars, tokenize = 'unicode61 remove_diacritics 2'
    )
    """,
)


# ---------------------------------------------------------------------------------------------------- tokenising

class _TokenizerHolder:
    """jieba's tokenizer, initialised once per process (the lock keeps two threads from loading it twice)."""

    lock = threading.Lock()
    tokenizer: Any = None


def _jieba() -> Any:
    """jieba's tokenizer with its dictionary cache in the user cache directory and the domain words added."""
    if _TokenizerHolder.tokenizer is not None:
        return _TokenizerHolder.tokenizer
    with _TokenizerHolder.lock:
        if _TokenizerHolder.tokenizer is None:
            # jieba logs "Building prefix dict..." at DEBUG on its own stderr handler: keep the CLI's output clean
            jieba.setLogLevel(logging.WARNING)
            tokenizer = jieba.Tokenizer()
            cache_dir = default_cache_dir() / "jieba"
            try:
                cache_dir.mkdir(parents=True, exist_ok=True)
                tokenizer.tmp_dir = str(cache_dir)
            except OSError as exc:  # a read-only home: jieba then builds its dictionary from scratch each start
                log.warning("knowledge search: cannot create cache folder %s (%s)", cache_dir, exc)
            tokenizer.initialize()
            for word in DOMAIN_WORDS:
                tokenizer.add_word(word)
            _TokenizerHolder.tokenizer = tokenizer
    return _TokenizerHolder.tokenizer


def normalise_text(raw: str) -> str:
    """NFKC (full-width letters and digits to half-width), lower case, spaces between Han characters removed."""
    folded = unicodedata.normalize("NFKC", raw).lower()
    return _SPACE_BETWEEN_HAN.sub("", folded)


def tokens(raw: str) -> list[str]:
    """The words of `raw` as index and queries use them: jieba's search-mode cut, punctuation and spaces dropped.
    Order kept, duplicates kept (bm25 counts term frequency)."""
    cut = _jieba().cut_for_search(normalise_text(raw))
    return [word.strip() for word in cut if _WORDLIKE.search(word)]


def _index_text(raw: str) -> str:
    # unicode61 would split a token on any punctuation inside it anyway; spaces are the only separator we add
    return " ".join(tokens(raw))


def _han_chars(raw: str) -> list[str]:
    return _HAN_CHAR.findall(unicodedata.normalize("NFKC", raw))


def _quoted(word: str) -> str:
    """`word` as an FTS5 string: whatever it contains is a literal, never an operator."""
    return '"' + word.replace('"', '""') + '"'


# ---------------------------------------------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class KbHit:
    """One search result: the entry, the published content served, the rank (1 = best), the bm25 score (lower is
    better, comparable within one tier only), which tier matched, the query words found, and a snippet of the
    answer with the found words in 【】."""

    entry: KnowledgeEntry
    content: EntryContent
    rank: int
    score: float
    match: str  # "all" | "some" | "fuzzy"
    matched: tuple[str, ...]
    snippet: str

    def to_json(self) -> dict[str, Any]:
        return {
            "rank": self.rank,
            "entry_id": self.entry.entry_id,
            "unit": self.entry.unit,
            "category": self.content.category,
            "question": self.content.question,
            "answer": self.content.answer,
            "keywords": list(self.content.keywords),
            "valid_to": None if self.content.valid_to is None else self.content.valid_to.isoformat(),
            "version": self.entry.version,
            "score": round(self.score, 4),
            "match": self.match,
            "matched": list(self.matched),
            "snippet": self.snippet,
        }


def snippet(answer: str, words: Sequence[str], width: int = SNIPPET_CHARS) -> str:
    """About `width` characters of `answer` around the first of `words` it contains, with every found word
    marked; the answer's start when none is found."""
    flat = " ".join(answer.split())
    folded = unicodedata.normalize("NFKC", flat).lower()
    # NFKC can change lengths only for rare compatibility characters; fall back to the plain text then
    haystack = folded if len(folded) == len(flat) else flat
    found = sorted({w for w in words if w and w in haystack}, key=len, reverse=True)
    first = min((haystack.find(w) for w in found), default=0)
    start = max(0, first - width // 4)
    end = min(len(flat), start + width)
    start = max(0, min(start, end - width))
    piece, lowered = flat[start:end], haystack[start:end]
    marks = [False] * len(piece)
    for word in found:
        at = lowered.find(word)
        while at != -1:
            for i in range(at, min(at + len(word), len(piece))):
                marks[i] = True
            at = lowered.find(word, at + len(word))
    out: list[str] = []
    inside = False
    for ch, marked in zip(piece, marks, strict=True):
        if marked and not inside:
            out.append(MARK_OPEN)
        elif not marked and inside:
            out.append(MARK_CLOSE)
        inside = marked
        out.append(ch)
    if inside:
        out.append(MARK_CLOSE)
    return ("…" if start > 0 else "") + "".join(out) + ("…" if end < len(flat) else "")


# ---------------------------------------------------------------------------------------------------- the index


def _micros(value: datetime | None) -> int | None:
    if value is None:
        return None
    delta = value.astimezone(UTC) - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


class KnowledgeIndex:
    """The knowledge-base tables of one SQLite database: store entries (`upsert`), search what is served."""

    def __init__(self, bind: Engine | Connection) -> None:
        if not isinstance(bind, (Engine, Connection)):
            raise InvalidCommand(f"KnowledgeIndex needs an SQLAlchemy Engine or Connection, got {type(bind).__name__}",
                                 code="bad_value")
        if bind.dialect.name != "sqlite":
            raise SyncError(f"the knowledge index needs SQLite (FTS5), not {bind.dialect.name}", code="kb_backend")
        self._bind = bind
        # Creating the tables needs the write lock; a search on the seat must not wait for the sync client's write
        # transaction just to find them there already, so look first.
        if isinstance(bind, Connection) or not self._run(self._has_schema):
            self._run(self._create_schema, write=True)

    # -- plumbing

    def _run(self, work: Any, *, write: bool = False) -> Any:
        """`work(connection)` in the caller's transaction (Connection) or in a transaction of its own (Engine);
        database failures become SyncError.

        With an Engine the transaction is begun explicitly — BEGIN IMMEDIATE to write, BEGIN to read — rather than
        left to the driver: the seat's local store runs pysqlite with `isolation_level=None` (autocommit), where
        `engine.begin()` would commit each statement on its own and an entry row could be stored without its
        search row. Explicit BEGIN/COMMIT behave the same under pysqlite's default (implicit) mode."""
        try:
            if isinstance(self._bind, Connection):
                return work(self._bind)
            with self._bind.connect() as connection:
                connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")
                try:
                    result = work(connection)
                except BaseException:
                    connection.exec_driver_sql("ROLLBACK")
                    raise
                connection.exec_driver_sql("COMMIT")
                return result
        except AgentDesktopError:
            raise
        except SQLAlchemyError as exc:
            reason = getattr(exc, "orig", None) or exc
            raise SyncError(f"knowledge index database error: {type(exc).__name__}: {reason}",
                            code="kb_database") from exc

    @staticmethod
    def _has_schema(connection: Connection) -> bool:
        names = connection.execute(
            text("SELECT count(*) FROM sqlite_master WHERE name IN ('kb_entry', 'kb_entry_unit', 'kb_fts')")
        ).scalar_one()
        return int(names) == 3

    @staticmethod
    def _create_schema(connection: Connection) -> None:
        for statement in _DDL:
            connection.execute(text(statement))

    # -- writing

    def upsert(self, entries: Iterable[KnowledgeEntry]) -> int:
        """Store each entry unless the index already holds that version or a newer one (duplicate and
        out-of-order deliveries change nothing). Returns how many entries changed."""
        batch = list(entries)
        for entry in batch:
            if not isinstance(entry, KnowledgeEntry):
                raise InvalidCommand(f"expected knowledge entries, got {type(entry).__name__}", code="bad_value")
        return int(self._run(lambda connection: sum(self._upsert_one(connection, e) for e in batch), write=True))

    def _upsert_one(self, connection: Connection, entry: KnowledgeEntry) -> int:
        row = connection.execute(
            text("SELECT rowid, version FROM kb_entry WHERE entry_id = :id"), {"id": entry.entry_id}
        ).first()
        if row is not None and row.version >= entry.version:
            return 0
        published = entry.published if entry.state is not EntryState.WITHDRAWN else None
        values = {
            "id": entry.entry_id,
            "version": entry.version,
            "unit": entry.unit,
            "state": entry.state.value,
            "category": published.category if published else entry.content.category,
            "served": int(published is not None),
            "served_from": _micros(published.valid_from) if published else None,
            "served_to": _micros(published.valid_to) if published else None,
            "payload": json.dumps(entry_to_dict(entry), ensure_ascii=False, separators=(",", ":")),
        }
        if row is None:
            rowid = connection.execute(
                text(
                    "INSERT INTO kb_entry (entry_id, version, unit, state, category, served, served_from_us, "
                    "served_to_us, payload) VALUES (:id, :version, :unit, :state, :category, :served, :served_from, "
                    ":served_to, :payload) RETURNING rowid"
                ),
                values,
            ).scalar_one()
        else:
            rowid = row.rowid
            connection.execute(
                text(
                    "UPDATE kb_entry SET version = :version, unit = :unit, state = :state, category = :category, "
                    "served = :served, served_from_us = :served_from, served_to_us = :served_to, payload = :payload "
                    "WHERE entry_id = :id"
                ),
                values,
            )
            connection.execute(text("DELETE FROM kb_fts WHERE rowid = :rowid"), {"rowid": rowid})
        if published is not None:
            connection.execute(
                text(
                    "INSERT INTO kb_fts (rowid, question, keywords, category, answer, chars) "
                    "VALUES (:rowid, :question, :keywords, :category, :answer, :chars)"
                ),
                {
                    "rowid": rowid,
                    "question": _index_text(published.question),
                    "keywords": " ".join(_index_text(k) for k in published.keywords),
                    "category": _index_text(published.category),
                    "answer": _index_text(published.answer),
                    "chars": " ".join(_han_chars(published.question + "".join(published.keywords))),
                },
            )
        return 1

    def seed_if_empty(self, path: str | Path | None = None, *, at: datetime | None = None) -> int:
        """Index the seed file's entries (`load_seed_entries`) when the index holds no entry at all — a seat that
        never synced still answers from the shipped knowledge base. Checked and written in one write transaction,
        so two processes starting together seed once. Returns how many entries were added (0: not empty). The
        seed file is read only when the index is empty (a synced seat does not need it)."""
        if self.count():
            return 0
        entries = load_seed_entries(path, at=at)

        def work(connection: Connection) -> int:
            if connection.execute(text("SELECT count(*) FROM kb_entry")).scalar_one():
                return 0
            return sum(self._upsert_one(connection, entry) for entry in entries)

        return int(self._run(work, write=True))

    def remove(self, entry_ids: Iterable[str]) -> int:
        """Forget entries entirely (an operator's reset; withdrawals arrive as entries and go through `upsert`)."""
        ids = list(entry_ids)

        def work(connection: Connection) -> int:
            removed = 0
            for entry_id in ids:
                row = connection.execute(
                    text("SELECT rowid FROM kb_entry WHERE entry_id = :id"), {"id": entry_id}
                ).first()
                if row is None:
                    continue
                connection.execute(text("DELETE FROM kb_fts WHERE rowid = :rowid"), {"rowid": row.rowid})
                connection.execute(text("DELETE FROM kb_entry WHERE rowid = :rowid"), {"rowid": row.rowid})
                removed += 1
            return removed

        return int(self._run(work, write=True))

    # -- reading

    def count(self) -> int:
        return int(self._run(lambda c: c.execute(text("SELECT count(*) FROM kb_entry")).scalar_one()))

    def get(self, entry_id: str) -> KnowledgeEntry | None:
        payload = self._run(
            lambda c: c.execute(text("SELECT payload FROM kb_entry WHERE entry_id = :id"), {"id": entry_id})
            .scalar_one_or_none()
        )
        return None if payload is None else self._decode(payload)

    def entries(self, *, unit: str | None = None, served_at: datetime | None = None) -> list[KnowledgeEntry]:
        """Every stored entry (of `unit`, when given; only those served at `served_at`, when given), by id."""
        sql = "SELECT payload FROM kb_entry"
        conditions, params = [], {}
        if unit is not None:
            conditions.append("unit = :unit")
            params["unit"] = unit
        if served_at is not None:
            conditions.append(self._served_condition())
            params["now"] = _micros(self._aware(served_at))
        if conditions:
            sql += " WHERE " + " AND ".join(conditions)
        rows = self._run(lambda c: c.execute(text(sql + " ORDER BY entry_id"), params).scalars().all())
        return [self._decode(p) for p in rows]

    @staticmethod
    def _served_condition(table: str = "kb_entry") -> str:
        return (
            f"{table}.served = 1 AND ({table}.served_from_us IS NULL OR {table}.served_from_us <= :now) "
            f"AND ({table}.served_to_us IS NULL OR :now < {table}.served_to_us)"
        )

    @staticmethod
    def _aware(now: Any) -> datetime:
        if not isinstance(now, datetime) or now.tzinfo is None or now.utcoffset() is None:
            raise InvalidCommand(f"search time must be an aware datetime, got {now!r}", code="naive_datetime")
        return now

    @staticmethod
    def _decode(payload: str) -> KnowledgeEntry:
        try:
            return entry_from_dict(json.loads(payload))
        except (ValueError, InvalidCommand) as exc:
            raise SyncError(f"knowledge index holds a damaged entry: {exc}", code="kb_damaged") from exc

    def search(self, query: str, now: datetime, *, limit: int = 10, unit: str | None = None) -> list[KbHit]:
        """The entries served at `now` that best answer `query`, best first (at most `limit`). Never raises on
        any query text; an empty or punctuation-only query finds nothing."""
        if not isinstance(query, str):
            raise InvalidCommand(f"query must be text, got {type(query).__name__}", code="bad_value")
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
            raise InvalidCommand(f"limit must be 1..{MAX_LIMIT}, got {limit!r}", code="bad_value")
        now_us = _micros(self._aware(now))
        words = tokens(query[:MAX_QUERY_CHARS])
        meaningful = [w for w in words if w not in STOP_WORDS] or words
        distinct = list(dict.fromkeys(meaningful))
        if not distinct:
            return []
        quoted = [_quoted(w) for w in distinct]
        tiers = [("all", f"{_SEARCH_COLUMNS} : ({' AND '.join(quoted)})")]
        if len(quoted) > 1:
            tiers.append(("some", f"{_SEARCH_COLUMNS} : ({' OR '.join(quoted)})"))
        chars = list(dict.fromkeys(_han_chars("".join(distinct))))
        if chars:
            tiers.append(("fuzzy", "chars : (" + " OR ".join(_quoted(c) for c in chars) + ")"))

        def work(connection: Connection) -> list[tuple[str, float, str]]:
            found: list[tuple[str, float, str]] = []
            seen: set[str] = set()
            for tier, match in tiers:
                rows = connection.execute(
                    text(
                        "SELECT kb_entry.entry_id AS entry_id, kb_entry.payload AS payload, "
                        "bm25(kb_fts, :w0, :w1, :w2, :w3, :w4) AS score "
                        "FROM kb_fts JOIN kb_entry ON kb_entry.rowid = kb_fts.rowid "
                        f"WHERE kb_fts MATCH :match AND {self._served_condition()} "
                        + ("AND kb_entry.unit = :unit " if unit is not None else "")
                        + "ORDER BY score, kb_entry.entry_id LIMIT :limit"
                    ),
                    {"match": match, "now": now_us, "limit": limit + len(seen), "unit": unit,
                     **{f"w{i}": w for i, w in enumerate(FIELD_WEIGHTS)}},
                ).all()
                for row in rows:
                    if row.entry_id not in seen:
                        seen.add(row.entry_id)
                        found.append((tier, float(row.score), row.payload))
                if len(found) >= limit:
                    break
            return found[:limit]

        hits: list[KbHit] = []
        for tier, score, payload in self._run(work):
            entry = self._decode(payload)
            content = entry.served_content(now)
            if content is None:  # the stored window and the entry disagree: the entry is the truth
                continue
            haystack = normalise_text(" ".join((content.question, *content.keywords, content.category, content.answer)))
            matched = tuple(w for w in distinct if w in haystack)
            marks = matched if tier != "fuzzy" else tuple(c for c in chars if c in haystack)
            hits.append(KbHit(entry, content, len(hits) + 1, score, tier, matched, snippet(content.answer, marks)))
        return hits


# ---------------------------------------------------------------------------------------------------- the seed


def default_seed_path() -> Path:
    return resources_dir() / SEED_FILE


def load_seed_entries(path: str | Path | None = None, *, at: datetime | None = None) -> list[KnowledgeEntry]:
    """The seed file's entries as published entries (`imported_entry`), imported at `at` (default: now, UTC).

    The file: `{"schema_version": 1, "entries": [{"entry_id", "unit", "category", "question", "answer",
    "keywords": [...], "valid_from": ISO|null, "valid_to": ISO|null}, ...]}`. A malformed file or entry is a
    `ConfigError` naming the file and the entry; duplicate ids are refused.
    """
    file = Path(path).expanduser() if path is not None else default_seed_path()
    data = read_json_file(file, "knowledge seed")
    if not isinstance(data, dict) or data.get("schema_version") != 1 or not isinstance(data.get("entries"), list):
        raise ConfigError(f'{file}: expected {{"schema_version": 1, "entries": [...]}}', code="bad_seed_file")
    stamp = at if at is not None else datetime.now(UTC)
    allowed = {"entry_id", "unit", "category", "question", "answer", "keywords", "valid_from", "valid_to"}
    entries: list[KnowledgeEntry] = []
    seen: set[str] = set()
    for index, raw in enumerate(data["entries"]):
        where = f"{file}: entries[{index}]"
        try:
            if not isinstance(raw, dict):
                raise InvalidCommand("an entry must be an object", code="bad_value")
            unknown = sorted(set(raw) - allowed)
            if unknown:
                raise InvalidCommand(f"unknown keys {', '.join(unknown)}", code="bad_value")
            keywords = raw.get("keywords", [])
            content = EntryContent(
                raw.get("question"), raw.get("answer"), raw.get("category"),
                tuple(keywords) if isinstance(keywords, list) else keywords,
                _seed_time(raw.get("valid_from"), "valid_from"), _seed_time(raw.get("valid_to"), "valid_to"),
            )
            entry = imported_entry(raw.get("entry_id"), raw.get("unit"), content, at=stamp)
        except InvalidCommand as exc:
            raise ConfigError(f"{where}: {exc.message}", code="bad_seed_file") from exc
        if entry.entry_id in seen:
            raise ConfigError(f"{where}: duplicate entry_id {entry.entry_id}", code="bad_seed_file")
        seen.add(entry.entry_id)
        entries.append(entry)
    return entries


def _seed_time(raw: Any, field: str) -> datetime | None:
    if raw is None:
        return None
    if not isinstance(raw, str):
        raise InvalidCommand(f"{field} must be an ISO 8601 date and time", code="bad_value")
    try:
        return datetime.fromisoformat(raw)
    except ValueError:
        raise InvalidCommand(f"{field} is not an ISO 8601 date and time: {raw!r}", code="bad_value") from None
