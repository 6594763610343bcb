"""NHS numbers and names never reach the logs, and no log line can be forged: a logging filter that
rewrites every record.

Ten-digit runs (with or without the usual spaces, ``943 476 5919``) are masked as NHS numbers, all but
their last three digits. Names cannot be found by a pattern, so whoever handles a resident's data
(a request, a delivery) first calls :func:`protect` with that resident's names; until the request or
delivery ends, those words are masked too, wherever they appear (messages, arguments, tracebacks).

A message is one line: line breaks and other control characters in it (a request path, a header, an
error) are written as escapes (``\\n``), so no value can start a line that looks like another record
(hazard H9). A traceback keeps its frames and each exception's type, but not its message, which may quote
input (a pydantic error quotes the value; a parser its context), unless the exception is one of the
adapter's own, whose messages never quote personal data. ``REDBAG_LOG_FORMAT=json`` writes one JSON object
per record instead.
"""

from __future__ import annotations

import contextvars
import logging
import re
import traceback
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import orjson

from adapter.errors import RedbagError
from adapter.redbag.identifiers import mask_nhs_number
from adapter.redbag.text import escape_controls

# Not inside a longer word or number (a request id or a UUID is not an NHS number), but found after a
# percent-encoded delimiter (``identifier=...%7C9434765919`` in a logged URL).
_NHS_NUMBER = re.compile(
    r"(?:(?<=%[0-9A-Fa-f]{2})|(?<![0-9A-Za-z]))[0-9]{3}[ -]?[0-9]{3}[ -]?[0-9]{4}(?![0-9A-Za-z])"
)
_MIN_NAME = 2
NAME_MASK = "***"

# The protected words of the current request or delivery: one mutable set per unit of work, so words
# added deep inside (in a worker thread, say) are seen by whoever logs later in the same unit.
_protected: contextvars.ContextVar[set[str] | None] = contextvars.ContextVar("redbag_protected", default=None)


@contextmanager
def protected_scope() -> Iterator[set[str]]:
    """A fresh set of protected words for one unit of work (a request, a delivery)."""
    words: set[str] = set()
    token = _protected.set(words)
    try:
        yield words
    finally:
        _protected.reset(token)


def protect(words: Iterable[str | None]) -> None:
    """Mask these words (names, local ids) in every log record of the current unit of work."""
    current = _protected.get()
    if current is None:
        return
    for word in words:
        if word and len(word.strip()) >= _MIN_NAME:
            current.add(word.strip())
            current.update(part for part in word.split() if len(part) >= _MIN_NAME)


def _field(data: Any, key: str) -> Any:
    return data.get(key) if isinstance(data, dict) else None


def _texts(*values: Any) -> list[str]:
    return [v for v in values if isinstance(v, str)]


def resident_words(data: Any) -> list[str]:
    """The names and local id in a resident summary, for :func:`protect`; whatever the input's shape
    (it is read before the contract is checked)."""
    resident = _field(data, "resident")
    name = _field(resident, "name")
    given = _field(name, "given")
    words = _texts(*(given if isinstance(given, list) else []))
    words += _texts(_field(name, "family"), _field(name, "preferred"), _field(resident, "localId"))
    contacts = _field(data, "contacts")
    words += _texts(*(_field(c, "name") for c in (contacts if isinstance(contacts, list) else [])))
    words += _texts(_field(_field(data, "author"), "name"))
    return words


def mask(text: str, words: Iterable[str] = ()) -> str:
    """``text`` with NHS numbers and the given words masked."""
    text = _NHS_NUMBER.sub(lambda m: mask_nhs_number(re.sub(r"[ -]", "", m.group(0))), text)
    for word in sorted(words, key=len, reverse=True):
        text = re.sub(re.escape(word), NAME_MASK, text, flags=re.IGNORECASE)
    return text


def exception_text(error: BaseException) -> str:
    """A traceback as Python prints it, with each exception's type but not its message (which may quote
    input), except the adapter's own errors; every line escaped."""
    chain: list[BaseException] = []
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        chain.append(current)
        seen.add(id(current))
        current = current.__cause__ or (None if current.__suppress_context__ else current.__context__)
    parts: list[str] = []
    for exc in reversed(chain):
        if parts:
            parts.append("\n(while handling the exception above, or caused by it)\n\n")
        name = f"{type(exc).__module__}.{type(exc).__qualname__}".removeprefix("builtins.")
        told = f": {escape_controls(str(exc))}" if isinstance(exc, RedbagError) else ""
        frames = traceback.format_list(traceback.extract_tb(exc.__traceback__))
        parts.append("Traceback (most recent call last):\n" + "".join(frames) + name + told)
    return "".join(parts)


class MaskingFilter(logging.Filter):
    """Rewrites each record: message masked and on one line, traceback without exception messages and
    masked, stack masked (never drops a record)."""

    def filter(self, record: logging.LogRecord) -> bool:
        words = _protected.get() or ()
        message = record.getMessage()
        record.msg = escape_controls(mask(message, words))
        record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = exception_text(record.exc_info[1])
        if record.exc_text:
            record.exc_text = mask(record.exc_text, words)
            record.exc_info = None  # the formatter would otherwise format the raw traceback again
        if record.stack_info:
            record.stack_info = mask(record.stack_info, words)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message and (when there is one) the traceback."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_text or record.exc_info:
            entry["exception"] = record.exc_text or self.formatException(record.exc_info)  # type: ignore[arg-type]
        return orjson.dumps(entry).decode()


def masked_logger(name: str) -> logging.Logger:
    """A logger whose records are masked before any handler sees them."""
    logger = logging.getLogger(name)
    if not any(isinstance(f, MaskingFilter) for f in logger.filters):
        logger.addFilter(MaskingFilter())
    return logger


def log_config(level: str, log_format: str = "text") -> dict[str, Any]:
    """A ``logging.config.dictConfig`` for ``redbag serve``: one stderr handler that masks everything
    (uvicorn's own loggers included), uvicorn's access log replaced by the service's masked one; lines of
    text, or (``log_format`` json) one JSON object per record."""
    handler = {
        "class": "logging.StreamHandler",
        "stream": "ext://sys.stderr",
        "formatter": log_format,
        "filters": ["mask"],
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"mask": {"()": MaskingFilter}},
        "formatters": {
            "text": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
            "json": {"()": JsonFormatter},
        },
        "handlers": {"stderr": handler},
        "root": {"handlers": ["stderr"], "level": level.upper()},
        "loggers": {
            "uvicorn": {"handlers": ["stderr"], "level": level.upper(), "propagate": False},
            "uvicorn.error": {"level": level.upper()},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
            # httpx logs request URLs (search parameters carry NHS numbers): keep it quiet, and masked.
            "httpx": {"level": "WARNING"},
            "httpcore": {"level": "WARNING"},
        },
    }
