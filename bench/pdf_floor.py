"""The reportlab floor for printing: a plain reportlab script, no desk code, that draws the same pages.

Input: a JSON file written by bench/pdf_bench.py from desk's own PDF (read back with pdfplumber):
the page size, and per page every string with its place and size, every filled or stroked rectangle
and every line. The script registers the same font file desk prints with (resources/fonts/uming.ttc),
draws all of it on as many pages, and saves a compressed PDF with the font embedded (subset), as desk does.
Run: python bench/pdf_floor.py pages.json out.pdf
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

FONT = Path(__file__).resolve().parent.parent / "resources" / "fonts" / "uming.ttc"


def main(source: str, out: str) -> None:
    spec = json.loads(Path(source).read_text("utf-8"))
    pdfmetrics.registerFont(TTFont("floor", str(FONT), subfontIndex=0))
    canvas = Canvas(out, pagesize=tuple(spec["page_size"]), invariant=1, pageCompression=1)
    for page in spec["pages"]:
        canvas.setPageSize(tuple(page["size"]))
        canvas.setLineWidth(0.6)
        for x, y, w, h, stroke, fill in page["rects"]:
            if fill:
                canvas.setFillGray(0.94)
                canvas.rect(x, y, w, h, stroke=0, fill=1)
                canvas.setFillGray(0)
            if stroke:
                canvas.rect(x, y, w, h, stroke=1, fill=0)
        for x1, y1, x2, y2 in page["lines"]:
            canvas.line(x1, y1, x2, y2)
        for x, y, size, text in page["texts"]:
            canvas.setFont("floor", size)
            canvas.drawString(x, y, text)
        canvas.showPage()
    canvas.save()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
