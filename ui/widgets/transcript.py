"""The live transcript: final results in the normal colour, the current partial result in grey (replaced when its
final arrives). It follows the newest line unless the agent scrolled back to read, and highlights the words a
suggestion came from (`highlight(evidence)`) while the agent hovers or focuses that field.
"""

from __future__ import annotations

import html
import re

from agent_desktop.desk import Transcript, TranscriptSource
from ui.qt import QtCore, QtGui, QtWidgets


def evidence_pattern(evidence: str) -> str | None:
    """Vosk's Chinese text has spaces between words and the pre-fill quotes without them: match either way."""
    chars = [c for c in evidence if not c.isspace()]
    if not chars:
        return None
    return r"\s*".join(re.escape(c) for c in chars)


class TranscriptView(QtWidgets.QTextBrowser):
    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("transcript")
        self.setOpenLinks(False)
        self.setPlaceholderText(self.tr("通话开始后显示实时转写"))
        self._shown: Transcript | None = None
        self._evidence = ""

    @property
    def follows(self) -> bool:
        bar = self.verticalScrollBar()
        return bar.value() >= bar.maximum() - 4

    def show_transcript(self, transcript: Transcript | None) -> None:
        if transcript == self._shown:
            return
        follow = self.follows
        bar = self.verticalScrollBar()
        kept = bar.value()
        self._shown = transcript
        if transcript is None:
            self.clear()
            return
        lines = [f'<p class="final">{html.escape(line)}</p>' for line in transcript.finals]
        if transcript.partial:
            lines.append(f'<p style="color:#8a8f98">{html.escape(transcript.partial)}</p>')
        if transcript.source is TranscriptSource.DEMO_SCRIPT and lines:
            note = html.escape(self.tr("演示脚本文本(未安装中文识别模型)"))
            lines.insert(0, f'<p style="color:#8a6d1f;font-size:small">{note}</p>')
        self.setHtml("".join(lines))
        self._apply_highlight()
        if follow:
            bar.setValue(bar.maximum())
        else:
            bar.setValue(kept)

    def final_lines(self) -> tuple[str, ...]:
        return () if self._shown is None else self._shown.finals

    def partial_line(self) -> str:
        return "" if self._shown is None else self._shown.partial

    def highlight(self, evidence: str) -> None:
        self._evidence = evidence
        self._apply_highlight()

    def highlighted_texts(self) -> list[str]:
        return [s.cursor.selectedText() for s in self.extraSelections()]

    def _apply_highlight(self) -> None:
        selections = []
        pattern = evidence_pattern(self._evidence)
        if pattern is not None:
            document = self.document()
            regex = QtCore.QRegularExpression(pattern)
            cursor = document.find(regex, 0)
            fmt = QtGui.QTextCharFormat()
            fmt.setBackground(QtGui.QColor("#ffe8a3"))
            while not cursor.isNull():
                selection = QtWidgets.QTextEdit.ExtraSelection()
                selection.cursor = cursor
                selection.format = fmt
                selections.append(selection)
                cursor = document.find(regex, cursor)
        self.setExtraSelections(selections)
