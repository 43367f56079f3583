from bot.core.schedules import DEFAULT_SCHEDULES, days_text, decode_days, encode_days


def test_days_text_names_runs_including_ones_that_wrap_past_sunday():
    assert days_text((0, 1, 2, 3, 4)) == "Mon–Fri"
    assert days_text((6, 0, 1, 2, 3)) == "Sun–Thu"
    assert days_text((0, 2, 4)) == "Mon, Wed, Fri"
    assert days_text((4, 5)) == "Fri, Sat"
    assert days_text(tuple(range(7))) == "daily"


def test_days_round_trip_through_storage_text():
    assert decode_days(encode_days((4, 0, 2, 2))) == (0, 2, 4)
    assert decode_days(None) is None


def test_defaults_follow_the_spec():
    assert [s.describe() for s in DEFAULT_SCHEDULES.values()] == [
        "nudge Wed 10:00",
        "lagging-alert Thu 09:00",
        "weekly-digest Fri 16:00",
        "log-reminder off",
    ]
