"""The ``desk`` command: the GUI and the same services from the command line.

Every error is one Chinese line on stderr and a non-zero exit; unexpected
errors are written to the log file with their details, never shown as a
traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from pathlib import Path

from desk import __version__, logs
from desk.domain.model import Unit
from desk.errors import DeskError, shown

EXIT_OK = 0
EXIT_FINDINGS = 1  # desk check: errors were found
EXIT_USAGE = 2
EXIT_FAILED = 2
EXIT_INTERNAL = 3

COMMANDS = {
    "new": "新建一个空的绩效目标表文件",
    "import-json": "从交换 JSON 导入（按 uid 新增或更新，文件不存在时新建）",
    "export-json": "导出为交换 JSON（默认输出到屏幕）",
    "check": "审核文件中的所有表，列出错误和提示",
    "export-copy": "导出一个压缩的单文件副本（给上级）",
    "new-year": "新建下一年度文件：带入全部项目表和部门整体表，清空金额和支出计划",
    "copy-from": "从另一个文件（上一年度或别的单位的）复制项目表到本文件",
    "export-pdf": "打印为 PDF（全部项目或所选项目；可每个项目一个文件）",
    "export-document": "导出公开文本（PDF 或 Word）：封面、目录、部门整体绩效目标、部门整体表和全部项目表",
    "export-xlsx": "导出为 Excel：每个项目一张按表样排版的工作表，另附“指标明细”表",
    "import-xlsx": "从 Excel 导入绩效目标表（先列出找到的内容；同一项目再次导入则更新）",
    "import-docx": "从 Word 文档（如上一年度的公开文本）导入项目表、部门整体表和文字部分",
    "library": "指标库：按关键词查找用过的指标（本文件、本单位添加的和程序自带的），或导出为 Excel",
    "selftest": "自检：在临时文件夹中把各项功能试一遍（新建、导入、审核、打印、Excel、Word、汇总、窗口），逐项报告",
    "merge": "上级汇总：把收到的各单位文件合并到汇总文件（收到的文件不会被改动）",
    "review": "上级审核：给一张表写审核状态和意见",
    "export-reviews": "导出审核意见（发回给单位）",
    "import-reviews": "导入上级发回的审核意见（不改动表的内容）",
}

MAIN_DESCRIPTION = """绩效目标表：街道办事处预算绩效目标表的离线填报、审核、打印与汇总。

不带命令时启动图形界面：
  desk                 启动程序
  desk 文件.db         启动程序并打开文件
  desk --demo          用示例数据（玉田县无终街道 2023 年项目表）启动

命令：
{commands}

每个命令的用法：desk 命令 --help
"""


class UsageError(DeskError):
    pass


class ChineseHelpFormatter(argparse.RawDescriptionHelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):
        return super().add_usage(usage, actions, groups, prefix="用法：")


class Parser(argparse.ArgumentParser):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", ChineseHelpFormatter)
        kwargs.setdefault("add_help", False)
        super().__init__(*args, **kwargs)
        self._positionals.title = "参数"
        self._optionals.title = "选项"
        self.add_argument("-h", "--help", action="help", help="显示此帮助并退出")

    def error(self, message):
        raise UsageError(f"命令行有误：{_translate_argparse(message)}（用 {self.prog} --help 查看用法）")


def _translate_argparse(message: str) -> str:
    replacements = [
        ("the following arguments are required: ", "缺少参数 "),
        ("unrecognized arguments: ", "无法识别的参数 "),
        ("expected one argument", "需要一个值"),
        ("invalid int value: ", "不是整数："),
        ("argument ", "参数 "),
        ("invalid choice: ", "无效的选择："),
        ("choose from ", "可选 "),
        ("not allowed with argument ", "不能与此参数同时使用："),
        ("ambiguous option: ", "有歧义的选项："),
        ("could match ", "可能是 "),
    ]
    for old, new in replacements:
        message = message.replace(old, new)
    return message


def _main_parser() -> Parser:
    width = max(len(name) for name in COMMANDS) + 2
    commands = "\n".join(f"  {name:<{width}}{text}" for name, text in COMMANDS.items())
    parser = Parser(prog="desk", description=MAIN_DESCRIPTION.format(commands=commands))
    parser.add_argument("file", nargs="?", metavar="文件.db", help="要打开的文件")
    parser.add_argument("--demo", action="store_true", help="用示例数据启动（每次重新生成示例文件）")
    parser.add_argument("--version", action="version", version=f"desk {__version__}", help="显示版本号并退出")
    parser.add_argument("--quit-after", type=int, metavar="毫秒", help=argparse.SUPPRESS)
    parser.add_argument("--report-ready", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--quit-when-checked", action="store_true", help=argparse.SUPPRESS)
    return parser


def _command_parser(name: str) -> Parser:
    parser = Parser(prog=f"desk {name}", description=COMMANDS[name])
    if name == "new":
        parser.add_argument("db", metavar="文件.db", help="要新建的文件")
        parser.add_argument("--unit-code", required=True, metavar="编码", help="单位编码，如 439001")
        parser.add_argument("--unit-name", required=True, metavar="名称", help="单位名称，如 玉田县无终街道办事处本级")
        parser.add_argument("--year", required=True, type=int, metavar="年度", help="预算年度，如 2024")
    elif name == "import-json":
        parser.add_argument("json_file", metavar="输入.json", help="交换 JSON 文件（- 表示从标准输入读取）")
        parser.add_argument("--db", required=True, metavar="文件.db", help="导入到此文件；不存在时按 JSON 中的单位新建")
        parser.add_argument("--take-over", action="store_true", help="文件是在另一台电脑上创建的，仍要在本机修改")
    elif name == "export-json":
        parser.add_argument("db", metavar="文件.db")
        parser.add_argument("-o", "--output", metavar="输出.json", help="写入此文件（默认输出到屏幕）")
    elif name == "check":
        parser.add_argument("db", metavar="文件.db")
        parser.add_argument("--json", action="store_true",
                            help="输出 JSON 数组（code, severity, project_uid, project, field, message, fix）")
    elif name == "export-copy":
        parser.add_argument("db", metavar="文件.db")
        parser.add_argument("-o", "--output", metavar="副本.db",
                            help="副本文件名（默认如 439001_玉田县无终街道_2023.db，放在当前文件夹）")
    elif name == "export-pdf":
        parser.add_argument("db", metavar="文件.db")
        parser.add_argument("-o", "--output", metavar="输出.pdf", help="PDF 文件名（不用 --split 时必填）")
        parser.add_argument("--project", nargs="+", metavar="uid或项目编码", help="只打印这些项目（按文件中的顺序）")
        parser.add_argument("--form", metavar="表样", help="用此表样打印（默认用各项目自己的表样），如 hebei-project-split")
        parser.add_argument("--split", metavar="文件夹", help="每个项目一个 PDF，文件名为“项目编码_项目名称.pdf”")
        parser.add_argument("--font", metavar="字体文件", help="使用此 TrueType 字体（.ttf/.ttc；.ttc 中的第 N 个字体写作 文件.ttc:N，从 0 数起）；"
                                 "它缺的字依次用宋体或自带字体、扩展 A/B 区后备字体补上")
        parser.add_argument("--unit", metavar="单位编码", help="只打印这个单位的表（汇总文件中）")
        parser.add_argument("--contents", action="store_true", help="在最前面加目录页（各表的起始页码）")
    elif name == "new-year":
        parser.add_argument("db", metavar="上一年度.db", help="只读取，不改动")
        parser.add_argument("-o", "--output", required=True, metavar="下一年度.db", help="新文件（不能已存在）")
    elif name == "copy-from":
        parser.add_argument("other", metavar="另一个文件.db", help="只读取，不改动")
        parser.add_argument("--db", required=True, metavar="文件.db", help="复制到此文件（本单位、本年度）")
        parser.add_argument("--project", nargs="+", metavar="uid或项目编码", help="只复制这些项目（默认全部）")
        parser.add_argument("--take-over", action="store_true", help="文件是在另一台电脑上创建的，仍要在本机修改")
    elif name == "export-document":
        parser.add_argument("db", metavar="文件.db")
        parser.add_argument("-o", "--output", required=True, metavar="输出.pdf或.docx",
                            help="以 .pdf 结尾生成 PDF（带书签）；以 .docx 结尾生成可编辑的 Word 文档")
        parser.add_argument("--unit", metavar="单位编码", help="导出这个单位（汇总文件中有多个单位时必填）")
        parser.add_argument("--font", metavar="字体文件", help="PDF 使用此 TrueType 字体（同 export-pdf）")
    elif name == "export-xlsx":
        parser.add_argument("db", metavar="文件.db")
        parser.add_argument("-o", "--output", required=True, metavar="输出.xlsx")
        parser.add_argument("--project", nargs="+", metavar="uid或项目编码", help="只导出这些项目")
        parser.add_argument("--form", metavar="表样", help="用此表样排版（默认用各项目自己的表样）")
    elif name in ("import-xlsx", "import-docx"):
        word = name == "import-docx"
        parser.add_argument("docx" if word else "xlsx", metavar="输入.docx" if word else "输入.xlsx")
        parser.add_argument("--db", required=True, metavar="文件.db", help="导入到此文件；不存在时新建")
        parser.add_argument("--unit-code", metavar="编码", help="单位编码（表中没有单位行时必填）")
        parser.add_argument("--unit-name", metavar="名称", help="单位名称")
        parser.add_argument("--year", type=int, metavar="年度",
                            help="预算年度（文件和文档都看不出年度时必填）" if word else "预算年度（新建文件时必填）")
        if word:
            parser.add_argument("--narrative", action="store_true",
                                help="同时导入文字部分（总体绩效目标、分项绩效目标、工作保障措施），替换文件中已有的")
            parser.add_argument("--narrative-only", action="store_true",
                                help="只导入文字部分，文件中的各张表不动（部门整体表只替换文字部分）")
        parser.add_argument("--dry-run", action="store_true", help="只列出找到的内容和需要核对的地方，不写入")
        parser.add_argument("--apply-suggestions", action="store_true",
                            help="同时采用列出的建议写法（如“效果指标”改为“效益指标”、“85%%以上”改为“≥85%%”）；"
                                 "不加此项时一律按原样导入")
        parser.add_argument("--take-over", action="store_true", help="文件是在另一台电脑上创建的，仍要在本机修改")
    elif name == "library":
        parser.add_argument("action", choices=["search", "export"], metavar="search|export",
                            help="search 查找；export 把查到的（不写关键词则全部）导出为 Excel")
        parser.add_argument("words", nargs="*", metavar="关键词", help="三级指标、描述、指标值或依据中的字词，可写多个")
        parser.add_argument("--db", metavar="文件.db", help="同时查这个文件中的表用过的指标和本单位添加的指标")
        parser.add_argument("--level1", default="", metavar="一级指标", help="只查这个一级指标下的（如 满意度指标）")
        parser.add_argument("--level2", default="", metavar="二级指标", help="只查这个二级指标下的")
        parser.add_argument("--json", action="store_true",
                            help="输出 JSON：level1、level2、name、description、value、basis、count、source、year")
        parser.add_argument("-o", "--output", metavar="指标库.xlsx", help="export 时的输出文件")
    elif name == "selftest":
        parser.add_argument("--no-window", action="store_true", help="不试主窗口（没有图形界面的电脑）")
    elif name == "merge":
        parser.add_argument("out", metavar="汇总.db", help="汇总文件；不存在时新建")
        parser.add_argument("sources", nargs="+", metavar="收到的.db", help="各单位报来的文件（只读打开）")
        parser.add_argument("--report", metavar="报告.json",
                            help="把合并报告写成 JSON（added、updated、unchanged、conflicts、duplicates、locked、warnings）")
        parser.add_argument("--unit-code", metavar="编码", help="新建汇总文件时：本级（上级）单位编码")
        parser.add_argument("--unit-name", metavar="名称", help="新建汇总文件时：本级（上级）单位名称")
        parser.add_argument("--year", type=int, metavar="年度", help="新建汇总文件时：预算年度（默认取第一个收到的文件的年度）")
    elif name == "review":
        parser.add_argument("db", metavar="汇总.db")
        parser.add_argument("--project", required=True, metavar="uid或项目编码",
                            help="项目的 uid 或项目编码，或部门整体表的 uid")
        parser.add_argument("--status", required=True, choices=["草稿", "已提交", "退回修改", "审核通过"], metavar="状态",
                            help="草稿、已提交、退回修改 或 审核通过")
        parser.add_argument("--comment", default="", metavar="意见")
    elif name == "export-reviews":
        parser.add_argument("db", metavar="汇总.db")
        parser.add_argument("-o", "--output", required=True, metavar="审核意见.json")
        parser.add_argument("--unit-code", metavar="编码", help="只导出这个单位的表的意见")
    elif name == "import-reviews":
        parser.add_argument("db", metavar="文件.db")
        parser.add_argument("reviews", metavar="审核意见.json")
        parser.add_argument("--take-over", action="store_true", help="文件是在另一台电脑上创建的，仍要在本机修改")
    parser.epilog = "出错时退出码非 0；check 发现“错误”级问题时退出码为 1。"
    return parser


# ---------------------------------------------------------------- commands

# Each command imports the operations it needs: the GUI and `desk --help`
# start without loading the PDF and Excel libraries.

def cmd_new(args) -> int:
    from desk.ops import files

    files.create_file(Path(args.db), Unit(args.unit_code.strip(), args.unit_name.strip()), args.year)
    say(f"已新建：{args.db}（{args.unit_code} {args.unit_name}，{args.year} 年度）")
    return EXIT_OK


def cmd_import_json(args) -> int:
    from desk.ops import imports

    if args.json_file == "-":
        report = imports.import_json_text(sys.stdin.read(), Path(args.db), source="标准输入", take_over=args.take_over)
    else:
        report = imports.import_json_file(Path(args.json_file), Path(args.db), take_over=args.take_over)
    say(f"{report.summary()}：{args.db}")
    return EXIT_OK


def cmd_export_json(args) -> int:
    from desk.ops import exports

    text = exports.export_json(Path(args.db), Path(args.output) if args.output else None)
    if args.output:
        say(f"已导出：{args.output}", file=sys.stderr)
    else:
        say(text, end="")
    return EXIT_OK


SEVERITY_LABEL = {"error": "错误", "warning": "提示", "suggestion": "建议"}


def cmd_check(args) -> int:
    from desk.domain.checks import has_errors
    from desk.ops import checking

    findings, count = checking.check_file(Path(args.db))
    if args.json:
        say(json.dumps([f.to_dict() for f in findings], ensure_ascii=False, indent=2))
    else:
        for f in findings:
            say(f"[{SEVERITY_LABEL[f.severity]}] {f.project} · {f.message}（{f.code}，{f.field}）")
        errors = sum(1 for f in findings if f.severity == "error")
        warnings = sum(1 for f in findings if f.severity == "warning")
        offers = len(findings) - errors - warnings
        say(f"共审核 {count} 张表：错误 {errors} 条，提示 {warnings} 条" + (
            f"，建议 {offers} 条（可在窗口的审核面板中“采用建议”，原文不会被自动改动）" if offers else "") + "。")
    return EXIT_FINDINGS if has_errors(findings) else EXIT_OK


def cmd_export_copy(args) -> int:
    from desk.ops import files

    out = files.export_copy(Path(args.db), Path(args.output) if args.output else None)
    say(f"已导出副本：{out}")
    return EXIT_OK


def cmd_export_pdf(args) -> int:
    from desk.ops import exports

    if not args.output and not args.split:
        raise UsageError("命令行有误：请用 -o 指定 PDF 文件名，或用 --split 指定文件夹")
    written = exports.export_pdf(
        Path(args.db), Path(args.output) if args.output else None, selection=args.project,
        form_name=args.form, split_dir=Path(args.split) if args.split else None,
        font=args.font or None, unit_code=args.unit, contents=args.contents)
    if args.split:
        say(f"已生成 {len(written)} 个 PDF：{args.split}")
    else:
        say(f"已生成 PDF：{written[0]}")
    return EXIT_OK


def cmd_new_year(args) -> int:
    from desk.ops import newyear

    report = newyear.new_year(Path(args.db), Path(args.output))
    say(f"{report.summary()}：{report.path}")
    return EXIT_OK


def cmd_copy_from(args) -> int:
    from desk.ops import newyear

    report = newyear.copy_from(Path(args.other), Path(args.db), args.project, take_over=args.take_over)
    say(f"{report.summary()}：{args.db}")
    return EXIT_OK


def cmd_export_document(args) -> int:
    from desk.ops import exports

    out = exports.export_published(Path(args.db), Path(args.output), unit_code=args.unit, font=args.font or None)
    say(f"已生成公开文本：{out}")
    return EXIT_OK


def cmd_export_xlsx(args) -> int:
    from desk.ops import exports

    out = exports.export_xlsx(Path(args.db), Path(args.output), selection=args.project, form_name=args.form)
    say(f"已生成 Excel：{out}")
    return EXIT_OK


def cmd_import_xlsx(args) -> int:
    from desk.ops import imports

    plan = imports.plan_xlsx_import(Path(args.xlsx), imports.Target.of_file(Path(args.db)), unit_code=args.unit_code,
                                    unit_name=args.unit_name, year=args.year)
    return _run_import(plan, args)


def cmd_import_docx(args) -> int:
    from desk.ops import imports

    plan = imports.plan_docx_import(Path(args.docx), imports.Target.of_file(Path(args.db)), unit_code=args.unit_code,
                                    unit_name=args.unit_name, year=args.year)
    if args.narrative_only:
        if not plan.narrative_only():
            raise UsageError(f"“{Path(args.docx).name}”中没有找到文字部分（总体绩效目标、分项绩效目标、工作保障措施）。")
    elif args.narrative:
        plan.include_narrative()
    return _run_import(plan, args)


def _run_import(plan, args) -> int:
    from desk.ops import imports

    if args.apply_suggestions:
        plan.apply_suggestions()
    for line in plan.summary_lines():
        say(line)
    if plan.narrative is not None and not plan.narrative_included:
        say("（加 --narrative 可以同时导入文字部分，加 --narrative-only 只导入文字部分）")
    if args.dry_run:
        say("（试运行：未写入任何内容）")
        return EXIT_OK
    if not plan.tables and not plan.departments:
        say("没有可以导入的表。")
        return EXIT_OK
    report = imports.apply_import(plan, Path(args.db), take_over=args.take_over)
    say(f"{report.summary()}：{args.db}")
    return EXIT_OK


def cmd_library(args) -> int:
    from desk.ops import library

    if args.output and args.action != "export":
        raise UsageError("-o 只用于 export（导出为 Excel）；查找时结果显示在屏幕上。")
    found = library.find(Path(args.db) if args.db else None, args.words, level1=args.level1, level2=args.level2)
    if args.action == "export":
        if not args.output:
            raise UsageError("export 需要用 -o 指定输出的 .xlsx 文件")
        from desk.ops import exports

        out = exports.export_library(found, Path(args.output))
        say(f"已导出指标库 {len(found)} 条：{out}")
        return EXIT_OK
    if args.json:
        say(library.as_json(found))
        return EXIT_OK
    if not found:
        say("指标库中没有找到。")
        return EXIT_OK
    for e in found:
        levels = "/".join(x for x in (e.level1, e.level2) if x)
        say(f"{e.name}　{e.value}　（{levels}；用过 {e.count} 次{f'，最近 {e.year} 年' if e.year else ''}；{e.source}）")
        for label, text in (("描述", e.description), ("依据", e.basis)):
            if text and text != e.name:
                say(f"　　{label}：{text}")
    say(f"共 {len(found)} 条")
    return EXIT_OK


def cmd_selftest(args) -> int:
    from desk import __version__ as version
    from desk.ops import selftest

    say(f"绩效目标表 {version} 自检（在临时文件夹中进行，不改动任何文件）：")
    extra = ()
    if not args.no_window:
        from desk.ui.selfcheck import open_window_offscreen  # Qt loads only for this step

        extra = (("主窗口", open_window_offscreen),)
    steps = selftest.run(extra=extra, report=lambda step: say(step.line()))
    failed = [s for s in steps if not s.ok]
    total = sum(s.seconds for s in steps)
    if failed:
        say(f"自检未通过：{len(failed)} 项失败（共 {len(steps)} 项，{total:.1f} 秒）")
        return EXIT_FINDINGS
    say(f"自检通过：{len(steps)} 项全部正常（{total:.1f} 秒）")
    return EXIT_OK


def cmd_merge(args) -> int:
    from desk.ops import merge

    unit = None
    if args.unit_code or args.unit_name:
        if not (args.unit_code and args.unit_name):
            raise UsageError("命令行有误：--unit-code 和 --unit-name 要一起给出")
        unit = Unit(args.unit_code.strip(), args.unit_name.strip())
    report = merge.merge_files(Path(args.out), [Path(p) for p in args.sources], unit=unit, year=args.year)
    say(report.summary())
    for line in report.detail_lines():
        say(f"  {line}")
    if args.report:
        merge.write_report(report, Path(args.report))
    return EXIT_OK if report.all_merged else EXIT_FINDINGS  # 1: something was refused, kept back or ignored


def cmd_review(args) -> int:
    from desk.ops import reviews

    review = reviews.set_review(Path(args.db), args.project, args.status, args.comment)
    say(f"已记录审核意见：{review.status}" + (f"（{review.comment}）" if review.comment else ""))
    return EXIT_OK


def cmd_export_reviews(args) -> int:
    from desk.ops import reviews

    count = reviews.export_reviews(Path(args.db), Path(args.output), unit_code=args.unit_code)
    say(f"已导出 {count} 条审核意见：{args.output}")
    return EXIT_OK


def cmd_import_reviews(args) -> int:
    from desk.ops import reviews

    taken, unknown = reviews.import_reviews(Path(args.db), Path(args.reviews), take_over=args.take_over)
    say(f"已导入 {taken} 条审核意见（表的内容未改动）")
    for name in unknown:
        say(f"  本文件中没有这张表，意见未导入：{name}")
    return EXIT_OK


HANDLERS = {
    "new": cmd_new,
    "import-json": cmd_import_json,
    "export-json": cmd_export_json,
    "check": cmd_check,
    "export-copy": cmd_export_copy,
    "export-pdf": cmd_export_pdf,
    "export-document": cmd_export_document,
    "new-year": cmd_new_year,
    "copy-from": cmd_copy_from,
    "export-xlsx": cmd_export_xlsx,
    "import-xlsx": cmd_import_xlsx,
    "import-docx": cmd_import_docx,
    "library": cmd_library,
    "selftest": cmd_selftest,
    "merge": cmd_merge,
    "review": cmd_review,
    "export-reviews": cmd_export_reviews,
    "import-reviews": cmd_import_reviews,
}


def run_gui(args) -> int:
    from desk.ui.app import run  # Qt loads only for the GUI

    path = Path(args.file) if args.file else None
    if args.demo:
        from desk.ops import imports

        path = imports.make_demo()
    return run(path, quit_after_ms=args.quit_after, report_ready=args.report_ready,
               quit_when_checked=args.quit_when_checked)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    _utf8_console()
    try:
        if argv and argv[0] in COMMANDS:
            args = _command_parser(argv[0]).parse_args(argv[1:])
            return HANDLERS[argv[0]](args)
        args = _main_parser().parse_args(argv)
        if args.file and not args.file.lower().endswith(".db") and not Path(args.file).exists():
            raise UsageError(f"命令行有误：“{args.file}”既不是命令也不是文件（可用命令：{'、'.join(COMMANDS)}）")
        return run_gui(args)
    except DeskError as exc:
        say(f"错误：{exc}", file=sys.stderr)
        return EXIT_FAILED
    except BrokenPipeError:
        # the reader of our output went away (desk … | head): the work is done; say nothing more
        with contextlib.suppress(OSError):
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - Python flushes stdout at exit
        return EXIT_OK
    except KeyboardInterrupt:
        say("已取消。", file=sys.stderr)
        return 130
    except Exception:  # noqa: BLE001 - users never see a traceback
        log_path = logs.log_exception("未预期的错误")
        say(f"内部错误：程序遇到意外问题，操作未完成。详情已写入日志：{log_path}", file=sys.stderr)
        return EXIT_INTERNAL


def entry() -> int:
    """The ``desk`` program (console script and ``python -m desk``): a native crash leaves a trace."""
    logs.enable_crash_trace()
    return main()


def say(*parts, file=None, end: str = "\n") -> None:
    """Write to the terminal: people's text with control characters and bidi overrides escaped (shown())."""
    stream = file or sys.stdout
    if stream is None:  # pythonw (the Start-menu launcher) has no console: nothing to write to
        return
    stream.write(shown(" ".join(str(p) for p in parts)) + end)


def _utf8_console() -> None:
    # Chinese text on a Windows console or a pipe must not crash the program.
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            try:
                reconfigure(encoding="utf-8", errors="replace")
            except (ValueError, OSError):
                pass
