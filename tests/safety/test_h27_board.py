"""H27: the live board misleads or is seen by the wrong people: a resident shown in hospital who went home,
one in hospital not shown, the board kept by a browser or a proxy, or seen with a key that may not."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.board.ward import hospital_event, morning
from tests.events.conftest import Start
from tests.events.helpers import key


def test_h27_a_resident_discharged_leaves_the_board_and_an_admission_without_a_red_bag_is_on_it(
    start: Start,
) -> None:
    with start() as (client, _):
        ward = morning(client)
        board = client.get(f"/board?careHome={ward.care_home}", headers=key("care-home")).text
        assert "NO RED BAG" in board  # admitted without a red bag: shown all the same
        nhs = ward.overdue["resident"]["nhsNumber"]
        spaced = f"{nhs[:3]} {nhs[3:6]} {nhs[6:]}"
        assert spaced in board
        hospital_event(client, "discharged", nhs, datetime.now(UTC).replace(microsecond=0), "overdue")
        after = client.get(f"/board?careHome={ward.care_home}", headers=key("care-home")).text
        assert spaced not in after and "2 in hospital now" in " ".join(
            after.replace("<strong>", "").replace("</strong>", "").split()
        )


def test_h27_a_key_without_the_subscribe_scope_is_refused(start: Start) -> None:
    with start() as (client, _):
        morning(client)
        answer = client.get("/board", headers=key("hospital"))  # events only
        assert answer.status_code == 403
        assert "subscribe" in answer.text


def test_h27_the_board_is_not_kept_or_passed_on_and_each_view_is_audited(start: Start) -> None:
    with start() as (client, service):
        morning(client)
        answer = client.get("/board", headers=key("care-home"))
        assert answer.headers["cache-control"] == "no-store"
        assert answer.headers["referrer-policy"] == "no-referrer"
        assert '<meta name="robots" content="noindex, nofollow">' in answer.text
        from adapter.store import AuditQuery

        seen = service.require_outbox().audit(AuditQuery(action="board"))
        assert [(e.client, e.outcome) for e in seen] == [("care-home", "ok")]
