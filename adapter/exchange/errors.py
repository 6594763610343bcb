"""Errors of the push/pull exchange (a subtree of :class:`adapter.errors.RedbagError`)::

ExchangeError                 (code: "exchange")
├── NotOnServerError          no resident with that NHS number, or no transfer for them
├── AmbiguousResidentError    several Patients, or a partial match, for one NHS number (hazard H3)
├── AmbiguousRedBagError      two transfer summaries share the newest date, or one has none (hazard H5)
├── SearchNotHonouredError    a search answered with resources it did not ask for (hazards H3, H5)
├── IncompleteRedBagError     the server's copy of the red bag is missing resources
└── IncapableServerError      the server's CapabilityStatement lacks what a red bag needs
"""

from __future__ import annotations

from adapter.errors import RedbagError


class ExchangeError(RedbagError):
    """Pushing or pulling a red bag failed for a reason other than the HTTP exchange itself."""

    code = "exchange"


class NotOnServerError(ExchangeError):
    """The server has no resident with the NHS number, or no transfer summary for them."""

    code = "exchange-not-found"


class AmbiguousResidentError(ExchangeError):
    """The server's answer does not name exactly one resident: never guess which (hazard H3)."""

    code = "exchange-ambiguous"


class IncompleteRedBagError(ExchangeError):
    """A resource the red bag refers to is not on the server (deleted, or never pushed)."""

    code = "exchange-incomplete"


class AmbiguousRedBagError(ExchangeError):
    """The newest transfer summary cannot be told apart: never guess which is current (hazard H5)."""

    code = "exchange-ambiguous-red-bag"


class SearchNotHonouredError(ExchangeError):
    """The server answered a search with resources that do not meet its criteria (hazards H3, H5)."""

    code = "exchange-search-not-honoured"


class IncapableServerError(ExchangeError):
    """The server's CapabilityStatement lacks (or hides) something essential; ``report`` says what."""

    code = "exchange-incapable-server"
