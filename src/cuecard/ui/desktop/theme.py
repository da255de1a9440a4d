"""Light and dark themes: a few colours and one stylesheet that scales with the font size.

Sizes derive from ``ui.font_size`` so that one setting makes everything
readable at a glance; the talking points are the largest text on screen.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QColor, QPalette


@dataclass(frozen=True, slots=True)
class Theme:
    name: str
    window: str
    panel: str
    text: str
    muted: str
    accent: str
    border: str
    interviewer: str
    interviewer_partial: str
    you: str
    you_partial: str
    ok: str
    bad: str
    warn: str


DARK = Theme(
    name="dark", window="#16181d", panel="#20232b", text="#eef1f6", muted="#8d95a5",
    accent="#ffd166", border="#343946", interviewer="#5ec8f2", interviewer_partial="#3f7890",
    you="#7ee2a8", you_partial="#4a8463", ok="#3ddc84", bad="#ff5c5c", warn="#ffb347",
)  # fmt: skip
LIGHT = Theme(
    name="light", window="#f7f7f4", panel="#ffffff", text="#1b1e24", muted="#646b78",
    accent="#a35d00", border="#d5d8de", interviewer="#0b6aa2", interviewer_partial="#86b4cf",
    you="#16794a", you_partial="#8fc3a8", ok="#138a48", bad="#c62828", warn="#b26a00",
)  # fmt: skip
THEMES = {"dark": DARK, "light": LIGHT}


def theme_named(name: str) -> Theme:
    return THEMES.get(name, DARK)


def palette(theme: Theme) -> QPalette:
    pal = QPalette()
    roles = {
        QPalette.ColorRole.Window: theme.window,
        QPalette.ColorRole.Base: theme.panel,
        QPalette.ColorRole.AlternateBase: theme.window,
        QPalette.ColorRole.Text: theme.text,
        QPalette.ColorRole.WindowText: theme.text,
        QPalette.ColorRole.Button: theme.panel,
        QPalette.ColorRole.ButtonText: theme.text,
        QPalette.ColorRole.ToolTipBase: theme.panel,
        QPalette.ColorRole.ToolTipText: theme.text,
        QPalette.ColorRole.Highlight: theme.accent,
        QPalette.ColorRole.HighlightedText: theme.window,
        QPalette.ColorRole.PlaceholderText: theme.muted,
        QPalette.ColorRole.Link: theme.accent,
    }
    for role, colour in roles.items():
        pal.setColor(role, QColor(colour))
    return pal


def stylesheet(theme: Theme, font_px: int) -> str:
    small = max(9, round(font_px * 0.72))
    body = max(10, round(font_px * 0.85))
    big = round(font_px * 1.15)
    return f"""
    QWidget {{ color: {theme.text}; font-size: {body}px; }}
    QMainWindow, QDialog {{ background: {theme.window}; }}
    #card, #points {{ background: {theme.panel}; border: 1px solid {theme.border};
        border-radius: 8px; }}
    #questionKind {{ color: {theme.accent}; font-size: {small}px; font-weight: 600; }}
    #questionText {{ font-size: {font_px}px; font-weight: 600; }}
    #pointsText {{ font-size: {big}px; }}
    #answerStatus, #statusText, #hint {{ color: {theme.muted}; font-size: {small}px; }}
    #fuller {{ color: {theme.text}; font-size: {body}px; }}
    #transcript {{ background: {theme.panel}; border: 1px solid {theme.border};
        border-radius: 8px; font-size: {body}px; }}
    #statusBar {{ border-top: 1px solid {theme.border}; }}
    #statusBar QLabel {{ color: {theme.muted}; font-size: {small}px; }}
    #notice {{ color: {theme.text}; font-size: {body}px; border-radius: 6px; padding: 6px 10px;
        background: {theme.panel}; border: 2px solid {theme.warn}; }}
    #notice[level="error"] {{ border-color: {theme.bad}; }}
    #notice[level="info"] {{ border-color: {theme.border}; }}
    #notice[compact="true"] {{ padding: 1px 8px; font-size: {small}px; }}
    QToolButton, QPushButton {{ background: {theme.panel}; border: 1px solid {theme.border};
        border-radius: 6px; padding: 3px 6px; font-size: {small}px; }}
    QToolButton:hover, QPushButton:hover {{ border-color: {theme.accent}; }}
    #help {{ background: {theme.panel}; border: 2px solid {theme.accent}; border-radius: 10px; }}
    QLineEdit[invalid="true"], QSpinBox[invalid="true"], QDoubleSpinBox[invalid="true"],
    QComboBox[invalid="true"], QPlainTextEdit[invalid="true"] {{
        border: 2px solid {theme.bad}; }}
    QScrollBar:vertical {{ background: transparent; width: 8px; margin: 0; }}
    QScrollBar::handle:vertical {{ background: {theme.border}; border-radius: 4px;
        min-height: 24px; }}
    QScrollBar::add-line, QScrollBar::sub-line {{ height: 0; }}
    QScrollBar::add-page, QScrollBar::sub-page {{ background: transparent; }}
    QRadioButton::indicator, QCheckBox::indicator {{ width: 12px; height: 12px;
        border: 2px solid {theme.muted}; background: {theme.window}; }}
    QRadioButton::indicator {{ border-radius: 8px; }}
    QCheckBox::indicator {{ border-radius: 3px; }}
    QRadioButton::indicator:hover, QCheckBox::indicator:hover {{ border-color: {theme.accent}; }}
    QRadioButton::indicator:checked {{ border-color: {theme.accent}; background: qradialgradient(
        cx:0.5, cy:0.5, radius:0.5, fx:0.5, fy:0.5, stop:0 {theme.accent}, stop:0.55 {theme.accent},
        stop:0.65 {theme.window}, stop:1 {theme.window}); }}
    QCheckBox::indicator:checked {{ border-color: {theme.accent}; background: {theme.accent}; }}
    #fieldError {{ color: {theme.bad}; font-size: {small}px; }}
    #verdict[tone="ok"] {{ color: {theme.ok}; font-weight: 600; }}
    #verdict[tone="warn"] {{ color: {theme.warn}; font-weight: 600; }}
    #verdict[tone="bad"] {{ color: {theme.bad}; font-weight: 600; }}
    #lead {{ font-size: {font_px}px; }}
    #askBox {{ background: {theme.panel}; border: 1px solid {theme.border}; border-radius: 6px;
        padding: 4px 8px; font-size: {body}px; }}
    #askBox:focus {{ border-color: {theme.accent}; }}
    QLineEdit, QComboBox, QPlainTextEdit, QKeySequenceEdit, QListWidget {{
        background: {theme.panel}; border: 1px solid {theme.border}; border-radius: 4px;
        padding: 2px 4px; }}
    #settingsNav::item {{ padding: 6px 8px; }}
    #settingsNav::item:selected {{ background: {theme.accent}; color: {theme.window}; }}
    #placeholder {{ color: {theme.muted}; font-size: {body}px; padding: 24px; }}
    """
