"""Deterministic resource ids: uuid5 from the source system and business keys.

The same input always gives the same ids, so a re-run produces byte-identical bundles and a re-push
updates the same server resources instead of creating new ones.
"""

from __future__ import annotations

import hashlib
import uuid
from functools import lru_cache

#: Namespace of every id this project derives (uuid5 of the project's canonical base).
REDBAG_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://redbag.dev/fhir")
_NAMESPACE_BYTES = REDBAG_NAMESPACE.bytes


@lru_cache(maxsize=4096)
def stable_id(resource_type: str, *keys: str) -> str:
    """A uuid5 string for ``resource_type`` identified by ``keys`` (order matters).

    Keys are joined with a separator that cannot occur in them unescaped, so ("a|b", "c") and
    ("a", "b|c") give different ids.
    """
    joined = "|".join(k.replace("\\", "\\\\").replace("|", "\\|") for k in (resource_type, *keys))
    # uuid5 (RFC 4122 section 4.3) computed directly: SHA-1 of namespace + name, version 5, RFC variant.
    digest = bytearray(
        hashlib.sha1(_NAMESPACE_BYTES + joined.encode("utf-8"), usedforsecurity=False).digest()[:16]
    )
    digest[6] = (digest[6] & 0x0F) | 0x50
    digest[8] = (digest[8] & 0x3F) | 0x80
    h = digest.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def urn(resource_id: str) -> str:
    """The ``urn:uuid:`` form of an id, used as fullUrl and reference inside bundles."""
    return f"urn:uuid:{resource_id}"
