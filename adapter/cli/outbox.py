"""``redbag outbox``: look into the service's outboxes and requeue what failed, on the database itself."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
import time
from datetime import UTC, datetime

from adapter.cli.common import FAILED, OK, USAGE
from adapter.config import DEFAULT_DATABASE_URL
from adapter.errors import RedbagError
from adapter.store import AuditEvent, Outbox, Status, SubscriptionStore, open_outbox

EPILOG = """\
examples:
  redbag outbox list --status failed                 # failed transfers, newest first
  redbag outbox requeue 3f2c...-...  9a41...-...     # deliver these again (deadline from now)
  redbag outbox requeue --all-failed                 # every failed transfer, once the cause is fixed
  redbag outbox retry-subscription 7d0e...-...       # a subscriber is back: send what waits for it now

The database is REDBAG_DATABASE_URL's (sqlite:///redbag.db by default), as `redbag serve` uses it; the
running service picks requeued transfers up within REDBAG_DELIVERY_POLL_SECONDS. Each requeue is in the
audit trail (client cli:<user>, action requeue). Notifications are never failed (they are retried until
the subscriber answers): retry-subscription only ends a failing subscriber's backoff.
exit status: 0 done, 1 some id was not requeued (not failed, or unknown), 2 usage or database error.
"""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "outbox",
        help="list the service's transfers, requeue failed ones",
        description=__doc__,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    verbs = p.add_subparsers(dest="verb", metavar="VERB", required=True)
    listing = verbs.add_parser("list", help="transfers, newest first")
    listing.add_argument("--status", choices=[s.value for s in Status], help="only transfers in this status")
    listing.add_argument("--limit", type=int, default=50, help="at most this many (default 50)")
    requeue = verbs.add_parser("requeue", help="deliver failed transfers again")
    requeue.add_argument("ids", nargs="*", metavar="ID", help="transfer ids")
    requeue.add_argument("--all-failed", action="store_true", help="every failed transfer")
    retry = verbs.add_parser("retry-subscription", help="end a failing subscriber's backoff now")
    retry.add_argument("subscription", metavar="ID", help="the subscription's id")
    p.set_defaults(func=run)


def _when(epoch: float | None) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="seconds") if epoch else "-"


def _list(outbox: Outbox, status: str | None, limit: int) -> int:
    found = outbox.list_transfers(status=Status(status) if status else None, limit=limit)
    print(f"{'id':<36}  {'status':<10}  {'client':<16}  {'bag':<20}  {'tries':>5}  {'accepted':<25}  error")
    for t in found:
        print(
            f"{t.id:<36}  {t.status.value:<10}  {t.client[:16]:<16}  {t.bag_number[:20]:<20}  "
            f"{t.attempts:>5}  {_when(t.created_at):<25}  {(t.error or '')[:80]}"
        )
    print(f"{len(found)} transfer(s)", file=sys.stderr)
    return OK


def _requeue(outbox: Outbox, ids: list[str]) -> int:
    who = f"cli:{getpass.getuser()}"
    missed = 0
    for transfer_id in ids:
        requeued = outbox.requeue(transfer_id)
        current = requeued or outbox.get(transfer_id)
        outbox.record(
            AuditEvent(
                at=time.time(),
                client=who,
                action="requeue",
                outcome="ok" if requeued else ("not-found" if current is None else "conflict"),
                nhs_number=current.nhs_number if current else None,
                bag_number=current.bag_number if current else None,
                transfer_id=transfer_id if current else None,
            )
        )
        if requeued:
            print(f"{transfer_id}: requeued (bag {requeued.bag_number})")
        else:
            missed += 1
            why = "no such transfer" if current is None else f"is {current.status.value}, not failed"
            print(f"{transfer_id}: not requeued: {why}", file=sys.stderr)
    return FAILED if missed else OK


def run(args: argparse.Namespace) -> int:
    url = os.environ.get("REDBAG_DATABASE_URL", "").strip() or DEFAULT_DATABASE_URL
    if args.verb == "requeue" and bool(args.ids) == args.all_failed:
        print("redbag outbox requeue: give transfer ids, or --all-failed", file=sys.stderr)
        return USAGE
    try:
        outbox = open_outbox(url)
    except RedbagError as exc:
        print(f"redbag outbox: {exc}", file=sys.stderr)
        return USAGE
    try:
        if args.verb == "list":
            return _list(outbox, args.status, args.limit)
        if args.verb == "requeue":
            return _requeue(outbox, outbox.failed_ids() if args.all_failed else args.ids)
        waiting = SubscriptionStore(outbox.db).retry_now(args.subscription)
        if waiting is None:
            print(f"{args.subscription}: no such subscription (or it has ended)", file=sys.stderr)
            return FAILED
        print(f"subscription {args.subscription}: {waiting} notification(s) due now")
        return OK
    except RedbagError as exc:
        print(f"redbag outbox: {exc}", file=sys.stderr)
        return USAGE
    finally:
        outbox.close()
