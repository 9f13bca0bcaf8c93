"""The side panels (knowledge base, my tasks, an order's history) built by their own modules
(`ui/widgets/knowledge.py`, `tasks.py`, `history.py`). The window works without any of them: a panel whose module is
missing or does not take the desk shows a line saying so, and the log says why."""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass

from ui.qt import QtWidgets

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PanelSpec:
    key: str
    module: str
    class_name: str
    title: str  # zh_CN source text


PANELS = (
    PanelSpec("knowledge", "ui.widgets.knowledge", "KnowledgePanel", "知识库"),
    PanelSpec("tasks", "ui.widgets.tasks", "TasksPanel", "我的任务"),
    PanelSpec("history", "ui.widgets.history", "HistoryPanel", "工作流转单"),
)


def build_panel(spec: PanelSpec, desk: object | None, parent: QtWidgets.QWidget) -> tuple[QtWidgets.QWidget, bool]:
    """The panel, and whether it is the real one (False: a placeholder)."""
    if desk is None:
        return _placeholder(parent), False
    try:
        cls = getattr(importlib.import_module(spec.module), spec.class_name)
        return cls(desk, parent), True
    except (ImportError, AttributeError, TypeError) as exc:
        log.info("side panel %s not available: %s", spec.key, exc)
    return _placeholder(parent), False


def _placeholder(parent: QtWidgets.QWidget) -> QtWidgets.QWidget:
    label = QtWidgets.QLabel(QtWidgets.QApplication.translate("Panels", "此面板尚未安装"), parent)
    label.setObjectName("panelMissing")
    label.setWordWrap(True)
    return label
