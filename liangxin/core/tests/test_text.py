import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pypinyin import Style, lazy_pinyin

from liangxin.core.text import clean_name, clean_text, normalize_name, pinyin_keys


@pytest.mark.parametrize(
    ("name", "initials", "full"),
    [
        ("蜂产业协会", "fcyxh", "fengchanyexiehui"),
        ("罗平县行业协会", "lpxhyxh", "luopingxianhangyexiehui"),  # 行业: hang, not xing
        ("中国银行罗平支行", "zgyhlpzh", "zhongguoyinhangluopingzhihang"),
        ("绿色食品有限公司", "lsspyxgs", "lvseshipinyouxiangongsi"),  # ü typed as v
        ("ＡＢＣ科技 2号", "abckj2h", "abckeji2hao"),
    ],
)
def test_pinyin_keys(name, initials, full):
    assert pinyin_keys(name) == (initials, full)


def test_pinyin_matches_pypinyin_on_ordinary_names():
    for name in ["罗平县九龙砖沙协会", "板桥镇星火煤业有限公司", "罗雄街道万兴隆商贸有限公司", "罗平县民办育才学校"]:
        expected = "".join(lazy_pinyin(name, style=Style.FIRST_LETTER))
        assert pinyin_keys(name)[0] == expected


# Polyphones and the words that decide their reading (a hand-made longest-phrase match read 心长发
# as xin chang fa where pypinyin reads xin zhang fa).
_POLYPHONES = (
    "行长重乐还会都调单朝藏曾传差种省处银业商贸庆沙音计查媒旅植心理人民建设发展服务中公司有限专合作社大学教育江县 "
)


@settings(max_examples=300, deadline=None)
@given(st.text(_POLYPHONES, min_size=1, max_size=10))
def test_pinyin_keys_read_a_name_as_pypinyin_reads_it(name):
    syllables = lazy_pinyin(normalize_name(name), style=Style.NORMAL)
    assert pinyin_keys(name) == ("".join(p[0] for p in syllables), "".join(syllables))


_LATIN = "AB19 -(·"


def _as_read_by_pypinyin(name: str) -> list[str]:
    """lazy_pinyin's pieces, where a piece it could not read (kept as written) becomes its letters
    and digits: what the keys are meant to spell."""
    found = []
    for piece in lazy_pinyin(normalize_name(name), style=Style.NORMAL):
        if piece.isascii() and piece.isalpha() and piece.islower():
            found.append(piece)
        else:
            found.extend(ch.lower() for ch in piece if ch.isascii() and ch.isalnum())
    return found


@settings(max_examples=300, deadline=None)
@given(st.text(_POLYPHONES + _LATIN, min_size=1, max_size=14))
def test_pinyin_keys_of_mixed_names_read_the_chinese_as_pypinyin_and_keep_letters_and_digits(name):
    syllables = _as_read_by_pypinyin(name)
    assert pinyin_keys(name) == ("".join(p[0] for p in syllables), "".join(syllables))


def test_pinyin_keys_of_a_name_pypinyin_segments_otherwise_than_longest_phrase_first():
    assert pinyin_keys("心长发") == ("xzf", "xinzhangfa")


def test_normalize_name_folds_width_and_spaces():
    assert normalize_name(" 罗平县 （九龙）砖沙协会 ") == "罗平县(九龙)砖沙协会"


def test_the_matching_key_folds_traditional_characters():
    assert normalize_name("羅平縣鑫源（雲南）有限公司") == normalize_name("罗平县鑫源(云南)有限公司")
    assert normalize_name("乾隆酒店") == "乾隆酒店"  # OpenCC's phrase table decides, not the character table


def test_names_are_stored_as_written_only_their_whitespace_tidied():
    assert clean_name(" 罗平县（九龙）  砖沙协会\n") == "罗平县（九龙）砖沙协会"
    assert clean_name("ABC Tech（罗平）有限公司") == "ABC Tech（罗平）有限公司"
    assert clean_name("'=罗平县公司") == "=罗平县公司"  # the export's formula-neutralising mark
    assert clean_text("１号  院\n3栋") == "1号 院 3栋"
