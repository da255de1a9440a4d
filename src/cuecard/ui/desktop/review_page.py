"""The Review window: kept sessions on the left, the chosen one's review on the right.

The same review as ``cuecard review`` (``cuecard.practice.review``), decrypted in
memory when the window opens; the charts are the HTML export's SVG, drawn to
images by Qt. "Export HTML…" writes the self-contained page (0600: it holds
the candidate's answers).
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from PySide6.QtCore import QByteArray, QSize, Qt, QUrl
from PySide6.QtGui import QImage, QPainter, QTextDocument
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from cuecard import paths
from cuecard.practice.review import (
    KeptSession,
    ProgressPoint,
    ReviewError,
    SessionReview,
    load_reviews,
    progress,
)
from cuecard.ui.desktop.plain import plain
from cuecard.ui.desktop.widgets import named
from cuecard.ui.review_html import charts_for, progress_charts, render
from cuecard.ui.text import duration, review_summary

NOTHING_KEPT = (
    "No session has been kept yet: tick “Keep for Review” in Practice, or keep interviews "
    "in Settings › Privacy. Kept sessions are encrypted on this device."
)
STAR = (("situation", "S"), ("task", "T"), ("action", "A"), ("result", "R"))


def svg_image(svg: str) -> QImage:
    renderer = QSvgRenderer(QByteArray(svg.encode("utf-8")))
    size = renderer.defaultSize()
    image = QImage(size if size.isValid() else QSize(440, 220), QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.white)
    painter = QPainter(image)
    renderer.render(painter)
    painter.end()
    return image


class ReviewWindow(QDialog):
    def __init__(self, parent: QWidget | None = None, *, load: bool = True) -> None:
        """``load=False`` opens it empty (``show_reviews`` fills it: screenshots)."""
        super().__init__(parent)
        self.setWindowTitle("cuecard · review")
        self.setObjectName("reviewWindow")
        self.reviews: dict[str, SessionReview] = {}
        self.points: list[ProgressPoint] = []
        layout = QVBoxLayout(self)
        self.message = named(QLabel(""), "reviewMessage")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        split = QSplitter(Qt.Orientation.Horizontal)
        self.sessions = named(QListWidget(), "reviewSessions")
        self.sessions.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.sessions.currentItemChanged.connect(lambda item, _old: self.show_session(item))
        self.view = named(QTextBrowser(), "reviewView")
        split.addWidget(self.sessions)
        split.addWidget(self.view)
        split.setStretchFactor(1, 4)
        layout.addWidget(split, 1)
        buttons = QHBoxLayout()
        self.export_button = named(QPushButton("Export HTML…"), "reviewExport")
        self.export_button.clicked.connect(self.export)
        refresh = QPushButton("Refresh")
        refresh.clicked.connect(self.load)
        buttons.addWidget(self.export_button)
        buttons.addWidget(refresh)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.resize(1000, 720)
        if load:
            self.load()

    def show_reviews(self, reviews: list[SessionReview], points: list[ProgressPoint]) -> None:
        """Show these reviews (newest first) without reading the vault."""
        self.sessions.clear()
        self.reviews = {r.id: r for r in reviews}
        self.points = points
        for review in reviews:
            count = len(review.answers)
            label = (
                f"{review.started[:16].replace('T', ' ')} · {review.mode} · "
                f"{count} answer{'' if count == 1 else 's'}"
            )
            item = QListWidgetItem(label)
            item.setData(Qt.ItemDataRole.UserRole, review.id)
            self.sessions.addItem(item)
        self.export_button.setEnabled(bool(reviews))
        self._fit_sessions()
        if reviews:
            self.sessions.setCurrentRow(0)

    def _fit_sessions(self) -> None:
        """The session list as wide as its longest entry (it was cut off mid-date)."""
        listing = self.sessions
        needed = (listing.sizeHintForColumn(0) + 2 * listing.frameWidth()
                  + listing.verticalScrollBar().sizeHint().width() + 8)  # fmt: skip
        listing.setMinimumWidth(min(max(needed, 160), 480))

    def load(self) -> None:
        """Read every kept session (decrypted in memory) and list them, newest first."""
        from cuecard.privacy.vault import vault_path

        self.sessions.clear()
        self.reviews.clear()
        if not vault_path().exists():
            self.message.setText(NOTHING_KEPT)
            self.export_button.setEnabled(False)
            self.view.clear()
            return
        try:
            target, practices = load_reviews()
        except ReviewError as err:
            self.message.setText(plain(str(err)))
            self.export_button.setEnabled(False)
            self.view.clear()
            return
        from cuecard.practice.review import kept_sessions

        self.points = progress(practices)
        for review in [target, *practices]:
            self.reviews[review.id] = review
        listing: list[KeptSession] = kept_sessions()
        for kept in listing:
            if kept.id not in self.reviews:
                try:
                    self.reviews[kept.id] = load_reviews(kept.id)[0]
                except ReviewError:
                    continue
            label = f"{kept.started[:16].replace('T', ' ')}  ·  {kept.mode}  ·  {kept.answers}"
            item = QListWidgetItem(label)
            item.setData(Qt.ItemDataRole.UserRole, kept.id)
            self.sessions.addItem(item)
        self.message.setText(f"{len(listing)} kept session{'s' if len(listing) != 1 else ''}; "
                             "decrypted on this device only")  # fmt: skip
        self.export_button.setEnabled(bool(listing))
        if self.sessions.count():
            self.sessions.setCurrentRow(0)

    def current(self) -> SessionReview | None:
        item = self.sessions.currentItem()
        if item is None:
            return None
        return self.reviews.get(str(item.data(Qt.ItemDataRole.UserRole)))

    def show_session(self, item: QListWidgetItem | None) -> None:
        review = self.current() if item is not None else None
        if review is None:
            self.view.clear()
            return
        doc = self.view.document()
        charts = charts_for(review)
        if review.mode == "practice":
            charts += progress_charts(self.points)
        images = []
        for i, svg in enumerate(charts):
            url = QUrl(f"chart://{review.id}/{i}")
            doc.addResource(QTextDocument.ResourceType.ImageResource, url, svg_image(svg))
            images.append(f'<img src="{url.toString()}">')
        self.view.setHtml(self.html(review, images))

    def html(self, review: SessionReview, images: list[str]) -> str:
        parts = [f"<h2>{'Practice' if review.mode == 'practice' else 'Interview'} · "
                 f"{escape(review.started[:16].replace('T', ' '))}</h2>",
                 f"<p>{escape(review_summary(review))}</p>"]  # fmt: skip
        parts += [f'<p style="color:#7b8794">Note: {escape(n)}.</p>' for n in review.notes]
        parts.append("<p>" + " ".join(images) + "</p>")
        for i, a in enumerate(review.answers, 1):
            letters = "".join(
                f'<span style="background:{"#27ae60" if a.star.get(p) else "#9aa5b1"};'
                f'color:white;font-weight:bold">&nbsp;{letter}&nbsp;</span>&nbsp;'
                for p, letter in STAR
            )
            fillers = ", ".join(f"{k} ×{v}" for k, v in a.fillers.items()) or "none"
            parts.append(
                f"<p><b>Q{i}. {escape(a.question)}</b><br>{duration(a.duration_s)} · "
                f"{a.wpm:.0f} words a minute · fillers: {escape(fillers)} · STAR {letters}<br>"
                f"{escape(a.answer_text)}<br>"
                f'<span style="color:#e67e22"><b>Next: {escape(a.next_step)}</b></span>'
                + (f'<br><span style="color:#334e68">Suggested: {escape(a.suggestion)}</span>'
                   if a.suggestion else "")
                + "</p>"
            )  # fmt: skip
        return "".join(parts)

    def export(self) -> None:
        review = self.current()
        if review is None:
            return
        name, _ = QFileDialog.getSaveFileName(self, "Export the review", str(
            Path.home() / f"cuecard-review-{review.id}.html"), "HTML (*.html)")  # fmt: skip
        if name:
            self.export_to(Path(name))

    def export_to(self, path: Path) -> None:
        review = self.current()
        if review is None:
            return
        points = self.points if review.mode == "practice" else []
        try:
            paths.write_private_file(path, render(review, points))  # 0600, new or not
        except OSError as err:
            self.message.setText(f"Could not save {path.name}: {err.strerror or err}")
            return
        self.message.setText(f"Saved {path}: it holds your answers, keep it private")
