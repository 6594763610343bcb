"""Writing the audit trail: who sent, read, viewed or pulled which resident's red bag, and when.

Accepting a transfer is audited inside the same database transaction as the transfer itself
(:meth:`adapter.store.Outbox.enqueue`); everything else is recorded here, after the fact.
"""

from __future__ import annotations

from typing import Any

from adapter.service.auth import Caller
from adapter.service.state import Service
from adapter.store import AuditEvent, Transfer


def identity_of(data: Any) -> tuple[str | None, str | None]:
    """The NHS number and bag number in an input, as far as they can be read (for refused inputs)."""
    if not isinstance(data, dict):
        return None, None
    resident = data.get("resident")
    nhs = resident.get("nhsNumber") if isinstance(resident, dict) else None
    bag = data.get("bagNumber")
    return (nhs if isinstance(nhs, str) else None), (bag if isinstance(bag, str) else None)


def record(
    service: Service,
    caller: Caller,
    action: str,
    outcome: str,
    request_id: str,
    *,
    transfer: Transfer | None = None,
    nhs_number: str | None = None,
    bag_number: str | None = None,
) -> None:
    """Append one audit event (the transfer, when given, supplies the resident and the bag)."""
    service.require_outbox().record(
        AuditEvent(
            at=service.clock(),
            client=caller.client,
            action=action,
            outcome=outcome,
            nhs_number=transfer.nhs_number if transfer else nhs_number,
            bag_number=transfer.bag_number if transfer else bag_number,
            transfer_id=transfer.id if transfer else None,
            request_id=request_id,
        )
    )
