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
from desk.domain.formdef import FormDef, GridColumn, IndicatorTree, Level1
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
