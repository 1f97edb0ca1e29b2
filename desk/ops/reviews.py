"""审核意见: a supervisor's status and comment per table, sent back to the office and taken in there.

Reviews never change a table's content or revision.
"""

from __future__ import annotations

import json
from pathlib import Path

from desk.domain.codec import JsonShapeError, Reader
from desk.domain.model import REVIEW_STATUSES, Review, now_iso
from desk.io.jsonio import load_json
from desk.ops.files import read_input
from desk.store import Store, StoreError, write_file_atomically
from desk.store.lock import holder_name

REVIEWS_FORMAT = "desk-reviews"


def set_review(db_path: Path, key: str, status: str, comment: str = "") -> Review:
    """Supervisor: record a status and comment on a table (by uid or 项目编码)."""
    with Store.open(db_path, readonly=False) as store:
        hits = store.find_projects(key) or [d for d in store.departments() if d.uid == key]
        if not hits:
            raise StoreError(f"文件中没有 uid 或项目编码为“{key}”的项目或部门整体表。")
        if len(hits) > 1:
            raise StoreError(f"项目编码“{key}”对应多个项目，请改用 uid。")
        p = hits[0]
        review = Review(p.uid, status, comment, holder_name(), now_iso(), p.revision)
        store.save_review(review)
    return review


def export_reviews(db_path: Path, out: Path, *, unit_code: str | None = None) -> int:
    """导出审核意见: the reviews of one office's tables (or all) as a small JSON file."""
    with Store.open(db_path, readonly=True) as store:
        tables = {p.uid: p for p in [*store.departments(), *store.projects()] if unit_code in (None, p.unit_code)}
        reviews = [r for uid, r in store.reviews().items() if uid in tables]
    data = {
        "format": REVIEWS_FORMAT, "version": 1, "unit_code": unit_code,
        "reviews": [{"uid": r.uid, "project": tables[r.uid].name, "code": getattr(tables[r.uid], "code", ""),
                     "status": r.status, "comment": r.comment, "reviewer": r.reviewer,
                     "reviewed_at": r.reviewed_at, "revision": r.revision} for r in reviews],
    }
    write_file_atomically(Path(out), (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
    return len(reviews)


def read_reviews_file(reviews_path: Path) -> list[tuple[Review, str]]:
    """The (Review, table name) pairs of a 审核意见 file, checked."""
    name = Path(reviews_path).name
    try:
        text = read_input(reviews_path).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise JsonShapeError(f"“{name}”不是审核意见文件（不是 UTF-8 编码的 JSON）") from None
    try:
        data = load_json(text, source=f"“{name}”")
    except JsonShapeError as exc:
        raise JsonShapeError(f"“{name}”不是有效的审核意见文件：{exc}") from None
    root = Reader(data, "$")
    if root.get("format", str) != REVIEWS_FORMAT:
        root.fail(f"应为 “{REVIEWS_FORMAT}”（这不是审核意见文件）", "format")
    items = []
    for r in root.items("reviews", required=True):
        status = r.get("status", str)
        if status not in REVIEW_STATUSES:
            r.fail(f"只能是 {'、'.join(REVIEW_STATUSES)}", "status")
        items.append((Review(r.get("uid", str), status, r.text("comment"), r.text("reviewer"), r.text("reviewed_at"),
                             r.get("revision", int, required=False, default=0)), r.text("project")))
    return items


def import_reviews(db_path: Path, reviews_path: Path, *, take_over: bool = False) -> tuple[int, list[str]]:
    """Clerk: take in a supervisor's 审核意见; the tables themselves are not changed.

    Returns (reviews taken in, names of reviewed tables this file does not have).
    """
    items = read_reviews_file(reviews_path)
    taken, unknown = 0, []
    with Store.open(db_path, readonly=False, take_over=take_over) as store:
        held = store.uids()
        with store.transaction():
            for review, name in items:
                if review.uid in held:
                    store.save_review(review)
                    taken += 1
                else:
                    unknown.append(name or "（未命名）")
    return taken, unknown
