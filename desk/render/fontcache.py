"""A parsed TrueType face kept across runs, so printing does not read the 20 MB CJK font's tables every time.

reportlab parses a face's cmap, widths and glyph locations in Python (tens of ms for uming.ttc). The parsed
tables are kept in the per-user data folder (``font-cache``), in a format of our own: a JSON header (what
the entry was made from, the sizes of the arrays, a SHA-256 of the arrays) followed by plain arrays of
numbers. Nothing is unpickled or executed: a cache file is data that is checked, never trusted. An entry is
used only when its header names the same font file (size, modification time, a hash of its first and last
64 KiB), the same face of a collection, the same reportlab version and this format's version, and its
arrays are whole and consistent with the font's bytes; anything else (damaged, truncated, foreign, from
another version) is ignored and written anew. The font's bytes themselves are read from the font file
every time (the subsets embedded in the PDF come from them).
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import os
import sys
import tempfile
from array import array
from pathlib import Path

import reportlab
from reportlab import rl_config
from reportlab.pdfbase import ttfonts
from reportlab.pdfbase.ttfonts import TTEncoding, TTFNameBytes, TTFont, TTFontFace

FORMAT = 1
MAGIC = b"desk-font-cache\n"
EDGE = 64 * 1024  # bytes of the font hashed at each end for the key
MAX_HEADER = 1 << 20
MAX_ENTRY = 64 << 20  # an entry larger than this is not read (uming.ttc's is 2 MB)
KEEP = 8  # entries kept in the folder (a font file that changed leaves its old entry behind)
# the parsed tables held as arrays; everything else of the face goes into the JSON header
_ARRAYS = ("charToGlyph", "charWidths", "glyphToChar", "hmetrics", "glyphPos")
_SKIPPED = ("_ttf_data", "_pdfScale", "_pos", "filename") + _ARRAYS


def font_key(data: bytes, stat: os.stat_result, subfont: int) -> dict:
    """What a cache entry must have been made from."""
    edges = hashlib.sha256(data[:EDGE] + data[-EDGE:]).hexdigest()
    return {"format": FORMAT, "reportlab": reportlab.Version, "size": len(data), "mtime_ns": stat.st_mtime_ns,
            "edges": edges, "subfont": subfont, "byteorder": sys.byteorder}


def cache_dir() -> Path | None:
    try:
        from desk import paths

        folder = paths.user_data_dir() / "font-cache"
        folder.mkdir(exist_ok=True)
        return folder
    except OSError:
        return None


def load(name: str, path: Path, subfont: int, folder: Path | None = None) -> TTFont:
    """The registered-to-be TTFont ``name`` of face ``subfont`` of ``path``: from the cache when it holds this
    very font, else parsed by reportlab (and the cache written for the next run)."""
    with open(path, "rb") as fh:
        stat = os.fstat(fh.fileno())
        data = fh.read()
    folder = cache_dir() if folder is None else folder
    if folder is None:
        return _parse(name, path, data, subfont)
    key = font_key(data, stat, subfont)
    entry = folder / (hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:24] + ".bin")
    font = None
    try:
        raw = entry.read_bytes() if entry.stat().st_size <= MAX_ENTRY else None
    except OSError:
        raw = None
    if raw is not None:
        try:
            font = _from_cache(raw, key, name, path, data)
        except Exception:  # noqa: BLE001 - a damaged or foreign cache file is ignored and written anew
            font = None
    if font is None:
        font = _parse(name, path, data, subfont)
        try:
            _write(entry, key, font.face)
        except (OSError, ValueError, TypeError, OverflowError):
            pass  # no cache: the next run parses again
    return font


def _parse(name: str, path: Path, data: bytes, subfont: int) -> TTFont:
    """reportlab's own parse of the bytes already read (the face still names the file it came from)."""
    font = TTFont(name, _Named(data, str(path)), subfontIndex=subfont)
    font.face.filename = str(path)
    return font


class _Named:
    """The font's bytes as the file object reportlab reads (one read, the bytes already in memory)."""

    def __init__(self, data: bytes, name: str):
        self._data = data
        self.name = name

    def read(self) -> bytes:
        return self._data


class _CachedFace(TTFontFace):
    """A face from the cache: the tables reportlab needs only to embed a subset (the glyphs' advances and
    bearings) or never after parsing (glyph -> characters) are made into lists on first use, and each table
    of the font is copied out of its bytes once (not once per embedded subset: the glyph table is most of
    the 20 MB)."""

    def get_table(self, tag):
        tables = self.__dict__.setdefault("_table_copies", {})
        data = tables.get(tag)
        if data is None:
            data = tables[tag] = TTFontFace.get_table(self, tag)
        return data

    def __getattr__(self, name: str):
        kept = self.__dict__.get("_kept")
        if kept is None or name not in ("hmetrics", "glyphToChar"):
            raise AttributeError(name)
        g2c_keys, g2c_counts, g2c_chars, whole, advances, bearings = kept
        if name == "hmetrics":
            value = list(zip(whole.tolist() + advances.tolist(), bearings.tolist()))
        elif len(g2c_chars) == len(g2c_keys):  # one character per glyph, as usual
            value = dict(zip(g2c_keys.tolist(), ([c] for c in g2c_chars.tolist())))
        else:
            value, k = {}, 0
            for glyph, count in zip(g2c_keys.tolist(), g2c_counts.tolist()):
                value[glyph] = g2c_chars[k:k + count].tolist()
                k += count
        setattr(self, name, value)
        return value


# ---------------------------------------------------------------- the format

def _encode(value):
    """The face's scalar attributes as JSON, with the few non-JSON types tagged."""
    if isinstance(value, TTFNameBytes):
        return {"$name": value.ustr}
    if isinstance(value, bytes):
        return {"$bytes": value.hex()}
    if isinstance(value, tuple):
        return {"$tuple": [_encode(v) for v in value]}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise TypeError("only text keys")
        return {"$dict": {k: _encode(v) for k, v in value.items()}}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(f"cannot keep {type(value).__name__}")


def _decode(value):
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if isinstance(value, dict):
        if len(value) != 1:
            raise ValueError("bad tagged value")
        (tag, inner), = value.items()
        if tag == "$name":
            return TTFNameBytes(str(inner).encode("utf-8"))
        if tag == "$bytes":
            return bytes.fromhex(inner)
        if tag == "$tuple":
            return tuple(_decode(v) for v in inner)
        if tag == "$dict":
            return {str(k): _decode(v) for k, v in inner.items()}
        raise ValueError("unknown tag")
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise ValueError("bad value")


def _arrays(face: TTFontFace) -> list[array]:
    chars = array("q", face.charToGlyph.keys())
    glyphs = array("q", face.charToGlyph.values())
    width_keys = array("q", face.charWidths.keys())
    widths = array("d", face.charWidths.values())
    g2c_keys = array("q", face.glyphToChar.keys())
    g2c_counts = array("q", (len(v) for v in face.glyphToChar.values()))
    g2c_chars = array("q", (c for v in face.glyphToChar.values() for c in v))
    # reportlab keeps the advance as read (a whole number) up to numberOfHMetrics, scaled (a float) after it
    split = next((k for k, (a, _) in enumerate(face.hmetrics) if not isinstance(a, int)), len(face.hmetrics))
    whole = array("q", (a for a, _ in face.hmetrics[:split]))
    advances = array("d", (a for a, _ in face.hmetrics[split:]))
    bearings = array("q", (b for _, b in face.hmetrics))
    positions = array("q", face.glyphPos)
    return [chars, glyphs, width_keys, widths, g2c_keys, g2c_counts, g2c_chars, whole, advances, bearings, positions]


def _write(entry: Path, key: dict, face: TTFontFace) -> None:
    scalars = {k: _encode(v) for k, v in face.__dict__.items() if k not in _SKIPPED}
    parts = _arrays(face)
    body = b"".join(a.tobytes() for a in parts)
    header = json.dumps({"key": key, "scalars": scalars, "lengths": [len(a) for a in parts],
                         "types": [a.typecode for a in parts], "sha256": hashlib.sha256(body).hexdigest()},
                        sort_keys=True).encode("utf-8")
    fd, tmp = tempfile.mkstemp(dir=entry.parent, prefix=".font-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(MAGIC + len(header).to_bytes(4, "little") + header + body)
        os.replace(tmp, entry)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    entries = sorted(entry.parent.glob("*.bin"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
    for old in entries[KEEP:]:
        old.unlink()


def _from_cache(raw: bytes, key: dict, name: str, path: Path, data: bytes) -> TTFont | None:
    """The TTFont from a cache entry, or None when the entry is not for this font or does not hold together."""
    if not raw.startswith(MAGIC):
        return None
    start = len(MAGIC) + 4
    size = int.from_bytes(raw[len(MAGIC):start], "little")
    if size > MAX_HEADER or start + size > len(raw):
        return None
    header = json.loads(raw[start:start + size].decode("utf-8"))
    if not isinstance(header, dict) or header.get("key") != key:
        return None
    body = memoryview(raw)[start + size:]
    if hashlib.sha256(body).hexdigest() != header.get("sha256"):
        return None
    lengths, types = header["lengths"], header["types"]
    if types != ["q", "q", "q", "d", "q", "q", "q", "q", "d", "q", "q"] or len(lengths) != len(types):
        return None
    parts, offset = [], 0
    for code, count in zip(types, lengths):
        part = array(code)
        end = offset + int(count) * part.itemsize
        if end > len(body):
            return None
        part.frombytes(body[offset:end])
        parts.append(part)
        offset = end
    if offset != len(body):
        return None
    chars, glyphs, width_keys, widths, g2c_keys, g2c_counts, g2c_chars, whole, advances, bearings, positions = parts
    scalars = {k: _decode(v) for k, v in header["scalars"].items()}
    num_glyphs = scalars.get("numGlyphs")
    units = scalars.get("unitsPerEm")
    table = scalars.get("table")
    if not (isinstance(num_glyphs, int) and isinstance(units, int) and units > 0 and isinstance(table, dict)):
        return None
    # the arrays hold together and fit the font's bytes
    if (len(chars) != len(glyphs) or len(width_keys) != len(widths) or len(g2c_keys) != len(g2c_counts)
            or sum(g2c_counts) != len(g2c_chars) or min(g2c_counts, default=1) < 0
            or len(whole) + len(advances) != num_glyphs or len(bearings) != num_glyphs
            or len(positions) != num_glyphs + 1):
        return None
    if glyphs and (min(glyphs) < 0 or max(glyphs) >= num_glyphs):
        return None
    glyf = table.get("glyf")
    if not isinstance(glyf, dict):
        return None
    positions = positions.tolist()
    if (positions != sorted(positions) or min(positions, default=0) < 0
            or glyf["offset"] + glyf["length"] > len(data) or (positions and positions[-1] > glyf["length"])):
        return None
    for record in table.values():
        if not (isinstance(record, dict) and 0 <= record["offset"] and record["offset"] + record["length"] <= len(data)):
            return None

    face = _CachedFace.__new__(_CachedFace)
    face.__dict__.update(scalars)
    face._ttf_data = data
    face._pos = 0
    face.filename = str(path)
    if units == 1000:
        face._pdfScale = lambda x: x
    else:
        mult = 1000 / units
        face._pdfScale = lambda x: x * mult
    face.charToGlyph = dict(zip(chars.tolist(), glyphs.tolist()))
    face.charWidths = dict(zip(width_keys.tolist(), widths.tolist()))
    face.glyphPos = positions
    face._kept = (g2c_keys, g2c_counts, g2c_chars, whole, advances, bearings)

    from weakref import WeakKeyDictionary

    font = TTFont.__new__(TTFont)  # what TTFont.__init__ sets, with the face above instead of a parse
    font.fontName = name
    font.face = face
    font.encoding = TTEncoding()
    font.state = WeakKeyDictionary()
    font._asciiReadable = rl_config.ttfAsciiReadable
    font.shapable = not any(fnmatch.fnmatch(name, glob) for glob in getattr(ttfonts, "unShapedFontGlob", ()))
    return font
