"""Print the transfer form to an A4 PDF with headless Chromium, and count the pages of a PDF.

Why Chromium (the Debian package ``chromium``) rather than a PDF library from PyPI: the PDF comes from a
real browser's print engine, so it is exactly what staff get when they press Print on the web view
(the same CSS, the same page breaks, the same fonts), and it adds no Python dependency with native
libraries of its own (WeasyPrint needs Pango; wkhtmltopdf is unmaintained). The form is plain
HTML + CSS with no scripts, so the browser is used only as a print engine: every network feature is
switched off and each run gets a new, empty profile.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
import zlib
from pathlib import Path

from adapter.errors import PrintError

#: A4 in PostScript points (210 x 297 mm).
A4_POINTS = (595.28, 841.89)
#: How Chromium runs here: headless, as root, with every network feature off.
BROWSER_FLAGS = (
    "--headless",
    "--no-sandbox",  # runs as root in containers and CI, where the setuid sandbox is unavailable
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
_PAGE = re.compile(rb"/Type\s*/Page(?![A-Za-z])")
_MEDIA_BOX = re.compile(rb"/MediaBox\s*\[\s*([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s*\]")
_OBJECT_STREAM = re.compile(rb"/Type\s*/ObjStm\b.*?stream\r?\n(.*?)endstream", re.DOTALL)


def chromium_path() -> str | None:
    """The Chromium executable on PATH (Debian installs ``/usr/bin/chromium``), or None."""
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


def chromium_command(chromium: str, profile: Path, page: Path, pdf: Path) -> list[str]:
    """The command line that prints ``page`` to ``pdf`` with a fresh ``profile`` directory."""
    return [
        chromium,
        *BROWSER_FLAGS,
        f"--user-data-dir={profile}",
        "--no-pdf-header-footer",
        f"--print-to-pdf={pdf}",
        page.as_uri(),
    ]


def html_to_pdf(html: str, pdf: Path, *, chromium: str | None = None, timeout: float = 90.0) -> int:
    """Print ``html`` to ``pdf`` (A4, from the page's own print CSS); return the number of pages."""
    executable = chromium or chromium_path()
    if not executable:
        raise PrintError(
            "Chromium is not installed: run scripts/install-chromium.sh (Debian package chromium)"
        )
    pdf = pdf.resolve()
    pdf.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="redbag-print-") as tmp:
        page = Path(tmp) / "form.html"
        page.write_text(html, encoding="utf-8")
        profile = Path(tmp) / "profile"
        profile.mkdir()
        command = chromium_command(executable, profile, page, pdf)
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise PrintError(f"{pdf}: Chromium did not print ({exc})") from exc
    if done.returncode != 0 or not pdf.is_file() or not pdf.read_bytes().startswith(b"%PDF"):
        tail = (done.stderr or "").strip().splitlines()[-3:]
        raise PrintError(f"{pdf}: Chromium failed (exit {done.returncode}): {' | '.join(tail)}")
    return pdf_page_count(pdf.read_bytes())


def _object_streams(data: bytes) -> list[bytes]:
    out = []
    for match in _OBJECT_STREAM.finditer(data):
        try:
            out.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue
    return out


def pdf_page_count(data: bytes) -> int:
    """Pages in a PDF: its ``/Type /Page`` objects, including any inside compressed object streams."""
    return sum(len(_PAGE.findall(chunk)) for chunk in (data, *_object_streams(data)))


def pdf_page_sizes(data: bytes) -> list[tuple[float, float]]:
    """Width and height in points of every ``/MediaBox`` in a PDF (one per page in Chromium's output)."""
    sizes = []
    for chunk in (data, *_object_streams(data)):
        for x0, y0, x1, y1 in _MEDIA_BOX.findall(chunk):
            sizes.append((float(x1) - float(x0), float(y1) - float(y0)))
    return sizes
