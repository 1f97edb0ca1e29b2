"""Fonts for printing: which TrueType faces to embed, and which characters none of them has.

Order (DESIGN.md §5): the user's choice; on Windows 宋体 (simsun.ttc) for the
text and 黑体 (simhei.ttf) for titles; otherwise the Song/Ming-style font
shipped in resources/fonts (AR PL UMing, Arphic Public License), with titles
drawn in a stroked (bold-looking) style. reportlab embeds TrueType outlines
only, so OpenType-CFF fonts (.otf) are refused with a clear message.

Each face is followed by a fallback chain for characters it lacks: on Windows
SimSun-ExtB (simsunb.ttf), then the shipped subsets of 花園明朝 (Hanazono,
Hanazono Font License) covering CJK Extension A and B. The shipped fallbacks
are xz-compressed and read into memory only when a character needs them. A
character stops the print only when no face of the chain has it.
"""

from __future__ import annotations

import io
import lzma
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from reportlab.pdfbase import pdfmetrics, ttfonts
from reportlab.pdfbase.ttfonts import TTFError, TTFont

from desk import paths
from desk.errors import DeskError
from desk.render import fontcache

SHIPPED_FONT = "uming.ttc"
SHIPPED_FALLBACKS = ("hanazono-ext-a.ttf.xz", "hanazono-ext-b.ttf.xz")
WINDOWS_BODY = ("simsun.ttc", 0)
WINDOWS_TITLE = ("simhei.ttf", 0)
WINDOWS_FALLBACKS = (("simsunb.ttf", 0),)  # SimSun-ExtB
_FACE_INDEX = re.compile(r"^(.*\.tt[cf]):(\d{1,2})$", re.IGNORECASE)


class FontError(DeskError):
    pass


_REPORTLAB_TO_UNICODE = ttfonts.makeToUnicodeCMap


def _to_unicode_cmap(fontname, subset):
    """reportlab writes a character beyond U+FFFF (𠮷 U+20BB7) as <20BB7> in the ToUnicode map, which readers
    take as U+20BB: copying or searching the PDF finds the wrong character. Write it as UTF-16 (a surrogate pair),
    as the PDF format says."""
    text = _REPORTLAB_TO_UNICODE(fontname, subset)
    for i, v in enumerate(subset):
        if v > 0xFFFF:
            hi, lo = 0xD800 + ((v - 0x10000) >> 10), 0xDC00 + ((v - 0x10000) & 0x3FF)
            text = text.replace("<%02X> <%04X>" % (i, v), "<%02X> <%04X%04X>" % (i, hi, lo))
    return text


ttfonts.makeToUnicodeCMap = _to_unicode_cmap


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

    def char_width(self, ch: str, size: float) -> float:
        table = _WIDTHS.setdefault(self.name, {})
        w = table.get(ch)
        if w is None:
            w = table[ch] = pdfmetrics.stringWidth(ch, self.name, 1000.0)
        return w * size / 1000.0


class Fallbacks:
    """Faces tried, in order, for characters the main face lacks; each is loaded on first need."""

    def __init__(self, sources: tuple[tuple[Path, int], ...]):
        self.sources = sources
        self._faces: list[FontFace | None] = [None] * len(sources)
        self._failed: set[int] = set()

    def face(self, k: int) -> FontFace | None:
        if self._faces[k] is None and k not in self._failed:
            path, subfont = self.sources[k]
            try:
                self._faces[k] = register(path, subfont)
            except FontError:
                self._failed.add(k)  # a damaged or missing fallback: the characters it had are reported missing
        return self._faces[k]

    def __len__(self) -> int:
        return len(self.sources)


class Widths(dict):
    """Character -> width in points at one size, filled on first use: ``widths[ch]`` and ``widths.__getitem__`` as
    a measure cost a dictionary lookup. Each width is the chain's ``char_width`` (the same float)."""

    def __init__(self, chain: FontChain, size: float):
        super().__init__()
        self.chain = chain
        self.size = size

    def __missing__(self, ch: str) -> float:
        w = self[ch] = self.chain.char_width(ch, self.size)
        return w


@dataclass(frozen=True)
class FontChain:
    """A main face and its fallbacks: the face that draws each character."""

    main: FontFace
    fallbacks: Fallbacks
    _cache: dict = field(default_factory=dict, compare=False, hash=False, repr=False)
    _sized: dict = field(default_factory=dict, compare=False, hash=False, repr=False)
    _main_chars: set = field(default_factory=set, compare=False, hash=False, repr=False)  # known drawn by main

    @property
    def name(self) -> str:
        return self.main.name

    def face_for(self, ch: str) -> FontFace | None:
        face = self._cache.get(ch, False)
        if face is False:
            face = None
            if ch in "\n\r\t" or self.main.has(ch):
                face = self.main
            else:
                for k in range(len(self.fallbacks)):
                    candidate = self.fallbacks.face(k)
                    if candidate is not None and candidate.has(ch):
                        face = candidate
                        break
            self._cache[ch] = face
            if face is self.main:
                self._main_chars.add(ch)
        return face

    def all_main(self, text: str) -> bool:
        """Whether the main face draws every character of ``text``."""
        chars = set(text)
        if chars <= self._main_chars:
            return True
        return all(self.face_for(ch) is self.main for ch in chars)

    def has(self, ch: str) -> bool:
        return self.face_for(ch) is not None

    def char_width(self, ch: str, size: float) -> float:
        face = self.face_for(ch) or self.main
        return face.char_width(ch, size)

    def widths(self, size: float) -> Widths:
        """The widths of characters at ``size`` (shared by every table printed with this chain)."""
        table = self._sized.get(size)
        if table is None:
            table = self._sized[size] = Widths(self, size)
        return table

    def width(self, text: str, size: float) -> float:
        return sum(map(self.widths(size).__getitem__, text))

    def runs(self, text: str) -> list[tuple[FontFace, str]]:
        """``text`` cut into runs drawn with one face each."""
        if self.all_main(text):
            return [(self.main, text)] if text else []
        out: list[tuple[FontFace, str]] = []
        for ch in text:
            face = self.face_for(ch) or self.main
            if out and out[-1][0] is face:
                out[-1] = (face, out[-1][1] + ch)
            else:
                out.append((face, ch))
        return out

    @property
    def label(self) -> str:
        return self.main.label


@dataclass(frozen=True)
class PrintFonts:
    body: FontChain
    title: FontChain
    stroke_title: bool  # no separate bold face: draw titles filled + stroked

    def missing(self, text: str, *, title: bool = False) -> list[str]:
        """Characters of ``text`` no face of the chain can draw (each once, in order)."""
        chain = self.title if title else self.body
        if chain.all_main(text):
            return []
        seen: list[str] = []
        for ch in text:
            if ch in "\n\r\t" or ch in seen:
                continue
            if not chain.has(ch):
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
    name = f"desk-{len(_REGISTERED)}-{path.name.split('.')[0]}-{subfont}"
    try:
        if path.suffix.lower() == ".xz":  # a shipped fallback: decompressed in memory only
            with lzma.open(path) as fh:
                source = io.BytesIO(fh.read(64 * 1024 * 1024))
        else:
            source = None
        if source is None:  # parsed once per process; its tables kept across runs (fontcache)
            font = fontcache.load(name, path, subfont)
        else:
            font = TTFont(name, source, subfontIndex=subfont)
    except (TTFError, OSError, ValueError, EOFError, lzma.LZMAError) as exc:
        if "subfontIndex" in str(exc):
            raise FontError(f"字体“{path.name}”中没有第 {subfont} 个字体（.ttc 字体中的字体从 0 数起）") from None
        raise FontError(f"字体“{path.name}”无法使用：{exc}") from None
    except IndexError:
        raise FontError(f"字体“{path.name}”中没有第 {subfont} 个字体（.ttc 字体的序号从 0 开始）") from None
    pdfmetrics.registerFont(font)
    label = font.face.name.decode("latin-1", "replace") if isinstance(font.face.name, bytes) else str(font.face.name)
    face = FontFace(name=name, path=path, subfont=subfont, label=label)
    _REGISTERED[key] = face
    return face


def windows_fonts_dir() -> Path | None:
    if sys.platform != "win32":
        return None
    return Path(os.environ.get("WINDIR", r"C:\Windows")) / "Fonts"


def parse_font_arg(text: str | Path) -> tuple[Path, int]:
    """``--font`` value: a .ttf/.ttc path, optionally ``:N`` for the N-th face of a .ttc (from 0)."""
    raw = str(text)
    m = _FACE_INDEX.match(raw)
    if m and not Path(raw).exists():
        return Path(m.group(1)), int(m.group(2))
    return Path(raw), 0


def _fallback_sources() -> tuple[tuple[Path, int], ...]:
    sources: list[tuple[Path, int]] = []
    win = windows_fonts_dir()
    if win is not None:
        sources.extend((win / name, index) for name, index in WINDOWS_FALLBACKS if (win / name).is_file())
    shipped = paths.resources_dir() / "fonts"
    sources.extend((shipped / name, 0) for name in SHIPPED_FALLBACKS if (shipped / name).is_file())
    return tuple(sources)


def _default_faces() -> tuple[FontFace, FontFace, bool, tuple[tuple[Path, int], ...]]:
    """(body, title, stroke title, extra fallbacks) without a user font."""
    win = windows_fonts_dir()
    if win is not None and (win / WINDOWS_BODY[0]).is_file():
        body = register(win / WINDOWS_BODY[0], WINDOWS_BODY[1])
        if (win / WINDOWS_TITLE[0]).is_file():
            return body, register(win / WINDOWS_TITLE[0], WINDOWS_TITLE[1]), False, ()
        return body, body, True, ()
    shipped = paths.resources_dir() / "fonts" / SHIPPED_FONT
    if not shipped.is_file():
        raise FontError(f"程序自带的字体文件缺失（{shipped}），请重新安装程序")
    face = register(shipped, 0)
    return face, face, True, ()


def find_fonts(user_font: Path | str | None = None) -> PrintFonts:
    """Pick and register the fonts, in the order of DESIGN.md §5, each with its fallback chain."""
    fallbacks = _fallback_sources()
    if user_font is not None:
        path, index = parse_font_arg(user_font)
        face = register(path, index)
        # the usual fonts come after the clerk's own, for the characters it lacks
        try:
            body, _, _, _ = _default_faces()
            chain = Fallbacks(((body.path, body.subfont),) + fallbacks)
        except FontError:
            chain = Fallbacks(fallbacks)
        return PrintFonts(body=FontChain(face, chain), title=FontChain(face, chain), stroke_title=True)
    body, title, stroke, _ = _default_faces()
    shared = Fallbacks(fallbacks)
    body_chain = FontChain(body, shared)
    if title is body:
        return PrintFonts(body=body_chain, title=body_chain, stroke_title=stroke)
    # 黑体 lacks what 宋体 has too: the title falls back to the body face first
    title_chain = FontChain(title, Fallbacks(((body.path, body.subfont),) + fallbacks))
    return PrintFonts(body=body_chain, title=title_chain, stroke_title=stroke)
