"""The quick ways a received file is checked give the careful checks' verdict, word for word.

A received file's checks take two short cuts (desk/store/checks.py): one query measures every text before
they are measured one by one, and a history snapshot that is exactly a table already checked is not read a
second time. Each file below is one where the short cut could matter: a table that the file's own rows and
digest vouch for, but that the careful reading refuses. The verdict must be the careful one.
"""

from __future__ import annotations

import json
import sqlite3
import zlib
from dataclasses import replace
from decimal import Decimal

import pytest

from desk.domain import codec
from desk.domain.codec import content_digest, project_to_dict
from desk.domain.model import Indicator, SpendingPlan
from desk.ops import merge as merge_ops
from desk.store import Store, checks
from desk.store.checks import HostileFileError
from tests.helpers import UNIT, good_project


def _office(tmp_path, name: str, project) -> tuple:
    path = tmp_path / f"{name}.db"
    with Store.create(path, unit=UNIT, year=2023) as store:
        saved = store.save_project(project)
    return path, saved


def _forge(path, project, snapshot: bytes | None = None) -> None:
    """Rewrite the table's row, digest and its one history snapshot as ``project`` (a SQLite tool's work)."""
    text = snapshot if snapshot is not None else json.dumps(
        project_to_dict(project), ensure_ascii=False, sort_keys=True).encode("utf-8")
    conn = sqlite3.connect(path)
    try:
        conn.execute("UPDATE projects SET revision = ?, digest = ? WHERE uid = ?",
                     (project.revision, content_digest(project), project.uid))
        conn.execute("UPDATE history SET revision = ?, snapshot = ? WHERE uid = ?",
                     (project.revision, zlib.compress(text), project.uid))
        conn.commit()
    finally:
        conn.close()


def _verdicts(path, monkeypatch) -> tuple[str, str]:
    """The refusal (or "ok") with the short cuts, then with them turned off."""
    def verdict() -> str:
        try:
            Store.open_received(path).close()
        except HostileFileError as exc:
            return str(exc)
        return "ok"

    quick = verdict()
    with monkeypatch.context() as m:
        m.setattr(checks, "_is_checked", lambda text, project: False)
        m.setattr(checks, "_texts_within", lambda store, limit: False)
        careful = verdict()
    return quick, careful


def _ind(**changes) -> Indicator:
    return replace(good_project().indicators[0], **changes)


# What the rows and the digest accept but reading the table back from its snapshot refuses.
SAVED = {
    "unknown comparator": lambda p: replace(p, indicators=(_ind(comparator="≈"),)),
    "unit on a text target": lambda p: replace(p, indicators=(_ind(comparator="", value="良好", unit="个"),)),
    "one-cell text reading otherwise": lambda p: replace(p, indicators=(_ind(text="≥90%"),)),
    "a goal that is a number": lambda p: replace(p, goals=(1,)),
    "uid of spaces": lambda p: replace(p, uid="   "),
    "percent too large for JSON": lambda p: replace(p, plan=SpendingPlan(
        "month_end", (Decimal("1." + "0" * 400 + "1E+400"), None, None, Decimal(100)))),
}


@pytest.mark.parametrize("case", sorted(SAVED))
def test_a_snapshot_equal_to_its_table_is_refused_when_reading_it_would_refuse(tmp_path, monkeypatch, case):
    path, _ = _office(tmp_path, "office", SAVED[case](good_project()))
    quick, careful = _verdicts(path, monkeypatch)
    assert careful != "ok"  # refused when its snapshot is read back
    assert quick == careful


def test_numbers_of_another_type_in_the_snapshot_are_read_carefully(tmp_path, monkeypatch):
    path, saved = _office(tmp_path, "office", good_project())
    data = project_to_dict(saved)
    text = json.dumps(data, ensure_ascii=False, sort_keys=True).replace(
        f'"revision": {saved.revision}', f'"revision": {saved.revision}.0').encode("utf-8")
    assert json.loads(text) == data  # equal in Python, yet read_project asks for an integer
    _forge(path, saved, text)
    quick, careful = _verdicts(path, monkeypatch)
    assert careful != "ok" and quick == careful


def test_a_negative_revision_is_refused_either_way(tmp_path, monkeypatch):
    path, saved = _office(tmp_path, "office", good_project())
    _forge(path, replace(saved, revision=-1))
    quick, careful = _verdicts(path, monkeypatch)
    assert careful != "ok" and quick == careful


@pytest.mark.parametrize("where", ["goal", "indicator", "header row"])
def test_a_text_over_the_limit_is_named_the_same_way(tmp_path, monkeypatch, where):
    long = "长" * (checks.LIMITS.text + 1)
    p = good_project()
    p = {"goal": replace(p, goals=("短", long)),
         "indicator": replace(p, indicators=(p.indicators[0], _ind(basis=long))),
         "header row": replace(p, extra=(("栏目", long),))}[where]
    path, _ = _office(tmp_path, "office", p)
    quick, careful = _verdicts(path, monkeypatch)
    assert "上限" in careful and quick == careful


def test_a_good_file_takes_the_short_cut_and_merges_the_same(tmp_path, monkeypatch):
    path, saved = _office(tmp_path, "office", good_project())
    read = []
    real = checks.project_from_dict
    monkeypatch.setattr(checks, "project_from_dict", lambda data: read.append(data) or real(data))
    with Store.open_received(path) as store:
        assert store.received_tables()[0] == [saved]
    assert read == []  # its one snapshot is its table: not read again
    quick = merge_ops.merge_files(tmp_path / "quick.db", [path])
    monkeypatch.setattr(checks, "_is_checked", lambda text, project: False)
    monkeypatch.setattr(checks, "_texts_within", lambda store, limit: False)
    careful = merge_ops.merge_files(tmp_path / "careful.db", [path])
    assert read  # the careful way read it
    assert quick.to_dict() == careful.to_dict() and quick.added == 1
    with Store.open(tmp_path / "quick.db", readonly=True) as a, Store.open(tmp_path / "careful.db", readonly=True) as b:
        assert a.projects() == b.projects() and a.damaged() == [] == b.damaged()
        assert a.history_rows(saved.uid) == b.history_rows(saved.uid)


INDICATORS = [
    {}, {"comparator": "≥", "value": "90", "unit": "%"}, {"comparator": "≈"}, {"comparator": "", "unit": "个"},
    {"comparator": "≥", "value": "90", "unit": "%", "text": "≥90%"}, {"text": "≥90%"}, {"text": "良好"},
    {"comparator": "", "value": "良好", "text": "良好"}, {"name": 5}, {"level1": None}, {"text": ["≥90%"]},
    {"comparator": True}, {"value": 90},
]


@pytest.mark.parametrize("data", INDICATORS + [[], "≥90%", None])
def test_indicators_read_at_once_read_as_field_by_field(monkeypatch, data):
    def read():
        try:
            return codec._read_indicator(codec.Reader(data, "$.indicators[0]"))
        except codec.JsonShapeError as exc:
            return str(exc)

    quick = read()
    monkeypatch.setattr(codec, "_plain_indicator", lambda values: False)
    assert quick == read()
