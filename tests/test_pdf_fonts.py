"""Chinese in PDFs on a machine with no CJK font: the bundled Noto Sans SC, on either subsetting path."""
from __future__ import annotations

from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from red_property.core import pdf
from tests.pdf_reading import NAME_CHARACTERS, font_names, glyphs_drawn, pdf_text

TABLE = Path(__file__).with_name("data") / "tongyong_guifan_hanzi.txt"


def tongyong_guifan_hanzi() -> list[str]:
    rows = [line.split("\t") for line in TABLE.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    assert [int(number) for number, _, _ in rows] == list(range(1, 8106))
    assert all(chr(int(code[2:], 16)) == char for _, code, char in rows)
    return [char for _, _, char in rows]


@pytest.mark.parametrize("face", sorted(pdf.BUNDLED_FACES.values()))
def test_the_bundled_font_has_every_character_of_the_tongyong_guifan_hanzi_biao(face):
    with TTFont(pdf.FONT_DIR / face, lazy=True) as font:
        cmap = font.getBestCmap()
    missing = [char for char in tongyong_guifan_hanzi() if ord(char) not in cmap]
    assert missing == []
    assert (pdf.FONT_DIR / "OFL.txt").read_text().count("SIL OPEN FONT LICENSE") >= 1


def _names_document() -> tuple[str, str]:
    table = tongyong_guifan_hanzi()
    # Level 3 of the table (numbers 6501-8105) is where rare name characters live, some beyond the BMP.
    rare = "".join(char for char in table[6500:] if ord(char) > 0xFFFF)[:6]
    assert rare                                                   # the sample really leaves the BMP
    return (f"<html><head></head><body><h1>住户名册 {NAME_CHARACTERS}</h1>"
            f"<p>{NAME_CHARACTERS} {rare} {''.join(table[:20])} 王喆 101室 ¥1,234.00</p></body></html>"), rare


@pytest.fixture(params=["harfbuzz", "fonttools"])
def subsetter(request, monkeypatch):
    """Render through HarfBuzz-Subset (when installed) and through the fontTools fallback."""
    import weasyprint.pdf.fonts

    if request.param == "harfbuzz" and pdf.subsetter() != "harfbuzz":
        pytest.skip("libharfbuzz-subset0 is not installed")
    if request.param == "fonttools":
        monkeypatch.setattr(weasyprint.pdf.fonts, "harfbuzz_subset", None)
    return request.param


def test_name_characters_render_as_real_glyphs_of_the_bundled_font(subsetter):
    html, rare = _names_document()
    data = pdf.render_pdf(html)
    text = pdf_text(data)
    drawn = glyphs_drawn(data)
    for char in NAME_CHARACTERS + rare + "王¥1":
        assert char in text
        assert drawn[char], f"{char} (U+{ord(char):04X}) drawn as .notdef"
    assert all("Red-Property-Sans-SC" in name for name in font_names(data))


def test_a_character_the_font_lacks_is_caught_by_the_glyph_check():
    """The check above can fail: U+31350 (CJK Extension H) is in no bundled font."""
    data = pdf.render_pdf("<html><head></head><body><p>喆\U00031350</p></body></html>")
    drawn = glyphs_drawn(data)
    assert drawn["喆"] and not drawn.get("\U00031350", False)


def test_without_the_bundled_fonts_an_installed_family_or_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setattr(pdf, "FONT_DIR", tmp_path)
    monkeypatch.setattr(pdf, "_system_family", lambda: "WenQuanYi Micro Hei")
    assert pdf.font_source() == "WenQuanYi Micro Hei"
    monkeypatch.setattr(pdf, "_system_family", lambda: None)
    with pytest.raises(pdf.CJKFontMissing, match="中文字体"):
        pdf.font_source()


def test_documents_load_only_the_bundled_fonts():
    fetcher = pdf._bundled_fonts_fetcher()
    assert fetcher.fetch(pdf.FONT_SCHEME + "NotoSansSC-Regular.ttf").read(4) == b"\x00\x01\x00\x00"
    for url in (pdf.FONT_SCHEME + "../../../etc/passwd", "file:///etc/passwd", "http://127.0.0.1:9/x.ttf",
                pdf.FONT_SCHEME + "OFL.txt"):
        with pytest.raises(ValueError):
            fetcher.fetch(url)
