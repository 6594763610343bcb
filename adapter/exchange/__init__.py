"""Red bags to and from a FHIR server: push, pull and the smoke round trip.

The only package that joins the domain (:mod:`adapter.redbag`) and the FHIR client
(:mod:`adapter.client`); the commands in :mod:`adapter.cli` sit on top of it.
"""

from adapter.exchange.errors import (
    AmbiguousResidentError,
    ExchangeError,
    IncompleteRedBagError,
    NotOnServerError,
)
from adapter.exchange.pull import PulledRedBag, pull_document, pull_red_bag, pull_summary
from adapter.exchange.push import PushResult, push_transaction, transaction_for

__all__ = [
    "AmbiguousResidentError",
    "ExchangeError",
    "IncompleteRedBagError",
    "NotOnServerError",
    "PulledRedBag",
    "PushResult",
    "pull_document",
    "pull_red_bag",
    "pull_summary",
    "push_transaction",
    "transaction_for",
]
