"""Interchange JSON: the documented shape, round trips through the .db file, clear errors."""

import json
from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desk.ops import exports as exports_ops, imports as imports_ops
from desk.domain.codec import JsonShapeError
from desk.io import jsonio
from desk.store import Store
from tests.helpers import UNIT, good_project
from tests.strategies import departments, projects


def doc_of(*items):
    return jsonio.Document(
        units=(UNIT,),
        projects=tuple(i for i in items if hasattr(i, "indicators") and hasattr(i, "budget")),
        departments=tuple(i for i in items if hasattr(i, "tasks")),
    )


def test_shape_matches_the_design_example():
    p = good_project(uid="u-1", revision=1, updated_at="2026-11-21T10:00:00+08:00")
    data = json.loads(jsonio.dumps(doc_of(p)))
    assert data["format"] == "desk" and data["version"] == 1
    assert data["units"] == [{"code": "439001", "name": "玉田县无终街道办事处本级"}]
    (pj,) = data["projects"]
    assert list(pj) == ["uid", "unit_code", "year", "form", "code", "name", "money_unit", "budget", "usage",
                        "plan", "goals", "indicators", "finalized_at", "finalized_by", "number", "extra",
                        "carried_from",
                        "revision", "updated_at"]
    assert pj["budget"] == {"total": "770000.00", "fiscal": "770000.00", "other": "0.00"}
    assert pj["plan"] == {"scheme": "month_end", "points": [30, 60, 90, 100]}
    assert pj["indicators"][0] == {
        "level1": "产出指标", "level2": "数量指标", "name": "城市社区综合服务设施数量",
        "description": "城市社区综合服务设施数量", "comparator": "≥", "value": "25", "unit": "个",
        "basis": "社区工作覆盖情况", "text": ""}
    assert data["departments"] == []


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(projects(), min_size=1, max_size=4, unique_by=lambda p: p.uid),
       st.lists(departments(), max_size=2, unique_by=lambda d: d.uid))
def test_random_content_round_trips_db_json_db(tmp_path_factory, items, depts):
    folder = tmp_path_factory.mktemp("rt")
    doc = jsonio.Document(units=(UNIT,), projects=tuple(items), departments=tuple(depts))
    first, second = folder / "a.db", folder / "b.db"
    imports_ops.import_document(doc, first)
    with Store.open(first, readonly=True) as store:
        exported = exports_ops.export_document(store)
    assert exported.projects == doc.projects
    assert exported.departments == doc.departments
    text = jsonio.dumps(exported)
    imports_ops.import_document(jsonio.loads(text), second)
    with Store.open(second, readonly=True) as store:
        again = exports_ops.export_document(store)
    assert again == exported
    assert jsonio.dumps(again) == text


def test_import_upserts_by_uid(tmp_path):
    db = tmp_path / "x.db"
    p = good_project(revision=3, updated_at="2023-01-15T09:00:00+08:00")
    report = imports_ops.import_document(doc_of(p), db)
    assert (report.added, report.updated, report.unchanged, report.created_file) == (1, 0, 0, True)
    with Store.open(db) as store:
        assert store.project(p.uid).revision == 3
        assert store.project(p.uid).updated_at == "2023-01-15T09:00:00+08:00"
    report = imports_ops.import_document(doc_of(p), db)
    assert (report.added, report.updated, report.unchanged) == (0, 0, 1)
    changed = replace(p, usage="新的用途")
    report = imports_ops.import_document(doc_of(changed), db)
    assert (report.added, report.updated, report.unchanged) == (0, 1, 0)
    with Store.open(db) as store:
        saved = store.project(p.uid)
        assert saved.revision == 4 and saved.usage == "新的用途"
        assert saved.updated_at != p.updated_at
        assert [h.action for h in store.history(p.uid)] == ["import", "import"]


def test_failed_import_writes_nothing(tmp_path):
    db = tmp_path / "x.db"
    imports_ops.import_document(doc_of(good_project()), db)
    before = db.read_bytes()
    bad = good_project(uid="bad", year=2023, budget=replace(good_project().budget, total=Decimal("1.005")))
    with pytest.raises(Exception, match="两位小数"):
        imports_ops.import_document(doc_of(good_project(name="另一个", code="Z"), bad), db)
    assert db.read_bytes() == before


def test_failed_import_into_a_new_file_leaves_no_file(tmp_path):
    db = tmp_path / "new.db"
    bad = good_project(budget=replace(good_project().budget, total=Decimal("1.005")))
    with pytest.raises(Exception):
        imports_ops.import_document(doc_of(bad), db)
    assert not db.exists()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda d: d.update(format="other"), "$.format 应为 “desk”"),
        (lambda d: d.update(version=2), "版本为 2"),
        (lambda d: d.pop("units"), "$.units 缺少此项"),
        (lambda d: d["projects"][0].update(year="2023"), "$.projects[0].year 类型不对（应为整数）"),
        (lambda d: d["projects"][0]["budget"].update(total="七十万"), "$.projects[0].budget.total"),
        (lambda d: d["projects"][0]["plan"].update(scheme="monthly"), "$.projects[0].plan.scheme"),
        (lambda d: d["projects"][0]["plan"]["points"].__setitem__(1, "abc"), "$.projects[0].plan.points[1]"),
        (lambda d: d["projects"][0]["indicators"][2].update(comparator="约"), "$.projects[0].indicators[2].comparator"),
        (lambda d: d["projects"][0].update(unit_code="1"), "$.projects[0].unit_code"),
        (lambda d: d["projects"].append(dict(d["projects"][0])), "$.projects[1].uid 与 $.projects[0].uid 重复"),
        (lambda d: d["projects"][0].update(goals=[1]), "$.projects[0].goals[0] 应为文字"),
    ],
)
def test_wrong_shape_names_the_place(mutate, message):
    data = jsonio.dump_document(doc_of(good_project()))
    mutate(data)
    with pytest.raises(JsonShapeError) as info:
        jsonio.parse_document(data)
    assert message in str(info.value)


def test_invalid_json_names_line_and_column():
    with pytest.raises(JsonShapeError, match="第 2 行第 1 列"):
        jsonio.loads('{"format": "desk",\n}', source="in.json")


def test_demo_file_is_the_yutian_sample(demo_json):
    doc = jsonio.loads(demo_json.read_text("utf-8"))
    assert [p.code for p in doc.projects] == [
        "13022923P00JXC415060P", "13022923P00JXC415602F", "13022923P00JXC4156033", "13022923P00JXC415062Y",
        "13022923P00JXC4150646", "13022923P00JXC415063J", "13022923P00JXC415065R"]
    assert sum(len(p.indicators) for p in doc.projects) == 49
    first = doc.projects[0]
    assert first.budget.total == Decimal("770000.00") and first.plan.points == (30, 60, 90, 100)
    assert doc.projects[1].plan.points == (None, None, None, 100)
