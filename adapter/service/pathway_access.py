"""Who may do what on the pathway: hospital systems (scope ``events``) and subscribers (``subscribe``),
each subscriber only for the organisations (ODS codes) its key names (hazard H21); and the audit of
what they did."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException

from adapter.service import auditing
from adapter.service.auth import Caller, require_scope
from adapter.service.state import Service
from adapter.store import JourneyRow

EventSource = Annotated[Caller, Depends(require_scope("events"))]
Subscriber = Annotated[Caller, Depends(require_scope("subscribe"))]


def audit(
    service: Service,
    caller: Caller,
    action: str,
    outcome: str,
    request_id: str,
    nhs_number: str | None = None,
) -> None:
    """Record a pathway action in the audit trail."""
    auditing.record(service, caller, action, outcome, request_id, nhs_number=nhs_number)


def require_organisation(caller: Caller, ods_code: str, what: str) -> None:
    """403 unless the caller's key names this organisation (it is the caller's own binding, nothing else,
    that the answer tells)."""
    if not caller.serves(ods_code):
        raise HTTPException(
            403, f"{what} {ods_code} is not one of the organisations client {caller.client!r} acts for"
        )


def serves_journey(caller: Caller, row: JourneyRow) -> bool:
    """True when the stay is of a resident of the caller's care homes or practices (every stay, for a key
    bound to every organisation, ``ods=*``)."""
    return caller.organisations is None or caller.serves(row.care_home) or caller.serves(row.gp)


def serves_resident(service: Service, caller: Caller, nhs_number: str) -> bool:
    """True when the resident is known at one of the caller's organisations (registered, or named by
    their latest stay or red bag)."""
    if caller.organisations is None:
        return True
    known = service.require_pathway().journeys.organisations_of(nhs_number)
    return any(caller.serves(code) for code in known)
