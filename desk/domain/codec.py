"""Domain objects to and from the dicts of the interchange JSON (DESIGN.md §4).

The same shape serves the JSON file (``desk.io.jsonio``) and the history
snapshots in the store. Reading checks every value and names the place of the
first problem (``$.projects[3].budget.total``) in Chinese.
"""

from __future__ import annotations

import hashlib
import json
import math
from decimal import Decimal
from operator import attrgetter

from desk.domain.model import (
    PLAN_SCHEMES, Budget, DepartmentPlan, DepartmentTask, Indicator, Narrative,
    Project, SpendingPlan, SubGoal,
)
from desk.domain.money import money_text, parse_decimal, parse_money
from desk.domain.values import COMPARATORS, parse_value
from desk.errors import InputError


def content_digest(item: Project | DepartmentPlan) -> str:
    """A digest of everything a table stores (content, revision, time): changes when any byte of it does."""
    data = project_to_dict(item) if isinstance(item, Project) else department_to_dict(item)
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def descent_digest(item: Project | DepartmentPlan) -> bytes:
    """16 bytes standing for a table's descent key (its content without revision, time and, for a project, its
    number): what an old history revision is reduced to, still enough for merge's "their history holds ours"."""
    if isinstance(item, Project):
        return descent_digest_of(project_to_dict(item), "project")
    return descent_digest_of(department_to_dict(item), "department")


def descent_digest_of(data: dict, kind: str) -> bytes:
    """``descent_digest`` of the table written as ``data`` (what project_to_dict/department_to_dict made)."""
    drop = ("revision", "updated_at") + (("number",) if kind == "project" else ())
    text = json.dumps({k: v for k, v in data.items() if k not in drop}, ensure_ascii=False, sort_keys=True,
                      separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()[:DIGEST_BYTES]


DIGEST_BYTES = 16


class JsonShapeError(InputError):
    """The JSON is valid but not the shape of a desk document."""


# ---------------------------------------------------------------- writing

def _percent(value: Decimal | None):
    if value is None:
        return None
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def _amount(value: Decimal | None) -> str | None:
    return money_text(value)


def indicator_to_dict(ind: Indicator) -> dict:
    return {
        "level1": ind.level1, "level2": ind.level2, "name": ind.name,
        "description": ind.description, "comparator": ind.comparator,
        "value": ind.value, "unit": ind.unit, "basis": ind.basis, "text": ind.text,
    }


def project_to_dict(p: Project) -> dict:
    return {
        "uid": p.uid,
        "unit_code": p.unit_code,
        "year": p.year,
        "form": p.form,
        "code": p.code,
        "name": p.name,
        "money_unit": p.money_unit,
        "budget": {"total": _amount(p.budget.total), "fiscal": _amount(p.budget.fiscal),
                   "other": _amount(p.budget.other)},
        "usage": p.usage,
        "plan": {"scheme": p.plan.scheme, "points": [_percent(x) for x in p.plan.points]},
        "goals": list(p.goals),
        "indicators": [indicator_to_dict(i) for i in p.indicators],
        "finalized_at": p.finalized_at,
        "finalized_by": p.finalized_by,
        "number": p.number,
        "extra": [[label, text] for label, text in p.extra],
        "carried_from": p.carried_from,
        "revision": p.revision,
        "updated_at": p.updated_at,
    }


def department_to_dict(d: DepartmentPlan) -> dict:
    return {
        "uid": d.uid,
        "unit_code": d.unit_code,
        "year": d.year,
        "form": d.form,
        "name": d.name,
        "money_unit": d.money_unit,
        "tasks": [
            {"name": t.name, "content": t.content, "total": _amount(t.total),
             "fiscal": _amount(t.fiscal), "other": _amount(t.other)}
            for t in d.tasks
        ],
        "goals": list(d.goals),
        "indicators": [indicator_to_dict(i) for i in d.indicators],
        "narrative": {
            "overall": d.narrative.overall,
            "sub_goals": [{"title": s.title, "goal": s.goal, "indicators": s.indicators}
                          for s in d.narrative.sub_goals],
            "measures": list(d.narrative.measures),
        },
        "finalized_at": d.finalized_at,
        "finalized_by": d.finalized_by,
        "carried_from": d.carried_from,
        "revision": d.revision,
        "updated_at": d.updated_at,
    }


# ---------------------------------------------------------------- reading

class Reader:
    """Typed access to a JSON value that names the place of every problem."""

    def __init__(self, value, path: str):
        self.value = value
        self.path = path

    def fail(self, what: str, key: str | None = None):
        where = f"{self.path}.{key}" if key else self.path
        raise JsonShapeError(f"JSON 内容有误：{where} {what}")

    def obj(self) -> dict:
        if not isinstance(self.value, dict):
            self.fail("应为对象 {…}")
        return self.value

    def get(self, key: str, kind, *, required=True, default=None, nullable=False):
        data = self.obj()
        if key not in data:
            if required:
                self.fail("缺少此项", key)
            return default
        value = data[key]
        if value is None and nullable:
            return None
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if isinstance(value, bool) and bool not in kinds:
            self.fail(f"类型不对（应为{_kind_name(kind)}）", key)
        if not isinstance(value, kinds):
            self.fail(f"类型不对（应为{_kind_name(kind)}）", key)
        return value

    def text(self, key: str, *, required=False) -> str:
        return self.get(key, str, required=required, default="")

    def child(self, key: str) -> "Reader":
        return Reader(self.obj().get(key), f"{self.path}.{key}")

    def items(self, key: str, *, required=False) -> list["Reader"]:
        values = self.get(key, list, required=required, default=[])
        return [Reader(v, f"{self.path}.{key}[{i}]") for i, v in enumerate(values)]


def _kind_name(kind) -> str:
    names = {str: "文字", int: "整数", list: "列表", dict: "对象", float: "数字", Decimal: "数字"}
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return "或".join(names.get(k, k.__name__) for k in kinds)


def _read_amount(r: Reader, key: str) -> Decimal | None:
    value = r.get(key, (str, int, float, Decimal), required=False, nullable=True)
    if value is None:
        return None
    try:
        return parse_money(value, what=f"{r.path}.{key}")
    except InputError as exc:
        raise JsonShapeError(f"JSON 内容有误：{exc}") from None


INDICATOR_KEYS = ("level1", "level2", "name", "description", "comparator", "value", "unit", "basis", "text")


def _written_parts(text: str) -> tuple[str, str, str]:
    """(comparator, value, unit) of a one-cell 指标值 (parse_value remembers short ones)."""
    written = parse_value(text)
    return written.comparator, written.value, written.unit


def _plain_indicator(values) -> bool:
    """The nine fields of an indicator (in INDICATOR_KEYS order) are what _read_indicator accepts without a word:
    all text, a known comparator (unit only with one), and the one-cell text reading as the parts."""
    if not all(type(v) is str for v in values):
        return False
    return value_parts_read_back(values[4], values[5], values[6], values[8])


def value_parts_read_back(comparator: str, value: str, unit: str, text: str) -> bool:
    """An indicator's 指标值, given as texts, as _read_indicator accepts it without a word: a known comparator
    (a unit only with one), and the one-cell text (if any) reading as the parts."""
    return ((comparator in COMPARATORS or comparator == "") and not (comparator == "" and unit)
            and (not text or _written_parts(text) == (comparator, value, unit)))


_indicator_fields = attrgetter(*INDICATOR_KEYS)


def indicator_reads_back(ind: Indicator) -> bool:
    """``_read_indicator(indicator_to_dict(ind))`` accepts it."""
    return _plain_indicator(_indicator_fields(ind))


def _read_indicator(r: Reader) -> Indicator:
    data = r.value
    if type(data) is dict:  # the common case, read at once; anything unusual is read field by field below
        values = [data.get(k, "") for k in INDICATOR_KEYS]
        if _plain_indicator(values):
            level1, level2, name, description, comparator, value, unit, basis, text = values
            return Indicator(level1=level1, level2=level2, name=name, description=description,
                             comparator=comparator, value=value, unit=unit, basis=basis, text=text)
    r.obj()
    comparator = r.text("comparator")
    if comparator not in COMPARATORS and comparator != "":
        r.fail(f"只能是 {' '.join(COMPARATORS)} 或空字符串", "comparator")
    value = r.text("value")
    unit = r.text("unit")
    if comparator == "" and unit:
        r.fail("定性指标（comparator 为空）的 unit 应为空，文字放在 value 中", "unit")
    text = r.text("text")
    if text:
        written = parse_value(text)
        if (written.comparator, written.value, written.unit) != (comparator, value, unit):
            r.fail(f"与 comparator/value/unit 不一致（“{text}”应读作“{written.comparator}”“{written.value}”"
                   f"“{written.unit}”）", "text")
    return Indicator(
        level1=r.text("level1"), level2=r.text("level2"), name=r.text("name"),
        description=r.text("description"), comparator=comparator, value=value,
        unit=unit, basis=r.text("basis"), text=text,
    )


def _read_goals(r: Reader) -> tuple[str, ...]:
    goals = []
    for g in r.items("goals"):
        if not isinstance(g.value, str):
            g.fail("应为文字")
        goals.append(g.value)
    return tuple(goals)


def _read_common(r: Reader, units: set[str] | None) -> dict:
    uid = r.get("uid", str)
    if not uid.strip():
        r.fail("不能为空", "uid")
    unit_code = r.get("unit_code", str)
    if units is not None and unit_code not in units:
        r.fail(f"“{unit_code}”不在 units 中", "unit_code")
    year = r.get("year", int)
    if not 1900 <= year <= 2999:
        r.fail(f"年度 {year} 不合理", "year")
    money_unit = r.get("money_unit", str, required=False, default="元")
    if money_unit not in ("元", "万元"):
        r.fail("只能是“元”或“万元”", "money_unit")
    revision = r.get("revision", int, required=False, default=1)
    if revision < 0:
        r.fail("不能为负数", "revision")
    return {
        "uid": uid, "unit_code": unit_code, "year": year, "money_unit": money_unit,
        "revision": revision, "updated_at": r.text("updated_at"),
    }


def read_project(r: Reader, units: set[str] | None = None) -> Project:
    common = _read_common(r, units)
    budget = r.child("budget")
    if budget.value is None:
        budget_obj = Budget()
    else:
        budget.obj()
        budget_obj = Budget(
            total=_read_amount(budget, "total"),
            fiscal=_read_amount(budget, "fiscal"),
            other=_read_amount(budget, "other"),
        )
    plan_r = r.child("plan")
    if plan_r.value is None:
        plan = SpendingPlan()
    else:
        scheme = plan_r.get("scheme", str)
        if scheme not in PLAN_SCHEMES:
            plan_r.fail(f"只能是 {' 或 '.join(PLAN_SCHEMES)}", "scheme")
        points = []
        for p in plan_r.items("points", required=True):
            if p.value is None:
                points.append(None)
                continue
            if isinstance(p.value, bool) or not isinstance(p.value, (int, float, Decimal, str)):
                p.fail("应为数字或 null")
            try:
                points.append(parse_decimal(p.value, what=p.path))
            except InputError:
                p.fail("不是有效的数字")
        plan = SpendingPlan(scheme=scheme, points=tuple(points))
    return Project(
        form=r.get("form", str, required=False, default="hebei-project"),
        code=r.text("code"),
        name=r.text("name"),
        budget=budget_obj,
        usage=r.text("usage"),
        plan=plan,
        goals=_read_goals(r),
        indicators=tuple(_read_indicator(i) for i in r.items("indicators")),
        finalized_at=r.text("finalized_at"),
        finalized_by=r.text("finalized_by"),
        number=_read_number(r),
        extra=_read_extra(r),
        carried_from=r.text("carried_from"),
        **common,
    )


_project_texts = attrgetter("uid", "unit_code", "form", "code", "name", "usage", "finalized_at", "finalized_by",
                            "carried_from", "updated_at")


def project_reads_back(p: Project) -> bool:
    """``project_from_dict(project_to_dict(p))`` accepts ``p``, for a project that ``rules.validate`` accepts
    (year, amounts, plan scheme, number and money unit are checked there the same way): what read_project asks
    besides. A received file's history snapshot that is exactly its checked table then needs no second reading."""
    if not all(type(x) is str for x in _project_texts(p)) or not p.uid.strip():
        return False
    if type(p.revision) is not int or p.revision < 0:
        return False
    if not all(type(g) is str for g in p.goals):
        return False
    for x in p.plan.points:  # written by _percent: an integer, or a float that must stay finite
        if x is not None and x != x.to_integral_value() and not math.isfinite(float(x)):
            return False
    return all(_plain_indicator(_indicator_fields(ind)) for ind in p.indicators)


def _read_number(r: Reader) -> int:
    number = r.get("number", int, required=False, default=0)
    if not 0 <= number <= 100_000:
        r.fail("应为 0 到 100000 之间的整数", "number")
    return number


def _read_extra(r: Reader) -> tuple[tuple[str, str], ...]:
    pairs = []
    for item in r.items("extra"):
        if (not isinstance(item.value, list) or len(item.value) != 2
                or not all(isinstance(x, str) for x in item.value)):
            item.fail("应为 [名称, 内容] 两段文字")
        pairs.append((item.value[0], item.value[1]))
    return tuple(pairs)


def read_department(r: Reader, units: set[str] | None = None) -> DepartmentPlan:
    common = _read_common(r, units)
    tasks = []
    for t in r.items("tasks"):
        t.obj()
        tasks.append(DepartmentTask(
            name=t.text("name"), content=t.text("content"),
            total=_read_amount(t, "total"), fiscal=_read_amount(t, "fiscal"), other=_read_amount(t, "other"),
        ))
    n = r.child("narrative")
    if n.value is None:
        narrative = Narrative()
    else:
        n.obj()
        measures = []
        for m in n.items("measures"):
            if not isinstance(m.value, str):
                m.fail("应为文字")
            measures.append(m.value)
        subs = []
        for s in n.items("sub_goals"):
            s.obj()
            subs.append(SubGoal(title=s.text("title"), goal=s.text("goal"), indicators=s.text("indicators")))
        narrative = Narrative(overall=n.text("overall"), sub_goals=tuple(subs), measures=tuple(measures))
    return DepartmentPlan(
        form=r.get("form", str, required=False, default="department"),
        name=r.text("name"),
        tasks=tuple(tasks),
        goals=_read_goals(r),
        indicators=tuple(_read_indicator(i) for i in r.items("indicators")),
        narrative=narrative,
        finalized_at=r.text("finalized_at"),
        finalized_by=r.text("finalized_by"),
        carried_from=r.text("carried_from"),
        **common,
    )




def project_from_dict(data, path: str = "$") -> Project:
    return read_project(Reader(data, path))


def department_from_dict(data, path: str = "$") -> DepartmentPlan:
    return read_department(Reader(data, path))
