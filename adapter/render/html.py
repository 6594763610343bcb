"""The transfer form as one self-contained HTML page (Jinja2, autoescaped, CSS inlined, no scripts).

The page loads nothing: no scripts, fonts, images or stylesheets from anywhere, and a Content Security
Policy says so, so it can be served, saved, e-mailed or printed as it is.
"""

from __future__ import annotations

from functools import lru_cache
from importlib.resources import files

import jinja2
from markupsafe import Markup

from adapter.render.form import TransferForm

_CSS_SAFE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -.,()")


def css_string(text: str) -> Markup:
    """``text`` as a quoted CSS string, every other character hex-escaped (safe inside ``<style>``)."""
    body = "".join(c if c in _CSS_SAFE else f"\\{ord(c):06x} " for c in text)  # the space ends the escape
    return Markup(f'"{body}"')


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """The template environment, built once: autoescaping on, undefined names are errors."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("adapter.render", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["css_string"] = css_string
    return env


@lru_cache(maxsize=1)
def stylesheet() -> Markup:
    """The form's CSS (screen and A4 print), inlined into every page."""
    css = files("adapter.render").joinpath("templates/transfer.css").read_text("utf-8")
    return Markup(css)


def render_form(form: TransferForm) -> str:
    """The HTML page for ``form``."""
    return environment().get_template("transfer.html").render(form=form, css=stylesheet())
