"""A separate process that claims outbox jobs until none is left and prints each claimed id.

python tests/store/claim_worker.py DATABASE_URL     (used by test_outbox.py)
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from adapter.store import open_outbox


def main() -> None:
    outbox = open_outbox(sys.argv[1])
    owner = f"worker-{sys.argv[2]}"
    go = Path(sys.argv[3])
    print("ready", flush=True)
    while not go.exists():
        time.sleep(0.01)
    idle_since = time.monotonic()
    while time.monotonic() - idle_since < 1.0:
        jobs = outbox.claim(owner, lease_seconds=3600, limit=2)
        for job in jobs:
            print(job.id, flush=True)
            time.sleep(0.005)  # the delivery itself (outside any transaction, as in the worker)
            outbox.mark_delivered(job.id, b"{}")
        if jobs:
            idle_since = time.monotonic()
    outbox.close()


if __name__ == "__main__":
    main()
