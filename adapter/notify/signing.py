"""Signed notifications: HMAC-SHA256 of the exact body bytes with the subscription's own key.

The receiver computes the same over the body it received and compares in constant time
(:func:`verify`); the header is ``X-Redbag-Signature: sha256=<hex>``.
"""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "X-Redbag-Signature"


def sign(key: str, body: bytes) -> str:
    """The signature header's value for ``body``."""
    return "sha256=" + hmac.new(key.encode("utf-8"), body, hashlib.sha256).hexdigest()


def verify(key: str, body: bytes, signature: str) -> bool:
    """True when ``signature`` is ``body``'s signature with ``key``."""
    return hmac.compare_digest(sign(key, body), signature)
