"""FHIR R4 Subscription resources as subscribers send them, checked, and as the service keeps them.

What can be subscribed to (``criteria``, or the Backport IG's filter criteria on the pathway topic):

==================================================================  =================================
``Encounter?care-home=VN4R7``                                        the residents of one care home
``Encounter?general-practitioner=B99017``                            the patients of one GP practice
``Encounter?patient.identifier=https://fhir.nhs.uk/Id/nhs-number|N``  one resident
==================================================================  =================================

ODS codes may also be written ``https://fhir.nhs.uk/Id/ods-organization-code|VN4R7``. The channel is a
rest-hook (``https`` unless the endpoint is on this machine) with ``application/fhir+json`` payloads and
optional ``Name: value`` headers sent with every notification.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from adapter.errors import ContractError, Violation
from adapter.redbag import vocab
from adapter.redbag.identifiers import nhs_number_is_valid, ods_code_is_valid
from adapter.redbag.text import forbidden_character

TOPIC = f"{vocab.BASE}/SubscriptionTopic/red-bag-pathway"
BACKPORT = "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition"
FILTER_CRITERIA = f"{BACKPORT}/backport-filter-criteria"
PAYLOADS = frozenset({"application/fhir+json", "application/json"})
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
_HEADER = re.compile(r"[A-Za-z0-9-]{1,64}: ?[\x20-\x7e]{0,1024}")
RESERVED_HEADERS = frozenset({"content-type", "content-length", "host"})
_PARAMETERS = {"care-home": "care-home", "general-practitioner": "gp", "patient.identifier": "resident"}


@dataclass(frozen=True, slots=True)
class SubscriptionRequest:
    """A checked subscription: what it is about, and where and how to deliver."""

    criteria_kind: str  # care-home, gp or resident
    criteria_value: str  # ODS code or NHS number
    criteria: str  # as the subscriber wrote it
    endpoint: str
    headers: tuple[str, ...]
    reason: str
    backport: bool  # made the Backport way (topic + filter criteria)

    def resource(
        self, subscription_id: str, status: str = "active", error: str | None = None
    ) -> dict[str, Any]:
        """The Subscription as the service returns it."""
        found: dict[str, Any] = {
            "resourceType": "Subscription",
            "id": subscription_id,
            "status": status,
            "reason": self.reason,
            "criteria": TOPIC if self.backport else self.criteria,
            "channel": {
                "type": "rest-hook",
                "endpoint": self.endpoint,
                "payload": "application/fhir+json",
                **({"header": list(self.headers)} if self.headers else {}),
            },
        }
        if self.backport:
            found["meta"] = {"profile": [f"{BACKPORT}/backport-subscription"]}
            found["_criteria"] = {"extension": [{"url": FILTER_CRITERIA, "valueString": self.criteria}]}
        if error:
            found["error"] = error
        return found


def new_secret() -> str:
    """A new signing key for one subscription (shown to the subscriber once)."""
    return secrets.token_urlsafe(32)


def _criteria(text: str, where: str, problems: list[Violation]) -> tuple[str, str] | None:
    resource, _, query = text.partition("?")
    if resource != "Encounter" or not query or "&" in query or any(c.isspace() for c in unquote(text)):
        problems.append(
            Violation(
                where,
                "must be Encounter?care-home=ODS, Encounter?general-practitioner=ODS or "
                "Encounter?patient.identifier=https://fhir.nhs.uk/Id/nhs-number|NHS-NUMBER",
                "criteria",
            )
        )
        return None
    name, _, value = query.partition("=")
    value = unquote(value)
    kind = _PARAMETERS.get(name)
    if kind is None:
        problems.append(
            Violation(
                where,
                f"search parameter {name!r} is not care-home, general-practitioner or patient.identifier",
                "criteria",
            )
        )
        return None
    if kind == "resident":
        system, _, number = value.rpartition("|")
        if system != vocab.NHS_NUMBER or not nhs_number_is_valid(number):
            problems.append(
                Violation(
                    where, f"patient.identifier must be {vocab.NHS_NUMBER}|<a valid NHS number>", "criteria"
                )
            )
            return None
        return kind, number
    system, _, code = value.rpartition("|")
    if system not in ("", vocab.ODS_ORGANIZATION) or not ods_code_is_valid(code):
        problems.append(
            Violation(
                where, f"{name} must be an ODS code (optionally {vocab.ODS_ORGANIZATION}|CODE)", "criteria"
            )
        )
        return None
    return kind, code


def _endpoint(channel: dict[str, Any], problems: list[Violation]) -> str:
    endpoint = channel.get("endpoint")
    where = "Subscription.channel.endpoint"
    if not isinstance(endpoint, str) or not endpoint:
        problems.append(Violation(where, "is required (the subscriber's https URL)", "channel"))
        return ""
    parts = urlsplit(endpoint)
    if any(c.isspace() or not c.isprintable() for c in endpoint):
        problems.append(
            Violation(where, "must be a URL without white space or control characters", "channel")
        )
    elif parts.scheme not in ("http", "https") or not parts.hostname:
        problems.append(Violation(where, "must be an http(s) URL", "channel"))
    elif parts.scheme == "http" and parts.hostname not in LOOPBACK:
        problems.append(
            Violation(where, "must be https (plain http only to this machine, for testing)", "channel")
        )
    return endpoint


def _headers(channel: dict[str, Any], problems: list[Violation]) -> tuple[str, ...]:
    headers = channel.get("header") or []
    if not isinstance(headers, list):
        problems.append(
            Violation("Subscription.channel.header", "must be a list of 'Name: value'", "channel")
        )
        return ()
    for n, header in enumerate(headers):
        where = f"Subscription.channel.header[{n}]"
        if not isinstance(header, str) or not _HEADER.fullmatch(header):
            problems.append(Violation(where, "must be 'Name: value' (printable ASCII)", "channel"))
        elif header.split(":", 1)[0].lower() in RESERVED_HEADERS or header.lower().startswith("x-redbag-"):
            problems.append(
                Violation(where, "may not set Content-Type, Host or X-Redbag-* headers", "channel")
            )
    return tuple(h.strip() for h in headers if isinstance(h, str))


def check_subscription(resource: Any) -> SubscriptionRequest:
    """A subscriber's Subscription, checked; ContractError naming every problem's FHIRPath otherwise."""
    problems: list[Violation] = []
    if not isinstance(resource, dict) or resource.get("resourceType") != "Subscription":
        raise ContractError([Violation("Subscription", "a Subscription resource is expected", "resource")])
    given = resource.get("channel")
    channel: dict[str, Any] = given if isinstance(given, dict) else {}
    if channel.get("type") != "rest-hook":
        problems.append(Violation("Subscription.channel.type", "only rest-hook is supported", "channel"))
    payload = str(channel.get("payload") or "").split(";")[0].strip()
    if payload not in PAYLOADS:
        problems.append(Violation("Subscription.channel.payload", "must be application/fhir+json", "channel"))
    criteria = resource.get("criteria")
    backport = criteria == TOPIC
    where = "Subscription.criteria"
    if backport:
        filters = [
            e.get("valueString")
            for e in (resource.get("_criteria") or {}).get("extension", [])
            if isinstance(e, dict) and e.get("url") == FILTER_CRITERIA
        ]
        where = "Subscription._criteria.extension('backport-filter-criteria')"
        criteria = filters[0] if len(filters) == 1 else None
        if criteria is None:
            problems.append(
                Violation(where, "the pathway topic needs exactly one filter criteria", "criteria")
            )
    found = _criteria(criteria, where, problems) if isinstance(criteria, str) else None
    if not backport and not isinstance(criteria, str):
        problems.append(Violation("Subscription.criteria", "is required (a string)", "criteria"))
    endpoint = _endpoint(channel, problems)
    headers = _headers(channel, problems)
    if problems or found is None:
        raise ContractError(problems or [Violation("Subscription.criteria", "is required", "criteria")])
    reason = resource.get("reason")
    if isinstance(reason, str) and forbidden_character(reason):
        raise ContractError([Violation("Subscription.reason", str(forbidden_character(reason)), "text")])
    return SubscriptionRequest(
        criteria_kind=found[0],
        criteria_value=found[1],
        criteria=str(criteria),
        endpoint=endpoint,
        headers=headers,
        reason=reason if isinstance(reason, str) and reason else "Red Bag pathway events",
        backport=backport,
    )
