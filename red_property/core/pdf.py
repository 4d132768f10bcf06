"""PDF documents (payment notices, receipts, statements, rating reports) with WeasyPrint.

- Chinese glyphs come from the Noto Sans SC fonts bundled in ``core/fonts`` (OFL),
  loaded through ``@font-face``, so a machine with no CJK font installed prints
  Chinese; installed CJK fonts found by fontconfig stay a fallback behind them.
- User data goes into the HTML, so the URL fetcher refuses every URL except the
  bundled font files by name: documents carry their CSS and SVG inline and fetch
  nothing else (no file:, no network).
- Without Debian's ``libharfbuzz-subset0`` WeasyPrint subsets fonts with fontTools:
  slower, not wrong.  ``subsetter()`` says which path is active (``/healthz``,
  ``red-property doctor``), so WeasyPrint's per-document warning about it is muted.
"""
from __future__ import annotations

import functools
import io
import logging
import shutil
import subprocess
from pathlib import Path

from flask import Response

FONT_DIR = Path(__file__).with_name("fonts")
FONT_SCHEME = "red-property-font:"
# Not the installed family's name, so fontconfig can never substitute a system copy for it.
BUNDLED_FAMILY = "Red Property Sans SC"
BUNDLED_FACES = {"normal": "NotoSansSC-Regular.ttf", "bold": "NotoSansSC-Bold.ttf"}
SYSTEM_FAMILIES = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Micro Hei")
_FONTTOOLS_NOTICE = "Using fontTools instead of HarfBuzz-Subset"


class CJKFontMissing(RuntimeError):
    """Neither the bundled fonts nor an installed font can render Chinese text."""


@functools.cache
def _bundled_fonts_fetcher():
    """A WeasyPrint URL fetcher that serves the bundled font files by name and refuses everything else.

    Built on first use: WeasyPrint takes about a second to import, which the
    web app and the CLI should not pay at start.
    """
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class FetchBundledFontsOnly(URLFetcher):
        def fetch(self, url, headers=None):
            name = url.removeprefix(FONT_SCHEME) if url.startswith(FONT_SCHEME) else None
            if name not in BUNDLED_FACES.values():
                raise ValueError(f"PDF documents may not load external resources: {url[:80]}")
            return URLFetcherResponse(url, (FONT_DIR / name).read_bytes(), {"Content-Type": "font/ttf"})

    return FetchBundledFontsOnly()


class _MuteFontToolsNotice(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(_FONTTOOLS_NOTICE)


logging.getLogger("weasyprint").addFilter(_MuteFontToolsNotice())


def bundled_fonts_present() -> bool:
    return all((FONT_DIR / name).is_file() for name in BUNDLED_FACES.values())


@functools.cache
def _system_family() -> str | None:
    """The first installed CJK family fontconfig knows, or None."""
    if shutil.which("fc-list") is None:
        return None
    installed = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True,
                               check=False).stdout
    return next((family for family in SYSTEM_FAMILIES if family in installed), None)


def font_source() -> str:
    """Where Chinese glyphs come from: 'bundled', or the installed family used instead."""
    if bundled_fonts_present():
        return "bundled"
    family = _system_family()
    if family is None:
        raise CJKFontMissing("缺少内置中文字体（red_property/core/fonts），系统中也未安装中文字体，PDF 将无法显示汉字："
                             "请重新安装本软件包，或安装 fonts-noto-cjk")
    return family


def subsetter() -> str:
    """How WeasyPrint subsets fonts here: 'harfbuzz' (fast) or 'fonttools' (libharfbuzz-subset0 missing)."""
    from weasyprint.text.ffi import harfbuzz_subset

    return "fonttools" if harfbuzz_subset is None else "harfbuzz"


@functools.cache
def _font_css() -> str:
    source = font_source()
    faces = "".join(
        f"@font-face {{ font-family: '{BUNDLED_FAMILY}'; font-weight: {weight}; "
        f"src: url('{FONT_SCHEME}{name}'); }}"
        for weight, name in BUNDLED_FACES.items()) if source == "bundled" else ""
    families = ", ".join(f"'{f}'" for f in ((BUNDLED_FAMILY,) if faces else ()) + SYSTEM_FAMILIES)
    return f"<style>{faces} body {{ font-family: {families}, sans-serif; }}</style>"


def _document(html: str):
    from weasyprint import HTML

    css = _font_css()
    document = html.replace("</head>", css + "</head>", 1) if "</head>" in html else css + html
    return HTML(string=document, base_url="about:blank", url_fetcher=_bundled_fonts_fetcher())


def render_pdf(html: str) -> bytes:
    """Render an HTML document (CSS inline) to PDF bytes with Chinese glyphs."""
    return _document(html).write_pdf()


def render_pdf_parts(parts, progress=None) -> bytes:
    """Render several HTML documents (``parts``, an iterable) as one PDF, their pages in order.

    Laying out the pages is the slow part: each part is laid out on its own and
    ``progress(done)`` is called after each, so a long document's job can say how
    far it got; the pages are then written once, as one document.
    """
    documents = []
    for html in parts:
        documents.append(_document(html).render())
        if progress is not None:
            progress(len(documents))
    if not documents:
        return b""
    return documents[0].copy([page for document in documents for page in document.pages]).write_pdf()


def pdf_page(data: bytes, index: int) -> bytes:
    """Page ``index`` (0-based) of a stored PDF as a PDF of its own, copied as it is (never rendered again).

    The page keeps the document's shared resources (its font subset), so the
    text and look are exactly those of the stored document.
    """
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    writer.add_page(PdfReader(io.BytesIO(data)).pages[index])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pdf_response(html: str, filename: str) -> Response:
    return pdf_bytes_response(render_pdf(html), filename)


def pdf_bytes_response(data: bytes, filename: str, *, attachment: bool = False) -> Response:
    from red_property.core.files import content_disposition

    return Response(data, mimetype="application/pdf",
                    headers={"Content-Disposition": content_disposition(filename, attachment=attachment)})
