"""A fast path for FHIRPath: the common subset compiled to Python closures over plain JSON data.

fhirpathpy parses every expression; this module turns its parse tree into nested closures for the
constructs invariants mostly use (navigation, existence, filtering, boolean logic, equality, numeric and
string comparison, membership, string functions). Anything outside the subset raises
:class:`Unsupported` at compile time, or at run time when a value needs type information (dates of
different precision, ``is``/``as``), and the caller falls back to fhirpathpy for that expression or
call. Semantics follow https://hl7.org/fhirpath/N1/ (empty propagation, three-valued logic).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

Coll = list[Any]


class Unsupported(Exception):  # noqa: N818 (a signal to fall back, not an error)
    """The construct or value is outside the fast subset; use fhirpathpy."""


@dataclass(slots=True)
class Prim:
    """A primitive that carries extensions (``_name`` in JSON); ``value`` is None when it has none."""

    value: Any
    ext: dict[str, Any]


@dataclass(slots=True)
class Env:
    """Variables and host functions of one evaluation."""

    variables: dict[str, Any]
    this: Coll = field(default_factory=list)
    focus_type: str | None = None  # the FHIR type of the evaluation's focus, when known
    types: dict[int, str] = field(default_factory=dict)  # id(item) -> choice suffix, from navigation
    resolve: Callable[[str], Any] | None = None
    member_of: Callable[[Any, str], bool | None] | None = None
    conforms_to: Callable[[Any, str], bool | None] | None = None
    memo: dict[int, Coll] = field(default_factory=dict)  # results of focus-independent subexpressions


Fn = Callable[[Env, Coll], Coll]

# Names of choice elements (``value`` for ``value[x]``) and the type suffixes they take, filled in as
# definitions are compiled: ``value`` then finds ``valueQuantity``, but ``code`` never finds ``codeFilter``.
CHOICE_NAMES: set[str] = set()
TYPE_SUFFIXES: set[str] = set()
_DATE_LIKE = re.compile(r"^\d{4}(-\d{2}(-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2})?)?)?)?$")


def unwrap(x: Any) -> Any:
    return x.value if isinstance(x, Prim) else x


def children_of(item: Any, name: str, types: dict[int, str] | None = None) -> Coll:
    if isinstance(item, Prim):
        if name == "extension":
            return list(item.ext.get("extension", []) or [])
        if name == "id" and "id" in item.ext:
            return [item.ext["id"]]
        return []
    if not isinstance(item, dict):
        return []
    out: Coll = []
    if name in item or f"_{name}" in item:
        _append(out, item.get(name), item.get(f"_{name}"))
        return out
    if name in CHOICE_NAMES:
        n = len(name)
        for key in item:
            # A primitive choice may carry only its extension (``_effectiveDateTime``, no value).
            bare = key[1:] if key.startswith("_") else key
            if not bare.startswith(name) or (bare is not key and bare in item):
                continue
            suffix = bare[n:]
            if suffix in TYPE_SUFFIXES:
                start = len(out)
                _append(out, item.get(bare), item.get(f"_{bare}"))
                if types is not None:
                    for x in out[start:]:
                        types[id(x)] = suffix  # the choice suffix names the type (for ofType/is/as)
    return out


def _append(out: Coll, value: Any, ext: Any) -> None:
    if isinstance(value, list) or isinstance(ext, list):
        vals = value if isinstance(value, list) else []
        exts = ext if isinstance(ext, list) else []
        for i in range(max(len(vals), len(exts))):
            v = vals[i] if i < len(vals) else None
            e = exts[i] if i < len(exts) else None
            if e is not None:
                out.append(Prim(v, e))
            elif v is not None:
                out.append(v)
        return
    if isinstance(ext, dict):
        out.append(Prim(value, ext))
    elif value is not None:
        out.append(value)


def normalise(x: Any) -> Any:
    x = unwrap(x)
    if isinstance(x, bool) or x is None:
        return x
    if isinstance(x, (int, float)):
        try:
            return Decimal(repr(x)) if isinstance(x, float) else Decimal(x)
        except InvalidOperation as exc:
            raise Unsupported("number") from exc
    if isinstance(x, Decimal):
        return x
    if isinstance(x, dict):
        return {k: normalise(v) for k, v in x.items()}
    if isinstance(x, list):
        return [normalise(v) for v in x]
    return x


def singleton_bool(c: Coll) -> bool | None:
    if not c:
        return None
    if len(c) > 1:
        raise Unsupported("boolean of a collection")
    v = c[0]
    if v is True or v is False:
        return v
    v = unwrap(v)
    return v if isinstance(v, bool) else True


def bool_collection(b: bool | None) -> Coll:
    return [] if b is None else [b]


# -- compile ------------------------------------------------------------------------------------------------


def compile_fast(tree: dict[str, Any]) -> Fn:
    """Compile a fhirpathpy parse tree (``fhirpathpy.parser.parse``); raises Unsupported."""
    children = tree.get("children") or []
    if len(children) != 1:
        raise Unsupported("empty expression")
    return compile_expr(children[0])


def compile_expr(node: dict[str, Any]) -> Fn:
    """Compile one node; a subexpression that does not depend on the focus (``%resource.type = 'batch'``
    inside ``entry.all(...)``) is evaluated once per evaluation and then reused."""
    kind = node.get("type")
    handler = _HANDLERS.get(str(kind))
    if handler is None:
        raise Unsupported(str(kind))
    fn = handler(node)
    if kind in _HOISTABLE and _focus_free(node):
        return _memoised(fn)
    return fn


_HOISTABLE = frozenset(
    {
        "EqualityExpression",
        "InequalityExpression",
        "OrExpression",
        "AndExpression",
        "MembershipExpression",
        "InvocationExpression",
    }
)


def _focus_free(node: dict[str, Any]) -> bool:
    """True when a node's value depends only on literals and %variables, never on the focus or $this."""
    kind = node.get("type")
    if kind in ("InvocationTerm", "ThisInvocation", "IndexInvocation", "TotalInvocation"):
        return False
    if kind == "InvocationExpression":
        return _focus_free(_kids(node)[0])  # what follows the first term only navigates its result
    if kind == "FunctionInvocation":
        return False
    return all(_focus_free(k) for k in _kids(node))


def _memoised(fn: Fn) -> Fn:
    def run(env: Env, focus: Coll) -> Coll:
        key = id(fn)
        hit = env.memo.get(key)
        if hit is None:
            hit = env.memo[key] = fn(env, focus)
        return hit

    return run


def _kids(node: dict[str, Any]) -> list[dict[str, Any]]:
    return list(node.get("children") or [])


def _op(node: dict[str, Any]) -> str:
    return str((node.get("terminalNodeText") or [""])[0])


def _term(node: dict[str, Any]) -> Fn:
    return compile_expr(_kids(node)[0])


def _invocation_term(node: dict[str, Any]) -> Fn:
    return _invocation(_kids(node)[0], first=True)


def _invocation(node: dict[str, Any], first: bool = False) -> Fn:
    kind = node.get("type")
    if kind == "MemberInvocation":
        name = _identifier(_kids(node)[0])
        if first and name[:1].isupper():

            def type_filter(env: Env, focus: Coll) -> Coll:
                if any(not (isinstance(f, dict) and "resourceType" in f) for f in focus):
                    raise Unsupported("type name on a non-resource")
                return [f for f in focus if f.get("resourceType") == name]

            return type_filter

        ext_name = f"_{name}"

        def member(env: Env, focus: Coll) -> Coll:
            out: Coll = []
            for item in focus:
                if type(item) is dict and ext_name not in item:  # the common shape, as children_of
                    if name in item:
                        v = item[name]
                        if isinstance(v, list):
                            out.extend([x for x in v if x is not None])
                        elif v is not None:
                            out.append(v)
                        continue
                    if name not in CHOICE_NAMES:
                        continue
                out.extend(children_of(item, name, env.types))
            return out

        return member
    if kind == "FunctionInvocation":
        return _function(_kids(node)[0])
    if kind == "ThisInvocation":
        return lambda env, focus: list(env.this)
    raise Unsupported(str(kind))


def _identifier(node: dict[str, Any]) -> str:
    text = str(node.get("text") or (node.get("terminalNodeText") or [""])[0])
    return text.strip("`")


def _invocation_expression(node: dict[str, Any]) -> Fn:
    left_node, right_node = _kids(node)
    left = compile_expr(left_node)
    right = _invocation(right_node)

    def run(env: Env, focus: Coll) -> Coll:
        return right(env, left(env, focus))

    return run


def _literal(node: dict[str, Any]) -> Fn:
    lit = _kids(node)[0]
    kind = lit.get("type")
    text = str(lit.get("text", ""))
    if kind == "StringLiteral":
        value: Any = _unescape(text[1:-1])
    elif kind == "NumberLiteral":
        value = int(text) if re.fullmatch(r"\d+", text) else Decimal(text)
    elif kind == "BooleanLiteral":
        value = text == "true"
    elif kind == "NullLiteral":
        return lambda env, focus: []
    else:
        raise Unsupported(str(kind))
    return lambda env, focus: [value]


def _unescape(s: str) -> str:
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t", "r": "\r"}.get(m.group(1), m.group(1)), s)


def _external(node: dict[str, Any]) -> Fn:
    name = _identifier(_kids(_kids(node)[0])[0])
    if name == "ucum":
        return lambda env, focus: ["http://unitsofmeasure.org"]
    if name in ("resource", "rootResource", "context"):

        def var(env: Env, focus: Coll) -> Coll:
            v = env.variables.get(name)
            return [] if v is None else [v]

        return var
    raise Unsupported(f"%{name}")


def _parenthesized(node: dict[str, Any]) -> Fn:
    return compile_expr(_kids(node)[0])


def _indexer(node: dict[str, Any]) -> Fn:
    coll, idx = (compile_expr(k) for k in _kids(node))

    def run(env: Env, focus: Coll) -> Coll:
        c, i = coll(env, focus), idx(env, focus)
        if not i:
            return []
        n = int(unwrap(i[0]))
        return [c[n]] if 0 <= n < len(c) else []

    return run


def _polarity(node: dict[str, Any]) -> Fn:
    inner = compile_expr(_kids(node)[0])
    sign = _op(node)

    def run(env: Env, focus: Coll) -> Coll:
        c = inner(env, focus)
        if not c:
            return []
        v = normalise(c[0])
        if not isinstance(v, Decimal):
            raise Unsupported("polarity")
        return [-v if sign == "-" else v]

    return run


def _binary(node: dict[str, Any]) -> tuple[Fn, Fn, str]:
    a, b = _kids(node)
    return compile_expr(a), compile_expr(b), _op(node)


def _union(node: dict[str, Any]) -> Fn:
    a, b, _ = _binary(node)

    def run(env: Env, focus: Coll) -> Coll:
        out: Coll = []
        for x in a(env, focus) + b(env, focus):
            if not any(equal_items(x, y) for y in out):
                out.append(x)
        return out

    return run


def equal_items(x: Any, y: Any) -> bool:
    if type(x) is str and type(y) is str:
        return x == y
    return bool(normalise(x) == normalise(y))


def _equality(node: dict[str, Any]) -> Fn:
    a, b, op = _binary(node)
    if op in ("~", "!~"):
        raise Unsupported("equivalence")
    is_eq = op == "="

    def run(env: Env, focus: Coll) -> Coll:
        x, y = a(env, focus), b(env, focus)
        if not x or not y:
            return []
        if len(x) == 1 and len(y) == 1:
            p, q = x[0], y[0]
            tp, tq = type(p), type(q)
            if tp is str and tq is str:
                if p[:1].isdigit() and q[:1].isdigit():
                    _check_comparable_equality(p, q)
                return [(p == q) is is_eq]
            if tp is bool and tq is bool:
                return [(p == q) is is_eq]
        if len(x) != len(y):
            eq = False
        else:
            for p, q in zip(x, y, strict=True):
                _check_comparable_equality(p, q)
            eq = all(equal_items(p, q) for p, q in zip(x, y, strict=True))
        return [eq if op == "=" else not eq]

    return run


def _check_comparable_equality(p: Any, q: Any) -> None:
    p, q = unwrap(p), unwrap(q)
    if (
        isinstance(p, str)
        and isinstance(q, str)
        and _DATE_LIKE.fullmatch(p)
        and _DATE_LIKE.fullmatch(q)
        and len(p) != len(q)
    ):
        raise Unsupported("dates of different precision")


def _inequality(node: dict[str, Any]) -> Fn:
    a, b, op = _binary(node)

    def run(env: Env, focus: Coll) -> Coll:
        x, y = a(env, focus), b(env, focus)
        if not x or not y:
            return []
        if len(x) > 1 or len(y) > 1:
            raise Unsupported("comparison of collections")
        p, q = normalise(x[0]), normalise(y[0])
        if isinstance(p, Decimal) and isinstance(q, Decimal):
            pass
        elif isinstance(p, str) and isinstance(q, str):
            if (
                (_DATE_LIKE.fullmatch(p) or _DATE_LIKE.fullmatch(q))
                and (len(p) != len(q) or "T" in p)
                and not _same_zone_instants(p, q)
            ):
                pp, qq = date_parts(p), date_parts(q)
                if pp is None or qq is None:
                    raise Unsupported("date comparison")
                p, q = pp, qq
                if len(p) != len(q):  # of different precision: decided by the parts both have, or unknown
                    n = min(len(p), len(q))
                    if p[:n] == q[:n]:
                        return []
                    p, q = p[:n], q[:n]
        else:
            raise Unsupported("comparison")
        result = {"<": p < q, ">": p > q, "<=": p <= q, ">=": p >= q}[op]
        return [result]

    return run


_DATE_PARTS = re.compile(
    r"^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2}(?:\.\d+)?))?(Z|[+-]\d{2}:\d{2})?)?)?)?$"
)


def date_parts(text: str) -> tuple[Decimal, ...] | None:
    """A date/dateTime as its parts to the precision given (year, month, day, hour, minute, second), times
    with a zone moved to UTC; seconds and fractions are one precision (FHIRPath, section 6.1.5)."""
    m = _DATE_PARTS.fullmatch(text)
    if m is None:
        return None
    year, month, day, hour, minute, second, zone = m.groups()
    if hour is not None and zone is not None:
        try:
            moment = datetime.fromisoformat(
                f"{year}-{month}-{day}T{hour}:{minute}:{int(Decimal(second or 0)):02d}"
                + ("+00:00" if zone == "Z" else zone)
            )
        except ValueError:
            return None
        utc = moment.astimezone(UTC)
        parts = [utc.year, utc.month, utc.day, utc.hour, utc.minute]
        out = tuple(Decimal(x) for x in parts)
        if second is not None:
            out += (Decimal(utc.second) + Decimal(second) % 1,)
        return out
    return tuple(Decimal(x) for x in (year, month, day, hour, minute, second) if x is not None)


_FULL_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})$")


def _same_zone_instants(p: str, q: str) -> bool:
    """Two valid dateTimes to the second in the same time zone: they order as their text does."""
    if len(p) != len(q) or p[19:] != q[19:]:
        return False
    if not _FULL_DATE_TIME.fullmatch(p) or not _FULL_DATE_TIME.fullmatch(q):
        return False
    try:
        datetime.fromisoformat(p.replace("Z", "+00:00"))
        datetime.fromisoformat(q.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _membership(node: dict[str, Any]) -> Fn:
    a, b, op = _binary(node)

    def run(env: Env, focus: Coll) -> Coll:
        x, y = a(env, focus), b(env, focus)
        item, coll = (x, y) if op == "in" else (y, x)
        if not item:
            return []
        if len(item) > 1:
            raise Unsupported("membership of a collection")
        return [any(equal_items(item[0], c) for c in coll)]

    return run


def _and(node: dict[str, Any]) -> Fn:
    a, b, _ = _binary(node)

    def run(env: Env, focus: Coll) -> Coll:
        p = singleton_bool(a(env, focus))
        if p is False:
            return [False]
        q = singleton_bool(b(env, focus))
        if q is False:
            return [False]
        return [True] if p is True and q is True else []

    return run


def _or(node: dict[str, Any]) -> Fn:
    a, b, op = _binary(node)

    def run(env: Env, focus: Coll) -> Coll:
        p = singleton_bool(a(env, focus))
        if op == "or" and p is True:
            return [True]
        q = singleton_bool(b(env, focus))
        if op == "xor":
            return [] if p is None or q is None else [p != q]
        if q is True:
            return [True]
        return [False] if p is False and q is False else []

    return run


def _implies(node: dict[str, Any]) -> Fn:
    a, b, _ = _binary(node)

    def run(env: Env, focus: Coll) -> Coll:
        p = singleton_bool(a(env, focus))
        if p is False:
            return [True]
        q = singleton_bool(b(env, focus))
        if p is True:
            return bool_collection(q)
        return [True] if q is True else []

    return run


def _additive(node: dict[str, Any]) -> Fn:
    a, b, op = _binary(node)

    def run(env: Env, focus: Coll) -> Coll:
        x, y = a(env, focus), b(env, focus)
        if op == "&":
            s = "".join(str(unwrap(v[0])) if v else "" for v in (x, y))
            return [s]
        if not x or not y:
            return []
        p, q = normalise(x[0]), normalise(y[0])
        if isinstance(p, Decimal) and isinstance(q, Decimal):
            return [p + q if op == "+" else p - q]
        if op == "+" and isinstance(p, str) and isinstance(q, str):
            return [p + q]
        raise Unsupported("arithmetic")

    return run


_HANDLERS: dict[str, Callable[[dict[str, Any]], Fn]] = {
    "TermExpression": _term,
    "InvocationTerm": _invocation_term,
    "LiteralTerm": _literal,
    "ExternalConstantTerm": _external,
    "ParenthesizedTerm": _parenthesized,
    "InvocationExpression": _invocation_expression,
    "IndexerExpression": _indexer,
    "PolarityExpression": _polarity,
    "UnionExpression": _union,
    "EqualityExpression": _equality,
    "InequalityExpression": _inequality,
    "MembershipExpression": _membership,
    "AndExpression": _and,
    "OrExpression": _or,
    "ImpliesExpression": _implies,
    "AdditiveExpression": _additive,
    "TypeExpression": lambda node: _type_expression(node),
    "MultiplicativeExpression": lambda node: _multiplicative(node),
}


def _multiplicative(node: dict[str, Any]) -> Fn:
    a, b, op = _binary(node)

    def run(env: Env, focus: Coll) -> Coll:
        x, y = a(env, focus), b(env, focus)
        if not x or not y:
            return []
        if len(x) > 1 or len(y) > 1:
            raise Unsupported("arithmetic on collections")
        p, q = normalise(x[0]), normalise(y[0])
        if (
            not isinstance(p, Decimal)
            or not isinstance(q, Decimal)
            or isinstance(p, bool)
            or isinstance(q, bool)
        ):
            raise Unsupported("arithmetic on non-numbers")
        if op == "*":
            return [p * q]
        if q == 0:
            return []
        if op == "/":
            return [p / q]
        if op == "div":
            return [Decimal(int(p / q))]
        if op == "mod":
            return [p - q * Decimal(int(p / q))]
        raise Unsupported(op)

    return run


def type_name_of(node: dict[str, Any]) -> str:
    """The type named by a TypeSpecifier or a bare identifier parameter (``FHIR.`` prefix dropped)."""
    text = str(node.get("text") or "")
    if not text:
        raise Unsupported("type specifier")
    return text.strip("`").removeprefix("FHIR.")


def _has_type(env: Env, item: Any, type_name: str) -> bool:
    if isinstance(item, dict) and "resourceType" in item:
        return item["resourceType"] == type_name or type_name in ("Resource", "DomainResource")
    if env.focus_type and env.this and item is env.this[0]:
        return env.focus_type == type_name
    suffix = env.types.get(id(item))
    if suffix is not None:
        return suffix.lower() == type_name.lower()
    raise Unsupported("type test without type information")


def type_filter(type_name: str, single: bool) -> Callable[[Env, Coll], Coll]:
    def run(env: Env, focus: Coll) -> Coll:
        if single and len(focus) > 1:
            raise Unsupported("type test of a collection")
        return [x for x in focus if _has_type(env, x, type_name)]

    return run


def _type_expression(node: dict[str, Any]) -> Fn:
    operand_node, spec = _kids(node)
    operand = compile_expr(operand_node)
    type_name = type_name_of(spec)
    op = _op(node)
    filt = type_filter(type_name, single=True)

    def run(env: Env, focus: Coll) -> Coll:
        items = operand(env, focus)
        if not items:
            return []
        kept = filt(env, items)
        return [bool(kept)] if op == "is" else kept

    return run


# Function factories by name, filled in by fhirpath_library (kept apart for size).
FUNCTIONS: dict[str, Callable[[list[dict[str, Any]]], Fn]] = {}


def _function(functn: dict[str, Any]) -> Fn:
    kids = _kids(functn)
    name = _identifier(kids[0])
    params = _kids(kids[1]) if len(kids) > 1 else []
    factory = FUNCTIONS.get(name)
    if factory is None:
        raise Unsupported(f"{name}()")
    return factory(params)
