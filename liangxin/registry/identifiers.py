"""Validation of unified social credit codes (GB 32100) and citizen ID numbers (GB 11643).

Pure functions, no Django: python-stdnum does the arithmetic, this module turns its exceptions
into messages a township clerk can act on.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from stdnum.cn import ric, uscc
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidLength, ValidationError


class IdentifierError(ValueError):
    """A bad identifier; ``code`` is a stable problem code, ``message`` plain Chinese."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def clean_identifier(value: str) -> str:
    """Full-width → half-width, spaces and dashes out, upper case."""
    value = unicodedata.normalize("NFKC", value)
    return "".join(ch for ch in value if ch not in " -\t\u3000").upper()


# A code as forms and files nearly always give it: 18 characters, the first 8 digits, the rest from
# the code's alphabet (no I, O, S, V, Z). Such a code needs only its check character computed;
# any other is cleaned, then classified by python-stdnum's ``validate``. On a million-row census
# the cleaning and the checks ``validate`` repeats cost about 7 µs a code of 15 (ARCHITECTURE.md,
# "Derived layers and tunings").
_WELL_FORMED_USCC = re.compile(r"[0-9]{8}[0-9A-HJ-NPQRTUWXY]{10}")


def validate_uscc(value: str) -> str:
    if _WELL_FORMED_USCC.fullmatch(value) and uscc.calc_check_digit(value[:17]) == value[17]:
        return value
    number = clean_identifier(value)
    try:
        return str(uscc.validate(number))
    except InvalidLength as exc:
        raise IdentifierError(
            "uscc_format",
            f"统一社会信用代码应为18位,当前为{len(number)}位,请核对营业执照或登记证书。",
        ) from exc
    except InvalidChecksum as exc:
        raise IdentifierError(
            "uscc_checksum", "统一社会信用代码校验位不正确,可能有字符录错,请对照证照逐位核对。"
        ) from exc
    except ValidationError as exc:
        raise IdentifierError(
            "uscc_format",
            "统一社会信用代码含有不允许的字符(前8位应为数字,不使用字母I、O、Z、S、V),请核对。",
        ) from exc


# The first character of a USCC names the registration authority: 9 market regulation (工商),
# 5 civil affairs (民政). Other authorities exist (1 organization establishment, 3 judicial
# administration for law firms, ...) and are not evidence of either category.
ECONOMIC_AUTHORITY = "9"
SOCIAL_AUTHORITY = "5"


def uscc_registration_authority(number: str) -> str:
    return clean_identifier(number)[:1]


@dataclass(frozen=True)
class CitizenId:
    number: str
    birth_date: dt.date
    sex: str  # "M" or "F"

    @property
    def masked(self) -> str:
        return mask_id_number(self.number)


def validate_citizen_id(value: str) -> CitizenId:
    number = clean_identifier(value)
    try:
        number = str(ric.validate(number))
    except InvalidLength as exc:
        raise IdentifierError("id_number_format", f"公民身份号码应为18位,当前为{len(number)}位,请核对身份证。") from exc
    except InvalidChecksum as exc:
        raise IdentifierError(
            "id_number_checksum", "公民身份号码最后一位校验码不正确,可能有数字录错,请对照身份证逐位核对。"
        ) from exc
    except InvalidComponent as exc:
        raise IdentifierError("id_number_component", "公民身份号码中的出生日期或地区代码无效,请核对身份证。") from exc
    except ValidationError as exc:
        raise IdentifierError("id_number_format", "公民身份号码前17位应为数字,最后一位为数字或X,请核对。") from exc
    birth = ric.get_birth_date(number)
    sex = "M" if int(number[16]) % 2 == 1 else "F"
    return CitizenId(number=number, birth_date=birth, sex=sex)


# Characters of an ID number left visible in its masked form: the last two (the sex digit and the
# check character). Shown beside the birth year, this leaves the area code, month, day and two
# sequence digits unknown — thousands of candidates (docs/personal-data.md); the last four beside
# the year would leave about 33.
VISIBLE_ID_CHARACTERS = 2


def mask_id_number(number: str) -> str:
    """``530324199001011234`` → ``****************34``."""
    if len(number) <= VISIBLE_ID_CHARACTERS * 4:
        return "*" * len(number)
    return "*" * (len(number) - VISIBLE_ID_CHARACTERS) + number[-VISIBLE_ID_CHARACTERS:]
