#!/usr/bin/env python3
"""Write the field policy (adapter/redbag/schemas/field-policy.yaml) where people read it.

.venv/bin/python scripts/field-policy.py          rewrite docs/field-policy.md and the schemas' descriptions
.venv/bin/python scripts/field-policy.py --check  exit 1 when either is out of date (the tests check too)
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from adapter.redbag.policy_docs import generated  # noqa: E402


def main() -> int:
    check = sys.argv[1:] == ["--check"]
    stale = []
    for path, text in generated(ROOT).items():
        current = path.read_text("utf-8") if path.exists() else None
        if current != text:
            stale.append(path)
            if not check:
                path.write_text(text, "utf-8")
    for path in stale:
        print(f"{'out of date' if check else 'wrote'}: {path.relative_to(ROOT)}", file=sys.stderr)
    return 1 if check and stale else 0


if __name__ == "__main__":
    raise SystemExit(main())
