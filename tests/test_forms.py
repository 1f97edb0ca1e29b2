"""Form definitions: the shipped forms load; a bad file gets a clear message naming file and key."""

import shutil

import pytest

from desk.forms import FormError, get_form, load_forms
from tests.conftest import ROOT

FORMS = ROOT / "forms"


def test_shipped_forms():
    forms = load_forms()
    assert {"hebei-project", "project-2021", "department"} <= set(forms)
    hebei = forms["hebei-project"]
    assert hebei.tree.key == "2015" and hebei.value_layout == "single"
    assert hebei.checkpoint_labels("month_end") == ("3月底", "6月底", "10月底", "12月底")
    assert hebei.checkpoint_labels("quarter") == ("第一季度", "第二季度", "第三季度", "第四季度")
    assert [c.label for c in hebei.columns] == ["一级指标", "二级指标", "三级指标", "绩效指标描述", "指标值", "指标值确定依据"]
    assert hebei.limit("code") == 21
    f2021 = forms["project-2021"]
    assert f2021.tree.level1_names() == ("产出指标", "成本指标", "效益指标", "满意度指标")
    assert f2021.value_layout == "split" and f2021.default_scheme == "quarter"
    assert [c.label for c in f2021.columns][4:7] == ["符号", "值", "单位（文字描述）"]


def test_tree_aliases():
    tree = get_form("hebei-project").tree
    assert tree.canonical("效果指标") == "效益指标"
    assert tree.canonical("数量") == "数量指标"
    assert tree.canonical("可持续性影响") == "可持续影响指标"
    assert tree.parent_of("时效") == "产出指标"
    assert tree.parent_of("成本指标") == "产出指标"
    assert get_form("project-2021").tree.parent_of("成本指标") is None
    assert get_form("project-2021").tree.parent_of("经济成本") == "成本指标"


def test_unknown_form_name():
    with pytest.raises(FormError, match="未知的表样“guangdong”"):
        get_form("guangdong")


@pytest.fixture
def forms_copy(tmp_path):
    target = tmp_path / "forms"
    shutil.copytree(FORMS, target)
    return target


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda t: t.replace('tree = "2015"', 'tree = "2030"'), "hebei-project.toml 中 tree = “2030” 未在 trees.toml 中定义"),
        (lambda t: t.replace('value_layout = "single"', 'value_layout = "double"'), "value_layout 只能是 single 或 split"),
        (lambda t: t.replace('{ key = "basis"', '{ key = "remark"'), "第6列 的 key “remark” 无效"),
        (lambda t: t.replace('name = "hebei-project"', 'name = "hebei"'), "应与文件名 “hebei-project” 一致"),
        (lambda t: t.replace('code = 21', 'code = "21"'), "[limits] 中的值应为正整数"),
        (lambda t: t.replace('title = ', 'title == '), "hebei-project.toml 格式错误"),
        (lambda t: t.replace('default = "month_end"', 'default = "weekly"'), "default 应为 schemes 之一"),
        (lambda t: t.replace('kind = "project"', ''), "hebei-project.toml 缺少“kind”"),
    ],
)
def test_bad_form_file_is_named(forms_copy, edit, message):
    path = forms_copy / "hebei-project.toml"
    path.write_text(edit(path.read_text("utf-8")), "utf-8")
    with pytest.raises(FormError) as info:
        load_forms(forms_copy)
    assert message in str(info.value)


def test_split_layout_needs_three_columns(forms_copy):
    path = forms_copy / "project-2021.toml"
    path.write_text(path.read_text("utf-8").replace('  { key = "unit", label = "单位（文字描述）" },\n', ""), "utf-8")
    with pytest.raises(FormError, match="需要 comparator、number、unit 三列"):
        load_forms(forms_copy)


def test_bad_tree_file(forms_copy):
    (forms_copy / "trees.toml").write_text("[tree.2015]\nlevel1 = 5\n", "utf-8")
    with pytest.raises(FormError, match="trees.toml \\[tree.2015\\] 中“level1”的类型不对"):
        load_forms(forms_copy)


def test_a_new_variant_needs_no_code(forms_copy):
    text = (forms_copy / "hebei-project.toml").read_text("utf-8")
    (forms_copy / "tianjin-project.toml").write_text(
        text.replace('name = "hebei-project"', 'name = "tianjin-project"').replace('tree = "2015"', 'tree = "2021"'),
        "utf-8")
    forms = load_forms(forms_copy)
    assert forms["tianjin-project"].tree.key == "2021"
