"""The parsed font kept across runs: the same PDF bytes from the cache as from a fresh parse, and a damaged,
foreign or stale cache file is ignored and written anew, never trusted."""

import json
import os
import shutil
import subprocess
import sys
from io import BytesIO
from pathlib import Path

import pytest
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas

from desk.render import fontcache
from desk.render.fonts import SHIPPED_FONT
from tests.conftest import ROOT

FONT = ROOT / "resources" / "fonts" / SHIPPED_FONT
TEXT = "绩效目标表 项目编码 ≥95% 满意度指标（续）"
_names = iter(range(10_000))


def pdf_with(font) -> bytes:
    """A small PDF drawn with ``font`` (registered under a fresh name; the name is not in the file)."""
    font.fontName = f"cache-test-{next(_names)}"
    pdfmetrics.registerFont(font)
    out = BytesIO()
    canvas = Canvas(out, invariant=1, pageCompression=1)
    canvas.setFont(font.fontName, 12)
    canvas.drawString(72, 720, TEXT)
    canvas.drawCentredString(300, 600, TEXT[::-1])
    canvas.showPage()
    canvas.save()
    return out.getvalue()


@pytest.fixture(scope="module")
def reference() -> bytes:
    return pdf_with(fontcache._parse("ref", FONT, FONT.read_bytes(), 0))


def entries(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.bin"))


def test_a_cached_face_prints_the_same_bytes(tmp_path, reference):
    first = fontcache.load("a", FONT, 0, tmp_path)  # parsed, and kept
    assert len(entries(tmp_path)) == 1
    second = fontcache.load("b", FONT, 0, tmp_path)
    assert isinstance(second.face, fontcache._CachedFace)
    assert pdf_with(first) == reference
    assert pdf_with(second) == reference
    assert second.face.charWidths == first.face.charWidths and second.face.charToGlyph == first.face.charToGlyph
    assert second.face.hmetrics == first.face.hmetrics and second.face.glyphToChar == first.face.glyphToChar


def _hostile(raw: bytes) -> bytes:
    """A well-formed entry whose header claims another number of glyphs (the arrays' checksum still right)."""
    start = len(fontcache.MAGIC) + 4
    size = int.from_bytes(raw[len(fontcache.MAGIC):start], "little")
    header = json.loads(raw[start:start + size])
    header["scalars"]["numGlyphs"] = 5
    text = json.dumps(header).encode()
    return fontcache.MAGIC + len(text).to_bytes(4, "little") + text + raw[start + size:]


DAMAGE = {
    "empty": lambda raw: b"",
    "truncated": lambda raw: raw[: len(raw) // 2],
    "flipped byte in the arrays": lambda raw: raw[:-1000] + bytes([raw[-1000] ^ 0xFF]) + raw[-999:],
    "flipped byte in the header": lambda raw: raw[:40] + bytes([raw[40] ^ 0x55]) + raw[41:],
    "foreign file": lambda raw: b"\x80\x04\x95" + os.urandom(5000),  # e.g. a pickle: never loaded
    "huge header length": lambda raw: fontcache.MAGIC + (2**31).to_bytes(4, "little") + raw[len(fontcache.MAGIC) + 4:],
    "inconsistent arrays": _hostile,
}


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_a_damaged_or_foreign_cache_file_is_ignored_and_written_anew(tmp_path, reference, damage):
    fontcache.load("a", FONT, 0, tmp_path)
    [entry] = entries(tmp_path)
    good = entry.read_bytes()
    entry.write_bytes(DAMAGE[damage](good))
    font = fontcache.load("b", FONT, 0, tmp_path)
    assert not isinstance(font.face, fontcache._CachedFace)  # parsed again
    assert pdf_with(font) == reference
    assert entry.read_bytes() == good  # and kept again
    assert isinstance(fontcache.load("c", FONT, 0, tmp_path).face, fontcache._CachedFace)


def test_an_oversized_cache_file_is_not_read(tmp_path, reference, monkeypatch):
    fontcache.load("a", FONT, 0, tmp_path)
    [entry] = entries(tmp_path)
    monkeypatch.setattr(fontcache, "MAX_ENTRY", entry.stat().st_size - 1)
    read = []
    monkeypatch.setattr(fontcache, "_from_cache", lambda *a: read.append(a))
    assert pdf_with(fontcache.load("b", FONT, 0, tmp_path)) == reference
    assert read == []


def test_a_changed_font_file_is_parsed_again(tmp_path, reference):
    font_file = tmp_path / "font.ttc"
    shutil.copyfile(FONT, font_file)
    folder = tmp_path / "cache"
    folder.mkdir()
    fontcache.load("a", font_file, 0, folder)
    stat = font_file.stat()
    os.utime(font_file, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))  # the same size, another time
    font = fontcache.load("b", font_file, 0, folder)
    assert not isinstance(font.face, fontcache._CachedFace)
    assert len(entries(folder)) == 2
    assert pdf_with(font) == reference


def test_no_cache_folder_to_write_still_prints(tmp_path, reference):
    blocked = tmp_path / "not-a-folder"
    blocked.write_bytes(b"x")
    assert pdf_with(fontcache.load("a", FONT, 0, blocked)) == reference


def test_the_first_and_a_cached_run_write_the_same_pdf(tmp_path, demo_json):
    """Two processes with the same user folder: the first parses the font, the second takes it from the cache."""
    env = dict(os.environ, DESK_HOME=str(tmp_path / "home"), PYTHONPATH=str(ROOT))
    db = tmp_path / "t.db"
    desk = [sys.executable, "-m", "desk"]
    subprocess.run(desk + ["import-json", str(demo_json), "--db", str(db)], env=env, check=True, capture_output=True)
    outputs = []
    for k in range(2):
        out = tmp_path / f"{k}.pdf"
        subprocess.run(desk + ["export-pdf", str(db), "-o", str(out)], env=env, check=True, capture_output=True)
        outputs.append(out.read_bytes())
    assert list((tmp_path / "home" / "font-cache").glob("*.bin"))
    assert outputs[0] == outputs[1]


def test_printing_loads_neither_the_window_nor_the_writers(tmp_path, demo_json):
    """desk export-pdf imports what printing needs: no Qt, no sqlite-utils, no Excel or Word libraries."""
    env = dict(os.environ, DESK_HOME=str(tmp_path / "home"), PYTHONPATH=str(ROOT))
    db = tmp_path / "t.db"
    subprocess.run([sys.executable, "-m", "desk", "import-json", str(demo_json), "--db", str(db)], env=env, check=True,
                   capture_output=True)
    script = ("import sys\nfrom desk.cli import main\n"
              f"code = main(['export-pdf', {str(db)!r}, '-o', {str(tmp_path / 'o.pdf')!r}])\n"
              "print(code, sorted(m for m in sys.modules if m.split('.')[0] in "
              "('PySide6', 'sqlite_utils', 'openpyxl', 'docx', 'lxml') or m == 'logging.handlers'))")
    done = subprocess.run([sys.executable, "-c", script], env=env, check=True, capture_output=True, text=True)
    assert done.stdout.strip().splitlines()[-1] == "0 []"
