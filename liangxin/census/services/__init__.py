"""The census import, by stage: read and validate every row, plan, then write in one transaction.

- ``scan``: the one pass over a file every stage makes (read, validate, match, plan; no writes).
- ``preview``: ``preview_import`` validates and plans without writing the register (the batch, its
  original file and its problems are kept); ``check_file``, ``plan_file`` and ``replan`` plan and
  keep nothing.
- ``write``: ``confirm_import`` re-reads the kept file, re-plans, refuses if the plan's fingerprint
  differs from the preview's (somebody changed the register in between), and applies it in a
  single transaction; ``import_file`` does both at once for the command line.
- ``revert``: ``revert_batch`` restores the values before a batch.

Callers use this module's names only.
"""

from .preview import FilePlan, check_file, plan_file, preview_import, replan
from .revert import REVERT_WINDOW_DAYS, may_revert, revert_batch
from .scan import ImportOutcome
from .write import ImportRefused, StalePreview, changes_digest, confirm_import, import_file

__all__ = [
    "REVERT_WINDOW_DAYS",
    "FilePlan",
    "ImportOutcome",
    "ImportRefused",
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
