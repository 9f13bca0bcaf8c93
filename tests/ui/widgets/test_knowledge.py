"""The knowledge panel on a real seat store: the shipped Changsha knowledge base seeded into a real SQLite local
store, searched through its FTS index on a reader thread, exactly as the seat desk's `search_knowledge` does."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest

from sync.kb_index import KnowledgeIndex
from sync.local_store import LocalStore
from ui.qt import Qt
from ui.widgets.knowledge import KnowledgePanel

NOW = datetime(2026, 10, 8, 2, 0, tzinfo=UTC)


def type_into(line_edit, text: str) -> None:
    """Type Chinese as an input method commits it: one character at a time (QTest's key clicks are ASCII only)."""
    for ch in text:
        line_edit.insert(ch)


class StoreKnowledge:
    """`search_knowledge(query, limit) -> Future` over a real local store, on its own reader thread; a gate per
    query lets a test decide the order in which answers come back."""

    def __init__(self, store: LocalStore) -> None:
        self.index = KnowledgeIndex(store.engine)
        self.index.seed_if_empty()
        self.pool = ThreadPoolExecutor(2, thread_name_prefix="store-reader")
        self.queries: list[str] = []
        self.futures: list[Future] = []
        self.threads: set[str] = set()
        self.gates: dict[str, threading.Event] = {}
        self.fail = False

    def hold(self, query: str) -> threading.Event:
        self.gates[query] = threading.Event()
        return self.gates[query]

    def search_knowledge(self, query: str, limit: int = 10) -> Future:
        self.queries.append(query)
        gate = self.gates.get(query)

        def work():
            self.threads.add(threading.current_thread().name)
            if gate is not None:
                assert gate.wait(10), "the test never released the query"
            if self.fail:
                raise OSError("database is locked")
            return self.index.search(query, NOW, limit=limit)

        future = self.pool.submit(work)
        self.futures.append(future)
        return future


@pytest.fixture
def knowledge(tmp_path: Path) -> Iterator[StoreKnowledge]:
    source = StoreKnowledge(LocalStore(tmp_path / "seat.sqlite3"))
    yield source
    for gate in source.gates.values():
        gate.set()
    source.pool.shutdown(wait=True)


@pytest.fixture
def panel(qtbot, knowledge: StoreKnowledge) -> KnowledgePanel:
    widget = KnowledgePanel(knowledge, debounce_ms=50)
    qtbot.addWidget(widget)
    widget.show()
    return widget


def test_typing_searches_the_shipped_knowledge_base_and_shows_the_best_hit(qtbot, panel, knowledge) -> None:
    type_into(panel.search_box, "公积金提取")
    qtbot.waitUntil(lambda: len(panel.hits) > 0)
    assert panel.hits[0].entry_id == "cs-hf-withdraw"
    assert panel.results.currentRow() == 0
    entry = knowledge.index.get("cs-hf-withdraw")
    assert entry.answer in panel.answer_view.toPlainText()
    assert panel.insert_button.isEnabled()
    assert "找到" in panel.status.text()
    # searched on the store's reader thread, never on the Qt thread
    assert knowledge.threads and all(name.startswith("store-reader") for name in knowledge.threads)


def test_typing_quickly_searches_once_after_the_pause(qtbot, panel, knowledge) -> None:
    type_into(panel.search_box, "社保转移")  # four characters inside the debounce interval
    qtbot.waitUntil(lambda: len(panel.hits) > 0)
    assert knowledge.queries == ["社保转移"]
    assert panel.hits[0].entry_id == "cs-si-transfer"


def test_the_insert_button_and_enter_emit_the_answer_for_the_form(qtbot, panel, knowledge) -> None:
    panel.search("租房提取公积金")
    qtbot.waitUntil(lambda: len(panel.hits) > 0)
    first = panel.hits[0]
    with qtbot.waitSignal(panel.insert_requested) as clicked:
        qtbot.mouseClick(panel.insert_button, Qt.MouseButton.LeftButton)
    assert clicked.args == [first.entry_id, knowledge.index.get(first.entry_id).answer]
    # without the mouse: Down to the hits, Down to the next hit, Enter inserts it
    panel.search_box.setFocus()
    qtbot.keyClick(panel.search_box, Qt.Key.Key_Down)
    assert panel.results.hasFocus()
    qtbot.keyClick(panel.results, Qt.Key.Key_Down)
    second = panel.hits[1]
    with qtbot.waitSignal(panel.insert_requested) as entered:
        qtbot.keyClick(panel.results, Qt.Key.Key_Return)
    assert entered.args == [second.entry_id, second.answer]
    assert second.answer == knowledge.index.get(second.entry_id).answer


def test_a_stale_result_for_an_older_query_is_dropped(qtbot, panel, knowledge) -> None:
    old = knowledge.hold("公积金贷款")
    new = knowledge.hold("灵活就业养老保险")
    panel.search("公积金贷款")
    panel.search("灵活就业养老保险")
    new.set()
    qtbot.waitUntil(lambda: len(panel.hits) > 0)
    assert panel.hits[0].entry_id == "cs-si-flexible"
    old.set()  # the older query answers last
    qtbot.waitUntil(knowledge.futures[0].done)
    assert knowledge.futures[0].result()[0].entry.entry_id == "cs-hf-loan"  # it did answer, with other hits
    qtbot.wait(100)  # let the older answer's queued signal arrive
    assert panel.hits[0].entry_id == "cs-si-flexible"


def test_the_search_never_blocks_the_qt_thread(qtbot, panel, knowledge) -> None:
    gate = knowledge.hold("办理退休")
    panel.search("办理退休")  # returns while the store has not answered
    assert panel.status.text() == "检索中…"
    assert panel.hits == ()
    gate.set()
    qtbot.waitUntil(lambda: len(panel.hits) > 0)
    assert panel.hits[0].entry_id == "cs-si-pension"


def test_no_hit_and_a_failing_store_are_said_and_an_empty_box_clears(qtbot, panel, knowledge) -> None:
    panel.search("公积金提取")
    qtbot.waitUntil(lambda: len(panel.hits) > 0)
    panel.search("xyzzy")
    qtbot.waitUntil(lambda: "未找到" in panel.status.text())
    assert panel.hits == () and panel.results.count() == 0 and not panel.insert_button.isEnabled()
    knowledge.fail = True
    panel.search("公积金提取")
    qtbot.waitUntil(lambda: panel.status.text() == "知识库检索失败")
    knowledge.fail = False
    panel.search("公积金提取")
    qtbot.waitUntil(lambda: len(panel.hits) > 0)
    panel.search("")
    assert panel.hits == () and panel.answer_view.toPlainText() == ""


def test_the_windows_shortcut_lands_in_the_search_box_with_its_text_selected(qtbot, panel) -> None:
    panel.search_box.setText("公积金")
    panel.results.setFocus()
    panel.focus_search()
    assert panel.search_box.hasFocus() and panel.search_box.selectedText() == "公积金"
