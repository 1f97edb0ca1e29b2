"""Load form definitions from ``forms/*.toml``.

A form file names its indicator tree (defined in ``forms/trees.toml``), its
plan checkpoints, grid columns and text limits. Adding a province's variant
is a new TOML file, not new code. Every problem in a file is reported in
Chinese with the file name and the key.
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path

from desk import paths
from desk.domain.formdef import MONEY_LAYOUTS, PAGE_SIZES_MM, PRINT_BLOCKS, FormDef, GridColumn, IndicatorTree, Level1, PrintSpec
from desk.errors import DeskError

TREES_FILE = "trees.toml"
SPLIT_KEYS = {"comparator", "number", "unit"}
COLUMN_KEYS = {"level1", "level2", "name", "description", "value", "basis"} | SPLIT_KEYS


class FormError(DeskError):
    """A form definition file cannot be used."""


def _read_toml(path: Path) -> dict:
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise FormError(f"找不到表样定义文件：{path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise FormError(f"表样定义文件 {path.name} 格式错误：{exc}") from None
    except UnicodeDecodeError:
        raise FormError(f"表样定义文件 {path.name} 不是 UTF-8 编码") from None


def _need(data: dict, key: str, kind: type, where: str):
    if key not in data:
        raise FormError(f"{where} 缺少“{key}”")
    value = data[key]
    if not isinstance(value, kind):
        raise FormError(f"{where} 中“{key}”的类型不对")
    return value


def _load_trees(path: Path) -> tuple[dict[str, IndicatorTree], dict[str, tuple[str, ...]]]:
    data = _read_toml(path)
    where = path.name
    trees: dict[str, IndicatorTree] = {}
    for key, spec in _need(data, "tree", dict, where).items():
        at = f"{where} [tree.{key}]"
        if not isinstance(spec, dict):
            raise FormError(f"{at} 应为一个表")
        level1 = []
        for i, item in enumerate(_need(spec, "level1", list, at)):
            item_at = f"{at} 第{i + 1}个一级指标"
            if not isinstance(item, dict):
                raise FormError(f"{item_at} 应为一个表")
            children = _need(item, "children", list, item_at)
            if not all(isinstance(c, str) and c for c in children):
                raise FormError(f"{item_at} 的 children 应为非空文字列表")
            level1.append(Level1(
                name=_need(item, "name", str, item_at),
                children=tuple(children),
                required=bool(item.get("required", True)),
            ))
        aliases = spec.get("aliases", {})
        if not isinstance(aliases, dict) or not all(isinstance(v, str) for v in aliases.values()):
            raise FormError(f"{at} 中 aliases 应为“别名 = 标准名称”")
        trees[str(key)] = IndicatorTree(
            key=str(key), title=str(spec.get("title", key)), level1=tuple(level1), aliases=dict(aliases)
        )
    schemes: dict[str, tuple[str, ...]] = {}
    for key, spec in _need(data, "plan", dict, where).items():
        labels = _need(spec, "labels", list, f"{where} [plan.{key}]")
        if not labels or not all(isinstance(x, str) and x for x in labels):
            raise FormError(f"{where} [plan.{key}] 的 labels 应为非空文字列表")
        schemes[key] = tuple(labels)
    return trees, schemes


def _numbers(value, at: str, key: str, count: int | None = None) -> tuple[float, ...]:
    if not isinstance(value, list) or not value or not all(
            isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0 for v in value):
        raise FormError(f"{at} 中“{key}”应为正数列表")
    if count is not None and len(value) != count:
        raise FormError(f"{at} 中“{key}”应有 {count} 个数，现有 {len(value)} 个")
    return tuple(float(v) for v in value)


def _texts(value, at: str, key: str, count: int | None = None) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise FormError(f"{at} 中“{key}”应为文字列表")
    if count is not None and len(value) != count:
        raise FormError(f"{at} 中“{key}”应有 {count} 项，现有 {len(value)} 项")
    return tuple(value)


def _load_print(data: dict, where: str, columns: tuple[GridColumn, ...], goals_layout: str,
                kind: str = "project") -> PrintSpec:
    """The [print] table: page, sizes, labels and column widths (mm)."""
    spec = data.get("print", {})
    at = f"{where} [print]"
    if not isinstance(spec, dict):
        raise FormError(f"{at} 应为一个表")
    default = PrintSpec()
    values: dict = {}
    page = spec.get("page", default.page)
    if page not in PAGE_SIZES_MM:
        raise FormError(f"{at} 中 page 只能是 {'、'.join(PAGE_SIZES_MM)}")
    values["page"] = page
    values["landscape"] = bool(spec.get("landscape", False))
    if "margins_mm" in spec:
        values["margins_mm"] = _numbers(spec["margins_mm"], at, "margins_mm", 4)
    for key in ("title_size", "unit_line_size", "text_size", "grid_size", "footer_size", "leading",
                "padding_mm", "min_row_mm", "grid_label_mm"):
        if key in spec:
            value = spec[key]
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
                raise FormError(f"{at} 中“{key}”应为正数")
            values[key] = float(value)
    for key in ("title_template", "money_label", "plan_label", "goals_label", "subtitle_template", "name_label",
                "total_label", "grid_label"):
        if key in spec:
            if not isinstance(spec[key], str):
                raise FormError(f"{at} 中“{key}”应为文字")
            values[key] = spec[key]
    template = values.get("title_template", default.title_template)
    if "{name}" not in template and kind == "project":
        raise FormError(f"{at} 中 title_template 应包含 {{name}}")
    try:
        template.format(index=1, name="", code="", year=2000)
        values.get("subtitle_template", default.subtitle_template).format(year=2000, name="")
    except (KeyError, IndexError, ValueError):
        raise FormError(f"{at} 中 title_template、subtitle_template 只能用 {{index}}、{{name}}、{{code}}、{{year}}") from None
    if "blocks" in spec:
        blocks = _texts(spec["blocks"], at, "blocks")
        unknown = [b for b in blocks if b not in PRINT_BLOCKS]
        if unknown:
            raise FormError(f"{at} 中 blocks 有未知的块“{unknown[0]}”，可用：{'、'.join(PRINT_BLOCKS)}")
        values["blocks"] = blocks
    if "header_labels" in spec:
        values["header_labels"] = _texts(spec["header_labels"], at, "header_labels", 2)
    if "money_labels" in spec:
        values["money_labels"] = _texts(spec["money_labels"], at, "money_labels", 3)
    if "task_labels" in spec:
        values["task_labels"] = _texts(spec["task_labels"], at, "task_labels", 6)
    counts = {"header_widths_mm": 4, "money_widths_mm": 7, "goals_widths_mm": 3 if goals_layout == "rows" else 2,
              "grid_widths_mm": len(columns), "name_widths_mm": 2, "task_widths_mm": 5}
    for key, count in counts.items():
        if key in spec:
            values[key] = _numbers(spec[key], at, key, count)
    for key in ("grid_min_mm", "grid_max_mm"):
        if key in spec:
            values[key] = _numbers(spec[key], at, key, len(columns))
    if "plan_widths_mm" in spec:
        values["plan_widths_mm"] = _numbers(spec["plan_widths_mm"], at, "plan_widths_mm")
    if "grid_align" in spec:
        align = _texts(spec["grid_align"], at, "grid_align", len(columns))
        if any(a not in ("left", "center", "right") for a in align):
            raise FormError(f"{at} 中 grid_align 只能是 left、center、right")
        values["grid_align"] = align
    if "signoff" in spec:
        rows = spec["signoff"]
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise FormError(f"{at} 中 signoff 应为“每行若干签字项”的列表")
        values["signoff"] = tuple(_texts(r, at, "signoff") for r in rows)
    result = PrintSpec(**values)
    body = result.body_width_mm
    lows, highs = result.grid_min_mm, result.grid_max_mm
    if bool(lows) != bool(highs):
        raise FormError(f"{at} 中 grid_min_mm 与 grid_max_mm 应同时给出")
    if lows:
        if any(lo > w or w > hi for lo, w, hi in zip(lows, result.grid_widths_mm, highs)):
            raise FormError(f"{at} 中每列 grid_widths_mm 应在 grid_min_mm 与 grid_max_mm 之间")
        room = body - result.grid_label_mm
        if sum(lows) > room + 0.5 or sum(highs) < room - 0.5:
            raise FormError(f"{at} 中 grid_min_mm 合计应不大于、grid_max_mm 合计应不小于版心宽度 {body:g} 毫米")
    keys = ("header_widths_mm", "money_widths_mm", "plan_widths_mm", "goals_widths_mm", "grid_widths_mm")
    if kind == "department":
        keys = ("name_widths_mm", "task_widths_mm", "goals_widths_mm", "grid_widths_mm")
    for key in keys:
        widths = getattr(result, key)
        if key in ("goals_widths_mm",) and len(widths) != counts[key]:
            raise FormError(f"{at} 中“{key}”应有 {counts[key]} 个数（goals_layout = {goals_layout}）")
        if key == "grid_widths_mm" and len(widths) != len(columns):
            raise FormError(f"{at} 中“grid_widths_mm”应有 {len(columns)} 个数，与 [grid] 的列数一致")
        room = body - (result.grid_label_mm if key == "grid_widths_mm" else 0.0)
        if abs(sum(widths) - room) > 0.5:
            raise FormError(f"{at} 中“{key}”合计 {sum(widths):g} 毫米，应等于 {room:g} 毫米"
                            + ("（版心宽度减去 grid_label_mm）" if room != body else "（版心宽度）"))
    return result


def load_form(path: Path, trees: dict[str, IndicatorTree], schemes: dict[str, tuple[str, ...]]) -> FormDef:
    data = _read_toml(path)
    where = path.name
    name = _need(data, "name", str, where)
    if name != path.stem:
        raise FormError(f"{where} 中 name = “{name}” 应与文件名 “{path.stem}” 一致")
    kind = _need(data, "kind", str, where)
    if kind not in ("project", "department"):
        raise FormError(f"{where} 中 kind 只能是 project 或 department")
    tree_key = str(_need(data, "tree", str, where))
    if tree_key not in trees:
        raise FormError(f"{where} 中 tree = “{tree_key}” 未在 {TREES_FILE} 中定义")
    plan = _need(data, "plan", dict, where)
    default_scheme = _need(plan, "default", str, f"{where} [plan]")
    scheme_keys = plan.get("schemes", [default_scheme])
    for key in scheme_keys:
        if key not in schemes:
            raise FormError(f"{where} [plan] 中的计划方式“{key}”未在 {TREES_FILE} 中定义")
    if default_scheme not in scheme_keys:
        raise FormError(f"{where} [plan] 中 default 应为 schemes 之一")
    grid = _need(data, "grid", dict, where)
    value_layout = _need(grid, "value_layout", str, f"{where} [grid]")
    if value_layout not in ("single", "split"):
        raise FormError(f"{where} [grid] 中 value_layout 只能是 single 或 split")
    columns = []
    for i, col in enumerate(_need(grid, "columns", list, f"{where} [grid]")):
        at = f"{where} [grid] 第{i + 1}列"
        if not isinstance(col, dict):
            raise FormError(f"{at} 应为 {{ key = …, label = … }}")
        key = _need(col, "key", str, at)
        if key not in COLUMN_KEYS:
            raise FormError(f"{at} 的 key “{key}” 无效，可用：{', '.join(sorted(COLUMN_KEYS))}")
        columns.append(GridColumn(key=key, label=_need(col, "label", str, at)))
    keys = {c.key for c in columns}
    if value_layout == "split" and not SPLIT_KEYS <= keys:
        raise FormError(f"{where}：value_layout = split 时需要 comparator、number、unit 三列")
    if value_layout == "single" and "value" not in keys:
        raise FormError(f"{where}：value_layout = single 时需要 value 列")
    limits = data.get("limits", {})
    if not isinstance(limits, dict) or not all(isinstance(v, int) and v > 0 for v in limits.values()):
        raise FormError(f"{where} [limits] 中的值应为正整数")
    goals_layout = data.get("goals_layout", "single")
    if goals_layout not in ("single", "rows"):
        raise FormError(f"{where} 中 goals_layout 只能是 single 或 rows")
    money_unit = data.get("money_unit", "元")
    if money_unit not in ("元", "万元"):
        raise FormError(f"{where} 中 money_unit 只能是 元 或 万元")
    money = data.get("money", "rows")
    if money not in MONEY_LAYOUTS:
        raise FormError(f"{where} 中 money 只能是 {'、'.join(MONEY_LAYOUTS)}")
    bare_symbol = grid.get("bare_symbol", "")
    if bare_symbol not in ("", "="):
        raise FormError(f"{where} [grid] 中 bare_symbol 只能是 \"\" 或 \"=\"")
    extra_rows = _texts(data.get("extra_rows", []), where, "extra_rows")
    if any(not x.strip() for x in extra_rows) or len(set(extra_rows)) != len(extra_rows):
        raise FormError(f"{where} 中 extra_rows 应为互不相同的非空文字")
    goal_label = data.get("goal_label", "目标{n}")
    if not isinstance(goal_label, str) or "{n}" not in goal_label:
        raise FormError(f"{where} 中 goal_label 应为包含 {{n}} 的文字")
    return FormDef(
        name=name,
        title=_need(data, "title", str, where),
        kind=kind,
        tree=trees[tree_key],
        plan_schemes={k: schemes[k] for k in scheme_keys},
        default_scheme=default_scheme,
        value_layout=value_layout,
        columns=tuple(columns),
        limits=dict(limits),
        goals_layout=goals_layout,
        money_unit=money_unit,
        money=money,
        bare_symbol=bare_symbol,
        extra_rows=extra_rows,
        goal_label=goal_label,
        label=str(data.get("label") or name),
        print=_load_print(data, where, tuple(columns), goals_layout, kind),
        raw=data,
    )


def load_forms(directory: Path | None = None) -> dict[str, FormDef]:
    directory = Path(directory) if directory else paths.forms_dir()
    trees, schemes = _load_trees(directory / TREES_FILE)
    forms = {}
    for path in sorted(directory.glob("*.toml")):
        if path.name == TREES_FILE:
            continue
        form = load_form(path, trees, schemes)
        forms[form.name] = form
    if not forms:
        raise FormError(f"{directory} 中没有表样定义文件")
    return forms


@lru_cache(maxsize=1)
def default_forms() -> dict[str, FormDef]:
    return load_forms()


def get_form(name: str, forms: dict[str, FormDef] | None = None) -> FormDef:
    forms = forms if forms is not None else default_forms()
    try:
        return forms[name]
    except KeyError:
        raise FormError(f"未知的表样“{name}”，可用：{'、'.join(sorted(forms))}") from None
