"""HL7 v2 date-times (TS: ``YYYYMMDDHHMM[SS[.S+]][+/-ZZZZ]``) as ISO 8601 with a UTC offset.

A time without an offset is local time where the trust is: Europe/London unless configured. In the hour
that repeats when British Summer Time ends the first (summer-time) reading is taken, as Python's
``fold=0`` does (hazard H2 describes why a time is never taken without knowing its offset).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

from adapter.hl7v2.errors import DATA_TYPE_ERROR, UnusableMessageError

_TS = re.compile(
    r"(?P<y>\d{4})(?P<mo>\d{2})(?P<d>\d{2})(?P<h>\d{2})(?P<mi>\d{2})(?:(?P<s>\d{2})(?:\.(?P<f>\d{1,4}))?)?"
    r"(?P<z>[+-]\d{4})?"
)


@lru_cache(maxsize=8)
def zone(name: str) -> ZoneInfo:
    """A time zone by IANA name (read once)."""
    return ZoneInfo(name)


def hl7_instant(value: str, location: str, zone_name: str = "Europe/London") -> str:
    """``value`` (an HL7 TS with at least minutes) as ISO 8601 with its offset; UnusableMessageError naming
    ``location`` when it is not one."""
    match = _TS.fullmatch(value.strip())
    if match is None:
        raise UnusableMessageError(
            f"{value!r} is not a date-time (YYYYMMDDHHMM[SS][+/-ZZZZ])", DATA_TYPE_ERROR, location
        )
    g = match.groupdict()
    try:
        local = datetime(
            int(g["y"]),
            int(g["mo"]),
            int(g["d"]),
            int(g["h"]),
            int(g["mi"]),
            int(g["s"] or 0),
            int((g["f"] or "0").ljust(6, "0")[:6]),
        )
    except ValueError as exc:
        raise UnusableMessageError(
            f"{value!r} is not a date-time: {exc}", DATA_TYPE_ERROR, location
        ) from None
    if g["z"]:
        sign = 1 if g["z"][0] == "+" else -1
        offset = timedelta(hours=int(g["z"][1:3]), minutes=int(g["z"][3:5])) * sign
        stamped = local.replace(tzinfo=timezone(offset))
    else:
        stamped = local.replace(tzinfo=zone(zone_name))
    return stamped.isoformat(timespec="seconds")
