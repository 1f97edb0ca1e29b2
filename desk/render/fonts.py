"""Fonts for printing: which CJK TrueType faces to embed, and which characters they lack.

Order (DESIGN.md §5): the user's choice; on Windows 宋体 (simsun.ttc) for the
text and 黑体 (simhei.ttf) for titles; otherwise the Song/Ming-style font
shipped in resources/fonts (AR PL UMing, Arphic Public License), with titles
drawn in a stroked (bold-looking) style. reportlab embeds TrueType outlines
only, so OpenType-CFF fonts (.otf) are refused with a clear message.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont

from desk import paths
from desk.errors import DeskError

SHIPPED_FONT = "uming.ttc"
WINDOWS_BODY = ("simsun.ttc", 0)
WINDOWS_TITLE = ("simhei.ttf", 0)


class FontError(DeskError):
    pass


@dataclass(frozen=True)
class FontFace:
    """A registered font: its reportlab name, where it came from, its cmap and widths."""

    name: str
    path: Path
    subfont: int
    label: str

    def _font(self) -> TTFont:
        return pdfmetrics.getFont(self.name)

    def has(self, ch: str) -> bool:
        return ord(ch) in self._font().face.charToGlyph

    def width_table(self) -> dict[str, float]:
        return _WIDTHS.setdefault(self.name, {})

    def char_width(self, ch: str, size: float) -> float:
        table = _WIDTHS.setdefault(self.name, {})
        w = table.get(ch)
        if w is None:
            w = table[ch] = pdfmetrics.stringWidth(ch, self.name, 1000.0)
        return w * size / 1000.0


@dataclass(frozen=True)
class PrintFonts:
    body: FontFace
    title: FontFace
    stroke_title: bool  # no separate bold face: draw titles filled + stroked

    def missing(self, text: str) -> list[str]:
        """Characters of ``text`` the body font cannot draw (each once, in order)."""
        seen: list[str] = []
        for ch in text:
            if ch in "\n\r\t" or ch in seen:
                continue
            if not self.body.has(ch):
                seen.append(ch)
        return seen


_WIDTHS: dict[str, dict[str, float]] = {}
_REGISTERED: dict[tuple[str, int], FontFace] = {}


def register(path: Path, subfont: int = 0) -> FontFace:
    path = Path(path)
    key = (str(path.resolve()), subfont)
    if key in _REGISTERED:
        return _REGISTERED[key]
    if not path.is_file():
        raise FontError(f"找不到字体文件“{path}”")
    if path.suffix.lower() == ".otf":
        raise FontError(f"字体“{path.name}”是 OpenType-CFF 字体，无法嵌入 PDF，请选择 .ttf 或 .ttc 字体")
    name = f"desk-{len(_REGISTERED)}-{path.stem}-{subfont}"
    try:
        font = TTFont(name, str(path), subfontIndex=subfont)
    except (TTFError, OSError, ValueError) as exc:
        raise FontError(f"字体“{path.name}”无法使用：{exc}") from None
    pdfmetrics.registerFont(font)
    label = font.face.name.decode("latin-1", "replace") if isinstance(font.face.name, bytes) else str(font.face.name)
    face = FontFace(name=name, path=path, subfont=subfont, label=label)
    _REGISTERED[key] = face
    return face


def windows_fonts_dir() -> Path | None:
    if sys.platform != "win32":
        return None
    return Path(os.environ.get("WINDIR", r"C:\Windows")) / "Fonts"


def find_fonts(user_font: Path | None = None) -> PrintFonts:
    """Pick and register the fonts, in the order of DESIGN.md §5."""
    if user_font is not None:
        face = register(Path(user_font))
        return PrintFonts(body=face, title=face, stroke_title=True)
    win = windows_fonts_dir()
    if win is not None and (win / WINDOWS_BODY[0]).is_file():
        body = register(win / WINDOWS_BODY[0], WINDOWS_BODY[1])
        if (win / WINDOWS_TITLE[0]).is_file():
            return PrintFonts(body=body, title=register(win / WINDOWS_TITLE[0], WINDOWS_TITLE[1]), stroke_title=False)
        return PrintFonts(body=body, title=body, stroke_title=True)
    shipped = paths.resources_dir() / "fonts" / SHIPPED_FONT
    if not shipped.is_file():
        raise FontError(f"程序自带的字体文件缺失（{shipped}），请重新安装程序")
    face = register(shipped, 0)
    return PrintFonts(body=face, title=face, stroke_title=True)
