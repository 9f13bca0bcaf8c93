"""Pick the number for a blind transfer or a three-way call: the unit directory filtered as you type, or a number
typed in. Opened with `open()` (window-modal, never `exec()`): the event loop and the calls go on behind it."""

from __future__ import annotations

from collections.abc import Sequence

from agent_desktop.desk import CallAction
from ui.qt import Qt, QtWidgets, Signal
from ui.values import DirectoryEntry


class NumberPicker(QtWidgets.QDialog):
    chosen = Signal(str, object, str)  # call id, CallAction, number

    def __init__(self, entries: Sequence[DirectoryEntry], parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("numberPicker")
        self.setModal(True)
        self._entries = tuple(entries)
        self._call_id = ""
        self._action = CallAction.THREE_WAY
        self.filter = QtWidgets.QLineEdit(self)
        self.filter.setPlaceholderText(self.tr("输入单位名称或号码筛选"))
        self.list = QtWidgets.QListWidget(self)
        self.number = QtWidgets.QLineEdit(self)
        self.number.setPlaceholderText(self.tr("号码"))
        buttons = QtWidgets.QDialogButtonBox(
            QtWidgets.QDialogButtonBox.StandardButton.Ok | QtWidgets.QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(self.filter)
        layout.addWidget(self.list, 1)
        form = QtWidgets.QFormLayout()
        form.addRow(self.tr("拨打号码"), self.number)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.filter.textChanged.connect(self._refill)
        self.filter.returnPressed.connect(self._accept)
        self.list.currentItemChanged.connect(self._picked)
        self.list.itemActivated.connect(lambda _: self._accept())
        self.resize(460, 420)
        self._refill("")
        self.finished.connect(self._give_back_the_keyboard)

    def ask(self, call_id: str, action: CallAction) -> None:
        self._call_id, self._action = call_id, action
        title = self.tr("三方通话:选择承办单位") if action is CallAction.THREE_WAY else self.tr("转接:选择号码")
        self.setWindowTitle(title)
        self.filter.clear()
        self.number.clear()
        self._refill("")
        self.open()
        self.filter.setFocus()

    def _give_back_the_keyboard(self, _result: int) -> None:
        # The window's shortcuts (F2, F8, F10 ...) work only in the active window: when this dialog closes, the
        # window is made active again rather than left to the platform (offscreen and some window managers
        # leave no window active, and the agent's keys would do nothing).
        window = self.parentWidget().window() if self.parentWidget() is not None else None
        if window is not None and window.isVisible():
            window.activateWindow()

    def _refill(self, text: str) -> None:
        text = text.strip()
        self.list.clear()
        for entry in self._entries:
            if not text or text in entry.name or text in entry.number:
                item = QtWidgets.QListWidgetItem(entry.label, self.list)
                item.setData(Qt.ItemDataRole.UserRole, entry.number)
        if self.list.count():
            self.list.setCurrentRow(0)
        elif text.replace("-", "").isdigit():
            self.number.setText(text)

    def _picked(self, item: QtWidgets.QListWidgetItem | None) -> None:
        if item is not None and item.data(Qt.ItemDataRole.UserRole):
            self.number.setText(item.data(Qt.ItemDataRole.UserRole))

    def _accept(self) -> None:
        number = self.number.text().strip()
        if not number:
            self.number.setFocus()
            return
        self.accept()
        self.chosen.emit(self._call_id, self._action, number)
