"""Build the indicator library shipped in resources/library/indicators.json.

Every entry is an indicator a public budget disclosure used, with that
disclosure named as its source; nothing is invented. The inputs are the
disclosures as this repository holds them, transcribed into our interchange
JSON (the yutian 2023 project tables behind the demo file, the urho 2021
department table); tests/test_library.py checks that every entry's words
appear in the disclosure's own text (tests/data/samples/) and that this
script reproduces the shipped file.

    python packaging/build_library.py        # rewrites resources/library/indicators.json
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from desk.domain.library import SHIPPED, combine, from_tables, ranked  # noqa: E402
from desk.io import jsonio  # noqa: E402

OUTPUT = ROOT / "resources" / "library" / "indicators.json"
SOURCES = [  # (interchange JSON, the disclosure's text in tests/data/samples, the source as users read it)
    ("resources/demo/yutian-2023.json", "yutian-2023-project-tables.txt",
     "玉田县无终街道办事处2023年预算项目绩效目标表（公开文本）"),
    ("tests/data/urho-2021-department.json", "urho-2021-department-table.txt",
     "乌尔禾区柳树街街道办事处2021年部门整体支出绩效目标表（公开文本）"),
]


def build() -> dict:
    groups = []
    for path, sample, source in SOURCES:
        doc = jsonio.loads((ROOT / path).read_text("utf-8"), source=path)
        entries = from_tables([*doc.projects, *doc.departments])
        groups.append([replace(e, origin=SHIPPED, source=source) for e in entries])
    entries = ranked(combine(*groups), this_year=0)
    return {
        "format": "desk-indicator-library",
        "version": 1,
        "sources": [{"source": source, "text": f"tests/data/samples/{sample}"} for _, sample, source in SOURCES],
        "entries": [{k: v for k, v in e.to_dict().items() if k != "origin"} for e in entries],
    }


def text() -> str:
    return json.dumps(build(), ensure_ascii=False, indent=1) + "\n"


if __name__ == "__main__":
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(text(), "utf-8")
    print(f"{OUTPUT}: {len(build()['entries'])} entries")
