"""Matching names in files to people, and the on-disk duplicate index. Pure."""

from __future__ import annotations

import os

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.importer.matching import Candidate, MatchError, PeopleIndex, name_key
from bot.importer.seen import Repeat, SeenRows

ANN = Candidate("U0ANN0001", "ann", "Ann Lee", "annie", "ann@example.com")
BO = Candidate("U0BO00001", "bo", "Bo Kim", "Bo Kim", "bo@example.com", person_id=7)
LEE_1 = Candidate("U0LEE0001", "lee1", "Lee Park", None, None)
LEE_2 = Candidate("U0LEE0002", "lee2", "Lee Park", None, None)


def index(**kw) -> PeopleIndex:
    return PeopleIndex([ANN, BO, LEE_1, LEE_2], **kw)


def test_names_match_real_names_then_display_names_case_and_spaces_aside():
    found = index().by_name("  ann   LEE ")
    assert (found.how, found.candidate, found.person_id) == ("Slack real name", ANN, None)
    assert index().by_name("Annie").how == "Slack display name"
    # A Slack member the database knows comes back as that person.
    assert index().by_name("bo kim").person_id == 7


def test_unknown_and_shared_names_become_new_unlinked_people():
    new = index().by_name("Zoe  Quinn")
    assert (new.new_name, new.candidate, new.person_id, new.ambiguous) == (
        "Zoe Quinn",
        None,
        None,
        0,
    )
    shared = index().by_name("Lee Park")
    assert (shared.new_name, shared.ambiguous) == ("Lee Park", 2)


def test_earlier_imports_and_links_win_over_slack_names():
    people = index(unlinked={"ann lee": 40}, aliases={"lee park": 41})
    assert people.by_name("Ann Lee").person_id == 40
    assert people.by_name("Lee Park").person_id == 41
    people.remember("zoe quinn", 42)
    assert people.by_name("ZOE QUINN").person_id == 42


def test_the_activity_user_column_takes_ids_handles_emails_and_names():
    people = index()
    assert people.resolve("U0ANN0001").candidate == ANN
    assert people.resolve("@ann").candidate == ANN
    assert people.resolve("@Annie").candidate == ANN  # a display name after @ also works
    assert people.resolve("ANN@example.com").candidate == ANN
    assert people.resolve("Bo Kim").person_id == 7
    assert people.resolve("UMAR").new_name == "UMAR"  # no digit: a name, not an id


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("U0NOBODY1", 'no Slack user has the id "U0NOBODY1" in this workspace'),
        ("@nobody", 'no Slack user matches "@nobody" (Slack handle)'),
        ("who@example.com", 'no Slack user matches "who@example.com" (email)'),
        ("   ", "the name is empty"),
    ],
)
def test_ids_handles_and_emails_must_match(written, message):
    with pytest.raises(MatchError) as caught:
        index().resolve(written)
    assert caught.value.message == message


def test_a_handle_wins_over_display_names_and_an_ambiguous_one_is_an_error():
    handle_first = PeopleIndex(
        [Candidate("U01", "sam", None, "sammy"), Candidate("U02", "samuel", None, "sam")]
    )
    assert handle_first.resolve("@sam").candidate.slack_user_id == "U01"
    twins = PeopleIndex([Candidate("U01", "s1", None, "sam"), Candidate("U02", "s2", None, "sam")])
    with pytest.raises(
        MatchError, match='"@sam" matches 2 Slack users — use their Slack id instead'
    ):
        twins.resolve("@sam")


@given(st.text(max_size=40))
def test_name_keys_are_stable(text):
    assert name_key(name_key(text)) == name_key(text)
    assert name_key(text.upper().casefold()) == name_key(text.casefold())


def test_seen_rows_finds_duplicates_and_conflicts_across_batches():
    with SeenRows() as seen:
        assert seen.add([(b"a", 2, b"x"), (b"b", 3, b"y"), (b"a", 4, b"x")]) == [Repeat(4, 2, True)]
        assert seen.add([(b"b", 5, b"z"), (b"c", 6, b"w"), (b"a", 7, b"x")]) == [
            Repeat(5, 3, False),
            Repeat(7, 2, True),
        ]
        # Only same-content repeats are duplicates that pass 2 skips, in line order.
        assert list(seen.repeats()) == [(4, 2), (7, 2)]


def test_seen_rows_cleans_up_its_scratch_file():
    seen = SeenRows()
    directory = seen._dir.name
    seen.close()
    assert not os.path.exists(directory)
