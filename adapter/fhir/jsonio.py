"""FHIR JSON in and out with orjson: stable bytes, UTF-8 only, clear errors."""

from __future__ import annotations

from typing import Any

import orjson

from adapter.errors import EncodingError, InputError


def dumps(value: Any, *, pretty: bool = True) -> bytes:
    """Serialise to UTF-8 JSON bytes; ``pretty`` gives 2-space indent and a final newline.

    Key order is insertion order: builders emit elements in FHIR's element order, so output is stable.
    """
    if pretty:
        return orjson.dumps(value, option=orjson.OPT_INDENT_2) + b"\n"
    return orjson.dumps(value)


def loads(data: bytes | str, *, source: str = "<input>") -> Any:
    """Parse JSON, naming the source, line and column on failure; non-UTF-8 bytes are an EncodingError."""
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise EncodingError(
                f"{source}: not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
                "save the file as UTF-8"
            ) from exc
    else:
        text = data
    text = text.removeprefix("\ufeff")
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise InputError(
            f"{source}: malformed JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from exc
