"""Reading, normalising and validating census spreadsheets — pure Python, no Django.

Public API::

    read_census(data, filename, reference, mapping_override=None) -> CensusReadResult
    read_workbook(data, filename) -> list[Sheet]              # reading.py
    locate_header(sheet, override=None) -> Header | None       # header.py
    parse_sheet(sheet, header, file_name) -> ParseResult       # parse.py
    validate_rows(rows, reference) -> list[Problem]            # validate.py

The Django layer fills a :class:`Reference` from the database, calls :func:`read_census`, and
writes the rows of a result without errors. See ``PROBLEM_CODES.md`` for every problem code.
"""

from .api import CensusReadResult, read_census
from .columns import BY_KEY, BY_LABEL, COLUMNS, Column
from .header import Header, HeaderColumn, locate_header
from .parse import CensusRow, ParseResult, parse_sheet
from .problems import PROBLEM_CODES, Problem, ValueProblem
from .reading import ReadError, Sheet, read_workbook
from .validate import Place, Reference, validate_rows

__all__ = [
    "BY_KEY",
    "BY_LABEL",
    "COLUMNS",
    "PROBLEM_CODES",
    "CensusReadResult",
    "CensusRow",
    "Column",
    "Header",
    "HeaderColumn",
    "ParseResult",
    "Place",
    "Problem",
    "ReadError",
    "Reference",
    "Sheet",
    "ValueProblem",
    "locate_header",
    "parse_sheet",
    "read_census",
    "read_workbook",
    "validate_rows",
]
