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
    deadline_at: str | None = Field(
        None,
        alias="deadlineAt",
        description="while it waits: when it is marked failed if the FHIR server has still not taken it "
        "(REDBAG_DELIVERY_DEADLINE_HOURS after it was accepted or requeued)",
    )
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
        deadline_hours: float | None = None,
    ) -> TransferView:
        """The view of a stored transfer (with its deadline, when ``deadline_hours`` is given)."""
        base = f"/transfers/{t.id}"
        waiting = t.status in (Status.QUEUED, Status.RETRYING, Status.DELIVERING)
        return cls(
            id=t.id,
            kind=t.kind.value,
            status=t.status,
            bagNumber=t.bag_number,
            attempts=t.attempts,
            createdAt=iso(t.created_at) or "",
            updatedAt=iso(t.updated_at) or "",
            nextAttemptAt=iso(t.next_attempt_at) if t.status in (Status.QUEUED, Status.RETRYING) else None,
            deadlineAt=iso(t.queued_at + deadline_hours * 3600) if waiting and deadline_hours else None,
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
    action: str = Field(
        description="send, return, read, list, view, pull, audit, requeue, or a pathway action (event, "
        "subscribe, unsubscribe, journeys, journey, visit, register)"
    )
    outcome: str = Field(
        description="ok, replayed, requeued, not-found, invalid, conflict, denied or error (for events: "
        "their outcome)"
    )
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


class QueueState(_Camel):
    """What waits, and what failed for good, in the two outboxes (every client's, counted)."""

    failed_transfers: int = Field(
        alias="failedTransfers",
        description="transfers refused by the FHIR server or past their deadline: each waits for a requeue "
        "(POST /transfers/{id}/requeue, `redbag outbox requeue`, or the sender sending it again)",
    )
    waiting_transfers: int = Field(alias="waitingTransfers", description="queued, retrying or delivering")
    oldest_waiting_transfer_seconds: float | None = Field(alias="oldestWaitingTransferSeconds")
    waiting_notifications: int = Field(alias="waitingNotifications")
    oldest_waiting_notification_seconds: float | None = Field(alias="oldestWaitingNotificationSeconds")
    failing_subscriptions: int = Field(
        alias="failingSubscriptions",
        description="subscriptions whose endpoint fails: retried (backing off) until it answers",
    )


class Readiness(_Camel):
    """Everything the service depends on answers; and what waits in its outboxes (a failed transfer does
    not make the service unready: it is shown here, and in /metrics, until it is requeued)."""

    status: Literal["ready"]
    checks: dict[str, str]
    queue: QueueState
