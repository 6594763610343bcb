"""FHIRPath for invariants: fhirpathpy with the FHIR-specific functions it lacks, and a compile cache.

Added through fhirpathpy's user function table (https://hl7.org/fhir/R4/fhirpath.html#functions):
``hasValue()``, ``htmlChecks()``, ``resolve()`` (inside the Bundle or the containing resource),
``memberOf(valueset)``, ``conformsTo(profile)``, ``getValue()``, and a silent ``trace()``. Functions
that need the validation run (resolve, memberOf, conformsTo) read it from a context variable that
the validator sets while it evaluates, so compiled expressions stay shareable.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import fhirpathpy
from fhirpathpy.engine.nodes import ResourceNode
from fhirpathpy.models import models
from fhirpathpy.parser import parse

from adapter.validation import (
    fhirpath_library,  # noqa: F401  (registers the fast path's functions)
    narrative,
)
from adapter.validation.fhirpath_fast import Env, Fn, Prim, Unsupported, compile_fast

R4_MODEL = models["r4"]


@dataclass
class EvalEnv:
    """What FHIRPath host functions need from the current validation run."""

    resolve: Callable[[str, dict[str, Any] | None], dict[str, Any] | None]
    member_of: Callable[[Any, str], bool | None]
    conforms_to: Callable[[dict[str, Any], str], bool | None]


CURRENT_ENV: contextvars.ContextVar[EvalEnv | None] = contextvars.ContextVar(
    "redbag_fhirpath_env", default=None
)
CURRENT_RESOURCE: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar(
    "redbag_fhirpath_resource", default=None
)


def _is_primitive_data(x: Any) -> bool:
    return x is not None and not isinstance(x, (dict, list))


def _has_value(inputs: list[Any]) -> list[bool]:
    return [len(inputs) == 1 and _is_primitive_data(inputs[0])]


def _get_value(inputs: list[Any]) -> list[Any]:
    return [inputs[0]] if len(inputs) == 1 and _is_primitive_data(inputs[0]) else []


def _html_checks(inputs: list[Any]) -> list[bool]:
    return [all(isinstance(x, str) and narrative.structure_ok(x) for x in inputs)]


def _resolve(inputs: list[Any]) -> list[Any]:
    env = CURRENT_ENV.get()
    if env is None:
        return []
    out = []
    here = CURRENT_RESOURCE.get()
    for x in inputs:
        ref = x.get("reference") if isinstance(x, dict) else x
        if isinstance(ref, str):
            target = env.resolve(ref, here)
            if target is not None:
                out.append(target)
    return out


def _member_of(inputs: list[Any], vs: Any) -> list[bool]:
    env = CURRENT_ENV.get()
    if env is None or not isinstance(vs, str) or len(inputs) != 1:
        return []
    answer = env.member_of(inputs[0], vs)
    return [] if answer is None else [answer]


def _conforms_to(inputs: list[Any], url: Any) -> list[bool]:
    env = CURRENT_ENV.get()
    if env is None or not isinstance(url, str) or len(inputs) != 1 or not isinstance(inputs[0], dict):
        return []
    answer = env.conforms_to(inputs[0], url)
    return [] if answer is None else [answer]


def _trace(inputs: list[Any], *args: Any) -> list[Any]:
    return inputs


USER_FUNCTIONS: dict[str, dict[str, Any]] = {
    "hasValue": {"fn": _has_value, "arity": {0: []}},
    "getValue": {"fn": _get_value, "arity": {0: []}},
    "htmlChecks": {"fn": _html_checks, "arity": {0: []}},
    "htmlChecks1": {"fn": _html_checks, "arity": {0: []}},
    "resolve": {"fn": _resolve, "arity": {0: []}},
    "memberOf": {"fn": _member_of, "arity": {1: ["String"]}},
    "conformsTo": {"fn": _conforms_to, "arity": {1: ["String"]}},
    "trace": {"fn": _trace, "arity": {1: ["String"], 2: ["String", "Expr"]}},
}
_OPTIONS = {"userInvocationTable": USER_FUNCTIONS, "returnRawData": True}


class CompiledPath:
    """One FHIRPath expression, parsed once; ``error`` is set when it cannot be parsed.

    Expressions in the fast subset (see fhirpath_fast) run as Python closures; the rest, and any call
    whose data needs type information, run through fhirpathpy.
    """

    __slots__ = ("error", "expression", "fast", "fn")

    def __init__(self, expression: str) -> None:
        self.expression = expression
        self.error: str | None = None
        self.fn: Any = None
        self.fast: Fn | None = None
        try:
            self.fn = fhirpathpy.compile(expression, model=R4_MODEL, options=_OPTIONS)
        except Exception as exc:  # fhirpathpy raises bare Exceptions for syntax errors
            self.error = f"{type(exc).__name__}: {exc}"
            return
        try:
            self.fast = compile_fast(_parse_tree(expression))
        except Unsupported:
            self.fast = None

    def evaluate(
        self,
        focus: Any,
        type_path: str | None,
        resource: dict[str, Any] | None,
        root: dict[str, Any] | None,
        ext: Any = None,
    ) -> list[Any]:
        """Evaluate on ``focus`` (typed by its type or definition path); raises on evaluation errors."""
        fast = self.fast
        if fast is not None:  # (only set when fhirpathpy compiled the expression too)
            item = Prim(focus, ext) if isinstance(ext, dict) else focus
            host = CURRENT_ENV.get()
            env = Env(
                {
                    "resource": resource if resource is not None else focus,
                    "rootResource": root if root is not None else resource,
                    "context": focus,
                },
                [item],
                type_path if type_path and "." not in type_path else None,
                {},
                _resolver(host, resource) if host is not None else None,
                host.member_of if host is not None else None,
            )
            try:
                return fast(env, [item] if item is not None else [])
            except Unsupported:
                pass  # this data needs what only fhirpathpy does
        if self.fn is None:
            raise ValueError(self.error or "expression not compiled")
        node = _typed_node(focus, type_path, ext) if type_path else focus
        variables = {
            "resource": resource if resource is not None else focus,
            "rootResource": root if root is not None else resource,
        }
        token = CURRENT_RESOURCE.set(resource)
        try:
            result: list[Any] = self.fn(node, variables)
        finally:
            CURRENT_RESOURCE.reset(token)
        return result


def _resolver(host: EvalEnv, here: dict[str, Any] | None) -> Callable[[str], Any]:
    """``resolve()`` for the fast path: references resolve from the resource being validated."""

    def resolve(ref: str) -> Any:
        return host.resolve(ref, here)

    return resolve


def _parse_tree(expression: str) -> dict[str, Any]:
    tree: dict[str, Any] = _fhirpath_parse(expression)
    return tree


def _typed_node(focus: Any, type_path: str, ext: Any) -> Any:
    return _create_node(focus, type_path, ext)


_fhirpath_parse: Any = parse
_create_node: Any = ResourceNode.create_node
_CACHE: dict[str, CompiledPath] = {}


def compiled(expression: str) -> CompiledPath:
    """The cached compiled form of an expression."""
    c = _CACHE.get(expression)
    if c is None:
        c = CompiledPath(expression)
        _CACHE[expression] = c
    return c


def as_boolean(result: list[Any]) -> bool | None:
    """FHIRPath singleton evaluation to boolean: None for empty, True/False otherwise."""
    if not result:
        return None
    if len(result) == 1:
        v = result[0]
        data = v.data if isinstance(v, ResourceNode) else v
        data = data.value if isinstance(data, Prim) else data
        if isinstance(data, bool):
            return data
        return True  # a single non-boolean item counts as true (FHIRPath singleton evaluation)
    return True
