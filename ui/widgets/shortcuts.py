"""Every keyboard shortcut of the desk window, in one table, and the F1 sheet that lists them.

The window builds one `QAction` per entry (so the key works wherever the focus is in the window) and the help
sheet is generated from the same table, so a key cannot be bound without being listed. Texts are the source
language (zh_CN) and go through Qt's translation at display ("Shortcuts" context).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ui.domain_text import bracketed
from ui.qt import QCoreApplication, QtWidgets


class Command(StrEnum):
    HELP = "help"
    HOLD_OR_RESUME = "hold_or_resume"
    TRANSFER = "transfer"
    THREE_WAY = "three_way"
    LEAVE_CONFERENCE = "leave_conference"
    HANG_UP = "hang_up"
    CALLBACK = "callback"
    LOG_IN_OUT = "log_in_out"
    PAUSE = "pause"
    READY = "ready"
    ACCEPT_SUGGESTION = "accept_suggestion"
    ACCEPT_ALL = "accept_all"
    SAVE = "save"
    DISPATCH = "dispatch"
    NOT_ACCEPT = "not_accept"
    REPLY_DIRECTLY = "reply_directly"
    PROMISE_REPLY = "promise_reply"
    URGENT = "urgent"
    ANONYMOUS = "anonymous"
    DISCARD = "discard"
    FOCUS_FORM = "focus_form"
    FOCUS_KNOWLEDGE = "focus_knowledge"
    FOCUS_TASKS = "focus_tasks"
    RECORD_REVISIT = "record_revisit"
    PLAY_RECORDING = "play_recording"


@dataclass(frozen=True, slots=True)
class Shortcut:
    command: Command
    key: str  # QKeySequence's portable text
    group: str
    text: str  # zh_CN source text


CALL, SEAT, FORM, MOVE, TASKS = "通话", "坐席", "工单", "导航", "待办"

SHORTCUTS: tuple[Shortcut, ...] = (
    Shortcut(Command.HELP, "F1", MOVE, "显示全部快捷键"),
    Shortcut(Command.HOLD_OR_RESUME, "F2", CALL, "保持 / 恢复"),
    Shortcut(Command.TRANSFER, "F3", CALL, "转接(盲转)"),
    Shortcut(Command.THREE_WAY, "F4", CALL, "三方通话(选择承办单位)"),
    Shortcut(Command.LEAVE_CONFERENCE, "F6", CALL, "退出三方"),
    Shortcut(Command.HANG_UP, "F8", CALL, "挂断"),
    Shortcut(Command.CALLBACK, "F9", CALL, "回拨本单诉求人"),
    Shortcut(Command.LOG_IN_OUT, "Ctrl+F12", SEAT, "签入 / 签出"),
    Shortcut(Command.PAUSE, "F7", SEAT, "小休(按所选原因)"),
    Shortcut(Command.READY, "F10", SEAT, "就绪(结束小休或话后处理)"),
    Shortcut(Command.ACCEPT_SUGGESTION, "Ctrl+Return", FORM, "采纳当前字段的建议"),
    Shortcut(Command.ACCEPT_ALL, "Ctrl+Shift+Return", FORM, "采纳全部建议(不覆盖已填写的字段)"),
    Shortcut(Command.SAVE, "Ctrl+S", FORM, "保存工单(受理中)"),
    Shortcut(Command.DISPATCH, "Ctrl+D", FORM, "派单(主办单位与协办单位)"),
    Shortcut(Command.NOT_ACCEPT, "Ctrl+N", FORM, "不予受理(须选择第十三条理由)"),
    Shortcut(Command.REPLY_DIRECTLY, "Ctrl+R", FORM, "直接答复(知识库答案)"),
    Shortcut(Command.PROMISE_REPLY, "Ctrl+P", FORM, "承诺1个工作日内回复"),
    Shortcut(Command.URGENT, "Ctrl+U", FORM, "紧急标记"),
    Shortcut(Command.ANONYMOUS, "Ctrl+M", FORM, "诉求人要求保密(匿名)"),
    Shortcut(Command.DISCARD, "Ctrl+Shift+Delete", FORM, "放弃草稿(通话结束后)"),
    Shortcut(Command.FOCUS_FORM, "Ctrl+1", MOVE, "转到工单第一栏"),
    Shortcut(Command.FOCUS_KNOWLEDGE, "Ctrl+K", MOVE, "转到知识库搜索"),
    Shortcut(Command.FOCUS_TASKS, "Ctrl+J", MOVE, "转到我的任务"),
    Shortcut(Command.RECORD_REVISIT, "Ctrl+H", TASKS, "人工回访:转到结果 / 记录评价与情况"),
    Shortcut(Command.PLAY_RECORDING, "Ctrl+L", TASKS, "人工回访:本机播放自动回访录音"),
)
assert len({s.key for s in SHORTCUTS}) == len(SHORTCUTS), "one key, one command"
assert {s.command for s in SHORTCUTS} == set(Command), "every command has its key"

BY_COMMAND = {s.command: s for s in SHORTCUTS}


@dataclass(frozen=True, slots=True)
class LocalKey:
    """A key one widget handles itself while it has the focus (bound there, listed here for F1)."""

    key: str
    group: str
    place: str  # zh_CN source text: where the key works
    text: str  # zh_CN source text


# The task list takes Ctrl+Return for itself (a ShortcutOverride, ui/widgets/tasks.py): there it calls back, and
# the window's "accept the suggestion" does not fire; anywhere else the window's key holds.
LOCAL_KEYS: tuple[LocalKey, ...] = (
    LocalKey("Return", TASKS, "我的任务列表", "查看所选工单的工作流转单"),
    LocalKey("Ctrl+Return", TASKS, "我的任务列表", "回拨所选待办的诉求人(在列表中代替“采纳建议”)"),
    LocalKey("Return", TASKS, "回访情况栏", "记录回访结果"),
)


def key_of(command: Command) -> str:
    return BY_COMMAND[command].key


def translated(text: str) -> str:
    return QCoreApplication.translate("Shortcuts", text)


class ShortcutSheet(QtWidgets.QDialog):
    """The F1 sheet: every shortcut by group. Not modal: the calls go on behind it."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("shortcutSheet")
        self.setWindowTitle(self.tr("快捷键"))
        self.setModal(False)
        rows = [(translated(s.group), s.key, translated(s.text)) for s in SHORTCUTS]
        # the keys a widget keeps for itself, with the place they work in ("Ctrl+Return(我的任务列表)")
        rows += [(translated(k.group), k.key + bracketed(translated(k.place)),
                  translated(k.text)) for k in LOCAL_KEYS]
        self.table = QtWidgets.QTableWidget(len(rows), 3, self)
        self.table.setHorizontalHeaderLabels([self.tr("类别"), self.tr("按键"), self.tr("操作")])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        for row, texts in enumerate(rows):
            for column, text in enumerate(texts):
                self.table.setItem(row, column, QtWidgets.QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setStretchLastSection(True)
        close = QtWidgets.QPushButton(self.tr("关闭 (Esc)"), self)
        close.clicked.connect(self.close)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(close)
        self.resize(560, 640)

    def texts(self) -> list[tuple[str, str]]:
        return [(self.table.item(r, 1).text(), self.table.item(r, 2).text()) for r in range(self.table.rowCount())]
