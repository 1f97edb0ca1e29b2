"""Small builders shared by the tests."""

from decimal import Decimal

from desk.domain.model import Budget, Indicator, Project, SpendingPlan, Unit

UNIT = Unit("439001", "玉田县无终街道办事处本级")


def good_project(**changes) -> Project:
    """A project that passes every check on the hebei-project form."""
    base = dict(
        unit_code=UNIT.code,
        year=2023,
        form="hebei-project",
        code="13022923P00JXC415060P",
        name="城镇社区工作经费",
        budget=Budget(Decimal("770000.00"), Decimal("770000.00"), Decimal("0.00")),
        usage="城镇社区工作经费",
        plan=SpendingPlan("month_end", (Decimal(30), Decimal(60), Decimal(90), Decimal(100))),
        goals=("城镇社区工作稳定开展",),
        indicators=(
            Indicator("产出指标", "数量指标", "城市社区综合服务设施数量", "城市社区综合服务设施数量", "≥", "25", "个", "社区工作覆盖情况"),
            Indicator("产出指标", "质量指标", "满意率", "居民满意率", "≥", "90", "%", "居民满意率"),
            Indicator("效益指标", "社会效益指标", "城市社区综合设施覆盖达标", "城市社区综合设施覆盖达标率", "≥", "80", "%", "依据单位考核指标"),
            Indicator("满意度指标", "服务对象满意度指标", "群众满意度", "群众满意数量占总数的比例。", "≥", "80", "%", "群众满意度"),
        ),
    )
    base.update(changes)
    return Project(**base)
