"""``redbag outbox``: list transfers, requeue failed ones, end a subscriber's backoff; on the database the
service uses (REDBAG_DATABASE_URL)."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapter.cli import main
from adapter.store import AuditQuery, Kind, NewTransfer, open_outbox


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'outbox.db'}"
    monkeypatch.setenv("REDBAG_DATABASE_URL", url)
    return url


def _failed_transfer(url: str) -> str:
    outbox = open_outbox(url)
    try:
        new = NewTransfer(
            Kind.TRANSFER, "ehr-a", "RB-1", None, "transfer|VN4R7|RB-1|t", None, "h", b"{}", b"{}", b"{}"
        )
        transfer, _ = outbox.enqueue(new)
        [job] = outbox.claim("cli-test", 60)
        outbox.mark_failed(job.id, "cli-test", error="HTTP 503", outcome=None, retry_at=None)
        return transfer.id
    finally:
        outbox.close()


def test_failed_transfers_are_listed_and_requeued(database: str, capsys: pytest.CaptureFixture[str]) -> None:
    failed = _failed_transfer(database)
    assert main(["outbox", "list", "--status", "failed"]) == 0
    listed = capsys.readouterr().out
    assert failed in listed and "HTTP 503" in listed
    assert main(["outbox", "requeue", failed]) == 0
    assert f"{failed}: requeued" in capsys.readouterr().out
    assert main(["outbox", "requeue", failed]) == 1  # queued now, not failed
    assert "is queued, not failed" in capsys.readouterr().err
    outbox = open_outbox(database)
    try:
        [event] = [e for e in outbox.audit(AuditQuery(action="requeue")) if e.outcome == "ok"]
        assert event.client.startswith("cli:") and event.transfer_id == failed
    finally:
        outbox.close()


def test_usage_errors(database: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["outbox", "requeue"]) == 2
    assert "give transfer ids, or --all-failed" in capsys.readouterr().err
    assert main(["outbox", "retry-subscription", "no-such"]) == 1
    assert "no such subscription" in capsys.readouterr().err
