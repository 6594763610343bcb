"""Validation plans: a StructureDefinition snapshot compiled into a tree of :class:`ElementNode`.

Each node carries what the instance walker needs, pre-computed once (children by JSON name, choice
prefixes, cardinality as ints, types, fixed/pattern values, binding, invariants, slicing).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from adapter.validation.element_features import features as element_features
from adapter.validation.fhirpath_fast import CHOICE_NAMES, TYPE_SUFFIXES
from adapter.validation.snapshot import RawNode, build_tree

FHIR_TYPE_EXT = "http://hl7.org/fhir/StructureDefinition/structuredefinition-fhir-type"
REGEX_EXT = "http://hl7.org/fhir/StructureDefinition/regex"
SD_PREFIX = "http://hl7.org/fhir/StructureDefinition/"
SYSTEM_TYPES = {
    "http://hl7.org/fhirpath/System.String": "string",
    "http://hl7.org/fhirpath/System.Boolean": "boolean",
    "http://hl7.org/fhirpath/System.Integer": "integer",
    "http://hl7.org/fhirpath/System.Decimal": "decimal",
    "http://hl7.org/fhirpath/System.Date": "date",
    "http://hl7.org/fhirpath/System.DateTime": "dateTime",
    "http://hl7.org/fhirpath/System.Time": "time",
}
RESOURCE_TYPES_ABSTRACT = ("Resource", "DomainResource")
# R4 primitive types whose JSON form is a string (https://hl7.org/fhir/R4/datatypes.html#primitive)
STRING_PRIMITIVES = frozenset(
    {
        "string",
        "code",
        "id",
        "uri",
        "url",
        "canonical",
        "oid",
        "uuid",
        "markdown",
        "base64Binary",
        "date",
        "dateTime",
        "instant",
        "time",
        "xhtml",
    }
)


@dataclass(frozen=True, slots=True)
class TypeRef:
    """One allowed type of an element (code, type profiles, reference target profiles)."""

    code: str
    profiles: tuple[str, ...] = ()
    target_profiles: tuple[str, ...] = ()
    aggregation: tuple[str, ...] = ()
    # the element of each type profile to conform to, when not its root (elementdefinition-profile-element)
    profile_elements: tuple[str | None, ...] = ()

    def profile_element(self, index: int) -> str | None:
        """The element id the ``index``-th type profile names (None: the profile's root)."""
        return self.profile_elements[index] if index < len(self.profile_elements) else None


@dataclass(frozen=True, slots=True)
class Constraint:
    """An invariant (ElementDefinition.constraint)."""

    key: str
    severity: str
    human: str
    expression: str
    source: str


@dataclass(frozen=True, slots=True)
class Binding:
    """A terminology binding."""

    strength: str
    value_set: str | None
    additional: tuple[tuple[str, str], ...] = ()  # (purpose, valueSet) from the additional-binding ext


@dataclass(frozen=True, slots=True)
class Slicing:
    """How an element is sliced."""

    discriminators: tuple[tuple[str, str], ...]  # (type, path)
    ordered: bool
    rules: str


@dataclass(eq=False, slots=True)
class ElementNode:
    """One element definition of a validation plan."""

    path: str
    id: str
    name: str
    slice_name: str | None
    min: int
    max: int | None  # None = unbounded
    types: tuple[TypeRef, ...]
    content_ref: str | None
    fixed: tuple[str, Any] | None
    pattern: tuple[str, Any] | None
    binding: Binding | None
    constraints: tuple[Constraint, ...]
    slicing: Slicing | None
    max_length: int | None
    min_value: tuple[str, Any] | None
    max_value: tuple[str, Any] | None
    is_modifier: bool
    representation: frozenset[str]
    raw: dict[str, Any]
    structure: StructureInfo | None = None
    children: list[ElementNode] = field(default_factory=list)
    slices: list[ElementNode] = field(default_factory=list)
    by_name: dict[str, ElementNode] = field(default_factory=dict)
    choices: list[tuple[str, ElementNode]] = field(default_factory=list)
    regex: str | None = None
    features: dict[str, Any] = field(default_factory=dict)  # see element_rules.features
    is_list: bool = True  # JSON array (from the base definition's max, which profiles cannot change)
    position: int = 0  # index among the parent's children
    required: frozenset[int] = frozenset()  # positions of children (or their slices) with min > 0
    plan: Any = None  # compiled invariants, built on first use (see invariants.plan_for)
    constraint_keys: frozenset[str] = frozenset()
    has_value_rules: bool = False  # fixed, pattern, length, min/max or binding on a primitive
    heavy_constraints: bool = False  # invariants besides ele-1 (which the walker decides inline)
    has_type_profiles: bool = False
    single_type: str | None = None
    string_primitive: bool = False  # one string-valued primitive type, not sliced: checked inline
    plain_complex: bool = False  # one complex (or resource) type, not sliced: checked inline
    sliced: bool = False  # has slices (or closed/ordered slicing): items go through slicing
    plain_string: bool = False  # a string primitive with no value rules or invariants: format check only
    choice: bool = False  # ``value[x]`` style (see is_choice)
    # how the walker reads this element's JSON property (see Engine.check_children): -1 general,
    # 0 one type, 1 plain string, 2 string, 3 string array, 4 complex, 5 complex array
    shape: int = -1
    counted: bool = True  # one occurrence (or any non-empty array) could break this element's cardinality

    @property
    def is_choice(self) -> bool:
        """True for ``value[x]`` style elements."""
        return self.name.endswith("[x]")

    @property
    def type_codes(self) -> list[str]:
        """Allowed type codes, in definition order."""
        return [t.code for t in self.types]

    def type_ref(self, code: str) -> TypeRef | None:
        """The TypeRef for ``code`` (case-sensitive), if allowed."""
        for t in self.types:
            if t.code == code:
                return t
        return None

    def child_for(self, key: str) -> tuple[ElementNode, str | None] | None:
        """The child element for a JSON property name, and the type named by a choice suffix."""
        node = self.by_name.get(key)
        if node is not None:
            return node, None
        for prefix, cnode in self.choices:
            if key.startswith(prefix) and len(key) > len(prefix):
                suffix = key[len(prefix) :]
                if suffix[0].isupper():
                    return cnode, suffix
        return None


@dataclass(eq=False, slots=True)
class StructureInfo:
    """A StructureDefinition compiled into a validation plan."""

    url: str
    version: str | None
    name: str
    type: str
    kind: str
    derivation: str
    abstract: bool
    base_definition: str | None
    root: ElementNode
    sd: dict[str, Any]
    by_id: dict[str, ElementNode] = field(default_factory=dict)

    @property
    def versioned_url(self) -> str:
        """``url|version`` as the HL7 validator prints it."""
        return f"{self.url}|{self.version}" if self.version else self.url

    @property
    def is_extension(self) -> bool:
        """True for extension definitions."""
        return self.type == "Extension" and self.derivation == "constraint"


def _fhir_type_code(t: dict[str, Any]) -> str:
    code = str(t.get("code", ""))
    for ext in t.get("extension", []) or []:
        if ext.get("url") == FHIR_TYPE_EXT:
            return str(ext.get("valueUrl") or ext.get("valueUri") or code)
    if code in SYSTEM_TYPES:
        return SYSTEM_TYPES[code]
    return code


def _regex_of(elem: dict[str, Any]) -> str | None:
    for t in elem.get("type", []) or []:
        for ext in t.get("extension", []) or []:
            if ext.get("url") == REGEX_EXT:
                return str(ext.get("valueString"))
    return None


def _choice_value(elem: dict[str, Any], prefix: str) -> tuple[str, Any] | None:
    for key, value in elem.items():
        if key.startswith(prefix) and len(key) > len(prefix) and key[len(prefix)].isupper():
            return key[len(prefix) :], value
    return None


def _binding(elem: dict[str, Any]) -> Binding | None:
    b = elem.get("binding")
    if not b:
        return None
    additional = []
    for ext in b.get("extension", []) or []:
        if ext.get("url", "").endswith("additional-binding") or ext.get("url", "").endswith(
            "ElementDefinition.binding.additional"
        ):
            parts = {e.get("url"): e for e in ext.get("extension", [])}
            purpose = parts.get("purpose", {}).get("valueCode", "")
            vs = parts.get("valueSet", {}).get("valueCanonical") or parts.get("valueSet", {}).get("valueUri")
            if vs:
                additional.append((str(purpose), str(vs)))
    vs = b.get("valueSet") or b.get("valueSetReference", {}).get("reference") or b.get("valueSetUri")
    return Binding(str(b.get("strength", "example")), str(vs) if vs else None, tuple(additional))


def _max(value: Any) -> int | None:
    if value is None or value == "*":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _is_list(e: dict[str, Any]) -> bool:
    base = e.get("base")
    top = base.get("max") if isinstance(base, dict) else None
    if top is None:
        top = e.get("max", "*")
    return str(top) != "1" and "." in str(e.get("path", ""))


PROFILE_ELEMENT = "http://hl7.org/fhir/StructureDefinition/elementdefinition-profile-element"


def _profile_elements(t: dict[str, Any]) -> tuple[str | None, ...]:
    """The profile-element extension of each type profile (``_profile``), when any names one."""
    ext = t.get("_profile")
    if not isinstance(ext, list):
        return ()
    out: list[str | None] = []
    for item in ext:
        found = None
        for e in (item or {}).get("extension", []) if isinstance(item, dict) else []:
            if (
                isinstance(e, dict)
                and e.get("url") == PROFILE_ELEMENT
                and isinstance(e.get("valueString"), str)
            ):
                found = e["valueString"]
        out.append(found)
    return tuple(out) if any(out) else ()


def compile_node(raw: RawNode, source_url: str) -> ElementNode:
    """Compile a snapshot tree (see :func:`build_tree`) into ElementNodes."""
    e = raw.elem
    path = str(e.get("path", ""))
    types = tuple(
        TypeRef(
            _fhir_type_code(t),
            tuple(t.get("profile", []) or []),
            tuple(t.get("targetProfile", []) or []),
            tuple(t.get("aggregation", []) or []),
            _profile_elements(t),
        )
        for t in e.get("type", []) or []
    )
    constraints = tuple(
        Constraint(
            str(c.get("key", "")),
            str(c.get("severity", "error")),
            str(c.get("human", "")),
            str(c.get("expression", "")),
            str(c.get("source") or source_url),
        )
        for c in e.get("constraint", []) or []
        if c.get("expression")
    )
    slicing = None
    if e.get("slicing"):
        s = e["slicing"]
        slicing = Slicing(
            tuple(
                (str(d.get("type", "value")), str(d.get("path", "$this"))) for d in s.get("discriminator", [])
            ),
            bool(s.get("ordered", False)),
            str(s.get("rules", "open")),
        )
    cref = e.get("contentReference")
    node = ElementNode(
        path=path,
        id=str(e.get("id", path)),
        name=path.rsplit(".", 1)[-1],
        slice_name=e.get("sliceName"),
        min=int(e.get("min", 0) or 0),
        max=_max(e.get("max", "*")),
        types=types,
        content_ref=str(cref).split("#", 1)[-1] if cref else None,
        fixed=_choice_value(e, "fixed"),
        pattern=_choice_value(e, "pattern"),
        binding=_binding(e),
        constraints=constraints,
        slicing=slicing,
        max_length=e.get("maxLength"),
        min_value=_choice_value(e, "minValue"),
        max_value=_choice_value(e, "maxValue"),
        is_modifier=bool(e.get("isModifier", False)),
        representation=frozenset(e.get("representation", []) or []),
        raw=e,
        regex=_regex_of(e),
        features=element_features(e),
        is_list=_is_list(e),
    )
    for i, c in enumerate(raw.children):
        child = compile_node(c, source_url)
        child.position = i
        node.children.append(child)
        if child.is_choice:
            node.choices.append((child.name[:-3], child))
            CHOICE_NAMES.add(child.name[:-3])
            TYPE_SUFFIXES.update(t.code[:1].upper() + t.code[1:] for t in child.types)
        else:
            node.by_name[child.name] = child
    node.slices = [compile_node(s, source_url) for s in raw.slices]
    node.constraint_keys = frozenset(c.key for c in constraints)
    node.has_type_profiles = any(t.profiles for t in types)
    node.heavy_constraints = any(
        c.key != "ele-1" or not c.expression.startswith("hasValue()") for c in constraints
    )
    node.single_type = types[0].code if len(types) == 1 else None
    # slicing without slices (every core ``extension`` element) matters only when closed or ordered
    node.sliced = bool(raw.slices) or (slicing is not None and (slicing.rules == "closed" or slicing.ordered))
    unsliced = not node.sliced
    node.string_primitive = node.single_type in STRING_PRIMITIVES and unsliced
    node.plain_complex = (
        node.single_type is not None and node.single_type[:1].isupper() and unsliced and not node.content_ref
    )
    node.has_value_rules = bool(
        node.fixed
        or node.pattern
        or node.max_length is not None
        or node.min_value
        or node.max_value
        or node.binding
        or node.features
    )
    node.plain_string = (
        node.string_primitive
        and not node.has_value_rules
        and not node.heavy_constraints
        and node.single_type != "xhtml"
    )
    node.choice = node.is_choice
    if node.is_list:
        node.counted = node.min > 1 or node.max is not None
    else:
        node.counted = node.min > 1 or (node.max is not None and node.max < 1)
    if node.single_type is None:
        node.shape = -1
    elif node.string_primitive:
        node.shape = 3 if node.is_list else (1 if node.plain_string else 2)
    elif node.plain_complex:
        node.shape = 5 if node.is_list else 4
    else:
        node.shape = 0
    node.required = frozenset(
        c.position for c in node.children if c.min > 0 or any(s.min > 0 for s in c.slices)
    )
    return node


def compile_structure(sd: dict[str, Any]) -> StructureInfo:
    """Compile a StructureDefinition that has a snapshot."""
    tree = build_tree(sd["snapshot"]["element"])
    url = str(sd.get("url", ""))
    root = compile_node(tree, url)
    info = StructureInfo(
        url=url,
        version=sd.get("version"),
        name=str(sd.get("name") or sd.get("id") or url),
        type=str(sd.get("type", root.path)),
        kind=str(sd.get("kind", "")),
        derivation=str(sd.get("derivation", "specialization")),
        abstract=bool(sd.get("abstract", False)),
        base_definition=sd.get("baseDefinition"),
        root=root,
        sd=sd,
    )

    def index(n: ElementNode, eid: str) -> None:
        n.structure = info
        info.by_id.setdefault(eid, n)
        info.by_id.setdefault(n.path, n)
        for c in n.children:
            index(c, f"{eid}.{c.name}")
        for s in n.slices:
            index(s, f"{eid}:{s.slice_name}")

    index(root, root.path)
    return info
