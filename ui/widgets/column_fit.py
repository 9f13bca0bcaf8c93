"""Fit a side panel's table into its width: no sideways scrolling on a 1366×768 screen.

A side panel is about 420 px wide at 1366×768; its tables have more to say than that. `ColumnFit` sizes the columns
every time the viewport or the rows change: the short columns the agent scans (kind, deadline, time left) keep
their content's width, the elastic ones share what is left by weight (the description most), and when even that
does not fit the elastic ones are cut down to their minimum, then the columns marked `droppable` are hidden
(their text stays in the row's tooltip), then the fixed columns give way, those marked `essential` last. Cut text
is elided ("…"); the models give the full text as a tooltip.

The agent may still drag a column wider: the fit runs again on the next resize or refresh.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ui.qt import QEvent, QObject, Qt, QtWidgets

MIN_ELASTIC_PX = 56
MIN_FIXED_PX = 36
MAX_FIXED_PX = 180  # no single "short" column may take half the panel


class ColumnFit(QObject):
    """Keeps `view`'s columns within its viewport. `fixed`: columns sized to their content (capped);
    `elastic`: column → weight, sharing the rest; `droppable`: columns hidden, in this order, when the rest cannot
    fit; `essential`: fixed columns cut last (after every other one)."""

    def __init__(self, view: QtWidgets.QTableView, *, elastic: Mapping[int, int],
                 droppable: Sequence[int] = (), essential: Sequence[int] = (),
                 max_fixed_px: int = MAX_FIXED_PX) -> None:
        super().__init__(view)
        self._view = view
        self._elastic = dict(elastic)
        self._droppable = tuple(droppable)
        self._essential = frozenset(essential)
        self._max_fixed = max_fixed_px
        self._fitting = False
        header = view.horizontalHeader()
        header.setSectionResizeMode(QtWidgets.QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        header.setMinimumSectionSize(MIN_FIXED_PX)
        view.setTextElideMode(Qt.TextElideMode.ElideRight)
        view.viewport().installEventFilter(self)
        model = view.model()
        for signal in (model.modelReset, model.layoutChanged, model.rowsInserted, model.rowsRemoved,
                       model.dataChanged, model.headerDataChanged):
            signal.connect(self.fit)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if event.type() == QEvent.Type.Resize:
            self.fit()
        return False

    def _wanted(self, column: int) -> int:
        view = self._view
        header = view.horizontalHeader()
        # sizeHintForColumn reads the rows in view: enough for a panel of a few dozen rows
        return max(header.sectionSizeHint(column), view.sizeHintForColumn(column)) + 6

    def fit(self, *_args: object) -> None:
        if self._fitting:
            return
        self._fitting = True
        try:
            self._fit()
        finally:
            self._fitting = False

    def _fit(self) -> None:
        view, header = self._view, self._view.horizontalHeader()
        count = header.count()
        available = view.viewport().width()
        if count == 0 or available <= 0:
            return
        wanted = {c: self._wanted(c) for c in range(count)}
        elastic = {c: w for c, w in self._elastic.items() if c < count}
        fixed = {c: min(wanted[c], self._max_fixed) for c in range(count) if c not in elastic}
        least = {c: min(MIN_ELASTIC_PX, wanted[c]) for c in elastic}
        hidden: set[int] = set()

        def needed() -> int:
            return sum(w for c, w in fixed.items() if c not in hidden) + sum(
                w for c, w in least.items() if c not in hidden)

        for column in self._droppable:  # hide only while the rest cannot fit at its minimum
            if needed() <= available:
                break
            if column < count:
                hidden.add(column)
        shown_fixed = {c: w for c, w in fixed.items() if c not in hidden}
        shown_elastic = {c: weight for c, weight in elastic.items() if c not in hidden}
        over = needed() - available
        # still too wide: the fixed columns give way, the ones not marked essential first (their text is elided)
        for group in ([c for c in shown_fixed if c not in self._essential], list(shown_fixed)):
            if over <= 0:
                break
            spare = sum(max(0, shown_fixed[c] - MIN_FIXED_PX) for c in group)
            if spare <= 0:
                continue
            cut = min(over, spare)
            for c in group:
                share = cut * max(0, shown_fixed[c] - MIN_FIXED_PX) // spare
                shown_fixed[c] -= share
                over -= share
        widths = dict(shown_fixed)
        left = available - sum(shown_fixed.values())
        if shown_elastic:
            widths.update(self._share(left, shown_elastic, least, wanted))
        elif shown_fixed and left > 0:  # nothing elastic: the last shown column takes the slack
            widths[max(shown_fixed, key=header.visualIndex)] += left
        for column in range(count):
            header.setSectionHidden(column, column in hidden)
            if column in widths:
                header.resizeSection(column, widths[column])
        if view.wordWrap():  # wrapped cells grow or shrink with their column
            view.resizeRowsToContents()

    @staticmethod
    def _share(room: int, weights: dict[int, int], least: dict[int, int], wanted: dict[int, int]) -> dict[int, int]:
        """`room` shared by weight above each column's minimum; a column whose text needs less than its share (an
        empty note) takes what it needs and leaves the rest to the others. The widths add up to `room`."""
        widths = {c: least[c] for c in weights}
        open_columns = dict(weights)
        slack = max(0, room - sum(widths.values()))
        while slack > 0 and open_columns:
            total = sum(open_columns.values())
            capped = {c for c in open_columns if widths[c] + slack * open_columns[c] // total >= wanted[c]}
            if not capped:
                for c, weight in open_columns.items():
                    widths[c] += slack * weight // total
                break
            for c in capped:
                slack -= wanted[c] - widths[c]
                widths[c] = wanted[c]
                del open_columns[c]
        # what is left (rounding, or every column content) goes to the widest-weighted one: the row ends at the edge
        heaviest = max(weights, key=lambda c: (weights[c], -c))
        widths[heaviest] += room - sum(widths.values())
        widths[heaviest] = max(MIN_FIXED_PX, widths[heaviest])
        return widths

    def hidden_columns(self) -> list[int]:
        header = self._view.horizontalHeader()
        return [c for c in range(header.count()) if header.isSectionHidden(c)]
