"""Deterministic resource ids: uuid5 from the source system and business keys.

The same input always gives the same ids, so a re-run produces byte-identical bundles and a re-push
updates the same server resources instead of creating new ones.
"""

from __future__ import annotations

import uuid

#: Namespace of every id this project derives (uuid5 of the project's canonical base).
REDBAG_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://redbag.dev/fhir")


def stable_id(resource_type: str, *keys: str) -> str:
    """A uuid5 string for ``resource_type`` identified by ``keys`` (order matters).

    Keys are joined with a separator that cannot occur in them unescaped, so ("a|b", "c") and
    ("a", "b|c") give different ids.
    """
    joined = "|".join(k.replace("\\", "\\\\").replace("|", "\\|") for k in (resource_type, *keys))
    return str(uuid.uuid5(REDBAG_NAMESPACE, joined))


def urn(resource_id: str) -> str:
    """The ``urn:uuid:`` form of an id, used as fullUrl and reference inside bundles."""
    return f"urn:uuid:{resource_id}"
