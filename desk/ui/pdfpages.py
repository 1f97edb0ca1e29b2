"""A PDF's pages as images, for 打印预览 and printing, rendered with PDFium (pypdfium2).

Qt's own PDF module lives in the PySide6-Addons wheel together with Qt
WebEngine (hundreds of megabytes the program never uses); PDFium is a 4 MB
wheel. Pages are rendered on the UI thread (PDFium is not thread-safe), only
those in view, at the width they are shown.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QImage, QPainter, QPixmap
from PySide6.QtWidgets import QLabel, QScrollArea, QVBoxLayout, QWidget

GAP = 12  # pixels between pages


class PdfPages:
    """An open PDF file: its page count, page sizes in points, and pages rendered to images."""

    def __init__(self, path: Path):
        import pypdfium2 as pdfium  # loaded only when a preview or a print needs it

        self._pdf = pdfium.PdfDocument(str(path))
        self._sizes = [self._pdf[i].get_size() for i in range(len(self._pdf))]
        self.closed = False

    def pageCount(self) -> int:  # noqa: N802 - the name QPdfDocument had, for the callers
        return len(self._sizes)

    def page_size(self, index: int) -> tuple[float, float]:
        """(width, height) in points."""
        return self._sizes[index]

    def image(self, index: int, width: int) -> QImage:
        """The page ``width`` pixels wide, white background."""
        w_pt, _ = self._sizes[index]
        page = self._pdf[index]
        try:
            bitmap = page.render(scale=max(width, 1) / w_pt, prefer_bgrx=True)
            image = QImage(bitmap.buffer, bitmap.width, bitmap.height, bitmap.stride, QImage.Format.Format_RGB32)
            return image.copy()  # the bitmap's memory belongs to PDFium
        finally:
            page.close()

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._pdf.close()


class PdfPageView(QScrollArea):
    """The pages one under another, as wide as the view; a page is drawn when it comes into view."""

    def __init__(self, pages: PdfPages, parent=None):
        super().__init__(parent)
        self.pages = pages
        self.setWidgetResizable(True)
        self.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        holder = QWidget()
        holder.setStyleSheet("background: #808080;")
        self.column = QVBoxLayout(holder)
        self.column.setSpacing(GAP)
        self.column.setContentsMargins(GAP, GAP, GAP, GAP)
        self.labels: list[QLabel] = []
        for _ in range(pages.pageCount()):
            label = QLabel()
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            label.setStyleSheet("background: white;")
            self.column.addWidget(label, 0, Qt.AlignmentFlag.AlignHCenter)
            self.labels.append(label)
        self.column.addStretch(1)
        self.setWidget(holder)
        self._drawn: dict[int, int] = {}  # page -> the width it was drawn at
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(60)
        self._timer.timeout.connect(self.draw_visible)
        self.verticalScrollBar().valueChanged.connect(lambda *_: self._timer.start())

    def page_width(self) -> int:
        return max(100, self.viewport().width() - 2 * GAP - 4)

    def resizeEvent(self, event):  # noqa: N802
        super().resizeEvent(event)
        width = self.page_width()
        for i, label in enumerate(self.labels):
            w_pt, h_pt = self.pages.page_size(i)
            label.setFixedSize(QSize(width, int(width * h_pt / w_pt)))
        self._timer.start()

    def showEvent(self, event):  # noqa: N802
        super().showEvent(event)
        self._timer.start()

    def draw_visible(self) -> int:
        """Render the pages in view (and the next one); returns how many were drawn."""
        if self.pages.closed:  # the preview was closed while a redraw was waiting
            return 0
        width = self.page_width()
        ratio = self.devicePixelRatioF()
        top = self.verticalScrollBar().value()
        bottom = top + self.viewport().height()
        drawn = 0
        for i, label in enumerate(self.labels):
            y0 = label.y()
            if y0 > bottom + label.height() or y0 + label.height() < top:
                continue
            if self._drawn.get(i) == width:
                continue
            image = self.pages.image(i, int(width * ratio))
            pixmap = QPixmap.fromImage(image)
            pixmap.setDevicePixelRatio(ratio)
            label.setPixmap(pixmap)
            self._drawn[i] = width
            drawn += 1
        return drawn


def print_pages(pages: PdfPages, printer) -> bool:
    """Draw every page onto ``printer`` (at up to 300 dpi, fitted to the printable area)."""
    painter = QPainter()
    if not painter.begin(printer):
        return False
    try:
        dpi = min(printer.resolution(), 300)  # enough for print; 1200 dpi images would take ~500 MB a page
        for index in range(pages.pageCount()):
            if index:
                printer.newPage()
            w_pt, _ = pages.page_size(index)
            image = pages.image(index, int(w_pt / 72 * dpi))
            target = painter.viewport()
            scaled = image.size().scaled(target.size(), Qt.AspectRatioMode.KeepAspectRatio)
            painter.drawImage(target.x(), target.y(), image.scaled(scaled, Qt.AspectRatioMode.IgnoreAspectRatio,
                                                                   Qt.TransformationMode.SmoothTransformation))
    finally:
        painter.end()
    return True
