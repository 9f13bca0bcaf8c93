"""The knowledge-base panel (信息库, 第16条(一)): search as you type, offline, and put a hit's answer into the reply.

The search runs in the seat's local store (its FTS index of the knowledge base), never on the Qt thread: the panel
asks `source.search_knowledge(query, limit)` for a `concurrent.futures.Future` (the seat desk's reader threads
resolve it) and gets the result back by a queued signal. Typing restarts a short timer (`debounce_ms`), so a word
typed quickly is searched once; every search is numbered and a result for an older query than the latest is
dropped, so a slow search can never paint over a newer one.

A hit is read duck-typed (the seat desk's `KnowledgeHit`, or the store's `KbHit`): `entry.entry_id` (or
`entry_id`), `content.question` / `content.answer` (or `question` / `answer`), `entry.unit`, `snippet`.

Signals: `insert_requested(entry_id, text)` — the agent wants this answer in the order's answer (直接答复); the
window connects it to the form. Keys: Enter in the search box or on a hit inserts the selected answer; Down moves
from the box to the hits.
"""

from __future__ import annotations

import contextlib
import logging
from concurrent.futures import CancelledError, Future
from dataclasses import dataclass
from typing import Any, Protocol

from ui.qt import QEvent, QObject, Qt, QTimer, QtWidgets, Signal, Slot

log = logging.getLogger(__name__)

DEFAULT_DEBOUNCE_MS = 250
DEFAULT_LIMIT = 10


class KnowledgeSource(Protocol):
    def search_knowledge(self, query: str, limit: int = DEFAULT_LIMIT) -> Future[list[Any]]: ...


@dataclass(frozen=True, slots=True)
class ShownHit:
    """What the panel shows of one hit."""

    entry_id: str
    question: str
    answer: str
    unit: str
    snippet: str


def shown_hit(hit: Any) -> ShownHit:
    entry = getattr(hit, "entry", None)
    content = getattr(hit, "content", None) or entry
    entry_id = getattr(hit, "entry_id", None) or getattr(entry, "entry_id", "")
    question = getattr(content, "question", None) or getattr(hit, "question", "")
    answer = getattr(content, "answer", None) or getattr(hit, "answer", "")
    unit = getattr(entry, "unit", None) or getattr(hit, "unit", "") or ""
    return ShownHit(str(entry_id), str(question), str(answer), str(unit), str(getattr(hit, "snippet", "") or ""))


class KnowledgePanel(QtWidgets.QWidget):
    insert_requested = Signal(str, str)  # entry id, the answer's text
    # (search number, query, future): emitted from whichever thread resolved the future, delivered queued
    _result_ready = Signal(int, str, object)

    def __init__(self, source: KnowledgeSource | None = None, parent: QtWidgets.QWidget | None = None, *,
                 debounce_ms: int = DEFAULT_DEBOUNCE_MS, limit: int = DEFAULT_LIMIT) -> None:
        super().__init__(parent)
        self.setObjectName("knowledgePanel")
        self._source = source
        self._limit = limit
        self._searches = 0  # the number of the latest search asked for
        self._pending: Future[list[Any]] | None = None
        self._hits: tuple[ShownHit, ...] = ()

        self.search_box = QtWidgets.QLineEdit(self)
        self.search_box.setObjectName("knowledgeSearch")
        self.search_box.setPlaceholderText(self.tr("搜索知识库(输入关键词)"))
        self.search_box.setClearButtonEnabled(True)
        self.status = QtWidgets.QLabel(self)
        self.status.setObjectName("knowledgeStatus")
        self.results = QtWidgets.QListWidget(self)
        self.results.setObjectName("knowledgeResults")
        self.results.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.SingleSelection)
        self.answer_view = QtWidgets.QTextBrowser(self)
        self.answer_view.setObjectName("knowledgeAnswer")
        self.answer_view.setOpenLinks(False)
        # before a search the panel says what it is for, rather than two empty boxes
        self.answer_view.setPlaceholderText(self.tr("输入关键词即可搜索(离线);↑↓ 选择条目,Enter 插入答复"))
        self.insert_button = QtWidgets.QPushButton(self.tr("插入答复"), self)
        self.insert_button.setObjectName("knowledgeInsert")
        self.insert_button.setToolTip(self.tr("把所选条目的答复内容填入工单的答复栏(Enter)"))
        self.insert_button.setEnabled(False)

        buttons = QtWidgets.QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.insert_button)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.search_box)
        layout.addWidget(self.results, 2)
        layout.addWidget(self.answer_view, 3)
        layout.addLayout(buttons)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(debounce_ms)
        self._debounce.timeout.connect(self._search_now)
        self.search_box.textChanged.connect(self._on_text_changed)
        self.search_box.returnPressed.connect(self._insert_selected)
        self.search_box.installEventFilter(self)
        self.results.currentRowChanged.connect(self._show_row)
        self.results.itemActivated.connect(lambda _item: self._insert_selected())
        self.insert_button.clicked.connect(self._insert_selected)
        self._result_ready.connect(self._on_result, Qt.ConnectionType.QueuedConnection)

    # --- what tests and the window read ----------------------------------------------------------------------

    @property
    def hits(self) -> tuple[ShownHit, ...]:
        return self._hits

    @property
    def latest_search(self) -> int:
        return self._searches

    def set_source(self, source: KnowledgeSource | None) -> None:
        self._source = source

    def focus_search(self) -> None:
        """The window's shortcut to the knowledge base lands in the search box, its text selected."""
        self.search_box.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_box.selectAll()

    # --- slots ------------------------------------------------------------------------------------------------

    @Slot(str)
    def search(self, text: str) -> None:
        """Put `text` in the box and search it at once (e.g. words picked from the transcript)."""
        self.search_box.setText(text)
        self._debounce.stop()
        self._search_now()

    @Slot(str)
    def _on_text_changed(self, _text: str) -> None:
        self._debounce.start()

    @Slot()
    def _search_now(self) -> None:
        query = self.search_box.text().strip()
        self._searches += 1
        number = self._searches
        if self._pending is not None:
            self._pending.cancel()  # not started yet: never run it; running: its result is dropped below
            self._pending = None
        if not query:
            self._show_hits(())
            self.status.setText("")
            return
        if self._source is None:
            self.status.setText(self.tr("知识库未就绪"))
            return
        self.status.setText(self.tr("检索中…"))
        try:
            future = self._source.search_knowledge(query, self._limit)
        except Exception as exc:
            log.warning("knowledge search refused: %s", exc)
            self.status.setText(self.tr("知识库检索失败"))
            return
        self._pending = future
        future.add_done_callback(lambda done, n=number, q=query: self._deliver(n, q, done))

    def _deliver(self, number: int, query: str, future: Future[list[Any]]) -> None:
        # runs on the thread that resolved the future (or here, if it was already done): only emit
        with contextlib.suppress(RuntimeError):  # the panel was deleted meanwhile: nobody to tell
            self._result_ready.emit(number, query, future)

    @Slot(int, str, object)
    def _on_result(self, number: int, query: str, future: Future[list[Any]]) -> None:
        if number != self._searches:
            return  # an older query's answer: a newer search is on its way
        self._pending = None
        try:
            hits = future.result(timeout=0)
        except CancelledError:
            return
        except Exception as exc:
            log.warning("knowledge search failed: %s", exc)
            self.status.setText(self.tr("知识库检索失败"))
            return
        self._show_hits(tuple(shown_hit(h) for h in hits))
        if self._hits:
            self.status.setText(self.tr("找到 %n 条", "", len(self._hits)))
        else:
            self.status.setText(self.tr("未找到“%1”的相关条目").replace("%1", query))

    def _show_hits(self, hits: tuple[ShownHit, ...]) -> None:
        self._hits = hits
        self.results.clear()
        for hit in hits:
            item = QtWidgets.QListWidgetItem(hit.question + (f"  [{hit.unit}]" if hit.unit else ""))
            item.setToolTip(hit.snippet or hit.answer[:120])
            self.results.addItem(item)
        if hits:
            self.results.setCurrentRow(0)
        else:
            self._show_row(-1)

    @Slot(int)
    def _show_row(self, row: int) -> None:
        if 0 <= row < len(self._hits):
            hit = self._hits[row]
            self.answer_view.setPlainText(f"{hit.question}\n\n{hit.answer}")
            self.insert_button.setEnabled(True)
        else:
            self.answer_view.clear()
            self.insert_button.setEnabled(False)

    @Slot()
    def _insert_selected(self) -> None:
        row = self.results.currentRow()
        if 0 <= row < len(self._hits):
            hit = self._hits[row]
            self.insert_requested.emit(hit.entry_id, hit.answer)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if watched is self.search_box and event.type() == QEvent.Type.KeyPress and \
                event.key() == Qt.Key.Key_Down and self.results.count():
            self.results.setFocus()
            return True
        return super().eventFilter(watched, event)
