"""Read printed tables back from a PDF with pdfplumber."""

import io

import pdfplumber


def clean(text):
    return None if text is None else text.replace("\n", "")


def pages_tables(pdf_bytes: bytes) -> list[list[list[str | None]]]:
    """For each page, the rows of its (single) ruled table, line breaks removed."""
    result = []
    with pdfplumber.open(io.BytesIO(pdf_bytes)) as pdf:
        for page in pdf.pages:
            rows = []
            for table in page.extract_tables():
                rows.extend([[clean(c) for c in row] for row in table])
            result.append(rows)
    return result


DRAFT_LINES = ("未定稿，不能作为签字稿 草稿", "草稿\n未定稿，不能作为签字稿")  # the mark above the table, as read back


def pages_text(pdf_bytes: bytes) -> list[str]:
    """The text of each page, without the 草稿 mark in the top margin (see ``draft_marks``)."""
    texts = []
    with pdfplumber.open(io.BytesIO(pdf_bytes)) as pdf:
        for page in pdf.pages:
            text = page.extract_text() or ""
            for mark in DRAFT_LINES:
                if text.startswith(mark):
                    text = text[len(mark):].lstrip("\n")
                    break
            texts.append(text)
    return texts


def draft_marks(pdf_bytes: bytes) -> list[bool]:
    """For each page, whether it carries the 草稿 mark."""
    with pdfplumber.open(io.BytesIO(pdf_bytes)) as pdf:
        return [(page.extract_text() or "").startswith(DRAFT_LINES) for page in pdf.pages]


def grid(rows, header_first: str = "一级指标"):
    """The indicator grid of a page: (header row, data rows) with merged 一级/二级 filled down.

    Columns are those of the header's bottom row; cells of a spanning header
    (指标值 over 符号/值/单位) are resolved by the second header row.
    """
    start = next(i for i, r in enumerate(rows) if r and r[0] == header_first)
    header = rows[start]
    body = rows[start + 1:]
    if body and body[0][0] is None and any(c in ("符号", "值") for c in body[0] if c):
        sub = body[0]
        header = [s if s is not None and h is None else h for h, s in zip(header, sub)]
        header = [sub[i] if sub[i] else header[i] for i in range(len(header))]
        body = body[1:]
    cols = [i for i, c in enumerate(header) if c]
    names = [header[i] for i in cols]
    out = []
    last = [None] * len(cols)
    for r in body:
        values = [r[i] for i in cols]
        filled = []
        for k, v in enumerate(values):
            if v is None and k < 2:  # 一级/二级 merged with the row above
                v = last[k]
            filled.append(v)
        last = filled
        out.append(filled)
    return names, out
