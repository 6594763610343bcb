"""HL7 v2 ADT in, over MLLP: messages read (the ``hl7`` library parses and frames), mapped to pathway
events, acknowledged once stored.

Why ``hl7`` (python-hl7 0.4.5) rather than ``hl7apy``: it ships asyncio MLLP streams that frame messages
for a server without a thread per connection, it parses leniently (trusts' feeds vary and a strict
structure check would refuse messages whose unused segments break the profile), it is small and
pure Python, and it comes with ``mllp_send``, the third-party client the tests send messages with.
``hl7apy`` validates whole messages against the v2 structures, which redbag does not need (it reads six
segments) and which costs time on every message; its MLLP server is thread-based.

>>> adt = read_adt(raw_message, Hl7Settings())      # doctest: +SKIP
>>> adt.event.kind                                   # doctest: +SKIP
<EventKind.ADMITTED: 'admitted'>
"""

from __future__ import annotations

from adapter.hl7v2.ack import acknowledgement
from adapter.hl7v2.adt import TRIGGERS, Adt, read_adt
from adapter.hl7v2.errors import RejectedMessageError, UnusableMessageError
from adapter.hl7v2.message import Header, Message
from adapter.hl7v2.mllp import start_listener
from adapter.hl7v2.receiver import AdtReceiver, Sink

__all__ = [
    "TRIGGERS",
    "Adt",
    "AdtReceiver",
    "Header",
    "Message",
    "RejectedMessageError",
    "Sink",
    "UnusableMessageError",
    "acknowledgement",
    "read_adt",
    "start_listener",
]
