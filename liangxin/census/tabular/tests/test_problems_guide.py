from liangxin.census.tabular import problems


def test_every_problem_code_has_a_chinese_title_and_advice():
    assert set(problems.PROBLEM_GUIDE) == set(problems.PROBLEM_CODES)
    for code, (title, advice) in problems.PROBLEM_GUIDE.items():
        assert title and advice and code not in title and not title.isascii()
    assert len({title for title, _advice in problems.PROBLEM_GUIDE.values()}) == len(problems.PROBLEM_GUIDE)
    assert problems.title_of("uscc_missing_individual") == "个体户未填信用代码"
    assert problems.title_of("no_such_code") == "no_such_code"
