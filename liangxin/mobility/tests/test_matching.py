"""Scoring candidates on constructed people with known answers."""

import datetime as dt

from liangxin.mobility.matching import Person, candidates, name_similarity, score

BIRTH = dt.date(1988, 3, 4)
RECORD = Person(0, "张三", BIRTH, "522301")


def test_everything_agreeing_scores_100():
    found = score(RECORD, Person(7, "张三", BIRTH, "522301"))
    assert found is not None
    assert (found.member_id, found.score, found.reasons) == (7, 100, ("name", "birth_date", "origin"))


def test_two_of_three_make_a_candidate_with_their_points():
    assert score(RECORD, Person(1, "张三", BIRTH, "530324")).score == 80
    assert score(RECORD, Person(2, "张三", dt.date(1990, 1, 1), "522301")).score == 70
    same_place_and_day = score(RECORD, Person(3, "李四", BIRTH, "522301"))
    assert same_place_and_day is not None and same_place_and_day.score == 50
    assert same_place_and_day.reasons == ("birth_date", "origin")


def test_a_close_name_counts_by_its_similarity():
    assert name_similarity("张三", "张山") == 0.5
    found = score(RECORD, Person(4, "张山", BIRTH, "530324"))
    assert found is not None and found.reasons == ("similar_name", "birth_date") and found.score == 55


def test_one_agreement_is_no_candidate():
    assert score(RECORD, Person(5, "张三", dt.date(1970, 1, 1), "530324")) is None
    assert score(RECORD, Person(6, "王五", BIRTH, "530324")) is None
    assert score(Person(0, "张三", None, None), Person(8, "张三", BIRTH, "522301")) is None


def test_candidates_are_ordered_by_score_then_id_and_limited():
    pool = [
        Person(30, "张三", BIRTH, "530324"),  # 80
        Person(10, "张三", BIRTH, "522301"),  # 100
        Person(20, "张三", BIRTH, "530324"),  # 80
        Person(40, "王五", dt.date(1970, 1, 1), "530324"),  # none
    ]
    assert [(c.member_id, c.score) for c in candidates(RECORD, pool)] == [(10, 100), (20, 80), (30, 80)]
    assert len(candidates(RECORD, pool, limit=1)) == 1
