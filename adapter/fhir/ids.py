"""Deterministic resource ids: uuid5 from the source system and business keys.

The same input always gives the same ids, so a re-run produces byte-identical bundles and a re-push
updates the same server resources instead of creating new ones.
"""

from __future__ import annotations

import hashlib
import uuid

#: Namespace of every id this project derives (uuid5 of the project's canonical base).
REDBAG_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://redbag.dev/fhir")
_NAMESPACE_BYTES = REDBAG_NAMESPACE.bytes


_VERSION_5 = (0xF000 << 64, 0x5000 << 64)  # the version nibble (bits 76-79) and its value for uuid5
_RFC_VARIANT = (0xC000 << 48, 0x8000 << 48)  # the variant bits (62-63) and their RFC 4122 value


def stable_id(resource_type: str, *keys: str) -> str:
    """A uuid5 string for ``resource_type`` identified by ``keys`` (order matters).

    Keys are joined with a separator that cannot occur in them unescaped, so ("a|b", "c") and
    ("a", "b|c") give different ids.
    """
    joined = "|".join((resource_type, *keys))
    if "\\" in joined or joined.count("|") != len(keys):  # rare: escape, then join again
        joined = "|".join(k.replace("\\", "\\\\").replace("|", "\\|") for k in (resource_type, *keys))
    # uuid5 (RFC 4122 section 4.3) computed directly: SHA-1 of namespace + name, version 5, RFC variant.
    digest = hashlib.sha1(_NAMESPACE_BYTES + joined.encode("utf-8"), usedforsecurity=False).digest()
    n = int.from_bytes(digest[:16], "big")
    n = (n & ~_VERSION_5[0]) | _VERSION_5[1]
    n = (n & ~_RFC_VARIANT[0]) | _RFC_VARIANT[1]
    h = f"{n:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def urn(resource_id: str) -> str:
    """The ``urn:uuid:`` form of an id, used as fullUrl and reference inside bundles."""
    return f"urn:uuid:{resource_id}"
