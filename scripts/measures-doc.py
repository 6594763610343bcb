#!/usr/bin/env python3
"""Write docs/measures.md from the measures' definitions (adapter/measures/definitions.py).

.venv/bin/python scripts/measures-doc.py          rewrite docs/measures.md
.venv/bin/python scripts/measures-doc.py --check  exit 1 when it is out of date (the tests check too)
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from adapter.measures.docs import measures_markdown  # noqa: E402

DOC = ROOT / "docs" / "measures.md"


def main() -> int:
    text = measures_markdown()
    current = DOC.read_text("utf-8") if DOC.exists() else None
    if current == text:
        return 0
    if sys.argv[1:] == ["--check"]:
        print(f"out of date: {DOC.relative_to(ROOT)} (run scripts/measures-doc.py)", file=sys.stderr)
        return 1
    DOC.write_text(text, "utf-8")
    print(f"wrote: {DOC.relative_to(ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
