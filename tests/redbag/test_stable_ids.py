"""Deterministic ids: uuid5 of the project namespace, the same whichever way they are worked out."""

from __future__ import annotations

import uuid

from hypothesis import given
from hypothesis import strategies as st

from adapter.fhir.ids import REDBAG_NAMESPACE, IdScope, stable_id

# Keys as they come: with the separator and the escape character in them too.
KEYS = st.text(alphabet=st.sampled_from("ab|\\é-:"), max_size=6)


def test_stable_id_is_the_rfc_uuid5_of_the_joined_keys() -> None:
    assert stable_id("Condition", "VN1", "RB-1", "2026-03-31T10:00:00+01:00", "26929004#0") == str(
        uuid.uuid5(REDBAG_NAMESPACE, "Condition|VN1|RB-1|2026-03-31T10:00:00+01:00|26929004#0")
    )
    assert stable_id("a|b", "c") == str(uuid.uuid5(REDBAG_NAMESPACE, "a\\|b|c"))
    assert stable_id("a|b", "c") != stable_id("a", "b|c")


@given(
    st.lists(KEYS, min_size=1, max_size=3), st.sampled_from(["Encounter", "List", "Odd|Type"]), st.lists(KEYS)
)
def test_a_scope_gives_the_ids_stable_id_gives(
    prefix: list[str], resource_type: str, keys: list[str]
) -> None:
    assert IdScope(*prefix).id(resource_type, *keys) == stable_id(resource_type, *prefix, *keys)
