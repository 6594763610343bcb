"""Element rules that profiles state with extensions on ElementDefinition (and R5+ properties):
mustHaveValue, valueAlternatives, narrative-language-control, minValueDuration/maxValueDuration.
``element_features`` reads them from the definition; this module checks instances against them."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from adapter.validation import narrative
from adapter.validation.context import Run

if TYPE_CHECKING:
    from adapter.validation.structure import ElementNode, StructureInfo

_UNIT_DAYS = {"a": 365.25, "mo": 30.4375, "wk": 7.0, "d": 1.0, "h": 1 / 24, "min": 1 / 1440, "s": 1 / 86400}


def check_absent_value(run: Run, node: ElementNode, ext: Any, path: str, info: StructureInfo) -> None:
    """A primitive without a value: allowed only as the profile says."""
    f = node.features
    if f.get("mustHaveValue"):
        run.error(
            "invalid",
            path,
            f"The element definition ``{node.path}`` in the profile '{info.url}' requires "
            "that a value be present in this element",
            rule="must-have-value",
        )
    alternatives = f.get("valueAlternatives")
    if alternatives:
        urls = {e.get("url") for e in (ext or {}).get("extension", []) or [] if isinstance(e, dict)}
        if not urls & set(alternatives):
            run.error(
                "invalid",
                path,
                f"The element definition ``{node.path}`` in the profile '{info.url}' requires "
                f"that if a value is not present, the extension '{', '.join(alternatives)}' must be present",
                rule="value-alternatives",
            )


def _parse_date(text: str) -> dt.datetime | None:
    for fmt, size in (("%Y-%m-%d", 10), ("%Y-%m", 7), ("%Y", 4)):
        try:
            return dt.datetime.strptime(text[:size], fmt)
        except ValueError:
            continue
    return None


def check_duration_bounds(run: Run, node: ElementNode, value: Any, path: str) -> None:
    """minValueDuration / maxValueDuration: bounds relative to now."""
    if not isinstance(value, str):
        return
    when = _parse_date(value)
    if when is None:
        return
    now = dt.datetime.now()
    for key, is_min in (("minValueDuration", True), ("maxValueDuration", False)):
        q = node.features.get(key)
        if not q:
            continue
        days = _UNIT_DAYS.get(str(q.get("code") or q.get("unit")), 1.0) * float(q.get("value", 0))
        if is_min and when < now - dt.timedelta(days=days):
            run.error(
                "invalid",
                path,
                f"The value '{value}' is earlier than the minimum allowed by the profile "
                f"(now minus {q.get('value')} {q.get('unit') or q.get('code')})",
                rule="min-duration",
            )
        if not is_min and when > now + dt.timedelta(days=days):
            run.error(
                "invalid",
                path,
                f"The value '{value}' is later than the maximum allowed by the profile "
                f"(now plus {q.get('value')} {q.get('unit') or q.get('code')})",
                rule="max-duration",
            )


def check_language_control(
    run: Run,
    node: ElementNode,
    value: dict[str, Any],
    resource: dict[str, Any],
    path: str,
    info: StructureInfo,
) -> None:
    """narrative-language-control: whether the narrative must (or must not) have language sections."""
    div = value.get("div")
    controls = node.features.get("languageControl") or []
    if not isinstance(div, str) or not controls:
        return
    found = narrative.section_languages(div)
    shown = ", ".join(sorted(found))
    where = f"StructureDefinition[{info.url}]"
    for control in controls:
        if control == "_no" and found:
            run.error(
                "business-rule",
                path,
                f"The xhtml has some language sections ({shown}), but language "
                f"sections are prohibited in this context by the profile {where}",
                rule="lang-control",
            )
        elif control == "_yes" and not found:
            run.error(
                "business-rule",
                path,
                "The xhtml has no language sections, but language sections are "
                f"required in this context by the profile {where}",
                rule="lang-control",
            )
        elif control not in ("_no", "_yes"):
            lang = resource.get("language") if control == "_resource" else control
            if isinstance(lang, str) and lang not in found:
                run.error(
                    "business-rule",
                    path,
                    f"The profile {where} requires a section in the narrative for "
                    f"the {'resource ' if control == '_resource' else ''}language ({lang}), but it was not "
                    f"found (found {shown})",
                    rule="lang-control",
                )
