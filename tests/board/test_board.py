"""``GET /board``: residents in hospital now by care home, in a real browser (headless Chromium) on a ward
computer's screen and a phone's; refused without a key (H9 in tests/safety/test_h9_measures.py too)."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path

import pytest

from tests.board.ward import Ward, morning
from tests.events.conftest import Start
from tests.events.helpers import ALL_CALLERS, key
from tests.render.browser import Browser


def visible(browser: Browser, selector: str) -> str:
    script = f"""Array.from(document.querySelectorAll({json.dumps(selector)}))
        .filter(e => {{ const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0; }})
        .map(e => e.innerText).join(' | ')"""
    return " ".join(str(browser.evaluate(script)).split())


def test_the_board_lists_who_is_in_hospital_by_care_home(start: Start) -> None:
    with start() as (client, _):
        ward = morning(client)
        page = client.get(f"/board?careHome={ward.care_home}", headers=key("care-home"))
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert page.headers["cache-control"] == "no-store"
    html = page.text
    assert '<meta http-equiv="refresh" content="60">' in html
    assert "3 in hospital now" in " ".join(html.replace("<strong>", "").replace("</strong>", "").split())
    assert "Blessing Okonkwo" not in html  # another care home's resident (the filter)
    name = ward.overdue["resident"]["name"]
    assert f"{name.get('preferred') or name['given'][0]} {name['family']}" in html
    assert "OVERDUE" in html and "Due by" in html and "NO RED BAG" in html
    assert "MISSING: Hearing aid (left ear)" in html
    assert "3 days" in html
    assert ward.ready.strftime("%a %-d %b %Y") in html and "not recorded" in html


def test_a_care_home_filter_must_be_an_ods_code(start: Start) -> None:
    with start() as (client, _):
        assert client.get("/board?careHome=not a code", headers=key("care-home")).status_code == 422


@pytest.mark.browser
def test_the_board_in_chromium_on_a_ward_computer_and_a_phone(
    start: Start, chromium: str, artifacts: Path
) -> None:
    folder = artifacts.parent / "board"
    folder.mkdir(parents=True, exist_ok=True)
    with start() as (client, _), Browser(chromium) as browser:
        ward: Ward = morning(client)
        url = f"{client.base_url}/board?careHome={ward.care_home}&refresh=10"

        browser.send("Network.enable", session=True)
        browser.navigate(url, width=1280)  # no key: refused, and nothing about anyone shown
        assert (url, 401) in browser.statuses()
        refused = visible(browser, "body")
        assert ward.overdue["resident"]["name"]["family"] not in refused and "Red bag RB" not in refused
        browser.screenshot(folder / "board-refused.png")

        password = ALL_CALLERS["care-home"][0]
        browser.send_headers(
            {"Authorization": "Basic " + base64.b64encode(f"ward:{password}".encode()).decode()}
        )
        browser.navigate(url, width=1280)
        family = ward.overdue["resident"]["name"]["family"]
        assert family in visible(browser, ".card.overdue .name")
        assert "OVERDUE" in visible(browser, ".card.overdue .visit.overdue")
        assert "3 days" in visible(browser, ".card.overdue .days")
        assert "Due by" in visible(browser, ".card.due .visit.due")
        assert "NO RED BAG" in visible(browser, ".card .no-bag")
        assert "MISSING: Hearing aid (left ear)" in visible(browser, ".returns .missing")
        assert "not recorded" in visible(browser, ".card.due .ready")
        assert ward.ready.strftime("%a %-d %b %Y") in visible(browser, ".card.overdue .ready")
        browser.screenshot(folder / "board-ward.png")

        browser.navigate(url, width=390, height=844, scale=2)  # a phone
        width, viewport = browser.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert width <= viewport, f"{width - viewport} px of horizontal scrolling on a phone"
        assert family in visible(browser, ".card.overdue .name")
        browser.screenshot(folder / "board-phone.png")

        # It refreshes itself (every 10 s here), still with the key the browser keeps.
        stamp = browser.evaluate("performance.timeOrigin")
        browser._events.clear()
        browser.wait_for("Page.loadEventFired")
        assert browser.evaluate("performance.timeOrigin") > stamp
        assert family in visible(browser, ".card.overdue .name")


def test_the_board_answers_quickly_with_many_residents(start: Start) -> None:
    """Many open stays: one query for the stays, one read per red bag shown."""
    with start() as (client, _):
        ward = morning(client)
        began = time.perf_counter()
        assert client.get("/board", headers=key("care-home")).status_code == 200
        assert time.perf_counter() - began < 5
        assert ward.care_home
