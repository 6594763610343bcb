"""Shapes of the service's answers, for the OpenAPI document (and for building the JSON answers)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from adapter.store import AuditEvent, Status, Transfer


def iso(epoch: float | None) -> str | None:
    """Epoch seconds as an ISO 8601 instant in UTC (milliseconds)."""
    if epoch is None:
        return None
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class _Camel(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="forbid")


class TransferLinks(_Camel):
    self_: str = Field(alias="self", description="this transfer")
    return_: str | None = Field(None, alias="return", description="where to send the return journey")
    view: str | None = Field(None, description="the printable red bag (HTML)")


class TransferView(_Camel):
    """A transfer's delivery state."""

    id: str
    kind: Literal["transfer", "return"]
    status: Status = Field(description="queued, delivering, retrying, delivered or failed")
    bag_number: str = Field(alias="bagNumber")
    attempts: int = Field(description="delivery attempts so far")
    created_at: str = Field(alias="createdAt", description="when the service accepted it")
    updated_at: str = Field(alias="updatedAt")
    next_attempt_at: str | None = Field(alias="nextAttemptAt", description="when a retry is due")
    delivered_at: str | None = Field(alias="deliveredAt")
    error: str | None = Field(description="why the last attempt failed")
    outcome: dict[str, Any] | None = Field(description="the FHIR server's OperationOutcome, when it sent one")
    return_of: str | None = Field(alias="returnOf", description="for a return: the outbound transfer")
    returns: list[str] = Field(description="for an outbound transfer: its return journey, once sent")
    warnings: dict[str, Any] | None = Field(
        None,
        description="what the input did not record, marked 'not recorded' in the red bag: an "
        "OperationOutcome of severity-warning issues, each with its JSON path (single-transfer answers only)",
    )
    links: TransferLinks

    @classmethod
    def of(
        cls,
        t: Transfer,
        returns: list[str] | None = None,
        *,
        viewable: bool = False,
        warnings: dict[str, Any] | None = None,
    ) -> TransferView:
        """The view of a stored transfer."""
        base = f"/transfers/{t.id}"
        return cls(
            id=t.id,
            kind=t.kind.value,
            status=t.status,
            bagNumber=t.bag_number,
            attempts=t.attempts,
            createdAt=iso(t.created_at) or "",
            updatedAt=iso(t.updated_at) or "",
            nextAttemptAt=iso(t.next_attempt_at) if t.status in (Status.QUEUED, Status.RETRYING) else None,
            deliveredAt=iso(t.delivered_at),
            error=t.error,
            outcome=t.outcome,
            returnOf=t.parent_id,
            returns=returns or [],
            warnings=warnings,
            links=TransferLinks(
                self=base,
                **{"return": f"{base}/return" if t.kind.value == "transfer" else None},
                view=f"{base}/view" if viewable else None,
            ),
        )


class TransferList(_Camel):
    """A page of transfers, newest first."""

    transfers: list[TransferView]
    count: int
    limit: int
    offset: int


class AuditEventView(_Camel):
    """Who did what to whose red bag, and when."""

    id: int
    at: str
    client: str
    action: str = Field(description="send, return, read, list, view, pull or audit")
    outcome: str = Field(description="ok, replayed, not-found, invalid, denied or error")
    nhs_number: str | None = Field(alias="nhsNumber")
    bag_number: str | None = Field(alias="bagNumber")
    transfer_id: str | None = Field(alias="transferId")
    request_id: str | None = Field(alias="requestId")

    @classmethod
    def of(cls, e: AuditEvent) -> AuditEventView:
        return cls(
            id=e.id or 0,
            at=iso(e.at) or "",
            client=e.client,
            action=e.action,
            outcome=e.outcome,
            nhsNumber=e.nhs_number,
            bagNumber=e.bag_number,
            transferId=e.transfer_id,
            requestId=e.request_id,
        )


class AuditList(_Camel):
    """Audit events, newest first."""

    events: list[AuditEventView]
    count: int


class Health(_Camel):
    """The process answers."""

    status: Literal["ok"]


class Readiness(_Camel):
    """Everything the service depends on answers."""

    status: Literal["ready"]
    checks: dict[str, str]
