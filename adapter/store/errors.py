"""The outbox's exceptions: one subtree under :class:`adapter.errors.StoreError`.

::

    StoreError                         (code: "store")
    ├── DatabaseError                  the database is unreachable or failed (retry later)
    ├── IdempotencyKeyReusedError      an Idempotency-Key sent again with a different request
    ├── DuplicateTransferError         the same bag and createdAt already accepted with other content
    └── ConflictingTransferError       ... from another client (which is not named)
"""

from __future__ import annotations

from adapter.errors import StoreError


class DatabaseError(StoreError):
    """The database could not be reached or failed; nothing was changed."""

    code = "store-database"


class IdempotencyKeyReusedError(StoreError):
    """The caller reused an Idempotency-Key for a request with different content."""

    code = "store-idempotency-key-reused"

    def __init__(self, transfer_id: str) -> None:
        self.transfer_id = transfer_id
        super().__init__(
            f"this Idempotency-Key was already used for transfer {transfer_id} with different content: "
            "use a new key for a new request"
        )


class DuplicateTransferError(StoreError):
    """A transfer with the same natural key (bag number and createdAt) exists with different content."""

    code = "store-duplicate-transfer"

    def __init__(self, transfer_id: str, what: str) -> None:
        self.transfer_id = transfer_id
        super().__init__(
            f"{what} was already accepted as transfer {transfer_id} with different content: "
            "a corrected red bag needs a new createdAt"
        )


class ConflictingTransferError(StoreError):
    """Another client's transfer of the same red bag (care home, bag number, createdAt) has other content:
    delivering this one would overwrite it on the FHIR server. Names nothing of the other transfer."""

    code = "store-conflicting-transfer"

    def __init__(self, what: str) -> None:
        super().__init__(
            f"{what} was already sent by another sender with different content: a corrected red bag "
            "needs a new createdAt"
        )
