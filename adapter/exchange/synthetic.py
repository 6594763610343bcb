"""A synthetic red bag for the smoke test and the capability check: contract-valid, fictional, unique to
each run, and holding every resource type the builders write (a test checks it against the examples).

NHS numbers are drawn from the 999 test range with a valid modulus-11 check digit; ODS-shaped
codes and the bag number carry a random run tag, so runs never collide on a shared server.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def check_digit(nine: str) -> int | None:
    """The NHS number check digit for nine digits (modulus 11), None when no valid one exists."""
    remainder = sum(int(d) * w for d, w in zip(nine, range(10, 1, -1), strict=True)) % 11
    digit = 11 - remainder
    return 0 if digit == 11 else None if digit == 10 else digit


def random_test_nhs_number() -> str:
    """A random NHS number in the 999 test range, never issued to a person."""
    while True:
        nine = "999" + "".join(secrets.choice("0123456789") for _ in range(6))
        digit = check_digit(nine)
        if digit is not None:
            return f"{nine}{digit}"


def synthetic_summary(now: datetime | None = None) -> dict[str, Any]:
    """A small but complete resident summary, timed just before ``now``."""
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    tag = "".join(secrets.choice(ALPHABET) for _ in range(4))

    def at(minutes_ago: int) -> str:
        return (now - timedelta(minutes=minutes_ago)).isoformat()

    address = {"line": ["Smoke Test House", "1 Example Street"], "city": "Leeds", "postalCode": "LS1 4AP"}
    return {
        "bagNumber": f"RB-SMOKE-{tag}",
        "createdAt": at(30),
        "careHome": {
            "odsCode": f"VS{tag}",
            "name": f"Smoke Test Care Home {tag}",
            "type": "nursing",
            "phone": "0113 496 0000",
            "address": address,
            "capabilities": {"care": ["nursing-care"], "equipment": ["hoist"]},
        },
        "resident": {
            "nhsNumber": random_test_nhs_number(),
            "nhsNumberVerified": False,
            "name": {"given": ["Testy"], "family": f"Smoke-{tag}"},
            "birthDate": "1940-01-01",
            "gender": "unknown",
            "address": address,
            "language": "en",
            "interpreterRequired": False,
        },
        "contacts": [
            {
                "name": "Pat Example",
                "relationship": "Daughter",
                "phone": "07700 900000",
                "nextOfKin": True,
                "lastingPowerOfAttorney": False,
            }
        ],
        "transfer": {
            "reason": "Synthetic transfer for a FHIR server smoke test.",
            "departedAt": at(10),
            "destination": {"odsCode": f"RS{tag}", "name": f"Smoke Test Hospital {tag}"},
        },
        "baseline": {"mobility": "Walks with a frame.", "cognition": "Orientated."},
        "conditions": [
            {
                "code": {
                    "system": "http://snomed.info/sct",
                    "code": "38341003",
                    "display": "Hypertensive disorder",
                },
                "status": "active",
            }
        ],
        "medications": [
            {
                "code": {
                    "system": "https://dmd.nhs.uk",
                    "code": "42377011000001106",
                    "display": "Losartan 50mg tablets",
                },
                "dose": "50 mg (one tablet)",
                "status": "active",
                "timeCritical": False,
                "sentInBag": True,
            },
            {  # time-critical, so the red bag also holds a MedicationAdministration (its last dose)
                "code": {
                    "system": "https://dmd.nhs.uk",
                    "code": "36047411000001101",
                    "display": "Insulin isophane human 100units/ml suspension for injection 3ml pre-filled "
                    "disposable devices",
                },
                "dose": "10 units",
                "status": "active",
                "timeCritical": True,
                "lastDoseGiven": at(45),
                "sentInBag": True,
            },
        ],
        "allergies": [
            {
                "code": {
                    "system": "http://snomed.info/sct",
                    "code": "91936005",
                    "display": "Allergy to penicillin",
                },
                "category": "medication",
                "criticality": "high",
            }
        ],
        "resuscitation": {"decision": "not-recorded"},
        "belongings": [{"item": "Glasses (reading)", "kind": "glasses", "quantity": 1}],
        "consentToShare": {"given": True, "by": "resident"},
        "author": {"name": "Sam Tester", "role": "Registered Nurse"},
    }
