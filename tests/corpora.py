"""Where the external corpora are: ``../shared/corpora`` beside the project, or ``$REDBAG_CORPORA``."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def corpora() -> Path:
    """``../shared/corpora`` beside the project; ``REDBAG_CORPORA`` names it when the project is elsewhere
    (a git worktree, say)."""
    given = os.environ.get("REDBAG_CORPORA")
    return Path(given) if given else ROOT.parent / "shared" / "corpora"


def ukcore() -> Path:
    """UK Core R4 (STU2) as XML: structuredefinitions/, valuesets/, codesystems/, examples/."""
    return corpora() / "uk-core-r4"
