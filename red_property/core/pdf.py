"""PDF documents (invoices, statements, rating reports) with WeasyPrint.

- Chinese glyphs come from an installed CJK font (Debian: fonts-wqy-microhei or
  fonts-noto-cjk) found through fontconfig; without one we stop with a clear
  error instead of printing boxes.
- User data goes into the HTML, so the URL fetcher refuses every URL: documents
  carry their CSS and SVG inline and fetch nothing (no file:, no network).
"""
from __future__ import annotations

import functools
import shutil
import subprocess

from flask import Response
from weasyprint import HTML
from weasyprint.urls import URLFetcher

CJK_FAMILIES = ("WenQuanYi Micro Hei", "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC")


class CJKFontMissing(RuntimeError):
    """No installed font can render Chinese text."""


class _FetchNothing(URLFetcher):
    def fetch(self, url, headers=None):
        raise ValueError(f"PDF documents may not load external resources: {url[:80]}")


@functools.cache
def cjk_family() -> str:
    """The first installed CJK font family, as CSS wants it."""
    if shutil.which("fc-list") is None:
        raise CJKFontMissing("未找到 fontconfig（fc-list），无法确认中文字体：请安装 fontconfig 和 fonts-wqy-microhei")
    installed = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True, check=False).stdout
    for family in CJK_FAMILIES:
        if family in installed:
            return family
    raise CJKFontMissing("未安装中文字体，PDF 将无法显示汉字：请安装 fonts-wqy-microhei 或 fonts-noto-cjk")


def _document(html: str):
    family = cjk_family()
    page_css = f"<style>body {{ font-family: '{family}', sans-serif; }}</style>"
    document = html.replace("</head>", page_css + "</head>", 1) if "</head>" in html else page_css + html
    return HTML(string=document, base_url="about:blank", url_fetcher=_FetchNothing())


def render_pdf(html: str) -> bytes:
    """Render an HTML document (CSS inline) to PDF bytes with Chinese glyphs."""
    return _document(html).write_pdf()


def pdf_page(data: bytes, index: int) -> bytes:
    """Page ``index`` (0-based) of a stored PDF as a PDF of its own, copied as it is (never rendered again).

    The page keeps the document's shared resources (its font subset), so the
    text and look are exactly those of the stored document.
    """
    import io

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
