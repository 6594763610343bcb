"""Who may do what on the pathway: hospital systems (scope ``events``) and subscribers (``subscribe``);
and the audit of what they did."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from adapter.service import auditing
from adapter.service.auth import Caller, require_scope
from adapter.service.state import Service

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
