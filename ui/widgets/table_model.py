"""A read-only table of immutable rows: what the side panels' models share (rows replaced whole, selectable cells,
column headers from the subclass). Subclasses give `COLUMNS`, `headers()` and `data()`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ui.qt import Qt, QtCore


class RowsModel(QtCore.QAbstractTableModel):
    COLUMNS: tuple[str, ...] = ()

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: tuple[Any, ...] = ()

    def headers(self) -> Sequence[str]:
        """The translated header of each column, in `COLUMNS` order."""
        return self.COLUMNS

    def _replace_rows(self, rows: tuple[Any, ...]) -> None:
        self.beginResetModel()
        self._rows = rows
        self.endResetModel()

    def _row_of(self, index: QtCore.QModelIndex | QtCore.QPersistentModelIndex) -> Any | None:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        if not 0 <= index.column() < len(self.COLUMNS):
            return None
        return self._rows[index.row()]

    def rowCount(self, parent: QtCore.QModelIndex | QtCore.QPersistentModelIndex = QtCore.QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QtCore.QModelIndex | QtCore.QPersistentModelIndex = QtCore.QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole or orientation != Qt.Orientation.Horizontal:
            return None
        if not 0 <= section < len(self.COLUMNS):
            return None
        return self.headers()[section]

    def flags(self, index: QtCore.QModelIndex | QtCore.QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
