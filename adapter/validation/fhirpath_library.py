"""The FHIRPath functions of the fast path (see fhirpath_fast): existence, filtering, subsetting,
strings, conversion, type tests and the FHIR host functions (resolve, memberOf, htmlChecks)."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from adapter.validation import narrative
from adapter.validation.fhirpath_fast import (
    FUNCTIONS,
    Coll,
    Env,
    Fn,
    Unsupported,
    bool_collection,
    children_of,
    compile_expr,
    equal_items,
    normalise,
    singleton_bool,
    type_filter,
    type_name_of,
    unwrap,
)

_INTEGER = re.compile(r"[+-]?\d+")


def _to_integer(focus: Coll) -> Coll:
    if not focus:
        return []
    if len(focus) > 1:
        raise Unsupported("toInteger of a collection")
    v = unwrap(focus[0])
    if isinstance(v, bool):
        return [1 if v else 0]
    if isinstance(v, int):
        return [v]
    if isinstance(v, str) and _INTEGER.fullmatch(v):
        return [int(v)]
    return []


def _arity(params: list[dict[str, Any]], *allowed: int) -> None:
    if len(params) not in allowed:
        raise Unsupported("arity")


def _simple(fn: Callable[[Coll], Coll]) -> Callable[[list[dict[str, Any]]], Fn]:
    def factory(params: list[dict[str, Any]]) -> Fn:
        _arity(params, 0)
        return lambda env, focus: fn(focus)

    return factory


def _with_this(env: Env, item: Any, criteria: Fn) -> Coll:
    saved = env.this
    env.this = [item]
    try:
        return criteria(env, [item])
    finally:
        env.this = saved


def _exists(params: list[dict[str, Any]]) -> Fn:
    _arity(params, 0, 1)
    if not params:
        return lambda env, focus: [bool(focus)]
    crit = compile_expr(params[0])
    return lambda env, focus: [any(singleton_bool(_with_this(env, x, crit)) is True for x in focus)]


def _all(params: list[dict[str, Any]]) -> Fn:
    _arity(params, 1)
    crit = compile_expr(params[0])
    return lambda env, focus: [all(singleton_bool(_with_this(env, x, crit)) is True for x in focus)]


def _where(params: list[dict[str, Any]]) -> Fn:
    _arity(params, 1)
    crit = compile_expr(params[0])
    return lambda env, focus: [x for x in focus if singleton_bool(_with_this(env, x, crit)) is True]


def _select(params: list[dict[str, Any]]) -> Fn:
    _arity(params, 1)
    crit = compile_expr(params[0])

    def run(env: Env, focus: Coll) -> Coll:
        out: Coll = []
        for x in focus:
            out.extend(_with_this(env, x, crit))
        return out

    return run


def _not(focus: Coll) -> Coll:
    b = singleton_bool(focus)
    return [] if b is None else [not b]


def _distinct(focus: Coll) -> Coll:
    out: Coll = []
    seen: set[Any] = set()
    for x in focus:
        n = normalise(x)
        if isinstance(n, (str, Decimal, bool)):
            if n in seen:
                continue
            seen.add(n)
            out.append(x)
        elif not any(equal_items(x, y) for y in out):
            out.append(x)
    return out


def _has_value(focus: Coll) -> Coll:
    if len(focus) != 1:
        return [False]
    v = unwrap(focus[0])
    return [v is not None and not isinstance(v, (dict, list))]


def _string_fn(op: Callable[..., Any], n_args: int) -> Callable[[list[dict[str, Any]]], Fn]:
    def factory(params: list[dict[str, Any]]) -> Fn:
        _arity(params, n_args)
        args = [compile_expr(p) for p in params]

        def run(env: Env, focus: Coll) -> Coll:
            if not focus:
                return []
            if len(focus) > 1:
                raise Unsupported("string function on a collection")
            s = unwrap(focus[0])
            if not isinstance(s, str):
                raise Unsupported("string function on a non-string")
            vals = []
            for a in args:
                r = a(env, [focus[0]])
                if not r:
                    return []
                vals.append(unwrap(r[0]))
            return [op(s, *vals)]

        return run

    return factory


def _matches(s: str, pattern: Any) -> bool:
    try:
        return re.search(str(pattern), s, re.DOTALL) is not None
    except re.error as exc:
        raise Unsupported("regex") from exc


def _extension(params: list[dict[str, Any]]) -> Fn:
    _arity(params, 1)
    url_fn = compile_expr(params[0])

    def run(env: Env, focus: Coll) -> Coll:
        urls = url_fn(env, focus)
        if not urls:
            return []
        url = unwrap(urls[0])
        out: Coll = []
        for x in focus:
            out.extend(e for e in children_of(x, "extension") if isinstance(e, dict) and e.get("url") == url)
        return out

    return run


def _trace(params: list[dict[str, Any]]) -> Fn:
    _arity(params, 1, 2)
    return lambda env, focus: focus


def _iif(params: list[dict[str, Any]]) -> Fn:
    _arity(params, 2, 3)
    cond, yes = compile_expr(params[0]), compile_expr(params[1])
    no = compile_expr(params[2]) if len(params) == 3 else None

    def run(env: Env, focus: Coll) -> Coll:
        if singleton_bool(cond(env, focus)) is True:
            return yes(env, focus)
        return no(env, focus) if no is not None else []

    return run


def _children_fn(focus: Coll) -> Coll:
    out: Coll = []
    for x in focus:
        if isinstance(x, dict):
            for k in x:
                if not k.startswith("_") and k != "resourceType":
                    out.extend(children_of(x, k))
    return out


def _descendants(focus: Coll) -> Coll:
    out: Coll = []
    level = _children_fn(focus)
    while level:
        out.extend(level)
        level = _children_fn(level)
    return out


def _resolve_fn(params: list[dict[str, Any]]) -> Fn:
    _arity(params, 0)

    def run(env: Env, focus: Coll) -> Coll:
        if env.resolve is None:
            raise Unsupported("resolve without a host")
        out: Coll = []
        for x in focus:
            ref = unwrap(x)
            ref = ref.get("reference") if isinstance(ref, dict) else ref
            if isinstance(ref, str):
                target = env.resolve(ref)
                if target is not None:
                    out.append(target)
        return out

    return run


def _member_of(params: list[dict[str, Any]]) -> Fn:
    _arity(params, 1)
    vs_fn = compile_expr(params[0])

    def run(env: Env, focus: Coll) -> Coll:
        if env.member_of is None or len(focus) != 1:
            raise Unsupported("memberOf")
        vs = vs_fn(env, focus)
        if not vs:
            return []
        return bool_collection(env.member_of(unwrap(focus[0]), str(unwrap(vs[0]))))

    return run


def _html_checks(focus: Coll) -> Coll:
    return [all(isinstance(unwrap(x), str) and narrative.structure_ok(unwrap(x)) for x in focus)]


def _first(focus: Coll) -> Coll:
    return focus[:1]


def _last(focus: Coll) -> Coll:
    return focus[-1:]


def _tail(focus: Coll) -> Coll:
    return focus[1:]


def _count(focus: Coll) -> Coll:
    return [len(focus)]


def _empty(focus: Coll) -> Coll:
    return [not focus]


def _is_distinct(focus: Coll) -> Coll:
    return [len(_distinct(focus)) == len(focus)]


def _length(s: str) -> int:
    return len(s)


def _substring(params: list[dict[str, Any]]) -> Fn:
    if len(params) == 1:
        return _string_fn(lambda s, i: s[int(i) :] if 0 <= int(i) < len(s) else None, 1)(params)
    return _string_fn(lambda s, i, n: s[int(i) : int(i) + int(n)] if 0 <= int(i) < len(s) else None, 2)(
        params
    )


def _type_function(op: str) -> Callable[[list[dict[str, Any]]], Fn]:
    def factory(params: list[dict[str, Any]]) -> Fn:
        _arity(params, 1)
        type_name = type_name_of(params[0])
        filt = type_filter(type_name, single=op != "ofType")

        def run(env: Env, focus: Coll) -> Coll:
            if not focus:
                return []
            kept = filt(env, focus)
            return [bool(kept)] if op == "is" else kept

        return run

    return factory


def _set_function(keep: bool) -> Callable[[list[dict[str, Any]]], Fn]:
    def factory(params: list[dict[str, Any]]) -> Fn:
        _arity(params, 1)
        other_fn = compile_expr(params[0])

        def run(env: Env, focus: Coll) -> Coll:
            other = _root_eval(env, other_fn)
            out: Coll = []
            for x in focus:
                present = any(equal_items(x, y) for y in other)
                if present == keep and not any(equal_items(x, y) for y in out):
                    out.append(x)
            return out

        return run

    return factory


def _subset(superset: bool) -> Callable[[list[dict[str, Any]]], Fn]:
    def factory(params: list[dict[str, Any]]) -> Fn:
        _arity(params, 1)
        other_fn = compile_expr(params[0])

        def run(env: Env, focus: Coll) -> Coll:
            other = _root_eval(env, other_fn)
            small, big = (other, focus) if superset else (focus, other)
            return [all(any(equal_items(x, y) for y in big) for x in small)]

        return run

    return factory


def _root_eval(env: Env, fn: Fn) -> Coll:
    """Evaluate a function argument against the expression's focus ($this of the enclosing scope)."""
    return fn(env, list(env.this))


def _to_string(focus: Coll) -> str:
    v = unwrap(focus[0])
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (str, int)):
        return str(v)
    raise Unsupported("toString of this type")


def _too_many(focus: Coll) -> Coll:
    if not focus:
        return []
    raise Unsupported("toString of a collection")


def _drop_none(fn: Fn) -> Fn:
    return lambda env, focus: [x for x in fn(env, focus) if x is not None]


FUNCTIONS.update(
    {
        "exists": _exists,
        "all": _all,
        "where": _where,
        "select": _select,
        "empty": _simple(_empty),
        "not": _simple(_not),
        "count": _simple(_count),
        "first": _simple(_first),
        "last": _simple(_last),
        "tail": _simple(_tail),
        "distinct": _simple(_distinct),
        "isDistinct": _simple(_is_distinct),
        "hasValue": _simple(_has_value),
        "children": _simple(_children_fn),
        "descendants": _simple(_descendants),
        "htmlChecks": _simple(_html_checks),
        "contains": _string_fn(lambda s, sub: str(sub) in s, 1),
        "startsWith": _string_fn(lambda s, p: s.startswith(str(p)), 1),
        "endsWith": _string_fn(lambda s, p: s.endswith(str(p)), 1),
        "matches": _string_fn(_matches, 1),
        "length": _string_fn(_length, 0),
        "upper": _string_fn(str.upper, 0),
        "lower": _string_fn(str.lower, 0),
        "toInteger": _simple(_to_integer),
        "toString": _simple(lambda focus: [_to_string(focus)] if len(focus) == 1 else _too_many(focus)),
        "substring": lambda params: _drop_none(_substring(params)),
        "extension": _extension,
        "trace": _trace,
        "iif": _iif,
        "resolve": _resolve_fn,
        "ofType": _type_function("ofType"),
        "is": _type_function("is"),
        "as": _type_function("as"),
        "intersect": _set_function(keep=True),
        "subsetOf": _subset(superset=False),
        "supersetOf": _subset(superset=True),
        "exclude": _set_function(keep=False),
        "memberOf": _member_of,
    }
)
