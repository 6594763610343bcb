"""The search builder: immutable, encodes criteria per the FHIR search rules, pages by next links."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qsl

import httpx
import orjson
import pytest

from adapter.client import FhirClient, FhirResponseError, InvalidRequestError, SearchQuery

BASE = "http://fhir.test/r4"


def bundle(entries: list[dict[str, object]], next_url: str | None = None, total: int | None = None) -> bytes:
    links = [{"relation": "next", "url": next_url}] if next_url else []
    body: dict[str, object] = {
        "resourceType": "Bundle",
        "type": "searchset",
        "link": links,
        "entry": [{"resource": r, "search": {"mode": "match"}} for r in entries],
    }
    if total is not None:
        body["total"] = total
    return orjson.dumps(body)


def recording_client(pages: dict[str, bytes], seen: list[httpx.Request], **kwargs: object) -> FhirClient:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        key = request.url.path + ("?" + request.url.query.decode() if request.url.query else "")
        return httpx.Response(200, content=pages.get(key, bundle([])))

    return FhirClient(BASE, transport=httpx.MockTransport(handler), **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("criteria", "expected"),
    [
        (
            {"identifier": "https://fhir.nhs.uk/Id/nhs-number|9434765919"},
            [("identifier", "https://fhir.nhs.uk/Id/nhs-number|9434765919")],
        ),
        ({"name__contains": "smi"}, [("name:contains", "smi")]),
        ({"birthdate__ge": dt.date(1940, 1, 2)}, [("birthdate", "ge1940-01-02")]),
        ({"general_practitioner": "Practitioner/1"}, [("general-practitioner", "Practitioner/1")]),
        ({"_id": ["a", "b"]}, [("_id", "a,b")]),
        ({"name": "Smith, John"}, [("name", "Smith\\, John")]),
        ({"active": True}, [("active", "true")]),
        ({"identifier__of_type": "sys|MR|123"}, [("identifier:of-type", "sys|MR|123")]),
    ],
    ids=["token", "modifier", "prefix-date", "hyphen", "or-list", "escaped-comma", "boolean", "of-type"],
)
def test_keyword_criteria_are_encoded(criteria: dict[str, object], expected: list[tuple[str, str]]) -> None:
    search = FhirClient(BASE).search("Patient").where(**criteria)
    assert list(search.query.params) == expected


def test_each_step_returns_a_new_builder_and_leaves_the_old_one_alone() -> None:
    base = FhirClient(BASE).search("Encounter")
    narrowed = base.where(status="finished").include("Encounter:subject").sort("-date").page_size(50)
    narrowed2 = narrowed.elements("id", "status").summary("data").total("accurate").revinclude("Task:focus")
    assert base.query == SearchQuery("Encounter")
    assert dict(narrowed.query.params) == {
        "status": "finished",
        "_include": "Encounter:subject",
        "_sort": "-date",
        "_count": "50",
    }
    assert ("_revinclude", "Task:focus") in narrowed2.query.params
    assert ("_elements", "id,status") in narrowed2.query.params
    assert narrowed.page_size(10).query.params.count(("_count", "10")) == 1  # replaced, not repeated


def test_repeating_a_name_means_and() -> None:
    search = FhirClient(BASE).search("Observation").where(date__ge="2026-01-01").where(date__lt="2026-02-01")
    assert list(search.query.params) == [("date", "ge2026-01-01"), ("date", "lt2026-02-01")]


def test_builder_sends_nothing_until_a_terminal_verb() -> None:
    seen: list[httpx.Request] = []
    client = recording_client({}, seen)
    search = client.search("Patient").where(family="Smith").page_size(5)
    assert seen == []
    assert search.fetch() == []
    assert len(seen) == 1
    assert seen[0].method == "GET"
    assert parse_qsl(seen[0].url.query.decode()) == [("family", "Smith"), ("_count", "5")]
    assert seen[0].headers["Cache-Control"] == "no-cache"


def test_iteration_follows_next_links_not_page_numbers() -> None:
    # The next links carry opaque server tokens; the client must use them verbatim.
    pages = {
        "/r4/Patient?_count=2": bundle(
            [{"resourceType": "Patient", "id": "1"}, {"resourceType": "Patient", "id": "2"}],
            f"{BASE}/?_getpages=abc&_offset=2",
        ),
        "/r4/?_getpages=abc&_offset=2": bundle(
            [{"resourceType": "Patient", "id": "3"}], "/r4/?_getpages=abc&_offset=3"
        ),
        "/r4/?_getpages=abc&_offset=3": bundle([{"resourceType": "Patient", "id": "4"}]),
    }
    seen: list[httpx.Request] = []
    client = recording_client(pages, seen)
    ids = [p["id"] for p in client.search("Patient").page_size(2)]
    assert ids == ["1", "2", "3", "4"]
    assert [str(r.url) for r in seen] == [
        f"{BASE}/Patient?_count=2",
        f"{BASE}/?_getpages=abc&_offset=2",
        f"{BASE}/?_getpages=abc&_offset=3",
    ]


def test_included_resources_are_not_matches() -> None:
    page = orjson.dumps(
        {
            "resourceType": "Bundle",
            "type": "searchset",
            "entry": [
                {"resource": {"resourceType": "Encounter", "id": "e"}, "search": {"mode": "match"}},
                {"resource": {"resourceType": "Patient", "id": "p"}, "search": {"mode": "include"}},
            ],
        }
    )
    client = recording_client({"/r4/Encounter?_include=Encounter%3Asubject": page}, [])
    search = client.search("Encounter").include("Encounter:subject")
    assert [r["id"] for r in search] == ["e"]
    assert [r["id"] for r in search.resources()] == ["e", "p"]


def test_long_queries_switch_to_post_search_with_a_form_body() -> None:
    seen: list[httpx.Request] = []
    client = recording_client({}, seen, max_get_url=200)
    ids = [f"id-{n:04d}" for n in range(60)]
    client.search("Patient").where(_id=ids).fetch()
    request = seen[0]
    assert request.method == "POST"
    assert request.url.path == "/r4/Patient/_search"
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert parse_qsl(request.content.decode()) == [("_id", ",".join(ids))]


def test_count_uses_summary_count() -> None:
    seen: list[httpx.Request] = []
    client = recording_client(
        {"/r4/Patient?family=X&_summary=count&_total=accurate": bundle([], total=7)}, seen
    )
    assert client.search("Patient").where(family="X").count() == 7


def test_count_falls_back_to_counting_pages_when_the_server_gives_no_total() -> None:
    pages = {
        "/r4/Patient?_elements=id": bundle(
            [{"resourceType": "Patient", "id": str(n)} for n in range(3)], "/r4/Patient?page=2"
        ),
        "/r4/Patient?page=2": bundle([{"resourceType": "Patient", "id": "9"}]),
    }
    assert recording_client(pages, []).search("Patient").count() == 4


@pytest.mark.parametrize("bad", ["Patient/../metadata", "patient", "Pa tient"])
def test_unsafe_resource_types_are_refused(bad: str) -> None:
    with pytest.raises(InvalidRequestError):
        FhirClient(BASE).search(bad)


def test_a_next_link_to_another_server_is_not_followed() -> None:
    # Following it would hand the client's credentials to that host.
    pages = {"/r4/Patient": bundle([{"resourceType": "Patient", "id": "1"}], "https://evil.test/r4?page=2")}
    seen: list[httpx.Request] = []
    with pytest.raises(InvalidRequestError, match="another server"):
        list(recording_client(pages, seen).search("Patient"))
    assert len(seen) == 1


def test_a_next_link_that_loops_stops_the_iteration() -> None:
    pages = {
        "/r4/Patient": bundle([{"resourceType": "Patient", "id": "1"}], f"{BASE}/Patient?page=2"),
        "/r4/Patient?page=2": bundle([{"resourceType": "Patient", "id": "2"}], f"{BASE}/Patient?page=2"),
    }
    with pytest.raises(FhirResponseError, match="loops"):
        list(recording_client(pages, []).search("Patient"))
