"""Synthetic identifiers for the benchmarks' generated data."""

from __future__ import annotations

from stdnum.cn import uscc as stdnum_uscc

_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100-2015: no I, O, S, V, Z


def uscc(seq: int, authority: str, region: str) -> str:
    """A well-formed unified social credit code, unique for ``seq``: registration authority,
    category 1, the region's code, ``seq`` in base 31 as the organization code, and the check
    character python-stdnum computes."""
    digits = []
    n = seq
    for _ in range(9):
        digits.append(_ALPHABET[n % 31])
        n //= 31
    body = f"{authority}1{region}" + "".join(reversed(digits))
    return body + stdnum_uscc.calc_check_digit(body)
