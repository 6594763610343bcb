"""From a framed message to its acknowledgement: read it, hand the event to the sink (which stores it
durably), and answer AA only once the sink says it is stored; AE/AR with the reason otherwise."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from adapter.config import Hl7Settings
from adapter.errors import InputError
from adapter.hl7v2.ack import acknowledgement
from adapter.hl7v2.adt import read_adt
from adapter.hl7v2.errors import DUPLICATE_KEY, INTERNAL_ERROR, RejectedMessageError, UnusableMessageError
from adapter.hl7v2.message import Header, peek_header
from adapter.pathway import Incoming, Outcome, Recorded

#: Stores an event durably (or raises); says what became of it.
Sink = Callable[[Incoming], Awaitable[Recorded]]
log = logging.getLogger("adapter.hl7v2.receiver")

_SAID = {
    Outcome.APPLIED: "event stored and applied",
    Outcome.UNCHANGED: "event stored; the stay was already up to date",
    Outcome.UNMATCHED: "event stored; no stay of this resident to apply it to",
    Outcome.REPEATED: "message already received (same control id); not applied again",
}


class AdtReceiver:
    """The listener's handler: raw message in, acknowledgement out (never raises)."""

    def __init__(self, sink: Sink, settings: Hl7Settings) -> None:
        self.sink = sink
        self.settings = settings

    async def __call__(self, raw: bytes) -> bytes:
        return (await self.acknowledge(raw)).encode("utf-8")

    async def acknowledge(self, raw: bytes) -> str:
        """The acknowledgement of one message, as text."""
        try:
            adt = read_adt(raw, self.settings)
        except RejectedMessageError as error:
            header = peek_header(raw)
            log.info(
                "ADT %s from %s: %s %s",
                header.control_id if header else "(no MSH)",
                header.sending_facility if header else "?",
                error.ack_code,
                error,
            )
            return acknowledgement(header, error.ack_code, error.reason, error)
        except Exception:  # a bug in reading must not leave the sender without an answer
            log.exception("ADT message could not be read")
            return _error(peek_header(raw), "the message could not be read (internal error)", INTERNAL_ERROR)
        try:
            recorded = await self.sink(adt.incoming(raw))
        except InputError as exc:  # the event contradicts what is stored (another resident's stay, ...)
            log.warning("ADT %s from %s refused: %s", adt.header.control_id, adt.header.sending_facility, exc)
            return _error(adt.header, str(exc), INTERNAL_ERROR, "PV1-19")
        except Exception as exc:
            log.warning(
                "ADT %s from %s not stored: %s", adt.header.control_id, adt.header.sending_facility, exc
            )
            return _error(adt.header, "the event could not be stored; send it again", INTERNAL_ERROR)
        if recorded.outcome is Outcome.CONFLICT:
            reason = "this control id was used before for a different message"
            return _error(adt.header, reason, DUPLICATE_KEY, "MSH-10")
        text = "; ".join([_SAID[recorded.outcome], *adt.event.warnings])
        return acknowledgement(adt.header, "AA", text)


def _error(header: Header | None, reason: str, condition: str, location: str | None = None) -> str:
    """An AE acknowledgement with its reason and error condition."""
    return acknowledgement(header, "AE", reason, UnusableMessageError(reason, condition, location))
