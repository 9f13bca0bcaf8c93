"""The seat's knowledge-base search: FTS5 over jieba tokens on real SQLite files, with the shipped Changsha seed."""

from __future__ import annotations

import json
import sqlite3
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, create_engine, event, text

from agent_desktop.core.errors import ConfigError, InvalidCommand, SyncError
from agent_desktop.core.knowledge import (
    CreateEntry,
    EditEntry,
    EntryContent,
    KnowledgeEntry,
    PublishEntry,
    RejectEntry,
    SubmitEntry,
    WithdrawEntry,
    apply_kb_command,
    imported_entry,
)
from agent_desktop.core.roles import Actor, Role
from agent_desktop.resources import load_unit_directory
from sync import kb_index
from sync.kb_index import KnowledgeIndex, default_seed_path, load_seed_entries, normalise_text, snippet, tokens

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 6, 1, 10, 0, tzinfo=SHANGHAI)
IMPORTED = datetime(2025, 6, 1, tzinfo=UTC)
FUND = "长沙住房公积金管理中心"
CLERK = Actor("fund-1", Role.UNIT, unit=FUND)
SUPERVISOR = Actor("center-1", Role.SUPERVISOR)


def engine_at(path: Path) -> Engine:
    return create_engine(f"sqlite:///{path}")


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeIndex:
    """The shipped seed indexed once into a file database (read-only for the tests that use it)."""
    engine = engine_at(tmp_path_factory.mktemp("kb") / "seat.sqlite3")
    index = KnowledgeIndex(engine)
    index.upsert(load_seed_entries(at=IMPORTED))
    yield index
    engine.dispose()


@pytest.fixture
def index(tmp_path: Path) -> KnowledgeIndex:
    engine = engine_at(tmp_path / "seat.sqlite3")
    yield KnowledgeIndex(engine)
    engine.dispose()


def top_ids(index: KnowledgeIndex, query: str, limit: int = 3, now: datetime = NOW) -> list[str]:
    return [hit.entry.entry_id for hit in index.search(query, now, limit=limit)]


# ---------------------------------------------------------------------------------------------------- the seed


def test_seed_has_30_plus_valid_entries_of_known_units() -> None:
    raw = json.loads(default_seed_path().read_text(encoding="utf-8"))
    entries = load_seed_entries(at=IMPORTED)
    assert len(entries) >= 30 and len(entries) == len(raw["entries"])
    directory = load_unit_directory()
    for entry in entries:
        assert directory.by_name(entry.unit).name == entry.unit  # the owning unit exists in the directory
        assert entry.served_content(NOW) is not None, entry.entry_id
        assert entry.keywords, entry.entry_id
    assert len({e.entry_id for e in entries}) == len(entries)
    # the topics the issue names are all covered
    categories = {e.category for e in entries}
    assert {"住房公积金", "社会保险", "医疗保障", "户籍管理", "教育", "市场主体登记", "不动产登记", "公共交通",
            "水电气", "物业管理", "12345热线"} <= categories


def test_seed_loader_refuses_malformed_files(tmp_path: Path) -> None:
    good = {"entry_id": "a-1", "unit": FUND, "category": "住房公积金", "question": "问题?", "answer": "答复。",
            "keywords": ["词"], "valid_from": None, "valid_to": None}
    cases = {
        "not-json.json": "{",
        "wrong-shape.json": json.dumps({"entries": {}}),
        "naive.json": json.dumps({"schema_version": 1, "entries": [{**good, "valid_to": "2027-01-01T00:00:00"}]}),
        "unknown-key.json": json.dumps({"schema_version": 1, "entries": [{**good, "fee": 10}]}),
        "duplicate.json": json.dumps({"schema_version": 1, "entries": [good, good]}),
        "empty-answer.json": json.dumps({"schema_version": 1, "entries": [{**good, "answer": " "}]}),
    }
    for name, content in cases.items():
        path = tmp_path / name
        path.write_text(content, encoding="utf-8")
        with pytest.raises(ConfigError) as bad:
            load_seed_entries(path)
        assert str(path) in bad.value.message, name
    fine = tmp_path / "fine.json"
    fine.write_text(json.dumps({"schema_version": 1, "entries": [good]}), encoding="utf-8")
    [entry] = load_seed_entries(fine, at=IMPORTED)
    assert entry.served_content(NOW) is not None


# ---------------------------------------------------------------------------------------------------- ranking


def test_provident_fund_withdrawal_comes_first(seeded: KnowledgeIndex) -> None:
    hits = seeded.search("公积金 提取", NOW, limit=5)
    assert hits[0].entry.entry_id == "cs-hf-withdraw"
    assert hits[0].match == "all" and hits[0].rank == 1
    assert {"公积金", "提取"} <= set(hits[0].matched)
    assert "【公积金】" in hits[0].snippet and "【提取】" in hits[0].snippet
    assert [h.rank for h in hits] == list(range(1, len(hits) + 1))
    assert all(h.entry.unit == FUND for h in hits[:3])  # the other fund entries follow
    spoken = seeded.search("公 积 金 提 取", NOW, limit=1)  # Vosk's spacing: still every word matched
    assert [(h.entry.entry_id, h.match) for h in spoken] == [("cs-hf-withdraw", "all")]


@pytest.mark.parametrize(
    "query",
    ["公 积 金 提 取", "公积金 怎么 提取", "公积金怎么提取", "  公积金\u3000提取  ", "ＧＪＪ 公积金提取",
     "住房公积金提取"],
)
def test_spaced_and_unspaced_speech_queries_find_the_same_entry(seeded: KnowledgeIndex, query: str) -> None:
    """Vosk emits Chinese with spaces between words or characters; full-width spaces and letters happen too."""
    assert top_ids(seeded, query, 1) == ["cs-hf-withdraw"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("停电了怎么办", "cs-power-outage"),
        ("燃气泄漏", "cs-gas-leak"),
        ("家里闻到煤气味", "cs-gas-leak"),
        ("身份证丢了补办", "cs-hh-idcard"),
        ("异地就医 备案", "cs-mi-offsite"),
        ("楼上噪音扰民", "cs-noise"),
        ("开公司办营业执照", "cs-biz-license"),
        ("个体户 登记", "cs-biz-individual"),
        ("居住证 怎么办", "cs-hh-residence"),
        ("打12345可以匿名吗", "cs-12345-privacy"),
        ("租房 提取 公积金", "cs-hf-rent"),
        ("公积金贷款条件", "cs-hf-loan"),
        ("社保卡丢了", "cs-si-card"),
        ("失业金怎么领", "cs-si-unemployment"),
        ("新生儿上户口", "cs-hh-newborn"),
        ("二手房过户", "cs-re-register"),
        ("地铁上丢了东西", "cs-metro-lost"),
        ("物业费 纠纷", "cs-prop-dispute"),
        ("停水 报修", "cs-water-repair"),
        ("12345 办理时限", "cs-12345-limits"),
        ("个税 退税", "cs-tax-annual"),
        ("我公积金怎么取出来", "cs-hf-withdraw"),
        ("医保卡丢了", "cs-si-card"),
        ("燃气费怎么交", "cs-gas-account"),
        ("楼下烧烤店太吵", "cs-noise"),
        ("路灯不亮", "cs-urban-streetlight"),
        ("退休了养老金怎么领", "cs-si-pension"),
        ("慢性病 报销", "cs-mi-chronic"),
        ("交通事故", "cs-12345-scope"),  # not the hotline's: the entry that says to call 122
    ],
)
def test_everyday_questions_rank_the_right_entry_first(seeded: KnowledgeIndex, query: str, expected: str) -> None:
    assert top_ids(seeded, query, 1) == [expected]


def test_question_words_outrank_the_same_words_in_an_answer(index: KnowledgeIndex) -> None:
    in_answer = imported_entry("a-answer", FUND, EntryContent(
        "缴存比例怎么定?", "与公积金提取无关的说明:缴存比例按年度调整。", "住房公积金", (), None, None), at=IMPORTED)
    in_question = imported_entry("b-question", FUND, EntryContent(
        "公积金提取要什么材料?", "带身份证件到服务网点办理。", "住房公积金", (), None, None), at=IMPORTED)
    in_keywords = imported_entry("c-keywords", FUND, EntryContent(
        "离职后账户怎么处理?", "办理封存或转移。", "住房公积金", ("公积金提取",), None, None), at=IMPORTED)
    index.upsert([in_answer, in_question, in_keywords])
    assert top_ids(index, "公积金提取") == ["b-question", "c-keywords", "a-answer"]


def test_a_wrong_character_still_finds_near_matches(seeded: KnowledgeIndex) -> None:
    hits = seeded.search("公鸡金提取", NOW, limit=3)  # a recognizer's homophone for 公积金
    assert "cs-hf-withdraw" in [h.entry.entry_id for h in hits[:2]]
    assert hits[0].match in ("some", "fuzzy")
    fuzzy = seeded.search("住防公鸡", NOW, limit=3)  # no word survives; single characters still lead to the fund
    assert fuzzy and fuzzy[0].match == "fuzzy" and fuzzy[0].entry.unit == FUND


def test_all_words_rank_before_some_words(seeded: KnowledgeIndex) -> None:
    hits = seeded.search("公积金 提取 租房", NOW, limit=10)
    tiers = [h.match for h in hits]
    assert tiers == sorted(tiers, key=["all", "some", "fuzzy"].index)
    assert hits[0].entry.entry_id == "cs-hf-rent"


def test_limit_and_unit_filter(seeded: KnowledgeIndex) -> None:
    assert len(seeded.search("报修", NOW, limit=2)) == 2
    only_gas = seeded.search("报修", NOW, limit=10, unit="长沙新奥燃气有限公司")
    assert only_gas and {h.entry.unit for h in only_gas} == {"长沙新奥燃气有限公司"}
    for bad in (0, 101, True, "3"):
        with pytest.raises(InvalidCommand):
            seeded.search("报修", NOW, limit=bad)  # type: ignore[arg-type]
    with pytest.raises(InvalidCommand):
        seeded.search("报修", datetime(2026, 6, 1))  # naive on purpose
    with pytest.raises(InvalidCommand):
        seeded.search(None, NOW)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------------- hostile input

HOSTILE = [
    '"*(NEAR', '"', '""', "*", "(", ")", "NEAR(a b)", "NEAR", "AND", "OR NOT", "a OR", "公积金 AND", "-公积金",
    "公积金*", "^公积金", "question:公积金", "{question}:公积金", "chars:公", "'; DROP TABLE kb_entry; --",
    "\x00公积金", "\\", "%", "_", "公积金" * 500, "。。。", "   ", "", "🙂🙂", "\u200b", "a\"b", "提取\"OR\"1",
]


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_queries_never_raise(seeded: KnowledgeIndex, query: str) -> None:
    hits = seeded.search(query, NOW, limit=5)
    assert isinstance(hits, list)
    assert seeded.count() >= 30  # and nothing was dropped


def test_fts_syntax_in_a_query_is_literal(seeded: KnowledgeIndex) -> None:
    # quoted words: "公积金 AND" is the words 公积金 and "and", never an operator; the fund entry still comes first
    assert top_ids(seeded, "公积金 AND 提取", 1) == ["cs-hf-withdraw"]
    assert top_ids(seeded, '"*(NEAR') == []


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=st.text(max_size=60))
def test_any_text_is_a_safe_query(seeded: KnowledgeIndex, query: str) -> None:
    for hit in seeded.search(query, NOW, limit=3):
        assert hit.entry.served_content(NOW) is not None


# ---------------------------------------------------------------------------------------------------- what is served


def _draft(entry_id: str, question: str = "公积金提取需要什么材料?", **fields: object) -> KnowledgeEntry:
    command = CreateEntry(entry_id, question, "带身份证件办理公积金提取。", "住房公积金", ("公积金提取",),
                          **fields)  # type: ignore[arg-type]
    return apply_kb_command(None, command, CLERK, NOW - timedelta(days=10))


def test_only_published_and_currently_valid_entries_are_served(index: KnowledgeIndex) -> None:
    at = NOW - timedelta(days=10)
    draft = _draft("k-draft")
    submitted = apply_kb_command(_draft("k-submitted"), SubmitEntry("k-submitted"), CLERK, at)
    rejected = apply_kb_command(
        apply_kb_command(_draft("k-rejected"), SubmitEntry("k-rejected"), CLERK, at),
        RejectEntry("k-rejected", "材料不全"), SUPERVISOR, at,
    )

    def published(entry: KnowledgeEntry) -> KnowledgeEntry:
        entry = apply_kb_command(entry, SubmitEntry(entry.entry_id), CLERK, at)
        return apply_kb_command(entry, PublishEntry(entry.entry_id), SUPERVISOR, at)

    live = published(_draft("k-live"))
    expired = published(_draft("k-expired", valid_to=NOW - timedelta(days=1)))
    future = published(_draft("k-future", valid_from=NOW + timedelta(days=1)))
    withdrawn = apply_kb_command(published(_draft("k-withdrawn")), WithdrawEntry("k-withdrawn"), CLERK, at)
    assert index.upsert([draft, submitted, rejected, live, expired, future, withdrawn]) == 7
    assert index.count() == 7
    assert top_ids(index, "公积金提取", 10) == ["k-live"]
    assert [e.entry_id for e in index.entries(served_at=NOW)] == ["k-live"]
    # time moves on: the future entry starts, the expired one stays out
    assert top_ids(index, "公积金提取", 10, now=NOW + timedelta(days=2)) == ["k-future", "k-live"]
    # the expiry instant itself is already out (valid_to is exclusive)
    assert top_ids(index, "公积金提取", 10, now=NOW - timedelta(days=1)) == ["k-live"]
    assert top_ids(index, "公积金提取", 10, now=NOW - timedelta(days=1, microseconds=1)) == ["k-expired", "k-live"]


def test_publication_and_withdrawal_reach_the_index(index: KnowledgeIndex) -> None:
    at = NOW - timedelta(days=1)
    entry = apply_kb_command(_draft("k-1"), SubmitEntry("k-1"), CLERK, at)
    index.upsert([entry])
    assert top_ids(index, "公积金提取") == []
    entry = apply_kb_command(entry, PublishEntry("k-1"), SUPERVISOR, at)
    assert index.upsert([entry]) == 1
    assert top_ids(index, "公积金提取") == ["k-1"]
    entry = apply_kb_command(entry, WithdrawEntry("k-1", "政策调整"), SUPERVISOR, at)
    index.upsert([entry])
    assert top_ids(index, "公积金提取") == []
    assert index.get("k-1") == entry  # stored, so a later version can still be compared


def test_a_revision_under_review_keeps_the_published_answer_searchable(index: KnowledgeIndex) -> None:
    at = NOW - timedelta(days=1)
    entry = apply_kb_command(apply_kb_command(_draft("k-1"), SubmitEntry("k-1"), CLERK, at),
                             PublishEntry("k-1"), SUPERVISOR, at)
    revision = apply_kb_command(
        entry,
        EditEntry("k-1", "离职后公积金怎么办?", "办理封存。", "住房公积金", ("离职",), base_version=entry.version),
        CLERK, at,
    )
    index.upsert([revision])
    [hit] = index.search("公积金提取", NOW)
    assert hit.entry == revision and hit.content == entry.published  # the seat reads the published text
    assert index.search("离职", NOW) == []  # the unreviewed revision is not searchable


def test_upsert_ignores_old_and_duplicate_versions(index: KnowledgeIndex) -> None:
    at = NOW - timedelta(days=1)
    v1 = _draft("k-1")
    v2 = apply_kb_command(v1, SubmitEntry("k-1"), CLERK, at)
    v3 = apply_kb_command(v2, PublishEntry("k-1"), SUPERVISOR, at)
    assert index.upsert([v3]) == 1
    assert index.upsert([v1, v2, v3]) == 0  # late and duplicate deliveries change nothing
    assert index.get("k-1") == v3
    assert top_ids(index, "公积金提取") == ["k-1"]
    with pytest.raises(InvalidCommand):
        index.upsert([{"entry_id": "k-2"}])  # type: ignore[list-item]
    assert index.remove(["k-1", "missing"]) == 1
    assert index.get("k-1") is None and index.search("公积金提取", NOW) == []


def test_a_connection_writes_in_the_callers_transaction(tmp_path: Path) -> None:
    engine = engine_at(tmp_path / "seat.sqlite3")
    entries = load_seed_entries(at=IMPORTED)
    with engine.connect() as connection:
        KnowledgeIndex(connection).upsert(entries)
        connection.rollback()  # the caller decides: nothing was committed by the index
    assert KnowledgeIndex(engine).count() == 0
    with engine.begin() as connection:
        KnowledgeIndex(connection).upsert(entries)
    assert KnowledgeIndex(engine).count() == len(entries)
    engine.dispose()


def test_the_index_survives_reopening_the_file(tmp_path: Path) -> None:
    path = tmp_path / "seat.sqlite3"
    first = engine_at(path)
    KnowledgeIndex(first).upsert(load_seed_entries(at=IMPORTED))
    first.dispose()
    again = engine_at(path)
    assert top_ids(KnowledgeIndex(again), "公积金 提取", 1) == ["cs-hf-withdraw"]
    again.dispose()


def test_a_damaged_row_is_a_sync_error_not_a_crash(index: KnowledgeIndex, tmp_path: Path) -> None:
    index.upsert([imported_entry("k-1", FUND, EntryContent("公积金提取?", "答复。", "住房公积金"), at=IMPORTED)])
    engine = engine_at(tmp_path / "seat.sqlite3")
    with engine.begin() as connection:
        connection.execute(text("UPDATE kb_entry SET payload = '{not json'"))
    engine.dispose()
    with pytest.raises(SyncError) as damaged:
        index.get("k-1")
    assert damaged.value.code == "kb_damaged"


def test_only_sqlite_backs_the_index() -> None:
    engine = create_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")  # never connected
    with pytest.raises(SyncError) as refused:
        KnowledgeIndex(engine)
    assert refused.value.code == "kb_backend"
    with pytest.raises(InvalidCommand):
        KnowledgeIndex("sqlite://")  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------------- helpers


def test_tokens_and_normalisation() -> None:
    assert normalise_text("公 积 金　提取 ABC") == "公积金提取 abc"
    assert "公积金" in tokens("公积金提取") and "提取" in tokens("公积金提取")
    assert tokens("，。！？ ") == []
    assert tokens('"*(NEAR') == ["near"]


def test_snippet_marks_words_around_the_first_match() -> None:
    answer = "前言" * 40 + "可以申请提取住房公积金。" + "后记" * 40
    cut = snippet(answer, ["公积金", "提取"], width=30)
    assert cut.startswith("…") and cut.endswith("…")
    assert "【提取】" in cut and "【公积金】" in cut
    assert snippet("短答复。", ["没有"]) == "短答复。"


# ---------------------------------------------------------------------------------------------------- transactions


def autocommit_engine(path: Path, timeout_s: float = 30) -> Engine:
    """An engine like the seat's local store: pysqlite in autocommit mode (isolation_level None), WAL."""
    engine = create_engine(f"sqlite:///{path}", connect_args={"check_same_thread": False, "timeout": timeout_s})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: object, _record: object) -> None:
        dbapi_connection.isolation_level = None  # type: ignore[attr-defined]
        dbapi_connection.execute("PRAGMA journal_mode=WAL")  # type: ignore[attr-defined]

    return engine


@pytest.mark.parametrize("make_engine", [engine_at, autocommit_engine])
def test_a_failed_upsert_leaves_nothing_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               make_engine: object) -> None:
    engine = make_engine(tmp_path / "seat.sqlite3")  # type: ignore[operator]
    index = KnowledgeIndex(engine)
    entries = load_seed_entries(at=IMPORTED)[:3]
    calls = {"n": 0}
    real = kb_index._index_text

    def failing(raw: str) -> str:
        calls["n"] += 1
        if calls["n"] > 6:  # part-way through the second entry
            raise RuntimeError("disk gone")
        return real(raw)

    monkeypatch.setattr(kb_index, "_index_text", failing)
    with pytest.raises(RuntimeError):
        index.upsert(entries)
    monkeypatch.setattr(kb_index, "_index_text", real)
    assert index.count() == 0  # the first entry's rows were rolled back with the rest
    assert index.upsert(entries) == 3
    engine.dispose()


def test_seed_if_empty_seeds_once_even_when_two_seats_start_together(tmp_path: Path) -> None:
    path = tmp_path / "seat.sqlite3"
    engines = [autocommit_engine(path), autocommit_engine(path)]
    KnowledgeIndex(engines[0])  # the schema exists before the race
    barrier = threading.Barrier(2)
    added: list[int] = []

    def start(engine: Engine) -> None:
        index = KnowledgeIndex(engine)
        barrier.wait(timeout=10)
        added.append(index.seed_if_empty(at=IMPORTED))

    threads = [threading.Thread(target=start, args=(engine,)) for engine in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    seed_size = len(load_seed_entries(at=IMPORTED))
    assert sorted(added) == [0, seed_size]
    assert KnowledgeIndex(engines[0]).count() == seed_size
    assert KnowledgeIndex(engines[1]).seed_if_empty() == 0
    for engine in engines:
        engine.dispose()


def test_searching_never_waits_for_a_writer(tmp_path: Path) -> None:
    """The sync client may hold the store's write lock (a long catch-up); the agent's search must still answer."""
    path = tmp_path / "seat.sqlite3"
    setup = autocommit_engine(path)
    KnowledgeIndex(setup).seed_if_empty(at=IMPORTED)
    setup.dispose()
    writer = sqlite3.connect(path, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("UPDATE kb_entry SET version = version WHERE entry_id = 'cs-hf-withdraw'")
        reader = autocommit_engine(path, timeout_s=0.2)
        assert top_ids(KnowledgeIndex(reader), "公积金 提取", 1) == ["cs-hf-withdraw"]
        with pytest.raises(SyncError) as locked:  # while writing does wait (and then says so clearly)
            KnowledgeIndex(reader).upsert([imported_entry(
                "k-1", FUND, EntryContent("问题?", "答复。", "住房公积金"), at=IMPORTED)])
        assert locked.value.code == "kb_database"
        reader.dispose()
    finally:
        writer.execute("ROLLBACK")
        writer.close()
