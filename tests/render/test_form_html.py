"""The transfer form's HTML (no browser): the facts the paper Red Bag pack puts first, every medicine,
condition, allergy and belonging of the input (hazard H1), the return journey's changes and gaps, accessible
structure, nothing loaded from outside, and the same page from every input."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from lxml import html as lxml_html

from adapter.errors import InputError
from adapter.render import render_summary_html, render_transfer_html
from tests.render.cases import Example, example, examples

OUTBOUND = [pytest.param(e, id=e.name) for e in examples()]
SECTIONS = (
    "Resident", "Resuscitation", "Allergies", "Time-critical medicines", "Reason for transfer", "Medicines",
    "Conditions", "Normal for me (when well)", "About me", "Contacts", "Belongings checklist",
)  # fmt: skip


def page(markup: str) -> Any:
    return lxml_html.fromstring(markup)


def text_of(tree: Any, css: str) -> str:
    """The whitespace-normalised text of every element matching ``css``."""
    return " ".join(" ".join(el.text_content().split()) for el in tree.xpath(css_to_xpath(css)))


def css_to_xpath(css: str) -> str:
    """Enough CSS for these tests: ``tag``, ``.class``, ``tag.class``, ``.a.b``, descendants by spaces."""
    steps = []
    for part in css.split():
        tag, *classes = part.split(".")
        cond = "".join(f"[contains(concat(' ', normalize-space(@class), ' '), ' {c} ')]" for c in classes)
        steps.append(f"{tag or '*'}{cond}")
    return "//" + "//".join(steps)


@pytest.mark.parametrize("ex", OUTBOUND)
def test_outbound_form_structure_and_key_facts(ex: Example) -> None:
    s = ex.summary
    tree = page(render_summary_html(s))
    assert tree.get("lang") == "en"
    assert len(tree.xpath("//h1")) == 1
    headings = [" ".join(h.text_content().split()) for h in tree.xpath("//h2")]
    assert set(SECTIONS) <= set(headings)
    assert all(th.get("scope") in ("col", "row") for th in tree.xpath("//th"))
    banner = text_of(tree, ".banner")
    assert s["bagNumber"] in banner and "Summary completed" in banner
    if s["resident"].get("nhsNumber"):
        n = s["resident"]["nhsNumber"]
        assert text_of(tree, ".nhs") == f"{n[:3]} {n[3:6]} {n[6:]}"
    rows = tree.xpath("//table[contains(@class, 'belongings')]/tbody/tr")
    assert [" ".join(r.xpath("th")[0].text_content().split()) for r in rows] == [
        " ".join(f"{b['item']}{' (' + b['note'] + ')' if b.get('note') else ''}".split())
        for b in s.get("belongings") or []
    ]
    assert all(len(r.xpath(".//*[contains(@class, 'box')]")) == 3 for r in rows)  # packed, received, back
    allergies = text_of(tree, ".allergies")
    if s.get("noKnownAllergies"):
        assert "No known allergies" in allergies
    elif s.get("allergies"):
        assert all(a["code"]["display"] in allergies for a in s["allergies"])
    else:
        assert "ALLERGIES NOT RECORDED" in allergies
    decision = (s.get("resuscitation") or {}).get("decision", "not-recorded")
    assert tree.xpath(f"//section[contains(@class, 'resus') and contains(@class, '{decision}')]")


def _own_text(element: Any) -> str:
    """The element's own leading text, whitespace-normalised (without a badge or note inside it)."""
    return " ".join((element.text or "").split())


@pytest.mark.parametrize("ex", OUTBOUND)
def test_h1_every_medicine_and_condition_is_on_the_form(ex: Example) -> None:
    """Each medicine (time-critical ones twice: first in their own box) and each condition of the input is
    shown, in input order, from the summary and from the document alike, and nothing hides it."""
    s = ex.summary
    medicines = [m["code"]["display"] for m in s["medications"]]
    conditions = [c["code"]["display"] for c in s.get("conditions") or []]
    assert medicines, f"{ex.name} has medicines to show"
    for markup in (render_summary_html(s), render_transfer_html(ex.document)):
        tree = page(markup)
        rows = tree.xpath("//table[contains(@class, 'medicines')]/tbody/tr")
        assert [_own_text(r.xpath("th")[0]) for r in rows] == medicines
        items = tree.xpath("//ul[contains(@class, 'conditions')]/li")
        assert [" ".join(li.xpath("string(strong)").split()) for li in items] == conditions
        critical = text_of(tree, ".time-critical")
        assert all(m["code"]["display"] in critical for m in s["medications"] if m["timeCritical"])
        for shown in [*rows, *items]:
            assert not shown.xpath("ancestor-or-self::*[@hidden or @aria-hidden='true']")
    assert "display: none" not in markup.replace("display:none", "display: none")
    assert "visibility: hidden" not in markup.replace("visibility:hidden", "visibility: hidden")


@pytest.mark.parametrize(
    ("name", "css", "facts"),
    [
        ("dementia-dnacpr", ".resus.dnacpr",
         ["DNACPR: do not attempt cardiopulmonary resuscitation", "12 Jun 2025, 14:20 (UTC+01:00)",
          "front pocket of the red bag"]),
        ("dementia-dnacpr", ".resident", ["999 034 1818", "11 Feb 1938", "(aged 88)"]),
        ("dementia-dnacpr", ".allergies", ["Penicillin", "high criticality", "Severe"]),
        ("dementia-dnacpr", ".banner", ["29 Mar 2026, 02:30 (UTC+01:00)", "Grace Mensah"]),
        ("insulin-parkinsons", ".time-critical",
         ["Insulin isophane human 100units/ml", "Last dose given: 25 Oct 2025, 21:30 (UTC+01:00)",
          "in the bag"]),
        ("insulin-parkinsons", "tr.critical", ["Time-critical", "25 Oct 2025, 21:30 (UTC+01:00)"]),
        ("no-known-allergies", ".allergies.none-known", ["No known allergies"]),
        ("no-known-allergies", ".resus.not-recorded",
         ["Resuscitation decision NOT RECORDED, ask The Hollies Residential Home on 01632 960537"]),
        ("no-known-allergies", ".gaps", ["NOT RECORDED in this red bag", "Resuscitation decision"]),
        ("local-id-only", ".resident", ["None (NHS number not known); care home id SAN-2026-0143"]),
        ("encoding-multilingual", ".banner", ["Bushra Zoë O'Brien", "بشریٰ"]),
        ("encoding-multilingual", ".resident", ["Urdu", "interpreter needed"]),
        ("many-belongings", ".belongings", ["Purse with £12.40 cash"]),
    ],
)  # fmt: skip
def test_specific_facts_are_where_staff_look(name: str, css: str, facts: list[str]) -> None:
    shown = text_of(page(render_summary_html(example(name).summary)), css)
    for fact in facts:
        assert fact in shown, f"{fact!r} not in {css}: {shown[:300]}"


@pytest.mark.parametrize("ex", OUTBOUND)
def test_page_loads_nothing_and_runs_nothing(ex: Example) -> None:
    markup = render_summary_html(ex.summary)
    tree = page(markup)
    assert not tree.xpath("//script | //link | //img | //iframe | //object | //embed | //form")
    assert not tree.xpath("//@src | //@href | //@*[starts-with(name(), 'on')]")
    csp = tree.xpath("//meta[@http-equiv='Content-Security-Policy']/@content")
    assert csp == ["default-src 'none'; style-src 'unsafe-inline'"]
    assert "url(" not in markup and "@import" not in markup


def test_text_is_escaped_everywhere() -> None:
    summary = copy.deepcopy(example("dementia-dnacpr").summary)
    summary["resident"]["name"]["family"] = '</style><script>alert("x")</script>'
    summary["transfer"]["reason"] = "<img src=x onerror=alert(1)>"
    tree = page(render_summary_html(summary))
    assert not tree.xpath("//script | //img")
    assert '</style><script>alert("x")</script>' in text_of(tree, "h1")
    assert "<img src=x onerror=alert(1)>" in text_of(tree, ".reason")
    style = tree.xpath("//style")[0].text
    assert "<" not in style.split("@bottom-left")[-1]  # the footer line in CSS is hex-escaped


@pytest.mark.parametrize("ex", OUTBOUND)
def test_document_and_summary_give_the_same_page(ex: Example) -> None:
    assert render_transfer_html(ex.document) == render_summary_html(ex.summary)


def _return_pages() -> dict[str, str]:
    ex = example("return-journey")
    assert ex.discharge and ex.return_document
    return {
        "summary+discharge": render_summary_html(ex.summary, discharge=ex.discharge),
        "document+return document": render_transfer_html(ex.document, return_document=ex.return_document),
        "summary+return document": render_summary_html(ex.summary, return_document=ex.return_document),
    }


@pytest.mark.parametrize(
    "source", ["summary+discharge", "document+return document", "summary+return document"]
)
def test_return_journey_shows_what_changed_and_what_is_missing(source: str) -> None:
    tree = page(_return_pages()[source])
    missing = text_of(tree, ".missing")
    assert "MISSING: Hearing aid (left ear)" in missing
    assert "lost property form LP-25-0412" in missing
    assert "No instruction for Paracetamol 500mg tablets" in missing  # went out, not in the discharge
    changes = {
        r.xpath("th")[0].text_content(): r.get("class")
        for r in tree.xpath("//table[@class='changes']//tbody/tr")
    }
    assert changes == {
        "Doxycycline 100mg capsules": "started",
        "Spironolactone 25mg tablets": "stopped",
        "Furosemide 40mg tablets": "dose-changed",
        "Bisoprolol 2.5mg tablets": "unchanged",
        "Empagliflozin 10mg tablets": "unchanged",
    } | ({"Paracetamol 500mg tablets": "unchanged"} if "return document" in source else {})
    back = text_of(tree, ".return")
    assert "Discharged 4 Apr 2025, 14:30 (UTC+01:00) to Oakwood Lodge Nursing Home (VR8D2)" in back
    assert "80 mg (two tablets) each morning" in back
    assert "Pneumonia (active)" in back and "Delirium (resolved)" in back
    assert len(tree.xpath("//section[contains(@class, 'return')]//ol/li")) == 6
    row = tree.xpath("//table[@class='belongings']//tr[contains(@class, 'missing')]")
    assert [" ".join(r.xpath("th")[0].text_content().split()) for r in row] == ["Hearing aid (left ear)"]
    assert text_of(tree, "h1").startswith("Clifford John Batten")
    assert "Return from hospital" in text_of(tree, ".banner")


def test_return_journey_is_the_same_from_every_input() -> None:
    pages = {k: page(v) for k, v in _return_pages().items()}
    missing = {k: text_of(t, ".missing") for k, t in pages.items()}
    summaries = {k: text_of(t, ".discharge-summary") for k, t in pages.items()}
    belongings = {k: text_of(t, ".belongings") for k, t in pages.items()}
    assert len(set(missing.values())) == len(set(summaries.values())) == len(set(belongings.values())) == 1
    assert "Admitted 30 March 2025 with right lower lobe pneumonia" in summaries["document+return document"]


def test_return_document_alone_shows_the_return_and_says_what_it_lacks() -> None:
    ex = example("return-journey")
    assert ex.return_document
    tree = page(render_transfer_html(ex.return_document))
    assert text_of(tree, ".nhs") == "999 083 5624"
    assert "MISSING: Hearing aid (left ear)" in text_of(tree, ".missing")
    assert not tree.xpath("//h2[@id='h-resus']")
    assert "does not carry the outbound red bag" in text_of(tree, "footer")
    assert "GP" in text_of(tree, ".resident")  # the return document lacks the GP practice: "Not recorded"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (lambda ex: (ex.return_document, ex.return_document), "give the outbound document"),
        (lambda ex: (ex.document, example("dementia-dnacpr").document), "not a return document"),
        (lambda ex: ({"resourceType": "Patient"}, None), "not a FHIR document Bundle"),
        (lambda ex: ({**ex.document, "entry": ex.document["entry"][:1]}, None), "does not resolve"),
    ],
    ids=["return-twice", "outbound-as-return", "not-a-bundle", "broken-references"],
)
def test_unusable_documents_are_input_errors(args: Any, message: str) -> None:
    document, back = args(example("return-journey"))
    with pytest.raises(InputError, match=message):
        render_transfer_html(document, return_document=back)


def test_return_document_of_another_bag_is_refused() -> None:
    ex = example("return-journey")
    assert ex.return_document
    other = example("dementia-dnacpr")
    with pytest.raises(InputError, match="is for bag RB-VR8D2-0456, not RB-VN4R7-0318"):
        render_transfer_html(other.document, return_document=ex.return_document)
