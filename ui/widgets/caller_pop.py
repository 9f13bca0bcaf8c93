"""The caller pop, shown as soon as a call is offered (before the answer): the number and name (masked at once when
the caller asks for confidentiality, 第15条), flags — repeat caller 第13条(六), frequent caller and harassment 第41条,
anonymous — and the number's earlier orders with their states. Emits `anonymity_requested(call_id)`.
"""

from __future__ import annotations

from agent_desktop.desk import Call
from ui.qt import QCoreApplication, Qt, QtWidgets, Signal
from ui.widgets.shortcuts import Command, key_of


def _t(text: str) -> str:
    return QCoreApplication.translate("Domain", text)


class CallerPopView(QtWidgets.QFrame):
    anonymity_requested = Signal(str)

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("callerPop")
        self.title = QtWidgets.QLabel(self.tr("来电信息"), self)
        self.title.setObjectName("panelTitle")
        self.number_label = QtWidgets.QLabel("", self)
        self.number_label.setObjectName("popNumber")
        self.number_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.name_label = QtWidgets.QLabel("", self)
        self.name_label.setObjectName("popName")
        self.flags_label = QtWidgets.QLabel("", self)
        self.flags_label.setObjectName("popFlags")
        self.flags_label.setWordWrap(True)
        self.anonymous_button = QtWidgets.QPushButton(self.tr("要求保密  %1").replace("%1", key_of(Command.ANONYMOUS)),
                                                      self)
        self.anonymous_button.clicked.connect(self.request_anonymity)
        self.orders = QtWidgets.QTableWidget(0, 4, self)
        self.orders.setObjectName("earlierOrders")
        self.orders.setHorizontalHeaderLabels([self.tr("工单号"), self.tr("日期"), self.tr("状态"), self.tr("摘要")])
        self.orders.verticalHeader().hide()
        self.orders.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.orders.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
        header = self.orders.horizontalHeader()
        for column in range(3):
            header.setSectionResizeMode(column, QtWidgets.QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QtWidgets.QHeaderView.ResizeMode.Stretch)
        self.orders.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.orders.setWordWrap(False)
        self.orders.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        head = QtWidgets.QHBoxLayout()
        head.addWidget(self.title)
        head.addStretch(1)
        head.addWidget(self.anonymous_button)
        who = QtWidgets.QHBoxLayout()
        who.addWidget(self.number_label)
        who.addWidget(self.name_label)
        who.addStretch(1)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.addLayout(head)
        layout.addLayout(who)
        layout.addWidget(self.flags_label)
        self.history_label = QtWidgets.QLabel(self.tr("该号码的历史工单"), self)
        self.history_label.setObjectName("subTitle")
        layout.addWidget(self.history_label)
        layout.addWidget(self.orders, 1)
        self._call: Call | None = None
        self.show_call(None)

    def request_anonymity(self) -> None:
        if self._call is not None and not self._call.anonymous:
            self.anonymity_requested.emit(self._call.call_id)

    def flag_texts(self) -> list[str]:
        call = self._call
        if call is None:
            return []
        pop = call.pop
        flags = []
        if pop.anonymous:
            flags.append(self.tr("匿名(第十五条)"))
        if pop.is_repeat_caller:
            flags.append(self.tr("重复来电:有在办工单(第十三条第六项)"))
        if pop.is_frequent_caller:
            flags.append(self.tr("频繁来电(第四十一条)"))
        if pop.is_marked_harassing:
            flags.append(self.tr("骚扰标记(第四十一条)"))
        return flags

    def show_call(self, call: Call | None) -> None:
        self._call = call
        self.anonymous_button.setEnabled(call is not None and not call.anonymous)
        if call is None:
            self.number_label.setText(self.tr("无来电"))
            self.name_label.setText("")
            self.flags_label.setText("")
            self.flags_label.hide()
            self.orders.setRowCount(0)
            return
        pop = call.pop
        self.number_label.setText(pop.shown_number or self.tr("未知号码"))
        self.name_label.setText(pop.shown_name)
        flags = self.flag_texts()
        self.flags_label.setText("  ·  ".join(flags))
        self.flags_label.setVisible(bool(flags))
        level = "anonymous" if pop.anonymous else ("warn" if flags else "none")
        if self.flags_label.property("level") != level:
            self.flags_label.setProperty("level", level)
            self.flags_label.style().unpolish(self.flags_label)
            self.flags_label.style().polish(self.flags_label)
        earlier = pop.earlier_orders
        if pop.flags is None:
            self.history_label.setText(self.tr("该号码的历史工单(查询中…)"))
        else:
            self.history_label.setText(self.tr("该号码的历史工单(%1 件)").replace("%1", str(len(earlier))))
        self.orders.setRowCount(len(earlier))
        for row, order in enumerate(earlier):
            summary = order.summary
            if order.category is not None:
                summary = f"[{_t(order.category.zh)}] {summary}"
            cells = (order.order_id, order.created_at.strftime("%Y-%m-%d"), _t(order.state.zh), summary)
            for column, text in enumerate(cells):
                item = QtWidgets.QTableWidgetItem(text)
                item.setToolTip(text)
                self.orders.setItem(row, column, item)
