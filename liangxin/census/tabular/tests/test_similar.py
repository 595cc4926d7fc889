"""Near-duplicate names (``similar``): the rule, and that searching the register by the prefixes it
gives finds every name the rule calls a near duplicate."""

from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz

from liangxin.census.tabular import similar

PLACES = similar.place_prefixes("罗平县", "罗雄街道")


def _registered(*names: str) -> list[similar.Registered]:
    return [(name, name, None) for name in names]


def _near(key: str, *names: str) -> str | None:
    found = similar.near_duplicate(key, similar.by_start(_registered(*names), PLACES), PLACES)
    return None if found is None else found[1]


def test_the_place_a_name_begins_with_is_written_in_every_usual_way():
    assert {"", "罗平县", "罗平", "罗雄街道", "罗雄", "罗平县罗雄街道", "罗平罗雄", "罗平县罗雄"} <= set(PLACES)
    assert PLACES[-1] == "" and len(PLACES[0]) >= len(PLACES[1])
    assert similar.core("罗平县鑫源建材有限公司", PLACES) == "鑫源建材有限公司"
    assert similar.core("罗平罗雄鑫源建材有限公司", PLACES) == "鑫源建材有限公司"
    assert similar.core("鑫源建材有限公司", PLACES) == "鑫源建材有限公司"


def test_names_alike_after_their_place_are_near_duplicates():
    assert _near("罗平县鑫源建材有限责任公司", "罗平县鑫源建材有限公司") == "罗平县鑫源建材有限公司"
    assert _near("罗雄鑫源建材有限责任公司", "罗雄鑫源建材有限公司", "罗平县鑫园建材有限公司") == "罗雄鑫源建材有限公司"
    assert _near("罗平县鑫源建材有限公司", "罗平县鑫源建材有限公司") is None  # the same name: matched, not alike
    assert _near("罗平县鑫源建材有限公司", "罗平县兴隆商贸有限公司") is None
    # A slip in the first two characters after the place is not searched for (see the module).
    assert _near("罗平县新源建材有限公司", "罗平县鑫源建材有限公司") is None


def test_the_first_registered_of_equally_alike_names_is_named():
    assert _near("罗平县鑫源建材有限公司", "罗平县鑫源建材有限公", "罗平县鑫源建材有限司") == "罗平县鑫源建材有限公"


_CHARS = "罗平县雄街道鑫源建材有限公司兴隆商贸"


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.text(_CHARS, min_size=1, max_size=14), min_size=1, max_size=30, unique=True),
    st.text(_CHARS, min_size=1, max_size=14),
)
def test_the_prefix_search_finds_every_near_duplicate_a_full_scan_finds(names, query):
    """What the database returns for the search prefixes (names beginning with one of them) holds
    every registered name the rule calls a near duplicate: the same answer as comparing with all."""
    prefixes = similar.search_prefixes(query, PLACES)
    searched = [n for n in names if any(n.startswith(p) for p in prefixes)]
    start = similar.core(query, PLACES)[: similar.ALIKE_CHARACTERS]
    by_rule = [
        n
        for n in names
        if n != query
        and similar.core(n, PLACES)[: similar.ALIKE_CHARACTERS] == start
        and fuzz.ratio(query, n) >= similar.NEAR_DUPLICATE_SCORE
    ]
    assert set(by_rule) <= set(searched)
    found = _near(query, *searched)
    best = max((fuzz.ratio(query, n) for n in by_rule), default=None)
    assert (found is None) == (best is None)
    if found is not None:
        assert fuzz.ratio(query, found) == best
