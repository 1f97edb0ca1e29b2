"""审核 rules: each finding has its code, severity, field path and a message naming the field."""

from dataclasses import replace
from decimal import Decimal

import pytest

from desk.domain.checks import ERROR, RULES, SUGGESTION, WARNING, check_department, check_project
from desk.domain.model import Budget, DepartmentPlan, DepartmentTask, Indicator, SpendingPlan
from desk.forms import get_form
from tests.helpers import good_project

HEBEI = get_form("hebei-project")
F2021 = get_form("project-2021")


def findings_of(project, form=HEBEI):
    return check_project(project, form)


def only(findings, code):
    matched = [f for f in findings if f.code == code]
    assert matched, f"no {code} in {[f.code for f in findings]}"
    return matched


def test_good_project_has_no_findings():
    assert findings_of(good_project()) == []


def test_every_rule_has_a_severity_and_text():
    for code, (severity, text) in RULES.items():
        assert severity in (ERROR, WARNING, SUGGESTION), code
        assert text


def test_money_must_balance():
    p = good_project(budget=Budget(Decimal("770000.00"), Decimal("700000.00"), Decimal("60000.00")))
    (f,) = only(findings_of(p), "MONEY_BALANCE")
    assert f.severity == ERROR
    assert f.field == "budget.total"
    assert "预算数 770,000.00元" in f.message and "相差 10,000.00元" in f.message  # as the screen shows amounts
    assert f.project == "城镇社区工作经费" and f.project_uid == p.uid


def test_money_balance_in_wan_yuan_is_exact():
    p = good_project(money_unit="万元", budget=Budget(Decimal("8525100.00"), Decimal("8525100.00"), None))
    assert not [f for f in findings_of(p) if f.code == "MONEY_BALANCE"]
    p = good_project(money_unit="万元", budget=Budget(Decimal("8525100.00"), Decimal("8525000.00"), None))
    (f,) = only(findings_of(p), "MONEY_BALANCE")
    assert "852.51万元" in f.message and "852.50万元" in f.message


def test_missing_and_negative_money():
    assert only(findings_of(good_project(budget=Budget(None, None, None))), "MONEY_MISSING")[0].field == "budget.total"
    p = good_project(budget=Budget(Decimal("-1.00"), Decimal("-1.00"), None))
    assert only(findings_of(p), "MONEY_NEGATIVE")[0].message.startswith("预算数不能为负数")


def test_plan_rules_name_the_checkpoint():
    p = good_project(plan=SpendingPlan("month_end", (Decimal(30), Decimal(20), Decimal(120), Decimal(90))))
    found = findings_of(p)
    dec = only(found, "PLAN_DECREASING")
    assert [f.field for f in dec] == ["plan.points[1]", "plan.points[3]"]
    assert "“6月底”" in dec[0].message and "“3月底”" in dec[0].message
    rng = only(found, "PLAN_RANGE")
    assert rng[0].field == "plan.points[2]" and "“10月底”为 120%" in rng[0].message
    (end,) = only(found, "PLAN_END")
    assert end.field == "plan.points[3]" and "“12月底”为 90%" in end.message


def test_plan_blanks_are_allowed_but_the_end_is_required():
    p = good_project(plan=SpendingPlan("month_end", (None, None, None, Decimal(100))))
    assert findings_of(p) == []
    p = good_project(plan=SpendingPlan("month_end", (Decimal(30), None, None, None)))
    (end,) = only(findings_of(p), "PLAN_END")
    assert "未填写" in end.message


def test_quarter_plan_uses_quarter_labels():
    p = good_project(plan=SpendingPlan("quarter", (Decimal(50), Decimal(40), None, Decimal(100))))
    (dec,) = only(findings_of(p), "PLAN_DECREASING")
    assert "“第二季度”" in dec.message


def test_plan_with_wrong_number_of_points():
    p = good_project(plan=SpendingPlan("month_end", (Decimal(100),)))
    assert only(findings_of(p), "PLAN_SHAPE")[0].field == "plan"


def test_required_first_level_indicators_2015():
    inds = tuple(i for i in good_project().indicators if i.level1 != "满意度指标")
    (f,) = only(findings_of(good_project(indicators=inds)), "IND_MISSING_L1")
    assert "满意度指标" in f.message


def test_2021_tree_requires_cost_and_knows_aliases():
    p = good_project(form="project-2021", plan=SpendingPlan("quarter", (None, None, None, Decimal(100))))
    (f,) = only(findings_of(p, F2021), "IND_MISSING_L1")
    assert "成本指标" in f.message
    cost = Indicator("成本指标", "经济成本", "资金成本", "资金成本", "≤", "77", "万元", "预算")
    effect = replace(p.indicators[2], level1="效果指标")  # older tables say 效果指标
    p = replace(p, indicators=(p.indicators[0], p.indicators[1], effect, p.indicators[3], cost))
    # accepted as written; the tree's own names are offered, not imposed
    assert {(f.code, f.fix) for f in findings_of(p, F2021)} == {
        ("SUGGEST_LEVEL_NAME", "效益指标"), ("SUGGEST_LEVEL_NAME", "经济成本指标")}


def test_unknown_levels():
    bad1 = replace(good_project().indicators[0], level1="投入指标")
    bad2 = replace(good_project().indicators[1], level2="满意度")
    p = good_project(indicators=(bad1, bad2) + good_project().indicators[2:])
    found = findings_of(p)
    assert only(found, "IND_LEVEL1_UNKNOWN")[0].field == "indicators[0].level1"
    (l2,) = only(found, "IND_LEVEL2_UNKNOWN")
    assert l2.severity == WARNING and l2.field == "indicators[1].level2" and "“满意度”" in l2.message


def test_second_level_without_suffix_is_accepted():
    ind = replace(good_project().indicators[0], level2="数量")
    p = good_project(indicators=(ind,) + good_project().indicators[1:])
    assert [(f.code, f.fix) for f in findings_of(p)] == [("SUGGEST_LEVEL_NAME", "数量指标")]


def test_indicator_names_filled_and_unique():
    inds = list(good_project().indicators)
    inds[1] = replace(inds[1], name=inds[0].name)
    inds[2] = replace(inds[2], name=" ")
    found = findings_of(good_project(indicators=tuple(inds)))
    (dup,) = only(found, "IND_NAME_DUPLICATE")
    assert dup.field == "indicators[1].name" and "与第1行重名" in dup.message
    assert only(found, "IND_NAME_MISSING")[0].field == "indicators[2].name"


@pytest.mark.parametrize(
    "target, code, field",
    [
        (("≥", "较好", ""), "IND_VALUE_NOT_NUMBER", "value"),
        (("≥", "25", ""), "IND_UNIT_MISSING", "unit"),
        (("≥", "120", "%"), "IND_PERCENT_OVER", "value"),
        (("", "", ""), "IND_VALUE_MISSING", "value"),
        (("", "**", ""), "PLACEHOLDER", "value"),
    ],
)
def test_value_rules(target, code, field):
    ind = replace(good_project().indicators[0], comparator=target[0], value=target[1], unit=target[2])
    p = good_project(indicators=(ind,) + good_project().indicators[1:])
    (f,) = only(findings_of(p), code)
    assert f.field == f"indicators[0].{field}"
    assert "指标第1行" in f.message


def test_cost_with_greater_equal_is_warned():
    cost = Indicator("产出指标", "成本指标", "资金成本", "资金成本", "≥", "115", "万元", "资金使用情况")
    p = good_project(indicators=good_project().indicators + (cost,))
    (f,) = only(findings_of(p), "IND_COST_GE")
    assert f.severity == WARNING and "“≤”" in f.message


def test_low_satisfaction_is_warned():
    inds = list(good_project().indicators)
    inds[3] = replace(inds[3], value="70")
    (f,) = only(findings_of(good_project(indicators=tuple(inds))), "IND_SATISFACTION_LOW")
    assert f.severity == WARNING and "≥70%" in f.message


@pytest.mark.parametrize("placeholder", ["*", "**", "XX", "xx", "-"])
def test_placeholders_rejected_in_text_fields(placeholder):
    p = good_project(usage=placeholder)
    (f,) = only(findings_of(p), "PLACEHOLDER")
    assert f.field == "usage" and "资金用途" in f.message


def test_text_longer_than_the_form_allows():
    p = good_project(code="1" * 22)
    (f,) = only(findings_of(p), "HEADER_TOO_LONG")
    assert f.field == "code" and "22 个字" in f.message and "21" in f.message


def test_missing_name_goals_and_indicators():
    found = findings_of(good_project(name="", goals=(), indicators=()))
    assert {"HEADER_NAME", "GOALS_MISSING", "IND_MISSING_L1"} <= {f.code for f in found}
    assert all(f.project == "（未命名）" for f in found)


def test_department_rules():
    form = get_form("department")
    dept = DepartmentPlan(
        unit_code="650203", year=2021, name="乌尔禾区柳树街街道办事处",
        tasks=(DepartmentTask("基本支出", "保障运转", Decimal("5451400.00"), Decimal("5451400.00"), Decimal("0.00")),
               DepartmentTask("武装工作", "民兵训练", Decimal("15000.00"), Decimal("10000.00"), Decimal("0.00"))),
        goals=("保障在职人员工资",),
        indicators=(
            Indicator("产出指标", "数量指标", "购置电脑数量", "", "=", "1", "台", ""),
            Indicator("效益指标", "社会效益指标", "提升群众安全感", "", "", "提升", "", ""),
            Indicator("满意度指标", "服务对象满意度指标", "群众满意度", "", "≥", "90", "%", ""),
        ),
    )
    found = check_department(dept, form)
    assert [f.code for f in found] == ["DEPT_TASK_BALANCE"]
    assert found[0].field == "tasks[1].total" and "任务第2行" in found[0].message
    assert dept.totals() == (Decimal("5466400.00"), Decimal("5461400.00"), Decimal("0.00"))


def test_a_first_level_indicator_split_in_two_places_is_a_warning():
    p = good_project()
    inds = list(p.indicators)
    inds.insert(3, inds.pop(0))  # a 产出 row moved under the 效益 row
    (f,) = only(findings_of(replace(p, indicators=tuple(inds))), "IND_GROUP_SPLIT")
    assert f.severity == "warning" and f.field == "indicators[3].level1"
    assert f.message.startswith("一级指标“产出指标”分在第1行和第4行")
    assert not [x for x in findings_of(p) if x.code == "IND_GROUP_SPLIT"]
