"""desk selftest: every part of the program once, offline, in a temporary folder.

For a new installation (the Windows installer's last check, a clerk's laptop
that behaves oddly): make a file, import the sample, check it, print a PDF,
export and read back Excel and Word, merge two offices' copies, and open the
main window offscreen. Each step is reported with its time; a failing step
is named with its message and the others still run. Nothing outside the
temporary folder is touched.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium

from desk.domain.model import Unit
from desk.errors import DeskError
from desk.forms import default_forms
from desk.ops import checking, exports, files, imports, library, merge
from desk.store import Store


@dataclass(frozen=True)
class Step:
    name: str
    ok: bool
    seconds: float
    detail: str

    def line(self) -> str:
        mark = "✓" if self.ok else "✗"
        return f"{mark} {self.name}（{self.seconds:.2f} 秒）{'：' + self.detail if self.detail else ''}"


def run(*, extra: tuple[tuple[str, Callable[[Path], str]], ...] = (),
        report: Callable[[Step], None] | None = None) -> list[Step]:
    """Run every step, then ``extra`` ones (name, action(sample file) -> detail), such as the main window's;
    ``report`` is called after each one."""
    steps: list[Step] = []
    work = Path(tempfile.mkdtemp(prefix="desk-selftest-"))
    old_home = os.environ.get("DESK_HOME")
    os.environ["DESK_HOME"] = str(work / "home")  # settings, logs and the sample stay in the folder
    demo = work / "示例.db"

    def step(name: str, action: Callable[[], str]) -> None:
        start = time.perf_counter()
        try:
            detail, ok = action(), True
        except DeskError as exc:
            detail, ok = str(exc), False
        except Exception as exc:  # noqa: BLE001 - a self test names every failure and goes on
            frame = traceback.extract_tb(exc.__traceback__)[-1]
            detail, ok = f"{type(exc).__name__}: {exc}（{Path(frame.filename).name} 第 {frame.lineno} 行）", False
        steps.append(Step(name, ok, time.perf_counter() - start, detail))
        if report is not None:
            report(steps[-1])

    def new_file() -> str:
        path = files.create_file(work / "新建.db", Unit("439001", "测试单位"), 2024)
        return f"{path.stat().st_size} 字节"

    def sample() -> str:
        imports.make_demo(demo)
        with Store.open(demo, readonly=True) as store:
            return f"{len(store.projects())} 张项目表、{len(store.departments())} 张部门整体表"

    def check() -> str:
        findings, tables = checking.check_file(demo)
        return f"审核 {tables} 张表，{len(findings)} 条结果"

    def pdf() -> str:
        (out,) = exports.export_pdf(demo, work / "示例.pdf")
        data = Path(out).read_bytes()
        if not data.startswith(b"%PDF") or b"/FontFile2" not in data:
            raise DeskError("生成的 PDF 不完整或没有嵌入字体")
        pages = len(pdfium.PdfDocument(data))
        return f"{pages} 页，{len(data) // 1024} KB，字体已嵌入"

    def excel() -> str:
        out = exports.export_xlsx(demo, work / "示例.xlsx")
        plan = imports.plan_xlsx_import(out, imports.Target.of_file(work / "读回.db"))
        return f"导出并读回 {len(plan.tables)} 张表"

    def word() -> str:
        out = exports.export_published(demo, work / "示例.docx")
        plan = imports.plan_docx_import(out, imports.Target.of_file(work / "读回Word.db"))
        return f"导出公开文本并读回 {len(plan.tables)} 张项目表" + ("和文字部分" if plan.narrative else "")

    def merging() -> str:
        a, b = work / "甲.db", work / "乙.db"
        shutil.copyfile(demo, a)
        shutil.copyfile(demo, b)
        report = merge.merge_files(work / "汇总.db", [a, b], unit=Unit("439000", "测试汇总单位"), year=2023)
        return report.summary()

    def indicators() -> str:
        found = library.find(demo, ["满意度"])
        if not found:
            raise DeskError("指标库中找不到“满意度”")
        return f"“满意度”{len(found)} 条"

    try:
        step("表样", lambda: f"{len(default_forms())} 种表样")
        step("新建文件", new_file)
        step("导入示例", sample)
        step("审核", check)
        step("打印 PDF", pdf)
        step("导出、读回 Excel", excel)
        step("导出、读回 Word", word)
        step("汇总两个文件", merging)
        step("指标库", indicators)
        for name, action in extra:
            step(name, lambda action=action: action(demo))
    finally:
        if old_home is None:
            os.environ.pop("DESK_HOME", None)
        else:
            os.environ["DESK_HOME"] = old_home
        shutil.rmtree(work, ignore_errors=True)
    return steps


__all__ = ["Step", "run"]
