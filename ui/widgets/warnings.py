"""The centre's early warnings (第33条) in the status bar: a small button with the count of those not seen yet, and
on click a list beside it (non-modal: calls and typing go on). Choosing a warning marks it seen.

Renders a tuple of `sync.local_store.CentreWarning`-like values (warning_id, severity, text, order_ids, due, seen);
emits `seen_requested(warning_id)`. The values come from the bridge; nothing here reads the store.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ui.domain_text import listed
from ui.qt import Qt, QtWidgets, Signal

_SEVERITY_ORDER = {"critical": 0, "warning": 1, "info": 2}  # core.early_warning.Severity values


def _severity_rank(warning: Any) -> int:
    return _SEVERITY_ORDER.get(str(getattr(warning, "severity", "")).casefold(), 2)


class WarningsList(QtWidgets.QFrame):
    """The warnings, newest first, unseen ones in bold; a click (or Return) on one marks it seen."""

    seen_requested = Signal(str)

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Tool)
        self.setObjectName("warningsList")
        # shown beside the bar without taking the keyboard: the window's shortcuts stay live while it is open
        self.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
        self.setWindowTitle(self.tr("中心预警(第33条)"))
        self.list = QtWidgets.QListWidget(self)
        self.list.setWordWrap(True)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.list)
        self.list.itemActivated.connect(self._chosen)
        self.list.itemClicked.connect(self._chosen)
        self.resize(420, 280)

    def show_warnings(self, warnings: Sequence[Any]) -> None:
        self.list.clear()
        for warning in warnings:
            orders = listed(getattr(warning, "order_ids", ()) or ())
            due = getattr(warning, "due", None)
            line = warning.text
            if orders:
                line += "\n" + self.tr("工单 %1").replace("%1", orders)
            if due is not None:
                line += " · " + self.tr("期限 %1").replace("%1", due.strftime("%Y-%m-%d %H:%M"))
            item = QtWidgets.QListWidgetItem(line, self.list)
            item.setData(Qt.ItemDataRole.UserRole, warning.warning_id)
            font = item.font()
            font.setBold(not warning.seen)
            item.setFont(font)

    def _chosen(self, item: QtWidgets.QListWidgetItem) -> None:
        warning_id = item.data(Qt.ItemDataRole.UserRole)
        if warning_id:
            self.seen_requested.emit(str(warning_id))


class WarningsIndicator(QtWidgets.QToolButton):
    """"预警 N" (N: not seen yet); hidden while the desk holds no warning."""

    seen_requested = Signal(str)

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("warningsIndicator")
        self.setToolTip(self.tr("中心的预警(第33条),点击查看"))
        self.popup = WarningsList(self)
        self.popup.seen_requested.connect(self.seen_requested)
        self.clicked.connect(self.toggle_list)
        self._warnings: tuple[Any, ...] = ()
        self.show_warnings(())

    @property
    def unseen(self) -> int:
        return sum(not w.seen for w in self._warnings)

    def show_warnings(self, warnings: Sequence[Any]) -> None:
        ordered = sorted(warnings, key=lambda w: (w.seen, _severity_rank(w)))
        self._warnings = tuple(ordered)
        self.setText(self.tr("预警 %1").replace("%1", str(self.unseen)))
        level = "bad" if self.unseen else "ok"
        if self.property("level") != level:
            self.setProperty("level", level)
            self.style().unpolish(self)
            self.style().polish(self)
        self.setVisible(bool(self._warnings))
        self.popup.show_warnings(self._warnings)

    def toggle_list(self) -> None:
        if self.popup.isVisible():
            self.popup.hide()
            return
        corner = self.mapToGlobal(self.rect().topLeft())
        self.popup.move(max(0, corner.x() - self.popup.width() + self.width()),
                        max(0, corner.y() - self.popup.height()))
        self.popup.show()
