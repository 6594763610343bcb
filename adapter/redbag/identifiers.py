"""Offline checks of national identifiers: NHS number, SNOMED CT / dm+d ids, ODS codes.

A mistyped code is rejected, never passed on (hazard H10).
"""

from __future__ import annotations

import re
from functools import lru_cache

_NHS_WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)


def nhs_number_is_valid(value: str) -> bool:
    """True when ``value`` is 10 digits whose last digit is the modulus-11 check digit.

    Weights 10..2 over the first nine digits; check = 11 - (sum mod 11), 11 becomes 0, and 10 means
    the number can never be valid.
    """
    if len(value) != 10 or not value.isascii() or not value.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(value, _NHS_WEIGHTS, strict=False))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(value[9])


def mask_nhs_number(value: str) -> str:
    """An NHS number fit for logs and error messages: only its last three characters show (hazard H9)."""
    return "*" * max(len(value) - 3, 0) + value[-3:]


# Verhoeff dihedral-group tables (multiplication d, permutation p, inverse inv).
_D = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 2, 3, 4, 0, 6, 7, 8, 9, 5),
    (2, 3, 4, 0, 1, 7, 8, 9, 5, 6),
    (3, 4, 0, 1, 2, 8, 9, 5, 6, 7),
    (4, 0, 1, 2, 3, 9, 5, 6, 7, 8),
    (5, 9, 8, 7, 6, 0, 4, 3, 2, 1),
    (6, 5, 9, 8, 7, 1, 0, 4, 3, 2),
    (7, 6, 5, 9, 8, 2, 1, 0, 4, 3),
    (8, 7, 6, 5, 9, 3, 2, 1, 0, 4),
    (9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
)
_P = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 5, 7, 6, 2, 8, 3, 0, 9, 4),
    (5, 8, 0, 3, 7, 9, 6, 1, 4, 2),
    (8, 9, 1, 6, 0, 4, 3, 5, 2, 7),
    (9, 4, 5, 3, 1, 2, 6, 8, 7, 0),
    (4, 2, 8, 6, 5, 7, 3, 9, 0, 1),
    (2, 7, 9, 3, 8, 0, 6, 4, 1, 5),
    (7, 0, 4, 6, 9, 1, 3, 2, 5, 8),
)


def verhoeff_is_valid(digits: str) -> bool:
    """True when the last digit of ``digits`` is its Verhoeff check digit."""
    if not digits.isascii() or not digits.isdigit():
        return False
    c = 0
    for i, ch in enumerate(reversed(digits)):
        c = _D[c][_P[i % 8][int(ch)]]
    return c == 0


# Partition identifiers (2nd and 3rd digits from the right) that name a concept id: "00" short
# format, "10" long format (namespace extension such as the NHS dm+d namespace 1000001).
_CONCEPT_PARTITIONS = frozenset({"00", "10"})
_SCTID = re.compile(r"[1-9][0-9]{5,17}")


@lru_cache(maxsize=65_536)  # a batch checks the same few thousand codes over and over
def sctid_problem(code: str) -> str | None:
    """Why ``code`` is not a well-formed SNOMED CT (or dm+d) concept id, or None when it is."""
    if not _SCTID.fullmatch(code):
        return "a SNOMED CT concept id is 6 to 18 digits, not starting with 0"
    if code[-3:-1] not in _CONCEPT_PARTITIONS:
        return f"partition identifier {code[-3:-1]!r} is not a concept partition (00 or 10)"
    if not verhoeff_is_valid(code):
        return "the Verhoeff check digit does not match: the code is mistyped"
    return None


_ODS = re.compile(r"[A-Z0-9]{3,10}")


def ods_code_is_valid(code: str) -> bool:
    """True for an ODS code's shape: 3 to 10 upper-case letters and digits."""
    return bool(_ODS.fullmatch(code))
