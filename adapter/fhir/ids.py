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


#: The RFC 4122 variant: the top two bits of the 17th hex digit become 10 (so it reads 8, 9, a or b).
_VARIANT = {f"{v:x}": f"{(v & 0x3) | 0x8:x}" for v in range(16)}


def stable_id(resource_type: str, *keys: str) -> str:
    """A uuid5 string for ``resource_type`` identified by ``keys`` (order matters).

    Keys are joined with a separator that cannot occur in them unescaped, so ("a|b", "c") and
    ("a", "b|c") give different ids.
    """
    joined = "|".join((resource_type, *keys))
    if "\\" in joined or joined.count("|") != len(keys):  # rare: escape, then join again
        joined = "|".join(k.replace("\\", "\\\\").replace("|", "\\|") for k in (resource_type, *keys))
    return _uuid5(joined)


def _uuid5(name: str) -> str:
    """uuid5 (RFC 4122 section 4.3) computed directly: SHA-1 of namespace + name, version 5, RFC variant."""
    h = hashlib.sha1(_NAMESPACE_BYTES + name.encode("utf-8"), usedforsecurity=False).digest()[:16].hex()
    return f"{h[:8]}-{h[8:12]}-5{h[13:16]}-{_VARIANT[h[16]]}{h[17:20]}-{h[20:]}"


class IdScope:
    """Ids of the resources identified under one leading set of keys (one transfer's): ``scope.id(type,
    *keys) == stable_id(type, *prefix, *keys)``, with the prefix joined once instead of for every id."""

    __slots__ = ("_bars", "_joined", "prefix")

    def __init__(self, *prefix: str) -> None:
        self.prefix = prefix
        self._joined = "".join(f"|{k}" for k in prefix)
        self._bars = len(prefix)

    def id(self, resource_type: str, *keys: str) -> str:
        name = f"{resource_type}{self._joined}|{'|'.join(keys)}" if keys else resource_type + self._joined
        if "\\" in name or name.count("|") != self._bars + len(keys):  # a key to escape: the general way
            return stable_id(resource_type, *self.prefix, *keys)
        return _uuid5(name)


def urn(resource_id: str) -> str:
    """The ``urn:uuid:`` form of an id, used as fullUrl and reference inside bundles."""
    return f"urn:uuid:{resource_id}"
