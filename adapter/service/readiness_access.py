"""Who may read discharge readiness and what care homes can manage: any caller of the pathway (hospital
systems, subscribers, auditors) or a sender of red bags."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException

from adapter.service.auth import Caller, authenticate

#: Scopes any of which lets a caller read readiness and capabilities.
READ_SCOPES = frozenset({"send", "events", "subscribe", "audit"})


async def require_reader(caller: Annotated[Caller, Depends(authenticate)]) -> Caller:
    """The authenticated caller, 403 unless its key has one of :data:`READ_SCOPES`."""
    if not caller.scopes & READ_SCOPES:
        raise HTTPException(
            403,
            f"client {caller.client!r} may not read this (needs one of: {', '.join(sorted(READ_SCOPES))})",
        )
    return caller


Reader = Annotated[Caller, Depends(require_reader)]
