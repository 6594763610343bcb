"""Bundle rules (https://hl7.org/fhir/R4/bundle.html#rules): fullUrl presence, form and agreement with the
resource; reference resolution inside the Bundle; documents (Composition first, its references resolvable,
every entry reachable from it) and messages.

Two resolutions exist, as in the HL7 validator: the lenient one used when checking a reference's target
(a relative reference is made absolute from the referring entry's fullUrl, ``urn:uuid:`` bases included),
and the strict one of the document/interlink checks (relative references resolve only against a RESTful
fullUrl; an entry that matches only by type and id is reported).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from adapter.validation.context import Frame, Run

if TYPE_CHECKING:
    from adapter.validation.checker import Checker
    from adapter.validation.loader import Definitions

# The HL7 validator's RESTful URL shape: base segments of [A-Za-z0-9\.:%$] only, then Type/id[/_history/v].
_URL_RE = re.compile(
    r"^((http|https)://([A-Za-z0-9\\.:%$]*/)*)?([A-Z][A-Za-z]+)/[A-Za-z0-9\-.]{1,64}"
    r"(/_history/[A-Za-z0-9\-.]{1,64})?$"
)
_HISTORY = "/_history/"
FULLURL_OPTIONAL = frozenset({"transaction", "transaction-response", "batch", "batch-response"})


@dataclass
class Strict:
    """Outcome of the strict resolution: the entry index, or why there is none."""

    index: int | None
    status: str  # found | notfound | apparent | multiple
    others: tuple[str, ...] = ()  # fullUrls of same type/id entries (for 'apparent')


class BundleIndex:
    """The entries of a Bundle, for resolving references by the Bundle rules."""

    def __init__(self, bundle: dict[str, Any], path: str, defs: Definitions) -> None:
        self.bundle = bundle
        self.path = path
        self.defs = defs
        self.kind = bundle.get("type") if isinstance(bundle.get("type"), str) else None
        self.entries: list[tuple[int, str | None, dict[str, Any]]] = []
        raw = bundle.get("entry")
        for i, e in enumerate(raw if isinstance(raw, list) else []):
            if isinstance(e, dict) and isinstance(e.get("resource"), dict):
                fu = e.get("fullUrl") if isinstance(e.get("fullUrl"), str) else None
                self.entries.append((i, fu, e["resource"]))
        self._by_identity = {id(r): fu for _, fu, r in self.entries}
        self._index_of = {id(r): i for i, _, r in self.entries}
        self._full_urls = {i: fu for i, fu, _ in self.entries}
        self._resources = {i: r for i, _, r in self.entries}
        self._by_full: dict[str, list[int]] = {}
        self._by_rel: dict[str, list[int]] = {}
        for i, fu, r in self.entries:
            rel = f"{r.get('resourceType')}/{r['id']}" if isinstance(r.get("id"), str) else None
            version = _version(r)
            for key, table in ((fu, self._by_full), (rel, self._by_rel)):
                if key is None:
                    continue
                table.setdefault(key, []).append(i)
                if version:
                    table.setdefault(f"{key}{_HISTORY}{version}", []).append(i)
        self.flagged: set[int] = set()  # source elements already reported (one bundle error each)

    def resource_at(self, index: int) -> dict[str, Any]:
        """The resource of entry ``index``."""
        return self._resources[index]

    def path_of(self, resource: dict[str, Any]) -> str | None:
        """The instance path of an entry resource (``Bundle.entry[3].resource``)."""
        i = self._index_of.get(id(resource))
        return None if i is None else f"{self.path}.entry[{i}].resource"

    def full_url_for(self, resource: dict[str, Any]) -> str | None:
        """The fullUrl of the entry that holds this resource object."""
        return self._by_identity.get(id(resource))

    def rule_profiles(self, resource: dict[str, Any], rules: tuple[tuple[str, str], ...]) -> list[str]:
        """Profiles that bundle validation rules (``Type:n`` = the n-th entry of that type) give an entry."""
        rtype = resource.get("resourceType")
        same = [r for _, _, r in self.entries if r.get("resourceType") == rtype]
        position = next((i for i, r in enumerate(same) if r is resource), -1)
        out = []
        for rule, url in rules:
            rule_type, _, index = rule.partition(":")
            if rule_type == rtype and (not index or (index.isdigit() and int(index) == position)):
                out.append(url.split("|", 1)[0])
        return out

    # -- lenient resolution (reference targets) ----------------------------------------------------------

    def target_url(self, ref: str, from_full_url: str | None) -> tuple[str | None, str | None]:
        """(absolute target URL, version) of a reference made from an entry with ``from_full_url``."""
        if ref.startswith(("http:", "https:", "urn:")) or "://" in ref:
            if _HISTORY in ref:
                head, _, pinned_version = ref.partition(_HISTORY)
                return head, pinned_version
            return ref, None
        if from_full_url is None or ref.count("/") not in (1, 3):
            return None, None
        if from_full_url.startswith("urn"):
            base = from_full_url[: from_full_url.rfind(":") + 1]
        else:
            base = "/".join(from_full_url.split("/")[:-2]) + "/"
        version: str | None = None
        if _HISTORY in ref:
            ref, _, pinned = ref.partition(_HISTORY)
            version = pinned
        if base.startswith("urn"):
            return base + ref.split("/")[-1], version
        return base + ref, version

    def matches(self, ref: str, from_full_url: str | None) -> list[int]:
        """Indexes of the entries a reference resolves to by the (lenient) Bundle resolution rules."""
        target, version = self.target_url(ref, from_full_url)
        if target is None:
            if from_full_url is None and ref.count("/") == 1:
                return self._by_rel.get(ref, [])
            return []
        return self._by_full.get(f"{target}{_HISTORY}{version}" if version else target, [])

    def resolve(self, ref: str, from_full_url: str | None) -> dict[str, Any] | None:
        """The entry resource a reference resolves to (None when none or ambiguous)."""
        found = self.matches(ref, from_full_url)
        return self.resource_at(found[0]) if len(found) == 1 else None

    def near_misses(self, ref: str, from_full_url: str | None) -> list[tuple[int, str | None]]:
        """Entries with the reference's type/id whose fullUrl does not match (for a warning)."""
        rel = ref.split(_HISTORY)[0]
        if "/" not in rel or "://" in rel:
            return []
        rel = "/".join(rel.split("/")[-2:])
        return [(i, self._full(i)) for i in self._by_rel.get(rel, [])]

    # -- strict resolution (documents, messages, interlinking) -------------------------------------------

    def strict(self, ref: str, from_full_url: str | None, source_type: str, source_id: Any) -> Strict:
        """Resolve by the strict Bundle rules."""
        ref = ref.split("#", 1)[0]
        if ref.startswith(("http:", "https:", "urn:")) or "://" in ref:
            found = self._by_full.get(ref)
            if not found:
                return Strict(None, "notfound")
            return Strict(found[0], "found") if len(found) == 1 else Strict(None, "multiple")
        u = None
        if (
            from_full_url
            and _URL_RE.fullmatch(from_full_url)
            and from_full_url.endswith(f"{source_type}/{source_id}")
        ):
            u = from_full_url[: len(from_full_url) - len(f"{source_type}/{source_id}")] + ref
        found = self._by_full.get(u) if u else None
        if found:
            return Strict(found[0], "found") if len(found) == 1 else Strict(None, "multiple")
        parts = ref.split("/")
        if len(parts) >= 2 and self.defs.is_resource_type(parts[0]):
            rel = self._by_rel.get(ref if _HISTORY in ref else "/".join(parts[:2]))
            if rel:
                others = tuple(sorted(str(self._full(i)) for i in rel))
                return Strict(None, "apparent", others)
        return Strict(None, "notfound")

    def _full(self, index: int) -> str | None:
        return self._full_urls.get(index)


def _version(res: dict[str, Any]) -> str | None:
    meta = res.get("meta")
    v = meta.get("versionId") if isinstance(meta, dict) else None
    return v if isinstance(v, str) else None


def check_bundle(engine: Checker, run: Run, frame: Frame) -> None:
    """Bundle-level rules beyond the invariants (which the walker evaluates)."""
    index: BundleIndex = frame.bundle
    _check_full_urls(run, frame, index)
    if not index.entries:
        if index.kind in ("document", "message"):
            run.error("invalid", frame.path, f"A {index.kind} Bundle must have at least one entry")
        return
    first_i, first_fu, first = index.entries[0]
    if index.kind == "document":
        if first_i != 0 or first.get("resourceType") != "Composition":
            run.error(
                "invalid", f"{frame.path}.entry[0]", "The first entry in a document must be a Composition"
            )
        else:
            _check_document_refs(run, frame, index, first, first_fu)
        _check_interlinked(run, frame, index, is_message=False)
    elif index.kind == "message":
        if first.get("resourceType") != "MessageHeader":
            run.error(
                "invalid", f"{frame.path}.entry[0]", "The first entry in a message must be a MessageHeader"
            )
        else:
            for j, focus in enumerate(_as_list(first.get("focus"))):
                _strict_ref(
                    run,
                    frame,
                    index,
                    focus,
                    first,
                    first_fu,
                    "MessageHeader Data",
                    f"{frame.path}.entry[0].resource.focus[{j}]",
                    warn_only=False,
                )
        _check_interlinked(run, frame, index, is_message=True)
    elif index.kind == "searchset":
        _check_search(run, frame, index)


def _search_types(bundle: dict[str, Any], index: BundleIndex) -> list[str] | None:
    """The resource types the self link searched for (None: no self link)."""
    links = [
        lk for lk in _as_list(bundle.get("link")) if isinstance(lk, dict) and lk.get("relation") == "self"
    ]
    url = links[0].get("url") if links else None
    if not isinstance(url, str):
        return None
    head, _, query = url.partition("?")
    types: list[str] = []
    last = head.rstrip("/").rsplit("/", 1)[-1]
    if index.defs.is_resource_type(last) and last not in ("Resource", "DomainResource"):
        types.append(last)
    for param in query.split("&"):
        name, _, value = param.partition("=")
        if name == "_type":
            types.extend(t for t in value.split(",") if index.defs.is_resource_type(t) and t not in types)
    return types


def _check_search(run: Run, frame: Frame, index: BundleIndex) -> None:
    """Search results: ids, entry types against the search, outcomes (the HL7 validator's BUNDLE_SEARCH_*)."""
    bundle = frame.resource
    types = _search_types(bundle, index)
    if types is None:
        run.warning(
            "invalid",
            frame.path,
            "SearchSet Bundles should have a self link that specifies what the search was",
            rule="BUNDLE_SEARCH_NOSELF",
        )
        types = []
    entries = [(i, e) for i, e in enumerate(_as_list(bundle.get("entry"))) if isinstance(e, dict)]
    modes = [
        e.get("search", {}).get("mode") if isinstance(e.get("search"), dict) else None for _, e in entries
    ]
    if entries and not any(modes):
        off_type = [
            i
            for i, e in entries
            if isinstance(e.get("resource"), dict)
            and types
            and e["resource"].get("resourceType") not in types
        ]
        if off_type:
            run.warning(
                "invalid",
                frame.path,
                "SearchSet bundles should have search modes on the entries",
                rule="BUNDLE_SEARCH_NO_MODE",
            )
            return
    for (i, e), mode in zip(entries, modes, strict=True):
        res = e.get("resource")
        here = f"{frame.path}.entry[{i}]"
        if not isinstance(res, dict):
            run.error(
                "invalid",
                here,
                "SearchSet Bundle Entries must have resources",
                rule="BUNDLE_SEARCH_ENTRY_NO_RESOURCE",
            )
            continue
        rtype = res.get("resourceType")
        where = f"{here}.resource"
        if mode in ("match", "include") and not isinstance(res.get("id"), str):
            run.error(
                "invalid", where, "Search results must have ids", rule="BUNDLE_SEARCH_ENTRY_NO_RESOURCE_ID"
            )
        if mode == "match" and types and rtype not in types:
            run.error(
                "invalid",
                where,
                f"This is not a matching resource type for the specified search ({rtype} expecting "
                f"[{', '.join(types)}])",
                rule="BUNDLE_SEARCH_ENTRY_WRONG_RESOURCE_TYPE_MODE",
            )
        elif mode == "outcome" and rtype != "OperationOutcome":
            run.error(
                "invalid",
                where,
                f"This is not an OperationOutcome ({rtype})",
                rule="BUNDLE_SEARCH_ENTRY_WRONG_RESOURCE_TYPE_OUTCOME",
            )


def _check_full_urls(run: Run, frame: Frame, index: BundleIndex) -> None:
    raw = frame.resource.get("entry")
    for i, e in enumerate(raw if isinstance(raw, list) else []):
        if not isinstance(e, dict):
            continue
        here = f"{frame.path}.entry[{i}]"
        fu = e.get("fullUrl")
        res = e.get("resource") if isinstance(e.get("resource"), dict) else None
        if isinstance(fu, str) and fu:
            if ":" not in fu:
                run.error(
                    "invalid",
                    here,
                    f"The fullUrl must be an absolute URL (not '{fu}')",
                    rule="bundle-fullurl",
                )
            elif res is not None and (m := _URL_RE.fullmatch(fu)) and index.defs.is_resource_type(m.group(4)):
                # (a RESTful URL names a resource type: 'Obervation/1' is not one, so it is not checked)
                rid, rtype = res.get("id"), res.get("resourceType")
                if rid is None:
                    run.error(
                        "invalid",
                        here,
                        f"The fullUrl '{fu}' looks like a RESTful server URL, but the resource has no id",
                        rule="bundle-fullurl",
                    )
                elif not fu.split(_HISTORY)[0].endswith(f"/{rtype}/{rid}"):
                    run.error(
                        "invalid",
                        here,
                        f"The fullUrl '{fu}' looks like a RESTful server URL, so it must "
                        f"end with the correct type and id (/{rtype}/{rid})",
                        rule="bundle-fullurl",
                    )
        elif res is not None and index.kind not in FULLURL_OPTIONAL:
            run.error(
                "invalid",
                here,
                "Except for transactions and batches, each entry in a Bundle must have a "
                "fullUrl which is the identity of the resource in the entry",
                rule="bundle-fullurl",
            )


def _as_list(v: Any) -> list[Any]:
    if isinstance(v, list):
        return v
    return [] if v is None else [v]


def _strict_ref(
    run: Run,
    frame: Frame,
    index: BundleIndex,
    source: Any,
    source_res: dict[str, Any],
    from_fu: str | None,
    name: str,
    path: str,
    warn_only: bool,
) -> int | None:
    """Resolve one Reference strictly; report what the HL7 validator reports. Returns the entry index."""
    if not isinstance(source, dict):
        return None
    ref = source.get("reference")
    if not isinstance(ref, str) or not ref or ref.startswith("#"):
        return None
    result = index.strict(ref, from_fu, str(source_res.get("resourceType")), source_res.get("id"))
    if result.status == "found":
        return result.index
    if id(source) in index.flagged:
        return None
    if result.status == "notfound":
        # (a urn: reference that is not in the Bundle is reported where it is made: references.py)
        if not warn_only and not ref.startswith("urn:") and not _canonical_like(index, ref):
            index.flagged.add(id(source))
            run.error("not-found", path, f"Can't find '{ref}' in the bundle ({name})", rule="bundle-ref")
    elif result.status == "apparent":
        index.flagged.add(id(source))
        n = len(result.others)
        note = (
            "there is a resource in the bundle with the same type and id, but it does not match"
            if n == 1
            else f"there are {n} resources in the bundle with the same type and id, but they do not match"
        )
        run.error(
            "invalid",
            path,
            f"Can't find '{ref}' in the bundle ({name}). Note that {note} because of the "
            f"fullUrl based rules around matching relative references. Found '{','.join(result.others)}'",
            rule="bundle-ref",
        )
    elif result.status == "multiple":
        index.flagged.add(id(source))
        run.error(
            "invalid", path, f"Found multiple matches for '{ref}' in the bundle ({name})", rule="bundle-ref"
        )
    return None


def _canonical_like(index: BundleIndex, ref: str) -> bool:
    return index.defs.has(ref)


_DOCUMENT_REFS = (("subject", False), ("author", True), ("encounter", False), ("custodian", False))


def _check_document_refs(
    run: Run, frame: Frame, index: BundleIndex, comp: dict[str, Any], fu: str | None
) -> None:
    base = f"{frame.path}.entry[0].resource"
    for prop, repeats in _DOCUMENT_REFS:
        values = _as_list(comp.get(prop))
        for j, v in enumerate(values if repeats else values[:1]):
            where = f"{base}.{prop}[{j}]" if repeats else f"{base}.{prop}"
            _strict_ref(run, frame, index, v, comp, fu, f"Composition.{prop}", where, warn_only=False)
    for j, att in enumerate(_as_list(comp.get("attester"))):
        if isinstance(att, dict):
            _strict_ref(
                run,
                frame,
                index,
                att.get("party"),
                comp,
                fu,
                "Composition.attester.party",
                f"{base}.attester[{j}].party",
                warn_only=False,
            )
    for j, ev in enumerate(_as_list(comp.get("event"))):
        if isinstance(ev, dict):
            for k, d in enumerate(_as_list(ev.get("detail"))):
                _strict_ref(
                    run,
                    frame,
                    index,
                    d,
                    comp,
                    fu,
                    "Composition.event.detail",
                    f"{base}.event[{j}].detail[{k}]",
                    warn_only=False,
                )
    _check_sections(run, frame, index, comp, comp, fu, base)


def _check_sections(
    run: Run,
    frame: Frame,
    index: BundleIndex,
    holder: dict[str, Any],
    comp: dict[str, Any],
    fu: str | None,
    path: str,
) -> None:
    for j, section in enumerate(_as_list(holder.get("section"))):
        if not isinstance(section, dict):
            continue
        here = f"{path}.section[{j}]"
        for k, a in enumerate(_as_list(section.get("author"))):
            _strict_ref(
                run, frame, index, a, comp, fu, "Section.author", f"{here}.author[{k}]", warn_only=False
            )
        _strict_ref(
            run, frame, index, section.get("focus"), comp, fu, "Section.focus", f"{here}.focus", False
        )
        for k, e in enumerate(_as_list(section.get("entry"))):
            _strict_ref(
                run, frame, index, e, comp, fu, "Section Entry", f"{here}.entry[{k}]", warn_only=False
            )
        _check_sections(run, frame, index, section, comp, fu, here)


def _references(data: Any, path: str) -> list[tuple[dict[str, Any], str]]:
    """Every Reference-like object (with a ``reference`` string) below ``data``, with its path."""
    out: list[tuple[dict[str, Any], str]] = []
    if not isinstance(data, dict):
        return out
    # paths are built only for the references found: each object carries (parent, key, index) links
    stack: list[tuple[dict[str, Any], Any]] = [(data, None)]
    while stack:
        cur, where = stack.pop()
        if isinstance(cur.get("reference"), str):
            out.append((cur, _linked_path(path, where)))
        for k, v in cur.items():
            if k == "contained":
                continue
            if isinstance(v, dict):
                stack.append((v, (where, k, None)))
            elif isinstance(v, list):
                for i, x in enumerate(v):
                    if isinstance(x, dict):
                        stack.append((x, (where, k, i)))
    return out


def _linked_path(root: str, where: Any) -> str:
    parts = []
    while where is not None:
        where, key, index = where
        parts.append(f".{key}" if index is None else f".{key}[{index}]")
    return root + "".join(reversed(parts))


def _check_interlinked(run: Run, frame: Frame, index: BundleIndex, is_message: bool) -> None:
    targets: dict[int, set[int]] = {i: set() for i, _, _ in index.entries}
    for i, fu, res in index.entries:
        for source, p in _references(res, f"{frame.path}.entry[{i}].resource"):
            j = _strict_ref(
                run, frame, index, source, res, fu, p.split(".resource.", 1)[-1], p, warn_only=True
            )
            if j is not None and j != i:
                targets[i].add(j)
    visited: set[int] = set()

    def visit(i: int) -> None:
        todo = [i]
        while todo:
            k = todo.pop()
            if k not in visited:
                visited.add(k)
                todo.extend(targets[k])

    visit(index.entries[0][0])
    for i, _, r in index.entries:  # stylesheet links make an entry reachable
        for link in _as_list(frame.resource.get("link")):
            if (
                isinstance(link, dict)
                and link.get("relation") == "stylesheet"
                and link.get("url") == f"{r.get('resourceType')}/{r.get('id')}"
            ):
                visited.add(i)
    changed = True
    while changed:
        changed = False
        for i, fu, r in index.entries:
            if i not in visited and targets[i] & visited:
                if r.get("resourceType") != "Provenance" and not is_message:
                    run.warning(
                        "invalid",
                        f"{frame.path}.entry[{i}]",
                        f"Entry '{fu}' isn't reachable by traversing "
                        "forwards from the Composition. Only Provenance is approved to be used this way "
                        "(R4 section 3.3.1)",
                    )
                visit(i)
                changed = True
    for i, fu, _ in index.entries:
        if i in visited:
            continue
        msg = f"Entry '{fu}' isn't reachable by traversing links (forward or backward) from the " + (
            "MessageHeader" if is_message else "Composition"
        )
        if is_message:
            run.warning("informational", f"{frame.path}.entry[{i}]", msg, rule="bundle-orphan")
        else:
            run.error("informational", f"{frame.path}.entry[{i}]", msg, rule="bundle-orphan")
