from decimal import Decimal
from fractions import Fraction

import pytest

from bot.core.progress_bar import progress_bar


@pytest.mark.parametrize(
    ("pct", "expected_pct", "bar"),
    [
        (62, None, "▓▓▓▓▓▓░░░░ 62%"),
        (0, None, "░░░░░░░░░░ 0%"),
        (100, None, "▓▓▓▓▓▓▓▓▓▓ 100%"),
        (99, None, "▓▓▓▓▓▓▓▓▓░ 99%"),  # full only at 100
        (130, None, "▓▓▓▓▓▓▓▓▓▓ 130%"),  # clamped bar, true number
        (-5, None, "░░░░░░░░░░ -5%"),
        (62, 40, "▓▓▓┃▓▓░░░░ 62%"),  # ahead: filled past the marker
        (20, 40, "▓▓░┃░░░░░░ 20%"),  # behind: the marker sits in the empty part
        (40, 40, "▓▓▓┃░░░░░░ 40%"),  # exactly on pace: the marker is the last filled cell
        (62, 0, "▓▓▓▓▓▓░░░░ 62%"),  # nothing expected yet: no marker
        (50, 5, "┃▓▓▓▓░░░░░ 50%"),
        (50, 100, "▓▓▓▓▓░░░░┃ 50%"),
        (150, 100, "▓▓▓▓▓▓▓▓▓┃ 150%"),
        (50, 120, "▓▓▓▓▓░░░░┃ 50%"),
        (Fraction(125, 2), Decimal("33.4"), "▓▓▓┃▓▓░░░░ 62%"),
    ],
)
def test_progress_bar(pct, expected_pct, bar):
    assert progress_bar(pct, expected_pct) == bar


def test_width():
    assert progress_bar(50, 50, width=4) == "▓┃░░ 50%"
    assert progress_bar(62, width=20) == "▓▓▓▓▓▓▓▓▓▓▓▓░░░░░░░░ 62%"
    assert progress_bar(100, 1, width=1) == "┃ 100%"
    with pytest.raises(ValueError):
        progress_bar(50, width=0)


def test_bar_length_is_constant():
    lengths = {
        len(progress_bar(p, e).split(" ")[0]) for p in range(0, 201, 7) for e in (None, 0, 33, 100)
    }
    assert lengths == {10}
