"""A red bag people can read: the printable transfer form (HTML, and A4 PDF through headless Chromium).

>>> html = render_transfer_html(document)                       # outbound document Bundle
>>> html = render_transfer_html(document, return_document=back)  # plus what changed and what is missing
>>> html = render_summary_html(summary, discharge=discharge)      # from the JSON inputs instead
>>> pages = html_to_pdf(html, Path("bag.pdf"))                   # 1-2 A4 pages
"""

from __future__ import annotations

from typing import Any

from adapter.errors import PrintError
from adapter.render.from_document import document_form, is_return_document, with_return
from adapter.render.from_summary import summary_form
from adapter.render.html import render_form
from adapter.render.pdf import chromium_path, html_to_pdf, pdf_page_count, pdf_page_sizes

__all__ = [
    "PrintError",
    "chromium_path",
    "html_to_pdf",
    "is_return_document",
    "pdf_page_count",
    "pdf_page_sizes",
    "render_summary_html",
    "render_transfer_html",
]


def render_transfer_html(document: dict[str, Any], *, return_document: dict[str, Any] | None = None) -> str:
    """The transfer form for a red-bag document Bundle (outbound, or a return document alone); with
    ``return_document`` also what changed in hospital and what is missing. Raises InputError."""
    return render_form(document_form(document, return_document))


def render_summary_html(
    summary: dict[str, Any],
    *,
    discharge: dict[str, Any] | None = None,
    return_document: dict[str, Any] | None = None,
) -> str:
    """The transfer form for a checked resident summary; on its return journey give either its checked
    ``discharge`` or its ``return_document``. Raises InputError."""
    if discharge is not None and return_document is not None:
        raise ValueError("give the discharge or the return document, not both")
    form = summary_form(summary, discharge)
    return render_form(with_return(form, return_document) if return_document is not None else form)
