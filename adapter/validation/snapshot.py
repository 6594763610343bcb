"""Snapshot generation for differential-only StructureDefinitions.

Both the base snapshot and the differential are turned into trees of :class:`RawNode` (children by
name, slices by slice name) and merged recursively; when the differential reaches inside a data type
that the base does not expand, the type's own snapshot (or the type profile's) is grafted in with its
paths rebased. See https://hl7.org/fhir/R4/profiling.html#snapshot.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Element = dict[str, Any]
FetchSD = Callable[[str], "dict[str, Any] | None"]

# Keys of an ElementDefinition that a differential replaces outright (everything else too, except these).
_APPENDED = ("constraint", "condition", "mapping")
_NOT_INHERITED = ("id", "path", "sliceName")


@dataclass
class RawNode:
    """One element of a snapshot or differential, with its child elements and its slices."""

    elem: Element
    children: list[RawNode] = field(default_factory=list)
    slices: list[RawNode] = field(default_factory=list)
    placeholder: bool = False  # implied by a deeper differential element, carries no constraints

    @property
    def name(self) -> str:
        """The last path segment (``value[x]``, ``identifier``)."""
        path: str = self.elem.get("path", "")
        return path.rsplit(".", 1)[-1]

    def child(self, name: str) -> RawNode | None:
        """The child element named ``name`` (no slices)."""
        for c in self.children:
            if c.name == name:
                return c
        return None


class SnapshotError(Exception):
    """The differential cannot be applied to the base (the message says which element)."""


def choice_rename_type(choice_name: str, name: str) -> str | None:
    """``value[x]`` + ``valueQuantity`` -> ``Quantity``; None when ``name`` is not a rename."""
    if not choice_name.endswith("[x]"):
        return None
    prefix = choice_name[:-3]
    if name.startswith(prefix) and len(name) > len(prefix) and name[len(prefix)].isupper():
        suffix = name[len(prefix) :]
        return suffix
    return None


def build_tree(elements: list[Element], tolerant: bool = False) -> RawNode:
    """Tree of an element list (snapshot, or a differential when ``tolerant``: gaps become placeholders)."""
    if not elements:
        raise SnapshotError("no elements")
    root_path = elements[0]["path"].split(".")[0]
    first = elements[0]
    if first["path"] == root_path and not first.get("sliceName"):
        root = RawNode(first)
        rest = elements[1:]
    elif tolerant:
        root = RawNode({"path": root_path}, placeholder=True)
        rest = elements
    else:
        raise SnapshotError(f"the first element must be the root {root_path}, not {first['path']}")
    stack: list[RawNode] = [root]
    for elem in rest:
        path = elem["path"]
        while (
            len(stack) > 1
            and not path.startswith(stack[-1].elem["path"] + ".")
            and not (
                elem.get("sliceName") and path == stack[-1].elem["path"] and stack[-1].elem.get("sliceName")
            )
        ):
            stack.pop()
        parent = stack[-1]
        if elem.get("sliceName") and path == parent.elem["path"]:
            # a re-slice (name ``a/b``) directly after its slice ``a``
            stack.pop()
            parent = stack[-1]
        parent_path = parent.elem["path"]
        segments = path[len(parent_path) + 1 :].split(".") if path.startswith(parent_path + ".") else None
        if segments is None:
            raise SnapshotError(f"element {path} is not inside {parent_path} (check the element order)")
        for seg in segments[:-1]:  # gaps in a differential
            if not tolerant:
                raise SnapshotError(f"element {path} skips {parent.elem['path']}.{seg}")
            node = parent.child(seg)
            if node is None:
                node = RawNode({"path": f"{parent.elem['path']}.{seg}"}, placeholder=True)
                parent.children.append(node)
            parent = node
            stack.append(node)
        name = segments[-1]
        node = RawNode(elem)
        slice_name = elem.get("sliceName")
        if slice_name:
            base = _slice_owner(parent, name, slice_name, tolerant)
            base.slices.append(node)
        else:
            existing = parent.child(name)
            choice = _choice_for_rename(parent, name)
            if existing is not None and tolerant and existing.placeholder:
                existing.elem = elem
                existing.placeholder = False
                node = existing
            elif choice is not None and not tolerant:
                # old-style snapshot: ``Observation.valueQuantity`` after ``Observation.value[x]``
                node.elem = {**elem, "sliceName": name}
                choice.slices.append(node)
            else:
                parent.children.append(node)
        stack.append(node)
    return root


def _choice_for_rename(parent: RawNode, name: str) -> RawNode | None:
    for c in parent.children:
        if c.name.endswith("[x]") and choice_rename_type(c.name, name):
            return c
    return None


def _slice_owner(parent: RawNode, name: str, slice_name: str, tolerant: bool) -> RawNode:
    owner = parent.child(name)
    if owner is None:
        if not tolerant:
            raise SnapshotError(f"slice {slice_name} of {parent.elem['path']}.{name} has no base element")
        owner = RawNode({"path": f"{parent.elem['path']}.{name}"}, placeholder=True)
        parent.children.append(owner)
    if "/" in slice_name:  # re-slicing: a/b is a slice of slice a
        head = slice_name.rsplit("/", 1)[0]
        for s in owner.slices:
            if s.elem.get("sliceName") == head:
                return s
    return owner


def flatten(root: RawNode) -> list[Element]:
    """The element list of a tree, with paths and ids recomputed (snapshot order)."""
    out: list[Element] = []

    def walk(node: RawNode, path: str, eid: str) -> None:
        elem = dict(node.elem)
        elem["path"] = path
        elem["id"] = eid
        out.append(elem)
        for c in node.children:
            walk_with_slices(c, f"{path}.{c.name}", f"{eid}.{c.name}")

    def walk_with_slices(node: RawNode, path: str, eid: str) -> None:
        walk(node, path, eid)
        for s in node.slices:
            walk_with_slices_of(s, path, f"{eid}:{s.elem.get('sliceName', '')}")

    def walk_with_slices_of(node: RawNode, path: str, eid: str) -> None:
        walk(node, path, eid)
        for s in node.slices:  # re-slices
            walk_with_slices_of(s, path, f"{eid}/{s.elem.get('sliceName', '').rsplit('/', 1)[-1]}")

    walk(root, root.elem["path"], root.elem["path"])
    return out


def rebase(node: RawNode, new_path: str) -> RawNode:
    """A deep copy of ``node`` whose paths start with ``new_path`` instead of its own path."""
    old = node.elem["path"]

    def fix(n: RawNode) -> RawNode:
        elem = dict(n.elem)
        p = elem.get("path", "")
        elem["path"] = new_path + p[len(old) :] if p.startswith(old) else p
        return RawNode(elem, [fix(c) for c in n.children], [fix(s) for s in n.slices], n.placeholder)

    return fix(node)


class SnapshotGenerator:
    """Generates snapshots; ``fetch`` returns a StructureDefinition (with snapshot) by canonical URL."""

    def __init__(self, fetch: FetchSD) -> None:
        self.fetch = fetch
        self.messages: list[str] = []
        self._base_root: RawNode | None = None

    def generate(self, sd: dict[str, Any]) -> list[Element]:
        """The snapshot element list of ``sd`` (from its base's snapshot and its differential)."""
        base_url = sd.get("baseDefinition")
        if not base_url:
            raise SnapshotError(f"{sd.get('url')} has no baseDefinition")
        base = self.fetch(base_url.split("|")[0])
        if base is None or "snapshot" not in base:
            raise SnapshotError(f"base definition {base_url} of {sd.get('url')} was not found")
        base_tree = build_tree(base["snapshot"]["element"])
        self._base_root = base_tree
        diff_elems = [dict(e) for e in sd.get("differential", {}).get("element", [])]
        root_name = base_tree.elem["path"]
        for e in diff_elems:  # a constraint on a type names the type at the root (e.g. Extension.url)
            p = e.get("path", "")
            head, _, tail = p.partition(".")
            if head != root_name:
                e["path"] = root_name + ("." + tail if tail else "")
        if not diff_elems:
            return flatten(base_tree)
        diff_tree = build_tree(diff_elems, tolerant=True)
        merged = self._merge(base_tree, diff_tree, is_slice=False)
        return flatten(merged)

    # -- merging ---------------------------------------------------------------------------------------

    def _merge(self, base: RawNode, diff: RawNode, is_slice: bool) -> RawNode:
        elem = base.elem if diff.placeholder else merge_element(base.elem, diff.elem)
        if is_slice:
            elem = {**elem, "sliceName": diff.elem.get("sliceName")}
        node = RawNode(elem)
        base_children = base.children
        if diff.children and not base_children:
            base_children = self._expand_type(elem, diff)
        node.children = self._merge_children(base_children, diff.children, elem.get("path", ""))
        node.slices = self._merge_slices(base, diff, node)
        return node

    def _merge_children(
        self, base_children: list[RawNode], diff_children: list[RawNode], where: str
    ) -> list[RawNode]:
        used: set[int] = set()
        out: list[RawNode] = []
        for bc in base_children:
            exact = None
            renames: list[RawNode] = []
            for i, dc in enumerate(diff_children):
                if dc.name == bc.name:
                    exact = dc
                    used.add(i)
                elif choice_rename_type(bc.name, dc.name):
                    renames.append(dc)
                    used.add(i)
            merged = bc
            if exact is not None:
                merged = self._merge(bc, exact, is_slice=False)
            if renames:
                merged = self._apply_renames(merged, renames)
            out.append(merged)
        for i, dc in enumerate(diff_children):
            if i not in used:
                self.messages.append(
                    f"No match found for {dc.elem.get('path')} in the generated snapshot of {where}: check "
                    "that the path and definitions are legal in the differential (including order)"
                )
        return out

    def _apply_renames(self, choice: RawNode, renames: list[RawNode]) -> RawNode:
        """``valueQuantity`` in a differential: restrict value[x] to the type, or slice it by type."""
        if len(renames) == 1 and not choice.slices and not choice.elem.get("slicing"):
            dc = renames[0]
            tname = choice_rename_type(choice.name, dc.name) or ""
            restricted = dict(choice.elem)
            restricted["type"] = [t for t in choice.elem.get("type", []) if _type_matches(t, tname)] or [
                {"code": tname[0].lower() + tname[1:] if _is_primitive_name(tname) else tname}
            ]
            fake = RawNode(restricted, choice.children, choice.slices)
            diff_as_choice = RawNode(
                {**dc.elem, "path": choice.elem["path"]}, dc.children, dc.slices, dc.placeholder
            )
            return self._merge(fake, diff_as_choice, is_slice=False)
        node = RawNode(dict(choice.elem), choice.children, list(choice.slices))
        if "slicing" not in node.elem:
            node.elem["slicing"] = {
                "discriminator": [{"type": "type", "path": "$this"}],
                "ordered": False,
                "rules": "open",
            }
        for dc in renames:
            tname = choice_rename_type(choice.name, dc.name) or ""
            base_elem = {k: v for k, v in choice.elem.items() if k != "slicing"}
            base_elem["type"] = [t for t in choice.elem.get("type", []) if _type_matches(t, tname)]
            base_elem["min"] = 0
            sliced = RawNode(
                {**dc.elem, "path": choice.elem["path"], "sliceName": dc.name},
                dc.children,
                dc.slices,
                dc.placeholder,
            )
            node.slices.append(self._merge(RawNode(base_elem, choice.children), sliced, is_slice=True))
        return node

    def _merge_slices(self, base: RawNode, diff: RawNode, merged: RawNode) -> list[RawNode]:
        out: list[RawNode] = []
        done: set[int] = set()
        for bs in base.slices:
            match = None
            for i, ds in enumerate(diff.slices):
                if ds.elem.get("sliceName") == bs.elem.get("sliceName"):
                    match = ds
                    done.add(i)
            out.append(self._merge(bs, match, is_slice=True) if match else bs)
        slice_base_elem = {k: v for k, v in merged.elem.items() if k not in ("slicing", "sliceName")}
        for i, ds in enumerate(diff.slices):
            if i in done:
                continue
            name = ds.elem.get("sliceName", "")
            if "/" in name:
                continue  # re-slices were attached to their slice by build_tree
            seed = dict(slice_base_elem)
            seed["min"] = 0
            if base.elem.get("max") is not None:
                seed["max"] = base.elem["max"]
            # a new slice starts from the element as constrained so far, children included
            out.append(self._merge(RawNode(seed, merged.children), ds, is_slice=True))
        return out

    def _find(self, target_path: str) -> RawNode | None:
        """The base element with this path (the target of a contentReference)."""
        node = self._base_root
        if node is None:
            return None
        for seg in target_path.split(".")[1:]:
            nxt = node.child(seg)
            if nxt is None:
                return None
            node = nxt
        return node

    def _expand_type(self, elem: Element, diff: RawNode) -> list[RawNode]:
        """Children of the element's (single) type, rebased under the element's path."""
        path = elem.get("path", "")
        ref = elem.get("contentReference")
        if ref:
            referenced = self._find(str(ref).split("#", 1)[-1])
            return (
                [rebase(c, f"{path}.{c.name}") for c in referenced.children] if referenced is not None else []
            )
        types = elem.get("type") or []
        codes = {t.get("code") for t in types}
        if len(codes) != 1:
            names = [c.name for c in diff.children]
            self.messages.append(f"cannot expand {path} for {names}: it must have exactly one type")
            return []
        t = types[0]
        url = (t.get("profile") or [None])[0] if len(types) == 1 else None
        target = None
        if url:
            target = self.fetch(url)
        if target is None:
            code = t.get("code", "")
            target = self.fetch(code if "/" in code else f"http://hl7.org/fhir/StructureDefinition/{code}")
        if target is None or "snapshot" not in target:
            self.messages.append(f"type {t.get('code')} of {path} was not found")
            return []
        tree = build_tree(target["snapshot"]["element"])
        return [rebase(c, f"{path}.{c.name}") for c in tree.children]


def _is_primitive_name(tname: str) -> bool:
    return tname in {
        "Boolean",
        "Integer",
        "String",
        "Decimal",
        "Uri",
        "Url",
        "Canonical",
        "Base64Binary",
        "Instant",
        "Date",
        "DateTime",
        "Time",
        "Code",
        "Oid",
        "Id",
        "Markdown",
        "UnsignedInt",
        "PositiveInt",
        "Uuid",
    }


def _type_matches(t: dict[str, Any], tname: str) -> bool:
    code = str(t.get("code", ""))
    return code.lower() == tname.lower()


def merge_element(base: Element, diff: Element) -> Element:
    """Apply one differential ElementDefinition to its base (constraints are added, the rest replaced)."""
    out = copy.copy(base)
    for key, value in diff.items():
        if key in _NOT_INHERITED:
            continue
        if key in _APPENDED and isinstance(value, list):
            existing = list(out.get(key, []))
            if key == "constraint":
                keys = {c.get("key") for c in value}
                existing = [c for c in existing if c.get("key") not in keys]
            out[key] = existing + value
        elif key.startswith(("fixed", "pattern")):
            for k in [k for k in out if k.startswith(("fixed", "pattern"))]:
                del out[k]
            out[key] = value
        else:
            out[key] = value
    if "sliceName" in diff:
        out["sliceName"] = diff["sliceName"]
    return out
