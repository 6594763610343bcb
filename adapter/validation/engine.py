"""The instance walker: validates JSON-form FHIR data against compiled validation plans.

For each object it matches properties to child definitions (choice types by suffix), checks the JSON
shape, cardinality per parent, slicing, types, fixed/pattern values, bindings, invariants, type
profiles, extensions and references, then descends. What is checked comes from the definitions; the
few data-type rules the spec states in prose (Attachment size, Reference targets, Extension urls,
Narrative XHTML) live in small helpers.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from adapter.validation import (
    bindings,
    bundle_rules,
    element_rules,
    extensions,
    narrative,
    sd_rules,
    slicing,
    vital_signs,
)
from adapter.validation.context import WRONG_TYPE, Frame, Run
from adapter.validation.datatype_rules import TYPE_RULES, TypeRule
from adapter.validation.invariants import check_constraints
from adapter.validation.outcome import Issue
from adapter.validation.primitives import (
    EXAMPLE_URL,
    NON_STRING_TYPES,
    check_primitive,
    json_type_problem,
    resource_id_problem,
)
from adapter.validation.properties import Item, collect, describe
from adapter.validation.structure import ElementNode, StructureInfo
from adapter.validation.terminology import Terminology
from adapter.validation.values import equals_fixed, matches_pattern

if TYPE_CHECKING:
    from adapter.validation.loader import Definitions

_INDEX = re.compile(r"\[\d+\]")
_PARENT = re.compile(r"\.[^.()]+(\[\d+\])?(\.ofType\([^)]*\))?$")  # last segment of an instance path
ABSTRACT_RESOURCES = frozenset({"Resource", "DomainResource"})
_NO_ITEMS: list[Item] = []
_ONLY_DICTS = {dict}  # the types of an array of objects
_ONLY_STRINGS = {str}
_OF_TYPE = re.compile(r"\.ofType\([^)]*\)")
# Types whose definition regex backtracks badly on long values; primitives.py checks them directly.
_OWN_FORMAT_CHECK = frozenset({"base64Binary"})


def _duplicate_contained_ids(run: Run, contained: list[Any], path: str) -> None:
    """Contained resources are told apart by id (RESOURCE_DUPLICATE_CONTAINED_ID)."""
    seen: set[str] = set()
    for i, r in enumerate(contained):
        rid = r.get("id") if isinstance(r, dict) else None
        if isinstance(rid, str):
            if rid in seen:
                run.error(
                    "invalid",
                    f"{path}.contained[{i}]",
                    f"Duplicate ID for contained resource: {rid}",
                    rule="RESOURCE_DUPLICATE_CONTAINED_ID",
                )
            seen.add(rid)


def report_format(run: Run, problems: list[tuple[str, str]], path: str) -> None:
    """Record the format problems of a primitive value; example URLs only when examples are not allowed
    (TYPE_SPECIFIC_CHECKS_DT_URL_EXAMPLE, as the HL7 validator without -allow-example-urls)."""
    for code, msg in problems:
        if code != EXAMPLE_URL:
            run.error(code, path, msg)
        elif not run.options.allow_examples:
            run.error("invalid", path, msg, rule="TYPE_SPECIFIC_CHECKS_DT_URL_EXAMPLE")


# (type code, kind, holder of the children, the type's root definition, the data-type rule)
ValuePlan = tuple[str, str, "ElementNode | None", "ElementNode | None", "TypeRule | None"]


class Engine:
    """Validates instances against StructureDefinitions; shared by every validate() call."""

    def __init__(self, defs: Definitions) -> None:
        self.defs = defs
        self.tx = Terminology(defs)
        self._type_roots: dict[str, ElementNode | None] = {}
        self._primitive_cache: dict[tuple[str, Any], list[tuple[str, str]]] = {}
        self._kinds: dict[str, str] = {}
        self._value_plans: dict[ElementNode, ValuePlan] = {}  # see _value_plan
        self._typed_plans: dict[tuple[ElementNode, str], ValuePlan] = {}  # nodes of several types
        # (node, profile, type, string value) that passed the node's value rules (see _string_value)
        self._clean_values: set[tuple[ElementNode, StructureInfo, str, str]] = set()
        # definition-side answers of slicing (see slicing._expected and slicing._child_type)
        self.slice_values: dict[tuple[int, int], tuple[ElementNode, list[str], tuple[str, Any] | None]] = {}
        self.child_types: dict[tuple[str, str], str] = {}
        # (id(target profile list), resource type) -> (that list, the profiles constraining the type)
        self.target_profiles: dict[tuple[int, str], tuple[list[str], list[StructureInfo]]] = {}

    # -- resources --------------------------------------------------------------------------------------

    def validate_resource(
        self,
        run: Run,
        res: Any,
        path: str,
        profiles: list[StructureInfo] | None = None,
        parent: Frame | None = None,
        full_url: str | None = None,
        bundle: Any = None,
        extra_profiles: tuple[str, ...] = (),
    ) -> Frame | None:
        """Validate a resource against its type (or ``profiles``) and the profiles it claims."""
        if not isinstance(res, dict):
            run.error("structure", path, "A resource must be a JSON object")
            return None
        rtype = res.get("resourceType")
        if not isinstance(rtype, str):
            run.error(
                "structure",
                path or "(root)",
                "Unable to find resourceType property: a resource must say its type",
            )
            return None
        here = path or rtype
        base = self.defs.structure(rtype) if self.defs.is_resource_type(rtype) else None
        if base is None or base.abstract:
            run.error("structure", here, f"Unknown resource type '{rtype}'")
            return None
        frame = Frame(res, here, parent, bundle, full_url)
        if rtype == "Bundle":
            frame.bundle = bundle_rules.BundleIndex(res, here, self.defs)
        targets = list(profiles) if profiles else []
        declared = self._declared_profiles(run, res, here, rtype)
        if rtype == "Observation":
            vs_url = vital_signs.profile_for(res)
            if vs_url is not None:
                extra_profiles = (*extra_profiles, vs_url)
        for url in extra_profiles:
            info = self.defs.structure(url)
            if info is not None and info not in declared:
                declared.append(info)
        if not targets:
            targets = [base] if (run.options.base_with_profiles or not declared) else []
        for info in declared:
            if all(t.url != info.url for t in targets):
                targets.append(info)
        for info in targets:
            if info.type != rtype and info.type not in ABSTRACT_RESOURCES and info.kind == "resource":
                run.error(
                    "structure",
                    here,
                    f"The resource type {rtype} does not match the profile {info.url} "
                    f"(a profile on {info.type})",
                    rule="profile-type",
                )
                continue
            for issue in self.against(run, res, info, here, frame):
                run.add(issue)
        problem = resource_id_problem(res.get("id"))
        if problem:
            run.error("invalid", f"{here}.id", problem)
        contained = res.get("contained")
        if type(contained) is list and len(contained) > 1:
            _duplicate_contained_ids(run, contained, here)
        if rtype == "Bundle":
            bundle_rules.check_bundle(self, run, frame)
        elif rtype == "StructureDefinition":
            sd_rules.check_structure_definition(self, run, res, here)
        return frame

    def against(
        self, run: Run, res: dict[str, Any], info: StructureInfo, path: str, frame: Frame
    ) -> list[Issue]:
        """The issues of one resource against one profile, computed once per run (a resource referenced
        from many places, and validated as an entry too, is checked against each profile only once)."""
        key = (id(res), info.url)
        cached = run.profile_results.get(key)
        if cached is not None:
            return cached
        if key in run.validating:
            return []  # a circle of references: it is being validated against this profile already
        sub = run.fork()
        run.validating.add(key)
        try:
            self.check_value(sub, res, None, info.root, str(res.get("resourceType")), path, frame, info)
        finally:
            run.validating.discard(key)
        run.profile_results[key] = sub.issues
        return sub.issues

    def _declared_profiles(self, run: Run, res: dict[str, Any], path: str, rtype: str) -> list[StructureInfo]:
        meta = res.get("meta")
        urls = meta.get("profile") if isinstance(meta, dict) else None
        out: list[StructureInfo] = []
        if not isinstance(urls, list):
            return out
        for i, url in enumerate(urls):
            if not isinstance(url, str):
                continue
            info = self.defs.structure(url)
            where = f"{path}.meta.profile[{i}]"
            if info is None:
                broken = self.defs.snapshot_messages.get(url.split("|")[0])
                if broken:  # the profile is known but unusable: that is an error, not a shrug
                    run.error("processing", where, f"Profile '{url}' could not be used: {'; '.join(broken)}")
                else:
                    run.warning(
                        "structure",
                        where,
                        f"Profile reference '{url}' has not been checked because it could not be found",
                    )
            elif info.type != rtype and info.kind == "resource":
                run.error(
                    "structure",
                    where,
                    f"The profile {url} is for the type {info.type}, but this resource is a {rtype}",
                )
            else:
                out.append(info)
        return out

    # -- one element value ------------------------------------------------------------------------------

    def type_root(self, type_code: str) -> ElementNode | None:
        """The root element of a data type's definition (its invariants apply to every value)."""
        if type_code not in self._type_roots:
            info = self.defs.structure(type_code)
            self._type_roots[type_code] = info.root if info is not None else None
        return self._type_roots[type_code]

    def check_value(
        self,
        run: Run,
        value: Any,
        ext: Any,
        node: ElementNode,
        type_code: str,
        path: str,
        frame: Frame,
        info: StructureInfo,
    ) -> None:
        """Validate one occurrence of ``node`` whose concrete type is ``type_code``."""
        plan = self._value_plans.get(node)
        if plan is None or plan[0] != type_code:
            plan = self._typed_plans.get((node, type_code)) or self._value_plan(node, type_code)
        _, kind, holder, root, special = plan
        if kind == "primitive-type":
            self._primitive(run, value, ext, node, type_code, path, frame, info)
            return
        is_root = node is info.root
        if not is_root and (
            type_code in ABSTRACT_RESOURCES
            or (kind == "resource" and isinstance(value, dict) and "resourceType" in value)
        ):
            self._embedded_resource(run, value, node, type_code, path, frame)
            return
        if not isinstance(value, dict):
            run.error(
                "structure",
                path,
                f"The property {path.rsplit('.', 1)[-1]} must be a JSON object, not {describe(value)}",
            )
            return
        if not value or (not is_root and len(value) == 1 and "resourceType" in value):
            run.error("invalid", path, "Object must have some content")
        if kind == "resource" and not node.children:  # rare: a resource type without resourceType
            root = self.type_root(type_code)
            holder = root if type_code and not node.content_ref else self.defs.holder(node, type_code)
        if holder is None:
            run.error("structure", path, f"Unknown type '{type_code}' at {path}")
            return
        run.types[path] = (type_code, node, is_root)
        handled = False
        if type_code == "Extension":
            url = value.get("url")
            if isinstance(url, str):
                run.ext_urls[path] = url
            if not (is_root and info.url == url):
                handled = extensions.check_extension(self, run, value, node, path, frame, info)
        if not is_root:
            eid = value.get("id")
            if type(eid) is str:
                self._element_id(run, eid, value, type_code, path, frame)
        if not handled:
            self.check_children(run, value, holder, path, frame, info, is_root)
        if special is not None:
            special(self, run, value, node, path, frame, info)
        if node.fixed is not None or node.pattern is not None:
            self._fixed_pattern(run, value, node, path, info)
        if node.binding is not None:
            bindings.check_binding(self, run, value, node, type_code, path, info)
        trivial = len(value) > 1 or (value and "id" not in value)  # ele-1 holds, the only universal rule
        if node.heavy_constraints or (node.constraints and not trivial):
            check_constraints(run, node, value, ext, type_code if node.choice else node.path, path, frame)
        if (
            root is not None
            and not is_root
            and (root.heavy_constraints or (root.constraints and not trivial))
        ):
            check_constraints(run, root, value, ext, type_code, path, frame, skip=node.constraint_keys)
        if node.has_type_profiles:
            self._type_profiles(run, value, ext, node, type_code, path, frame)

    def _value_plan(self, node: ElementNode, type_code: str) -> ValuePlan:
        """What check_value needs to know about a node and type beyond the value (memoised for the
        node's own single type): the type's kind, the node holding the children, the type's root
        definition (when the node has no children) and the data-type rule."""
        kind = self._kinds.get(type_code)
        if kind is None:
            kind = self._kinds[type_code] = self.defs.kind(type_code) or "?"
        root: ElementNode | None = None
        holder: ElementNode | None = node
        if kind not in ("primitive-type", "resource"):  # (resources: see check_value)
            # The type's own invariants (per-1 on a Period, ...) hold wherever the type is used, also where
            # a profile constrains the element's children (so the element has children of its own).
            root = self.type_root(type_code)
            if not node.children:
                # (Definitions.holder is the type's root too, unless a contentReference says otherwise)
                holder = root if type_code and not node.content_ref else self.defs.holder(node, type_code)
            elif root is not None and all(c.key in node.constraint_keys for c in root.constraints):
                root = None  # the element states all of its type's invariants itself: nothing more to check
        plan = (type_code, kind, holder, root, TYPE_RULES.get(type_code))
        if type_code == node.single_type:
            self._value_plans[node] = plan
        else:
            self._typed_plans[(node, type_code)] = plan
        return plan

    def _embedded_resource(
        self, run: Run, value: Any, node: ElementNode, type_code: str, path: str, frame: Frame
    ) -> None:
        if not run.options.validate_contained and node.name == "contained":
            return
        if not isinstance(value, dict):
            run.error(
                "structure", path, "This property must contain a resource (a JSON object with resourceType)"
            )
            return
        rtype = value.get("resourceType")
        allowed = [t for t in node.types]
        codes = {t.code for t in allowed}
        if isinstance(rtype, str) and codes and not codes & ABSTRACT_RESOURCES and rtype not in codes:
            run.error(
                "structure",
                path,
                f"The resource type {rtype} is not allowed here (must be one of {sorted(codes)})",
            )
        profiles: list[str] = []
        for t in allowed:
            if (t.code == rtype or t.code in ABSTRACT_RESOURCES) and t.profiles:
                profiles.extend(t.profiles)
        full_url = frame.full_url  # contained resources resolve against their container's fullUrl
        bundle = frame.bundle
        if path.endswith(".resource") and frame.bundle is not None and frame.resource is frame.bundle.bundle:
            full_url = frame.bundle.full_url_for(value)
            if run.options.bundle_profiles:
                profiles.extend(frame.bundle.rule_profiles(value, run.options.bundle_profiles))
        choices = profiles if len(profiles) > 1 and not run.options.bundle_profiles else []
        single = tuple(p for p in profiles if p not in choices)
        inner = self.validate_resource(run, value, path, None, frame, full_url, bundle, single)
        if choices and inner is not None:
            self._any_profile(run, value, path, frame, full_url, bundle, choices)

    def _any_profile(
        self,
        run: Run,
        value: dict[str, Any],
        path: str,
        frame: Frame,
        full_url: str | None,
        bundle: Any,
        urls: list[str],
    ) -> None:
        """A resource that must conform to at least one of several profiles."""
        failures: list[Issue] = []
        known = []
        for url in urls:
            info = self.defs.structure(url)
            if info is None:
                run.warning("structure", path, f"Profile {url} could not be found, so it was not checked")
                continue
            known.append(url)
            sub = run.fork()
            self.validate_resource(sub, value, path, [info], frame, full_url, bundle)
            if not sub.has_errors:
                return
            failures.extend(i for i in sub.issues if i.is_error)
        if known:
            run.error(
                "structure",
                path,
                "Unable to find a match for the specified profile among choices: " + ", ".join(known),
            )
            for issue in failures:
                run.add(issue)

    # -- children ---------------------------------------------------------------------------------------

    def check_children(
        self,
        run: Run,
        obj: dict[str, Any],
        holder: ElementNode,
        path: str,
        frame: Frame,
        info: StructureInfo,
        is_resource: bool,
    ) -> None:
        """Match properties to child definitions, then check cardinality, slicing and each value."""
        groups: dict[int, list[Item]] = {}
        inline: dict[int, int] = {}  # children checked on the spot: string primitives, not sliced

        by_name = holder.by_name
        has_ext = False  # primitive extensions are rare: look them up only when there are some
        for k in obj:
            if k[0] == "_":
                has_ext = True
                break
        string_value = self._string_value
        check_value = self.check_value
        format_problems = self._primitive_cache.get
        for key, raw in obj.items():
            if key[0] == "_":
                base_key = key[1:]
                if base_key in obj:
                    continue  # read with its value
                found = holder.child_for(base_key)
                if found is None:
                    run.error("structure", path, f"Unrecognized property '{key}'")
                    continue
                collect(self, run, base_key, None, raw, found, path, groups)
                continue
            if key == "resourceType" and is_resource:
                continue
            cnode = by_name.get(key)
            # the common shapes (no primitive extension), without the general checks of collect()
            if (
                cnode is not None
                and raw is not None
                and (t := cnode.single_type) is not None
                and (not has_ext or obj.get("_" + key) is None)
            ):
                shape = cnode.shape
                if shape == 1:
                    if type(raw) is str:  # as _string_value, but no path unless there is a problem
                        problems = format_problems((t, raw))
                        if problems is None:
                            problems = self._primitive_problems(t, raw)
                        if problems:
                            report_format(run, problems, f"{path}.{key}")
                        if cnode.counted:
                            inline[cnode.position] = 1
                        continue
                elif shape == 4:
                    if type(raw) is dict:
                        check_value(run, raw, None, cnode, t, f"{path}.{key}", frame, info)
                        if cnode.counted:
                            inline[cnode.position] = 1
                        continue
                elif shape == 5:
                    if type(raw) is list and raw and set(map(type, raw)) == _ONLY_DICTS:
                        for i, v in enumerate(raw):
                            check_value(run, v, None, cnode, t, f"{path}.{key}[{i}]", frame, info)
                        if cnode.counted:
                            inline[cnode.position] = len(raw)
                        continue
                elif shape == 2:
                    if type(raw) is str:
                        string_value(run, raw, cnode, t, f"{path}.{key}", frame, info)
                        if cnode.counted:
                            inline[cnode.position] = 1
                        continue
                elif shape == 3 and type(raw) is list and raw and set(map(type, raw)) == _ONLY_STRINGS:
                    for i, v in enumerate(raw):
                        string_value(run, v, cnode, t, f"{path}.{key}[{i}]", frame, info)
                    if cnode.counted:
                        inline[cnode.position] = len(raw)
                    continue
                if not cnode.is_list:
                    if not isinstance(raw, list):
                        groups.setdefault(cnode.position, []).append(
                            Item(raw, None, None, t, key, f"{path}.{key}")
                        )
                        continue
                elif type(raw) is list and raw and None not in raw:
                    groups.setdefault(cnode.position, []).extend(
                        Item(v, None, i, t, key, f"{path}.{key}[{i}]") for i, v in enumerate(raw)
                    )
                    continue
            found = (cnode, None) if cnode is not None else holder.child_for(key)
            if found is None:
                if key == "fhir_comments":
                    run.error(
                        "structure",
                        path,
                        f"Unrecognized property '{key}' (comments are not allowed in FHIR JSON since R3)",
                    )
                else:
                    run.error("structure", path, f"Unrecognized property '{key}'")
                continue
            collect(self, run, key, raw, obj.get("_" + key), found, path, groups)
        # only present children and those that must be present need checking
        children = holder.children
        for idx, n in inline.items():  # (only children whose count could be wrong are here)
            child = children[idx]
            if n < child.min or (child.max is not None and n > child.max):
                self.check_cardinality(run, child, n, path, info)
        required = holder.required
        order: Any = groups
        for i in required:  # (children checked inline and not counted are present: their key is in obj)
            if i not in groups and i not in inline and children[i].name not in obj:
                missing = (j for j in required if j not in groups and j not in inline)
                order = [*groups, *(j for j in missing if children[j].name not in obj)]
                break
        for idx in order:
            child = children[idx]
            items = groups.get(idx, _NO_ITEMS)
            if child.sliced:
                slicing.check_sliced(self, run, child, items, path, frame, info)
                continue
            n = len(items)
            if n < child.min or (child.max is not None and n > child.max):
                self.check_cardinality(run, child, n, path, info)
            for item in items:
                if item.type_code is not WRONG_TYPE:
                    self.check_value(run, item.value, item.ext, child, item.type_code, item.path, frame, info)

    def _element_id(
        self, run: Run, eid: str, obj: dict[str, Any], type_code: str, path: str, frame: Frame
    ) -> None:
        """Element ids are unique within a resource (DUPLICATE_ID), ElementDefinition ids within their own
        list (a snapshot and a differential share them); the same element checked again (for a slice or a
        profile) is not a duplicate."""
        seen = frame.element_ids
        if seen is None:
            seen = frame.element_ids = {}
        key = f"{path.rpartition('.element[')[0]}#{eid}" if type_code == "ElementDefinition" else eid
        first = seen.setdefault(key, id(obj))
        if first != id(obj):
            run.error("invalid", path, f"Duplicate id value '{eid}'", rule="DUPLICATE_ID")

    def check_cardinality(
        self,
        run: Run,
        node: ElementNode,
        count: int,
        path: str,
        info: StructureInfo,
        label: str | None = None,
    ) -> None:
        """min/max of an element within its parent."""
        name = label or node.id
        if count < node.min:
            run.error(
                "structure",
                path,
                f"{name}: minimum required = {node.min}, but only found {count} (from {info.versioned_url})",
                rule="cardinality",
            )
        if node.max is not None and count > node.max:
            run.error(
                "structure",
                path,
                f"{name}: max allowed = {node.max}, but found {count} (from {info.versioned_url})",
                rule="cardinality",
            )

    # -- primitives ---------------------------------------------------------------------------------------

    def _primitive(
        self,
        run: Run,
        value: Any,
        ext: Any,
        node: ElementNode,
        type_code: str,
        path: str,
        frame: Frame,
        info: StructureInfo,
    ) -> None:
        if ext is None and type(value) is str and type_code not in NON_STRING_TYPES:
            self._string_value(run, value, node, type_code, path, frame, info)
            return
        if ext is not None:
            if not isinstance(ext, dict):
                run.error(
                    "structure",
                    path,
                    f"The primitive extension (_ property) must be a JSON object, not {describe(ext)}",
                )
                ext = None
            elif not ext:
                if value is None:
                    run.error(
                        "invalid", path, "Primitive types must have a value or must have child extensions"
                    )
            else:
                holder = self.defs.holder(node, type_code)
                run.types[path] = (type_code, node, False)
                if holder is not None:
                    allowed = {"id", "extension"}
                    for k in ext:
                        if k not in allowed:
                            run.error(
                                "structure",
                                path,
                                f"Unrecognized property '{k}' in the primitive extension object",
                            )
                    self.check_children(
                        run, {k: v for k, v in ext.items() if k in allowed}, holder, path, frame, info, False
                    )
        if value is not None:
            problem = json_type_problem(type_code, value)
            if problem:
                run.error("structure", path, problem)
            else:
                problems = self._primitive_problems(type_code, value)
                if problems:
                    report_format(run, problems, path)
                if node.has_value_rules:
                    self._primitive_constraints(run, value, node, type_code, path, info)
                if node.features:
                    element_rules.check_duration_bounds(run, node, value, path)
                if type_code == "xhtml":
                    for severity, code, msg in narrative.check_div(value):
                        run.add(Issue(severity, code, path, msg, rule="xhtml"))
        elif node.features:
            element_rules.check_absent_value(run, node, ext, path, info)
        if node.heavy_constraints or (node.constraints and value is None):
            check_constraints(run, node, value, ext, type_code, path, frame)

    def _string_value(
        self,
        run: Run,
        value: str,
        node: ElementNode,
        type_code: str,
        path: str,
        frame: Frame,
        info: StructureInfo,
    ) -> None:
        """The common case: a string-valued primitive without extensions (ele-1 holds)."""
        problems = self._primitive_cache.get((type_code, value))
        if problems is None:
            problems = self._primitive_problems(type_code, value)
        if problems:
            report_format(run, problems, path)
        if node.has_value_rules:
            # codes and systems repeat: remember the values these rules found nothing wrong with
            key = (node, info, type_code, value)
            if key not in self._clean_values:
                sub = run.fork()
                self._primitive_constraints(sub, value, node, type_code, path, info)
                if sub.issues:
                    for issue in sub.issues:
                        run.add(issue)
                elif len(value) < 256:
                    if len(self._clean_values) > 100_000:
                        self._clean_values.clear()
                    self._clean_values.add(key)
        if node.features:
            element_rules.check_duration_bounds(run, node, value, path)
        if type_code == "xhtml":
            for severity, code, msg in narrative.check_div(value):
                run.add(Issue(severity, code, path, msg, rule="xhtml"))
        if node.heavy_constraints:
            check_constraints(run, node, value, None, type_code, path, frame)

    def _primitive_problems(self, type_code: str, value: Any) -> list[tuple[str, str]]:
        """Format problems of a primitive value, memoised (codes, systems and dates repeat a lot)."""
        key = (type_code, value if not isinstance(value, float) else repr(value))
        found = self._primitive_cache.get(key)
        if found is None:
            regex = None if type_code in _OWN_FORMAT_CHECK else self._regex_for(type_code)
            found = check_primitive(type_code, value, regex)
            if len(self._primitive_cache) > 100_000:
                self._primitive_cache.clear()
            if not isinstance(value, str) or len(value) < 4096:
                self._primitive_cache[key] = found
        return found

    def _regex_for(self, type_code: str) -> str | None:
        root = self.defs.structure(type_code)
        if root is None:
            return None
        val = root.root.by_name.get("value")
        return val.regex if val is not None else None

    def _primitive_constraints(
        self, run: Run, value: Any, node: ElementNode, type_code: str, path: str, info: StructureInfo
    ) -> None:
        if (
            node.max_length is not None
            and isinstance(value, str)
            and len(value) > node.max_length
            and type_code != "markdown"  # (the HL7 validator checks maxLength on every string type but this)
        ):
            run.error("too-long", path, f"value is longer than permitted maximum length of {node.max_length}")
        min_len = node.features.get("minLength") if node.features else None
        if min_len is not None and isinstance(value, str) and len(value) < min_len:
            run.error(
                "invalid", path, f"Value '{value}' is shorter than permitted minimum length of {min_len}"
            )
        if node.fixed is not None and not equals_fixed(value, node.fixed[1]):
            run.error(
                "value",
                path,
                f"Value is '{value}' but is fixed to '{node.fixed[1]}' in the profile {info.url}#{node.id}",
            )
        if node.pattern is not None and not matches_pattern(value, node.pattern[1]):
            run.error(
                "value",
                path,
                f"Value is '{value}' but must be '{node.pattern[1]}' (pattern in the "
                f"profile {info.url}#{node.id})",
            )
        if node.min_value is not None or node.max_value is not None:
            bindings.check_min_max(run, value, node, type_code, path)
        if node.binding is not None:
            bindings.check_binding(self, run, value, node, type_code, path, info)

    # -- complex helpers ----------------------------------------------------------------------------------

    def _fixed_pattern(self, run: Run, value: Any, node: ElementNode, path: str, info: StructureInfo) -> None:
        if node.fixed is not None and not equals_fixed(value, node.fixed[1]):
            run.error(
                "value",
                path,
                f"The value does not equal the fixed value in the profile {info.url}#"
                f"{node.id} (expected {node.fixed[1]})",
            )
        if node.pattern is not None and not matches_pattern(value, node.pattern[1]):
            run.error(
                "value",
                path,
                f"The value does not match the pattern in the profile {info.url}#"
                f"{node.id} (expected at least {node.pattern[1]})",
            )

    def _type_profiles(
        self, run: Run, value: Any, ext: Any, node: ElementNode, type_code: str, path: str, frame: Frame
    ) -> None:
        tref = node.type_ref(type_code)
        if tref is None or not tref.profiles:
            return
        urls = list(tref.profiles)
        if type_code == "Extension" and isinstance(value, dict) and value.get("url") in urls:
            return  # validated against its definition by the extension check
        profiles = [(u, self.defs.structure(u), tref.profile_element(i)) for i, u in enumerate(urls)]
        known = [(u, p, e) for u, p, e in profiles if p is not None]
        for u, p, _ in profiles:
            if p is None:
                run.warning(
                    "structure",
                    path,
                    f"Profile {u} (a type profile of {node.id}) could not be found, so it was not checked",
                )
        if not known:
            return
        if len(known) == 1:
            _, prof, element = known[0]
            self.check_against(run, value, ext, prof, type_code, path, frame, element)
            return
        failures: list[Issue] = []
        for _, prof, element in known:
            sub = run.fork()
            self.check_against(sub, value, ext, prof, type_code, path, frame, element)
            if not sub.has_errors:
                return
            failures.extend(i for i in sub.issues if i.is_error)
        run.error(
            "structure",
            path,
            "Unable to find a match for the specified profile among choices: "
            + ", ".join(u for u, _, _ in known),
        )
        for issue in failures:
            run.add(issue)

    def check_against(
        self,
        run: Run,
        value: Any,
        ext: Any,
        prof: StructureInfo,
        type_code: str,
        path: str,
        frame: Frame,
        element: str | None = None,
    ) -> None:
        """Validate a value (a data type, or a resource) against a profile of its type (or against one
        element of it: the elementdefinition-profile-element extension)."""
        if isinstance(value, dict) and "resourceType" in value:
            # resources guard against reference circles themselves (see against())
            in_bundle = frame.bundle.full_url_for(value) if frame.bundle is not None else None
            full_url = in_bundle or frame.full_url
            self.validate_resource(run, value, path, [prof], frame, full_url, frame.bundle)
            return
        start = prof.by_id.get(element, prof.root) if element else prof.root
        key = (id(value), f"{prof.url}#{element}" if element else prof.url)
        if key in run.validating:
            return
        run.validating.add(key)
        try:
            self.check_value(run, value, ext, start, type_code, path, frame, prof)
        finally:
            run.validating.discard(key)

    def logical_paths(self, run: Run, path: str) -> tuple[str, ...]:
        """The definition-based names of an element (the HL7 validator's 'logical paths'): each logical
        path of its parent plus its own name, and its type; a resource starts afresh."""
        known = run.types.get(path)
        if known is None:
            return ()
        type_code, node, is_root = known
        if is_root:
            return (type_code,)
        parent = _PARENT.sub("", path)
        name = node.name[:-3] if node.is_choice else node.name
        above = self.logical_paths(run, parent)
        out = [f"{lp}.{name}" for lp in above]
        if node.content_ref:
            out.append(node.content_ref)  # a recursive element is also its referenced definition
        if node.is_choice:
            out.extend(f"{lp}.{node.name}" for lp in above)
        out.append(type_code)
        return tuple(dict.fromkeys(out))

    def literal_path(self, path: str) -> str:
        """An instance path without indexes and type functions (``Patient.name``)."""
        p = _INDEX.sub("", path)
        return _OF_TYPE.sub("", p)
