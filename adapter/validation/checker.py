"""What a rule may ask of the instance walker: the one interface between the engine and the rule modules.

The engine (``engine.py``) imports the rule modules (bindings, bundle_rules, datatype_rules, extensions,
properties, references, sd_rules, slicing) and hands itself to them as a :class:`Checker`; no rule module
imports the engine, so the dependency runs one way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from adapter.validation.context import Frame, Run
from adapter.validation.outcome import Issue
from adapter.validation.structure import ElementNode, StructureInfo

if TYPE_CHECKING:
    from adapter.validation.loader import Definitions
    from adapter.validation.terminology import Terminology


class Checker(Protocol):
    """The engine as the rules see it."""

    defs: Definitions
    tx: Terminology
    # definition-side answers that the slicing and reference rules memoise on the shared engine
    slice_values: dict[tuple[int, int], tuple[ElementNode, list[str], tuple[str, Any] | None]]
    child_types: dict[tuple[str, str], str]
    target_profiles: dict[tuple[int, str], tuple[list[str], list[StructureInfo]]]

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
        """Validate a value (a data type, or a resource) against a profile of its type."""

    def against(
        self, run: Run, res: dict[str, Any], info: StructureInfo, path: str, frame: Frame
    ) -> list[Issue]:
        """The issues of one resource against one profile (computed once per run)."""

    def type_root(self, type_code: str) -> ElementNode | None:
        """The root element of a data type's definition."""

    def logical_paths(self, run: Run, path: str) -> tuple[str, ...]:
        """The definition-based names of an instance element."""

    def literal_path(self, path: str) -> str:
        """An instance path without indexes and type functions."""
