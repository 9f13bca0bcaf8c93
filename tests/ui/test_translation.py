"""An English window is a translation file away: with resources/ui/i18n/agent_desktop_en.qm installed the same
widgets speak English; without it (the source language) they speak Chinese."""

from __future__ import annotations

from ui.main_window import MainWindow
from ui.qt import QCoreApplication
from ui.theme import install_translation


def test_the_english_translation_changes_the_visible_text(qapp, qtbot) -> None:
    chinese = MainWindow(lambda event: None, seat="1001")
    qtbot.addWidget(chinese)
    assert chinese.call_bar.hold_button.text().startswith("保持")
    translator = install_translation(qapp, "en")
    assert translator is not None
    try:
        english = MainWindow(lambda event: None, seat="1001")
        qtbot.addWidget(english)
        assert english.call_bar.hold_button.text().startswith("Hold")
        assert english.windowTitle() == "Hotline agent desktop — seat 1001"
        assert english.status.login_button.text() == "Log in"
        # the strings the first translation left open: the picker, the form's actions, the status bar, the warnings
        assert english.picker.filter.placeholderText() == "Type a unit's name or number to filter"
        assert english.status.seat_label.text() == "Seat 1001 · phone —"
        assert english.warnings.text() == "Warnings 0"
    finally:
        QCoreApplication.removeTranslator(translator)


def test_the_source_language_needs_no_file(qapp) -> None:
    assert install_translation(qapp, "zh_CN") is None
