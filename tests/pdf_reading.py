"""Read back the PDFs the product renders, with pypdf and fontTools only.

A bare machine has no poppler (pdftotext, pdffonts), so the tests read PDFs the
way any Python environment from ``uv sync`` can.
"""
from __future__ import annotations

import io

from fontTools.ttLib import TTFont
from pypdf import PdfReader

# Characters seen in given names that older or smaller CJK fonts lack.
NAME_CHARACTERS = "喆堃犇淼燊镕赟玥珺昇彧琇翀"


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def _embedded_fonts(data: bytes):
    """(base font name, font program, {character: glyph id}) for every embedded Type 0 font."""
    seen = set()
    for page in PdfReader(io.BytesIO(data)).pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            if font["/BaseFont"] in seen or font["/Subtype"] != "/Type0":
                continue
            seen.add(font["/BaseFont"])
            descendant = font["/DescendantFonts"][0].get_object()
            if "/FontFile2" not in descendant["/FontDescriptor"]:
                continue   # a CFF font (an installed Noto Sans CJK fallback), not TrueType: not ours
            program = TTFont(io.BytesIO(descendant["/FontDescriptor"]["/FontFile2"].get_data()))
            yield str(font["/BaseFont"]), program, _to_unicode(font["/ToUnicode"].get_data().decode())


def _to_unicode(cmap: str) -> dict[str, int]:
    """The bfchar entries of a ToUnicode CMap (what WeasyPrint writes): character -> glyph id."""
    chars = {}
    for line in cmap.splitlines():
        parts = line.strip().split()
        if len(parts) == 2 and parts[0].startswith("<") and parts[1].startswith("<"):
            gid = int(parts[0].strip("<>"), 16)
            chars[bytes.fromhex(parts[1].strip("<>")).decode("utf-16-be")] = gid
    return chars


def font_names(data: bytes) -> list[str]:
    return [name for name, _, _ in _embedded_fonts(data)]


def glyphs_drawn(data: bytes) -> dict[str, bool]:
    """Every character the PDF shows, and whether the font drew it with a real outline (not .notdef/empty)."""
    drawn: dict[str, bool] = {}
    for _, program, chars in _embedded_fonts(data):
        order, glyf = program.getGlyphOrder(), program["glyf"]
        for char, gid in chars.items():
            real = 0 < gid < len(order) and (char.isspace() or glyf[order[gid]].numberOfContours != 0)
            drawn[char] = drawn.get(char, False) or real
    return drawn
