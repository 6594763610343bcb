"""The red-bag profiles agree with UK Core R4 (../shared/corpora/uk-core-r4, differential XML): the same
identifier systems, the same codes with the same displays, the UK Core extensions where UK Core puts them,
and nothing UK Core forbids (its mandatory elements stay mandatory, its prohibited ones prohibited, its
fixed values and required bindings kept). profiles/README.md lists the deliberate differences."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import orjson
import pytest
from lxml import etree

from adapter.redbag import ukcore_observations as ukobs
from adapter.redbag import vocab
from tests.corpora import ukcore
from tests.profiles.test_profiles import generated_resources

ROOT = Path(__file__).resolve().parents[2]
PROFILES = ROOT / "profiles"
UKCORE = ukcore()
NS = {"f": "http://hl7.org/fhir"}
Json = dict[str, Any]

pytestmark = [
    pytest.mark.corpus,
    pytest.mark.skipif(
        not UKCORE.is_dir(),
        reason=f"the UK Core corpus is not at {UKCORE} (set REDBAG_CORPORA to its corpora folder)",
    ),
]


def parse(path: Path) -> Any:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    return etree.parse(str(path), parser).getroot()


def value(node: Any, name: str) -> str | None:
    found = node.find(f"f:{name}", NS)
    return None if found is None else found.get("value")


@cache
def ukcore_code_system(url: str) -> dict[str, str]:
    """code -> display of the UK Core CodeSystem with this url (nested concepts flattened)."""
    for path in (UKCORE / "codesystems").glob("*.xml"):
        root = parse(path)
        if value(root, "url") == url:
            return {value(c, "code") or "": value(c, "display") or "" for c in root.iter("{*}concept")}
    raise AssertionError(f"UK Core has no CodeSystem {url}")


@cache
def ukcore_value_set(url: str) -> tuple[set[str], set[tuple[str, str]]]:
    """(systems included whole, (system, code) pairs listed) of a UK Core ValueSet."""
    for path in (UKCORE / "valuesets").glob("*.xml"):
        root = parse(path)
        if value(root, "url") == url:
            whole, listed = set(), set()
            for inc in root.findall("f:compose/f:include", NS):
                system = value(inc, "system") or ""
                concepts = inc.findall("f:concept", NS)
                if not concepts and not inc.findall("f:filter", NS):
                    whole.add(system)
                listed |= {(system, value(c, "code") or "") for c in concepts}
            return whole, listed
    raise AssertionError(f"UK Core has no ValueSet {url}")


def ukcore_elements(name: str) -> dict[str, Json]:
    """Differential elements of a UK Core StructureDefinition by id: min, max, fixed/pattern, binding."""
    root = parse(UKCORE / "structuredefinitions" / f"{name}.xml")
    out: dict[str, Json] = {}
    for e in root.findall("f:differential/f:element", NS):
        item: Json = {"min": value(e, "min"), "max": value(e, "max")}
        for child in e:
            tag = etree.QName(child).localname
            if tag.startswith(("fixed", "pattern")) and child.get("value") is not None:
                item["fixed"] = (tag, child.get("value"))
        binding = e.find("f:binding", NS)
        if binding is not None:
            item["binding"] = (value(binding, "strength"), value(binding, "valueSet"))
        out[e.get("id")] = item
    return out


def ours(name: str) -> Json:
    data: Json = orjson.loads((PROFILES / f"StructureDefinition-{name}.json").read_bytes())
    return data


def snapshot(sd: Json) -> dict[str, Json]:
    return {e["id"]: e for e in sd["snapshot"]["element"]}


PROFILE_NAMES = sorted(
    p.stem.removeprefix("StructureDefinition-")
    for p in PROFILES.glob("StructureDefinition-RedBag*.json")
    if orjson.loads(p.read_bytes())["type"] != "Extension"
)


def test_ukcore_codes_are_used_with_their_ukcore_display() -> None:
    used = {(s, c, d) for s, c, d, _ in vocab.SECTIONS.values() if s == vocab.UKCORE_HEADINGS}
    for system in (vocab.UKCORE_ADMIT_SOURCE, vocab.UKCORE_DISCHARGE_DEST):
        used |= {(system, c, d) for c, d in vocab.CARE_HOME_OPERATOR.values()}
    used |= set(vocab.LOCATION_TYPE.values()) | set(vocab.NHS_VERIFIED.values())
    used |= {(vocab.UKCORE_NHS_UNAVAILABLE, c, d) for c, d in vocab.NHS_UNAVAILABLE.items()}
    for path in PROFILES.glob("ValueSet-*.json"):  # the profiles' own value sets list UK Core codes too
        for inc in orjson.loads(path.read_bytes())["compose"]["include"]:
            if inc.get("system", "").startswith("https://fhir.hl7.org.uk/"):
                used |= {(inc["system"], c["code"], c["display"]) for c in inc["concept"]}
    assert len(used) > 20
    for system, code, display in sorted(used):
        codes = ukcore_code_system(system)
        assert code in codes, f"{code} is not a code of {system}"
        assert codes[code] == display, f"{system}#{code}: UK Core says {codes[code]!r}, we write {display!r}"


@pytest.mark.parametrize(
    ("profile", "ukcore", "slice_id", "system"),
    [
        ("RedBagPatient", "UKCore-Patient", "Patient.identifier:nhsNumber", vocab.NHS_NUMBER),
        (
            "RedBagOrganization",
            "UKCore-Organization",
            "Organization.identifier:odsOrganisationCode",
            vocab.ODS_ORGANIZATION,
        ),
    ],
)
def test_identifier_slices_use_the_ukcore_systems(
    profile: str, ukcore: str, slice_id: str, system: str
) -> None:
    assert ukcore_elements(ukcore)[f"{slice_id}.system"]["fixed"] == ("fixedUri", system)
    element = snapshot(ours(profile))[f"{slice_id}.system"]
    assert element["fixedUri"] == system
    assert element["min"] == 1


@pytest.mark.parametrize(
    ("url", "context"),
    [(vocab.EXT_NHS_VERIFICATION, "Patient.identifier"), (vocab.EXT_NHS_UNAVAILABLE, "Patient")],
)
def test_ukcore_extensions_are_used_as_ukcore_defines_them(url: str, context: str) -> None:
    name = url.rsplit("/", 1)[1]
    root = parse(UKCORE / "structuredefinitions" / f"{name}.xml")
    assert value(root, "url") == url
    contexts = {value(c, "expression") for c in root.findall("f:context", NS)}
    assert context in contexts
    types = [value(t, "code") for t in root.iterfind(".//f:element[@id='Extension.value[x]']/f:type", NS)]
    assert types == ["CodeableConcept"], "the generator writes valueCodeableConcept"


def local_value_set(url: str) -> Json:
    data: Json = orjson.loads((PROFILES / f"ValueSet-{url.rsplit('/', 1)[1]}.json").read_bytes())
    return data


def disagreements(eid: str, uk: Json, element: Json) -> list[str]:
    """How the profile's snapshot element allows what UK Core's differential element forbids."""
    problems = []
    if uk["min"] not in (None, "0") and element["min"] < int(uk["min"]):
        problems.append(f"{eid}: UK Core min {uk['min']}, profile min {element['min']}")
    if uk["max"] == "0" and element["max"] != "0":
        problems.append(f"{eid}: UK Core prohibits it (max 0), the profile allows {element['max']}")
    if "fixed" in uk:
        tag, fixed = uk["fixed"]
        mine = element.get(tag, element.get(tag.replace("fixed", "pattern")))
        if mine is not None and mine != fixed:
            problems.append(f"{eid}: UK Core fixes {fixed!r}, the profile {mine!r}")
    strength, vs = uk.get("binding", (None, None))
    binding = element.get("binding", {})
    bound = binding.get("valueSet", "").split("|")[0]
    if strength == "required" and (binding.get("strength") != "required" or bound != vs):
        problems.append(f"{eid}: UK Core requires {vs}, the profile binds {binding}")
    if strength in ("required", "extensible") and vs and bound.startswith(vocab.BASE):
        # Our own value set where UK Core binds one: every code of ours must be in UK Core's.
        whole, listed = ukcore_value_set(vs)
        for inc in local_value_set(bound)["compose"]["include"]:
            if inc["system"] in whole:
                continue
            if "concept" not in inc:
                problems.append(f"{eid}: {inc['system']} is not in UK Core's {vs}")
            for c in inc.get("concept", []):
                if (inc["system"], c["code"]) not in listed:
                    problems.append(f"{eid}: {inc['system']}#{c['code']} is not in UK Core's {vs}")
    return problems


@pytest.mark.parametrize("profile", PROFILE_NAMES)
def test_profile_allows_nothing_ukcore_forbids(profile: str) -> None:
    sd = ours(profile)
    ukcore = UKCORE / "structuredefinitions" / f"UKCore-{sd['type']}.xml"
    if not ukcore.exists():
        pytest.skip(f"UK Core has no {sd['type']} profile")
    mine = snapshot(sd)
    problems = []
    for eid, uk in ukcore_elements(ukcore.stem).items():
        if eid in mine:
            problems += disagreements(eid, uk, mine[eid])
        elif ":" in eid and uk["min"] not in (None, "0") and "." not in eid.rsplit(":", 1)[1]:
            # A UK Core slice we do not use is fine unless UK Core makes it mandatory.
            problems.append(f"{eid}: UK Core requires this slice, the profile lacks it")
    assert not problems, "\n".join(problems)


def test_every_uk_core_profile_the_generator_claims_exists_for_that_type() -> None:
    claimed: dict[str, set[str]] = {}
    for res in generated_resources():
        for url in res.get("meta", {}).get("profile", []):
            if url.startswith(vocab.UKCORE_PROFILE):
                claimed.setdefault(url, set()).add(res["resourceType"])
    assert len(claimed) >= 20, sorted(claimed)
    for url, types in sorted(claimed.items()):
        path = UKCORE / "structuredefinitions" / f"{url.rsplit('/', 1)[1]}.xml"
        assert path.exists(), f"{url} is not a UK Core profile"
        root = parse(path)
        assert value(root, "url") == url
        assert types == {value(root, "type")}, f"{url} is a {value(root, 'type')} profile, claimed by {types}"


@cache
def ukcore_codings() -> dict[tuple[str, str], set[str]]:
    """(system, code) -> the displays UK Core's examples and value sets (compose and expansion) give it."""
    out: dict[tuple[str, str], set[str]] = {}
    for folder in ("examples", "valuesets"):
        for path in (UKCORE / folder).glob("*.xml"):
            root = parse(path)
            for node in root.iter("{*}coding", "{*}include", "{*}contains"):
                system = value(node, "system")
                pairs = [(value(node, "code"), value(node, "display"))]
                pairs += [(value(c, "code"), value(c, "display")) for c in node.findall("f:concept", NS)]
                for c, d in pairs:
                    if system and c:
                        out.setdefault((system, c), set()).add((d or "").casefold())
    return out


def test_codes_added_to_observations_are_uk_core_s_with_its_displays() -> None:
    """Every SNOMED CT and LOINC code the adapter adds for UK Core's observation profiles is in UK Core's own
    examples or value sets, with the display UK Core gives it (case aside)."""
    added = set(ukobs.BLOOD_PRESSURE_CODES) | set(ukobs.ACVPU_VALUES.values())
    for kind in set(ukobs.KINDS.values()):
        added |= {c for c in (kind.loinc, kind.snomed) if c is not None}
    assert len(added) >= 15
    known = ukcore_codings()
    for system, code, display in sorted(added):
        assert (system, code) in known, f"{system}|{code} is in none of UK Core's examples or value sets"
        assert display.casefold() in known[(system, code)], (
            f"{system}|{code}: UK Core says {known[(system, code)]}"
        )
    for system, code in ukobs.KINDS:  # SNOMED CT concepts taken as a kind: from UK Core's value sets
        if system == vocab.SNOMED:
            assert (system, code) in known, f"input code {system}|{code} is not one UK Core uses"
