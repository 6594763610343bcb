"""Every text colour of the form's CSS meets WCAG AA contrast (4.5:1) on the background it is used on.

The colours come from the stylesheet's custom properties; the pairs below are where the CSS puts text
on a background. A colour the pairs do not cover fails the test, so a new colour cannot slip in
unchecked. (The browser test also measures the rendered page, element by element.)
"""

from __future__ import annotations

import re
from importlib.resources import files

import pytest

CSS = files("adapter.render").joinpath("templates/transfer.css").read_text("utf-8")
PROPERTIES = dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{6})\s*;", CSS.split("}", 1)[0]))
AA = 4.5

#: (text colour, background) wherever the stylesheet sets text on a background.
PAIRS = [
    ("ink", "paper"), ("muted", "paper"), ("red", "paper"), ("amber", "paper"),
    ("on-red", "red"),
    ("ink", "red-tint"), ("red", "red-tint"), ("muted", "red-tint"),
    ("ink", "amber-tint"), ("amber", "amber-tint"), ("muted", "amber-tint"),
    ("ink", "green-tint"), ("green", "green-tint"),
    ("ink", "head-tint"),
]  # fmt: skip


def luminance(hex_colour: str) -> float:
    """WCAG 2 relative luminance of an sRGB colour ``#rrggbb``."""
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_contrast_formula_matches_known_values() -> None:
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)  # the lightest AA grey on white


@pytest.mark.parametrize(("text", "background"), PAIRS, ids=[f"{t}-on-{b}" for t, b in PAIRS])
def test_text_colour_meets_aa_on_its_background(text: str, background: str) -> None:
    ratio = contrast(PROPERTIES[text], PROPERTIES[background])
    assert ratio >= AA, (
        f"--{text} {PROPERTIES[text]} on --{background} {PROPERTIES[background]}: {ratio:.2f}:1"
    )


def test_every_colour_in_the_stylesheet_is_checked() -> None:
    body = CSS.split("}", 1)[1]  # everything after :root
    used_as_text = set(re.findall(r"(?<![-\w])color:\s*var\(--([\w-]+)\)", body))
    used_as_background = set(re.findall(r"background(?:-color)?:\s*var\(--([\w-]+)\)", body))
    assert used_as_text <= {t for t, _ in PAIRS}, used_as_text - {t for t, _ in PAIRS}
    assert used_as_background <= {b for _, b in PAIRS}, used_as_background - {b for _, b in PAIRS}
    literals = set(re.findall(r"#[0-9a-fA-F]{3,6}\b", body))
    assert literals <= {"#4d4d4d"}, literals  # the print footer, in @page where var() is not inherited
    assert contrast("#4d4d4d", "#ffffff") >= AA
