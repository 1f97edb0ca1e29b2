"""The department table beside the projects everywhere else: merge, the supervisor's overview, JSON, check."""

import json
from dataclasses import replace

from desk.cli import main
from desk.domain.model import Unit
from desk.io import jsonio
from desk.ops import imports as imports_ops, merge as merge_ops
from desk.ops.document import OpenFile
from desk.store import Store
from tests.conftest import ROOT
from tests.helpers import good_project

URHO = jsonio.loads((ROOT / "tests/data/urho-2021-department.json").read_text("utf-8"))


def office(tmp_path, code, name, with_department):
    unit = Unit(code, name)
    path = tmp_path / f"{code}.db"
    project = replace(good_project(), unit_code=code, year=2021, uid=f"p-{code}", number=1)
    departments = (replace(URHO.departments[0], uid=f"d-{code}", unit_code=code, name=name),) if with_department else ()
    imports_ops.import_document(jsonio.Document(units=(unit,), projects=(project,), departments=departments), path)
    return path


def test_merge_overview_json_and_check_carry_the_department(tmp_path, capsys):
    a = office(tmp_path, "650001", "柳树街街道办事处", True)
    b = office(tmp_path, "650002", "另一街道办事处", False)
    out = tmp_path / "汇总.db"
    merge_ops.merge_files(out, [a, b], unit=Unit("6500", "区财政局"), year=2021)
    with Store.open(out, readonly=True) as store:
        (d,) = store.departments()
        assert d.unit_code == "650001" and d.tasks == URHO.departments[0].tasks
    document = OpenFile.open(out, readonly=True)
    rows = {r.code: r for r in merge_ops.overview(document)}
    assert rows["650001"].department == "有（合计 852.51万元）"
    assert rows["650002"].department == "缺"
    document.close()
    assert main(["export-json", str(out)]) == 0
    exported = json.loads(capsys.readouterr().out)
    assert [x["uid"] for x in exported["departments"]] == ["d-650001"]
    assert main(["check", str(out), "--json"]) == 1  # the urho table has an empty indicator row: errors
    findings = json.loads(capsys.readouterr().out)
    assert any(f["project_uid"] == "d-650001" and f["code"] == "DEPT_TOTAL_VS_PROJECTS" for f in findings)


def test_reviews_of_a_department_table_go_back_to_the_office(tmp_path, capsys):
    a = office(tmp_path, "650001", "柳树街街道办事处", True)
    out = tmp_path / "汇总.db"
    merge_ops.merge_files(out, [a], unit=Unit("6500", "区财政局"), year=2021)
    assert main(["review", str(out), "--project", "d-650001", "--status", "退回修改", "--comment", "合计与项目预算数不一致"]) == 0
    reviews_file = tmp_path / "意见.json"
    assert main(["export-reviews", str(out), "-o", str(reviews_file)]) == 0
    sent = json.loads(reviews_file.read_text("utf-8"))["reviews"]
    assert [(r["uid"], r["project"], r["status"]) for r in sent] == [("d-650001", "柳树街街道办事处", "退回修改")]
    assert main(["import-reviews", str(a), str(reviews_file)]) == 0
    with Store.open(a, readonly=True) as store:
        assert store.reviews()["d-650001"].comment == "合计与项目预算数不一致"
