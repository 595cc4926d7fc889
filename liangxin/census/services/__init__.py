"""The census import, by stage: read and validate every row, plan, then write in one transaction.

- ``scan``: the one pass over a file every stage makes (read, validate, match, plan; no writes).
- ``preview``: ``preview_import`` validates and plans without writing the register (the batch, its
  original file and its problems are kept); ``check_file``, ``plan_file`` and ``replan`` plan and
  keep nothing.
- ``write`` (with ``staging``): ``confirm_import`` re-reads the kept file, re-plans, refuses if
  the plan's fingerprint differs from the preview's (somebody changed the register in between),
  stages what it will write while only reading the register, and applies it in a single short
  transaction; ``import_file`` does both at once for the command line and a campaign's approval.
- ``revert``: ``revert_batch`` restores the values before a batch.

Callers use this module's names only.
"""

from .preview import FilePlan, check_file, plan_file, preview_import, replan
from .revert import REVERT_WINDOW_DAYS, may_revert, revert_batch
from .scan import ImportOutcome
from .write import (
    BACKGROUND_LOCK_WAIT_SECONDS,
    ImportRefused,
    RegisterBusy,
    StalePreview,
    changes_digest,
    confirm_import,
    import_file,
)

__all__ = [
    "BACKGROUND_LOCK_WAIT_SECONDS",
    "REVERT_WINDOW_DAYS",
    "FilePlan",
    "ImportOutcome",
    "ImportRefused",
    "RegisterBusy",
    "StalePreview",
    "changes_digest",
    "check_file",
    "confirm_import",
    "import_file",
    "may_revert",
    "plan_file",
    "preview_import",
    "replan",
    "revert_batch",
]
