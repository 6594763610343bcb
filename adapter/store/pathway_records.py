"""What the store keeps of the pathway, as plain records: journeys, transfers that may match an admission,
subscriptions and the notifications waiting for them. Payloads stay JSON bytes: the store does not read
them (the pathway and notify packages do)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from adapter.store.stay_facts import JourneyFacts


@dataclass(frozen=True, slots=True)
class JourneyRow:
    """A journey: the columns it is found by, and its state as JSON (:class:`adapter.pathway.Journey`)."""

    id: str
    nhs_number: str
    hospital: str | None
    encounter: str | None
    transfer_id: str | None
    stage: str
    care_home: str | None
    gp: str | None
    visit_status: str | None
    visit_due_at: float | None
    version: int
    state: bytes
    facts: JourneyFacts | None = None  # what the measures need of it (written when it is saved)


@dataclass(frozen=True, slots=True)
class SentRedBag:
    """An outbound transfer of a resident (a red bag sent), with its summary as sent."""

    id: str
    bag_number: str
    created_at: float
    input: bytes


@dataclass(frozen=True, slots=True)
class EventRow:
    """An event as stored: where it came from, what became of it, the event as JSON."""

    id: int
    source_key: str
    source: str
    kind: str
    journey_id: str | None
    outcome: str
    note: str | None
    received_at: float
    event: bytes


class CriteriaKind(StrEnum):
    """What a subscription is about."""

    CARE_HOME = "care-home"  # residents of one care home (ODS code)
    GP = "gp"  # patients of one GP practice (ODS code)
    RESIDENT = "resident"  # one resident (NHS number)


@dataclass(frozen=True, slots=True)
class SubscriptionRow:
    """A subscriber's subscription: who made it, what it is about, where and how to deliver."""

    id: str
    client: str
    status: str  # active, error (deliveries failing; still retried), off
    criteria_kind: CriteriaKind
    criteria_value: str
    endpoint: str
    headers: tuple[str, ...]
    secret: str
    resource: bytes
    events: int
    failures: int
    error: str | None
    created_at: float


@dataclass(frozen=True, slots=True)
class NotificationJob:
    """A claimed notification, ready to send; ``attempt`` counts this one."""

    id: int
    subscription_id: str
    event_number: int
    attempt: int
    endpoint: str
    headers: tuple[str, ...]
    secret: str
    body: bytes


@dataclass(frozen=True, slots=True)
class NotificationRow:
    """A notification's state (its body is in :class:`NotificationJob`)."""

    id: int
    subscription_id: str
    event_number: int
    nhs_number: str
    journey_id: str | None
    kind: str
    status: str
    attempts: int
    created_at: float
    delivered_at: float | None
    error: str | None
