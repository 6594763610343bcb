"""Who may read discharge readiness and what care homes can manage: any caller of the pathway (hospital
systems, subscribers, auditors) or a sender of red bags."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from adapter.service.auth import Caller, require_scope

#: Scopes any of which lets a caller read readiness and capabilities.
READ_SCOPES = frozenset({"send", "events", "subscribe", "audit"})

#: The authenticated caller, 403 unless its key has one of :data:`READ_SCOPES`.
require_reader = require_scope(*sorted(READ_SCOPES))

Reader = Annotated[Caller, Depends(require_reader)]
