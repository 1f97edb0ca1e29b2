"""Hypothesis strategies for random domain objects."""

from decimal import Decimal

from hypothesis import strategies as st

from desk.domain.model import (
    Budget, DepartmentPlan, DepartmentTask, Indicator, Narrative, Project, SpendingPlan, SubGoal,
)
from desk.domain.values import COMPARATORS

CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5)
TEXT_CHARS = st.one_of(CJK, st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")))
text = st.text(TEXT_CHARS, max_size=20)
short = st.text(TEXT_CHARS, max_size=8)

amounts = st.one_of(
    st.none(),
    st.integers(min_value=-10**12, max_value=10**13).map(lambda fen: (Decimal(fen) / 100).quantize(Decimal("0.01"))),
)
percent = st.one_of(
    st.none(),
    st.integers(min_value=0, max_value=10000).map(lambda x: (Decimal(x) / 100).normalize()),
)


@st.composite
def indicators(draw):
    comparator = draw(st.sampled_from(COMPARATORS + ("",)))
    if comparator:
        value = draw(st.from_regex(r"\A[0-9]{1,6}(\.[0-9]{1,2})?\Z"))
        unit = draw(st.sampled_from(["%", "个", "万元", "人/元", "", "平方米"]))
    else:
        value, unit = draw(text), ""
    ind = Indicator(
        level1=draw(st.sampled_from(["产出指标", "效益指标", "满意度指标", "成本指标", "效果指标", ""])),
        level2=draw(st.sampled_from(["数量指标", "质量指标", "经济效益指标", "服务对象满意度指标", "数量"])),
        name=draw(text), description=draw(text), comparator=comparator, value=value, unit=unit,
        basis=draw(text),
    )
    if draw(st.booleans()):  # written in one cell, kept as written beside its parsed parts
        ind = ind.with_value_text(draw(st.one_of(st.sampled_from(WRITTEN), text)))
    return ind


WRITTEN = ["85%以上", "≥90%", "不低于85%", "低于10%", "12", "365天", "=12个", ">=718.00人/元", "按计划完成", "１２０％"]


@st.composite
def projects(draw, unit_code="439001"):
    scheme = draw(st.sampled_from(["month_end", "quarter"]))
    return Project(
        uid=draw(st.uuids()).hex,
        unit_code=unit_code,
        year=draw(st.integers(min_value=2015, max_value=2035)),
        form=draw(st.sampled_from(["hebei-project", "project-2021"])),
        code=draw(short),
        name=draw(text),
        money_unit=draw(st.sampled_from(["元", "万元"])),
        budget=Budget(draw(amounts), draw(amounts), draw(amounts)),
        usage=draw(text),
        plan=SpendingPlan(scheme, tuple(draw(st.lists(percent, min_size=4, max_size=4)))),
        goals=tuple(draw(st.lists(text, max_size=3))),
        indicators=tuple(draw(st.lists(indicators(), max_size=6))),
        finalized_at=draw(st.sampled_from(["", "2026-11-22T09:00:00+08:00"])),
        finalized_by=draw(st.sampled_from(["", "张三@PC-01"])),
        number=draw(st.integers(min_value=1, max_value=60)),
        extra=tuple(draw(st.lists(st.tuples(st.sampled_from(["项目绩效模板", "项目类别"]), text), max_size=2))),
        revision=draw(st.integers(min_value=1, max_value=50)),
        updated_at=draw(st.sampled_from(["2026-11-21T10:00:00+08:00", "2023-01-15T09:00:00+08:00"])),
    )


@st.composite
def departments(draw, unit_code="439001"):
    return DepartmentPlan(
        uid=draw(st.uuids()).hex,
        unit_code=unit_code,
        year=draw(st.integers(min_value=2015, max_value=2035)),
        name=draw(text),
        money_unit=draw(st.sampled_from(["元", "万元"])),
        tasks=tuple(draw(st.lists(
            st.builds(DepartmentTask, name=text, content=text, total=amounts, fiscal=amounts, other=amounts),
            max_size=3))),
        goals=tuple(draw(st.lists(text, max_size=3))),
        indicators=tuple(draw(st.lists(indicators(), max_size=3))),
        narrative=Narrative(
            overall=draw(text),
            sub_goals=tuple(draw(st.lists(st.builds(SubGoal, title=text, goal=text, indicators=text), max_size=2))),
            measures=tuple(draw(st.lists(text, max_size=2))),
        ),
        finalized_at=draw(st.sampled_from(["", "2026-11-22T09:00:00+08:00"])),
        finalized_by=draw(st.sampled_from(["", "张三@PC-01"])),
        revision=draw(st.integers(min_value=1, max_value=50)),
        updated_at="2026-11-21T10:00:00+08:00",
    )
