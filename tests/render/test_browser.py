"""End to end in real headless Chromium: the key facts are visible, the page reflows at 200% zoom, every
text element meets AA contrast as rendered, and the PDF has one or two A4 pages, for every example and for
red bags with gaps, whose first printed page lists the gaps in its NOT RECORDED box.

Screenshots (PNG), pages (HTML) and PDFs are kept in out/test-artifacts/render/ for people to look at.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

import pytest

from adapter.render import html_to_pdf, pdf_page_count, pdf_page_sizes, render_transfer_html
from tests.render.browser import Browser
from tests.render.cases import example, examples
from tests.render.gap_cases import GapCase, gap_case
from tests.render.gap_words import expectation, not_recorded
from tests.render.pdf_text import page_texts

pytestmark = pytest.mark.browser


def _return_form() -> str:
    ex = example("return-journey")
    return render_transfer_html(ex.document, return_document=ex.return_document)


def _return_only_form() -> str:
    back = example("return-journey").return_document
    assert back is not None
    return render_transfer_html(back)


#: Every form the tests open: each example's outbound document, and the return journey both ways.
FORMS: dict[str, Callable[[], str]] = {e.name: partial(render_transfer_html, e.document) for e in examples()}
FORMS["return-journey.return"] = _return_form
FORMS["return-journey.return-only"] = _return_only_form
#: Red bags with gaps (their documents): every gap at once in both sets, and the longest of all the gap
#: cases in print (every medicine of the longest example without its dose: a NOT RECORDED in each row).
GAP_FORMS: dict[str, GapCase] = {
    name.replace(":", "."): gap_case(name)
    for name in ("insulin-parkinsons:every-gap", "insulin-parkinsons:every-other-gap", "dementia-dnacpr:dose")
}
FORMS |= {name: partial(render_transfer_html, case.document) for name, case in GAP_FORMS.items()}

#: (form, CSS selector, text that must be visible inside it): the facts hospital and care-home staff look for.
KEY_FACTS = [
    ("dementia-dnacpr", ".resus.dnacpr .headline", "DNACPR: do not attempt cardiopulmonary resuscitation"),
    ("dementia-dnacpr", ".resus.dnacpr", "12 Jun 2025, 14:20 (UTC+01:00)"),
    ("dementia-dnacpr", ".allergies", "Penicillin"),
    ("encoding-multilingual", ".resus.dnacpr .headline", "DNACPR"),
    ("insulin-parkinsons", ".time-critical", "Insulin isophane human 100units/ml"),
    ("insulin-parkinsons", ".time-critical .last-dose", "25 Oct 2025, 21:30 (UTC+01:00)"),
    ("no-known-allergies", ".allergies", "No known allergies"),
    ("return-journey.return", ".missing", "MISSING: Hearing aid (left ear)"),
    ("return-journey.return", "tr.missing", "MISSING"),
    ("return-journey.return", ".changes tr.stopped", "Spironolactone 25mg tablets"),
    ("return-journey.return-only", ".missing", "MISSING: Hearing aid (left ear)"),
    ("insulin-parkinsons.every-gap", ".gaps", "NOT RECORDED in this red bag: ask Beechcroft Court Care Home"),
    ("insulin-parkinsons.every-gap", ".time-critical .last-dose", "Last dose given: NOT RECORDED, ask"),
    ("insulin-parkinsons.every-gap", ".resus", "Date of decision: NOT RECORDED, ask"),
    ("insulin-parkinsons.every-gap", ".allergies.not-recorded", "ALLERGIES NOT RECORDED, ask"),
    ("insulin-parkinsons.every-other-gap", ".resus.not-recorded", "Resuscitation decision NOT RECORDED"),
    ("insulin-parkinsons.every-other-gap", ".time-critical", "Medicines: NOT RECORDED, ask"),
]

CONTRAST_FAILURES = """(() => {
  const parse = c => { const p = c.match(/rgba?\\(([^)]+)\\)/)[1].split(',').map(Number);
                       return p.length === 4 ? p : [...p, 1]; };
  const f = v => (v /= 255) <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  const lum = ([r, g, b]) => 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  const background = el => { for (let e = el; e; e = e.parentElement) {
                               const c = parse(getComputedStyle(e).backgroundColor); if (c[3] > 0) return c; }
                             return [255, 255, 255, 1]; };
  const bad = [];
  for (const el of document.querySelectorAll('body *')) {
    if (![...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())) continue;
    const [hi, lo] = [lum(parse(getComputedStyle(el).color)), lum(background(el))].sort((a, b) => b - a);
    const ratio = (hi + 0.05) / (lo + 0.05);
    const what = `${el.tagName}.${el.className} "${el.textContent.trim().slice(0, 30)}"`;
    if (ratio < 4.5) bad.push(`${what} ${ratio.toFixed(2)}`);
  }
  return bad;
})()"""


@pytest.fixture(scope="module")
def browser(chromium: str) -> Iterator[Browser]:
    with Browser(chromium) as b:
        yield b


@pytest.fixture(scope="module")
def pages(artifacts: Path) -> dict[str, Path]:
    """Each form written to out/test-artifacts/render/<form>.html."""
    out = {}
    for name, make in FORMS.items():
        out[name] = artifacts / f"{name}.html"
        out[name].write_text(make(), encoding="utf-8")
    return out


def visible_text(browser: Browser, selector: str) -> str:
    """What a reader sees in the elements matching ``selector`` (innerText skips hidden content)."""
    script = f"""Array.from(document.querySelectorAll({json.dumps(selector)}))
        .filter(e => {{ const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0; }})
        .map(e => e.innerText).join(' ')"""
    return " ".join(str(browser.evaluate(script)).split())


@pytest.mark.parametrize(("form", "selector", "fact"), KEY_FACTS, ids=[f"{f}:{s}" for f, s, _ in KEY_FACTS])
def test_key_fact_is_visible(
    browser: Browser, pages: dict[str, Path], form: str, selector: str, fact: str
) -> None:
    browser.open(pages[form], width=1280)
    assert fact in visible_text(browser, selector)


def test_dnacpr_is_a_bold_box(browser: Browser, pages: dict[str, Path]) -> None:
    browser.open(pages["dementia-dnacpr"], width=1280)
    style = browser.evaluate("""(() => {
        const box = getComputedStyle(document.querySelector('.resus.dnacpr'));
        const head = getComputedStyle(document.querySelector('.resus.dnacpr .headline'));
        return [parseFloat(box.borderTopWidth), parseInt(head.fontWeight), parseFloat(head.borderTopWidth)];
    })()""")
    box_border, weight, headline_border = style
    assert box_border >= 4 and headline_border >= 2 and weight >= 700


@pytest.mark.parametrize("form", FORMS)
def test_screenshot_at_desktop_width(
    browser: Browser, pages: dict[str, Path], artifacts: Path, form: str
) -> None:
    browser.open(pages[form], width=1280)
    assert visible_text(browser, "h1")
    shot = browser.screenshot(artifacts / f"{form}.png")
    assert shot.read_bytes().startswith(b"\x89PNG")


@pytest.mark.parametrize("form", FORMS)
def test_reflows_at_200_percent_zoom(
    browser: Browser, pages: dict[str, Path], artifacts: Path, form: str
) -> None:
    """A 1280-pixel screen at 200% zoom is a 640 CSS-pixel viewport at device scale 2: nothing may need
    horizontal scrolling, and the text is still there to read."""
    browser.open(pages[form], width=640, scale=2)
    width, viewport = browser.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert width <= viewport, f"{width - viewport} CSS px of horizontal scrolling at 200% zoom"
    assert browser.evaluate("window.devicePixelRatio") == 2
    browser.screenshot(artifacts / f"{form}.zoom200.png")


@pytest.mark.parametrize("form", FORMS)
def test_rendered_text_meets_aa_contrast(browser: Browser, pages: dict[str, Path], form: str) -> None:
    browser.open(pages[form], width=1280)
    assert browser.evaluate(CONTRAST_FAILURES) == []


def print_a4(chromium: str, page: Path, pdf: Path) -> int:
    """Print ``page`` to ``pdf``: one or two A4 pages (the page budget of the paper Red Bag form)."""
    pages_printed = html_to_pdf(page.read_text(encoding="utf-8"), pdf, chromium=chromium)
    data = pdf.read_bytes()
    assert pages_printed == pdf_page_count(data)
    assert 1 <= pages_printed <= 2, f"{pdf.name}: {pages_printed} pages"
    sizes = pdf_page_sizes(data)
    assert len(sizes) == pages_printed
    assert all(abs(w - 595.28) < 2 and abs(h - 841.89) < 2 for w, h in sizes), sizes
    return pages_printed


@pytest.mark.parametrize("form", [f for f in FORMS if f not in GAP_FORMS])
def test_pdf_has_one_or_two_a4_pages(
    chromium: str, pages: dict[str, Path], artifacts: Path, form: str
) -> None:
    print_a4(chromium, pages[form], artifacts / f"{form}.pdf")


@pytest.mark.parametrize("form", GAP_FORMS)
def test_h2_h4_the_first_printed_page_lists_the_gaps(
    chromium: str, pages: dict[str, Path], artifacts: Path, form: str
) -> None:
    """A red bag with gaps still prints on one or two A4 pages, and its first page carries the NOT
    RECORDED box: the time-critical medicines, resuscitation decision and allergies not recorded, each on
    its own line, then the other gaps."""
    pdf = artifacts / f"{form}.pdf"
    print_a4(chromium, pages[form], pdf)
    first = page_texts(pdf)[0]
    case = GAP_FORMS[form]
    ask = not_recorded(case.summary).split(", ", 1)[1]
    assert f"NOT RECORDED in this red bag: {ask}" in first
    expected = [expectation(w, case.summary) for w in case.warnings]
    for _, what, _ in expected:
        assert what in first, f"{what!r} is not on the first printed page"
    others = first.find("Also not recorded:")
    if others >= 0:
        assert all(first.index(what) < others for _, what, urgent in expected if urgent)
