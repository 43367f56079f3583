"""Property tests holding the pace engine (bot.core.targets, bot.core.pace) to the simple
day-by-day reference in reference_targets.py (SPEC §4): random calendars, time off, start
dates, goal versions, ramps, weights and fiscal years."""

from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bot.core.calendars import WorkCalendar
from bot.core.periods import Period, PeriodKind
from tests.core import reference_targets as ref

targets = pytest.importorskip("bot.core.targets")

from bot.core.pace import PaceThresholds, pace_of_sums  # noqa: E402
from bot.core.standings import GoalSpec  # noqa: E402

LOW, HIGH = date(2025, 1, 1), date(2027, 12, 31)
SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

WORKWEEKS = [
    (0, 1, 2, 3, 4),  # Mon–Fri
    (6, 0, 1, 2, 3),  # Sun–Thu
    (0, 1, 2, 3, 4, 5),  # Mon–Sat
    (0, 1, 2, 3, 4, 5, 6),
    (0, 1, 2, 3),
    (0, 2, 4),
]

calendars = st.builds(
    WorkCalendar,
    workweek=st.one_of(
        st.sampled_from(WORKWEEKS),
        st.sets(st.integers(0, 6), min_size=1).map(tuple),
    ),
    country=st.sampled_from([None, "US", "GB"]),
    extra_holidays=st.frozensets(st.dates(LOW, HIGH), max_size=8),
)


@st.composite
def time_off_ranges(draw, around=None):
    low, high = around or (LOW, HIGH)
    ranges = []
    for _ in range(draw(st.integers(0, 3))):
        first = draw(st.dates(low - timedelta(days=20), high))
        length = draw(st.integers(-2, 30))  # a negative length is a reversed range: nothing
        ranges.append((first, first + timedelta(days=length)))
    return tuple(ranges)


def start_dates(around=None):
    low, high = around or (LOW, HIGH)
    return st.one_of(st.none(), st.dates(low - timedelta(days=60), high))


fiscal_months = st.one_of(st.just(1), st.integers(1, 12))
weight_values = st.decimals(min_value=Decimal("0.5"), max_value=Decimal(100), places=1)
KINDS = [PeriodKind.DAY, PeriodKind.WEEK, PeriodKind.MONTH, PeriodKind.QUARTER, PeriodKind.YEAR]


@st.composite
def version_fields(draw, period_kind, target):
    """The kind-specific fields of one version: weights for totals, or a ramp."""
    if draw(st.integers(0, 3)) == 0:
        step = draw(st.integers(1, 60)) * draw(st.sampled_from([1, -1]))
        distance = draw(st.integers(0, 400))
        last = target + distance if step > 0 else max(0, target - distance)
        return {"kind": "ramp", "ramp_last": last, "ramp_step": step}
    fields = {"kind": draw(st.sampled_from(["individual", "team", "collective"]))}
    if period_kind is PeriodKind.YEAR:
        count = draw(st.sampled_from([0, 4, 12]))
    elif period_kind is PeriodKind.QUARTER:
        count = draw(st.sampled_from([0, 3]))
    else:
        count = 0
    if count:
        fields["weights"] = tuple(draw(st.lists(weight_values, min_size=count, max_size=count)))
    return fields


@st.composite
def goals(draw, around=None):
    """1–3 versions of one goal, one after the other (usually back to back, sometimes with a
    gap), each with its own target; usually one period kind, sometimes a change of kind.
    With `around` (first, last), the first version starts at most ~500 days before `first`
    and no later than `last`, so the goal usually touches that span."""
    count = draw(st.integers(1, 3))
    mixed = draw(st.integers(0, 4)) == 0
    kind = draw(st.sampled_from(KINDS))
    amounts = draw(
        st.lists(
            st.one_of(st.integers(0, 3000), st.integers(0, 2_000_000)),
            min_size=count,
            max_size=count,
            unique=True,
        )
    )
    if around is None:
        starts = [draw(st.dates(date(2024, 6, 1), date(2027, 10, 1)))]
    else:
        first, last = around
        starts = [draw(st.dates(first - timedelta(days=500), last))]
    for _ in range(count - 1):
        starts.append(starts[-1] + timedelta(days=draw(st.integers(1, 200))))
    versions = []
    for index, (start, amount) in enumerate(zip(starts, amounts, strict=True)):
        period_kind = draw(st.sampled_from(KINDS)) if mixed else kind
        if index + 1 < count:
            gap = draw(st.sampled_from([0, 0, 0, 1, 5]))
            end = max(start, starts[index + 1] - timedelta(days=1 + gap))
        else:
            end = draw(st.one_of(st.none(), st.dates(start, start + timedelta(days=500))))
        versions.append(
            GoalSpec(
                id=7,
                metric="calls",
                period_kind=period_kind,
                target=amount,
                start=start,
                end=end,
                person_id=1,
                **draw(version_fields(period_kind, amount)),
            )
        )
    return versions


@st.composite
def spans(draw, longest=400):
    first = draw(st.dates(LOW, HIGH))
    length = draw(st.one_of(st.integers(0, longest), st.sampled_from([6, 30, 91, 365, longest])))
    return first, min(HIGH, first + timedelta(days=length))


@st.composite
def scenarios(draw, longest=400):
    """(versions, span, calendar, time off, start date, fiscal start month)."""
    span = draw(spans(longest))
    return (
        draw(goals(around=span)),
        span,
        draw(calendars),
        draw(time_off_ranges(around=span)),
        draw(start_dates(around=span)),
        draw(fiscal_months),
    )


def mismatches(engine: dict, reference: dict) -> list:
    keys = sorted(set(engine) | set(reference))
    return [(d, engine.get(d), reference.get(d)) for d in keys if engine.get(d) != reference.get(d)]


def clipped(kind, first, last, fiscal_year_start_month=1):
    """(start, end) of each period of `kind` that overlaps [first, last], clipped to it."""
    parts, day = [], first
    while day <= last:
        p = Period.containing(kind, day, fiscal_year_start_month)
        parts.append((max(p.start, first), min(p.end, last)))
        day = p.end + timedelta(days=1)
    return parts


# --- 1. the engine's days are the reference's days -----------------------------------------------


def options(time_off, start_date, fsm):
    return {"time_off": time_off, "start_date": start_date, "fiscal_year_start_month": fsm}


@SETTINGS
@given(scenarios())
def test_day_allocations_match_the_reference(scenario):
    versions, span, calendar, time_off, start_date, fsm = scenario
    kw = options(time_off, start_date, fsm)
    engine = targets.day_allocations(versions, *span, calendar, **kw)
    reference = ref.day_allocations(versions, *span, calendar, **kw)
    assert mismatches(engine, reference)[:5] == []


# --- 2. the target of a span is the sum of its parts ------------------------------------------------


def sums(versions, first, last, calendar, today, kw):
    return targets.span_sums(versions, first, last, calendar, today, **kw)


def near(span):
    return st.dates(span[0] - timedelta(days=5), span[1] + timedelta(days=5))


@SETTINGS
@given(scenarios(), st.data())
def test_a_span_is_the_sum_of_any_partition(scenario, data):
    versions, (first, last), calendar, time_off, start_date, fsm = scenario
    kw = options(time_off, start_date, fsm)
    today = data.draw(near((first, last)), label="today")
    whole = sums(versions, first, last, calendar, today, kw)
    days = targets.day_allocations(versions, first, last, calendar, **kw)
    assert whole.target == sum(days.values(), Fraction(0))
    assert whole.expected == sum((a for d, a in days.items() if d < today), Fraction(0))
    assert whole.carrying_days == sum(1 for a in days.values() if a > 0)
    assert whole.completed_days == sum(1 for d, a in days.items() if a > 0 and d < today)
    for kind in KINDS:
        parts = [
            sums(versions, a, b, calendar, today, kw) for a, b in clipped(kind, first, last, fsm)
        ]
        assert sum((p.target for p in parts), Fraction(0)) == whole.target, kind
        assert sum((p.expected for p in parts), Fraction(0)) == whole.expected, kind
        assert sum(p.carrying_days for p in parts) == whole.carrying_days, kind
        assert sum(p.completed_days for p in parts) == whole.completed_days, kind
        assert sum(p.normal_days for p in parts) == whole.normal_days, kind


# --- 3. weeks add up to months, months to quarters, quarters to years --------------------------------

NESTED = [
    (PeriodKind.MONTH, PeriodKind.WEEK),
    (PeriodKind.QUARTER, PeriodKind.MONTH),
    (PeriodKind.YEAR, PeriodKind.QUARTER),
    (PeriodKind.YEAR, PeriodKind.MONTH),
]


@SETTINGS
@given(st.dates(LOW, HIGH), st.sampled_from(NESTED), fiscal_months, calendars, st.data())
def test_periods_add_up_exactly(day, nesting, fsm, calendar, data):
    outer_kind, inner_kind = nesting
    outer = Period.containing(outer_kind, day, fsm)
    around = (outer.start, outer.end)
    versions = data.draw(goals(around=around), label="versions")
    kw = options(
        data.draw(time_off_ranges(around=around)), data.draw(start_dates(around=around)), fsm
    )
    today = data.draw(near(around), label="today")
    whole = sums(versions, outer.start, outer.end, calendar, today, kw)
    inner = [
        sums(versions, a, b, calendar, today, kw) for a, b in clipped(inner_kind, *around, fsm)
    ]
    assert sum((p.target for p in inner), Fraction(0)) == whole.target
    assert sum((p.expected for p in inner), Fraction(0)) == whole.expected
    reference = ref.day_allocations(versions, outer.start, outer.end, calendar, **kw)
    assert whole.target == sum(reference.values(), Fraction(0))
    assert whole.expected == sum((a for d, a in reference.items() if d < today), Fraction(0))


@st.composite
def whole_goal_periods(draw):
    """A goal of one version (not a day goal) and one whole period of its kind inside it."""
    kind = draw(st.sampled_from(KINDS[1:]))
    fsm = draw(fiscal_months)
    period = Period.containing(kind, draw(st.dates(LOW, HIGH)), fsm)
    start = period.start - timedelta(days=draw(st.integers(0, 800)))
    end = draw(st.one_of(st.none(), st.dates(period.end, period.end + timedelta(days=100))))
    target = draw(st.integers(0, 2_000_000))
    version = GoalSpec(
        id=7,
        metric="calls",
        period_kind=kind,
        target=target,
        start=start,
        end=end,
        person_id=1,
        **draw(version_fields(kind, target)),
    )
    return version, period, fsm


@SETTINGS
@given(whole_goal_periods(), calendars)
def test_a_goal_period_carries_exactly_its_target(goal_period, calendar):
    """Without time off or a start date, a whole period of the goal's own kind carries
    exactly its target (a ramp's step for it), the weights and the spreading losing nothing;
    only a week carries less, by its holidays and its work-week days the week lacks (none)."""
    version, period, fsm = goal_period
    kind = PeriodKind(version.period_kind)
    days = ref.day_allocations(
        [version], period.start, period.end, calendar, fiscal_year_start_month=fsm
    )
    step = ref.period_target(version, period.start, fsm)
    owed = sum(days.values(), Fraction(0))
    worked = sum(1 for d in days if ref.is_working_day(d, calendar))
    if kind is PeriodKind.WEEK:
        assert owed == step * worked / len(calendar.workweek)
    elif not worked:
        assert owed == 0
    elif version.weights:
        # Weighted parts without a working day owe nothing; the others add up to their share.
        part_kind = ref.weighted_part_kind(kind, len(version.weights))
        parts = clipped(part_kind, period.start, period.end, fsm)
        total_weight = sum(Fraction(w) for w in version.weights)
        shares = [
            Fraction(w) / total_weight
            for (a, b), w in zip(parts, version.weights, strict=True)
            if ref.working_days_in(a, b, calendar)
        ]
        assert owed == step * sum(shares, Fraction(0))
    else:
        assert owed == step
    engine = sums(
        [version],
        period.start,
        period.end,
        calendar,
        period.start,
        {"fiscal_year_start_month": fsm},
    )
    assert engine.target == owed


# --- 4. pace ------------------------------------------------------------------------------------------

thresholds = st.one_of(
    st.just(PaceThresholds()),
    st.tuples(st.integers(1, 98), st.integers(1, 98), st.integers(1, 300))
    .map(lambda t: (t[0], t[0] + t[1], t[0] + t[1] + t[2]))
    .filter(lambda t: t[2] <= 1000)
    .map(lambda t: PaceThresholds(ahead_pct=t[2], on_pace_pct=t[1], behind_pct=t[0])),
)


def threshold_kw(t: PaceThresholds) -> dict:
    return {"ahead_pct": t.ahead_pct, "on_pace_pct": t.on_pace_pct, "behind_pct": t.behind_pct}


def as_dict(pace) -> dict:
    return {name: getattr(pace, name) for name in ref.PACE_FIELDS}


@st.composite
def actual_and_today(draw, allocations, t):
    """A today near the span, and an actual: anything up to twice the target, or one at
    (or one below) a threshold of the expected amount shown, or at the target."""
    today = draw(near((min(allocations), max(allocations))), label="today")
    target = ref.round_half_up(sum(allocations.values(), Fraction(0)))
    expected = ref.round_half_up(sum((a for d, a in allocations.items() if d < today), Fraction(0)))
    edges = [target, target - 1]
    for pct in (t.ahead_pct, t.on_pace_pct, t.behind_pct):
        edge = -(-pct * expected // 100)  # the least actual at pct% of expected
        edges += [edge, edge - 1]
    actual = draw(
        st.one_of(
            st.integers(0, 2 * target + 10),
            st.integers(0, 20),
            st.sampled_from([e for e in edges if e >= 0] or [0]),
        ),
        label="actual",
    )
    return actual, today


random_allocations = st.dictionaries(
    st.dates(date(2026, 1, 1), date(2026, 3, 31)),
    st.one_of(
        st.just(Fraction(0)),
        st.fractions(min_value=0, max_value=500, max_denominator=300),
    ),
    min_size=1,
    max_size=60,
)


def reference_allocations(scenario):
    versions, span, calendar, time_off, start_date, fsm = scenario
    return ref.day_allocations(versions, *span, calendar, **options(time_off, start_date, fsm))


@SETTINGS
@given(
    st.one_of(random_allocations, scenarios(120).map(reference_allocations)),
    thresholds,
    st.data(),
)
def test_pace_of_allocations_matches_the_reference(allocations, t, data):
    actual, today = data.draw(actual_and_today(allocations, t))
    engine = as_dict(targets.pace_of_allocations(allocations, actual, today, t))
    reference = ref.reference_pace(allocations, actual, today, **threshold_kw(t))
    # pace_of_allocations is given no calendar, so it cannot know the team's working days
    # in the span (the definition's normal_days): compared in the span_sums test below.
    del engine["normal_days"]
    assert engine == reference


@SETTINGS
@given(scenarios(200), thresholds, st.data())
def test_pace_of_a_span_matches_the_reference(scenario, t, data):
    """The path every surface takes (span_sums, then pace_of_sums) against the reference."""
    versions, span, calendar, time_off, start_date, fsm = scenario
    kw = options(time_off, start_date, fsm)
    allocations = ref.day_allocations(versions, *span, calendar, **kw)
    assume(allocations)
    actual, today = data.draw(actual_and_today(allocations, t))
    engine = as_dict(pace_of_sums(sums(versions, *span, calendar, today, kw), actual, t))
    reference = ref.reference_pace(allocations, actual, today, calendar=calendar, **threshold_kw(t))
    assert engine == reference


@pytest.mark.parametrize(
    ("actual", "status"),
    [
        (22, "ahead"),
        (21, "on pace"),
        (18, "on pace"),
        (17, "behind"),
        (15, "behind"),
        (14, "at risk"),
    ],
)
def test_pace_of_allocations_at_the_exact_thresholds(actual, status):
    # 10 a day for six days, two of them done: 20 expected, so 110% is 22, 90% 18, 75% 15.
    allocations = {date(2026, 11, 16) + timedelta(days=i): Fraction(10) for i in range(6)}
    pace = targets.pace_of_allocations(allocations, actual, date(2026, 11, 18))
    assert pace.expected == 20
    assert pace.status == status
    assert as_dict(pace) | {"normal_days": None} == ref.reference_pace(
        allocations, actual, date(2026, 11, 18)
    ) | {"normal_days": None}


# --- the hand-computed examples, asked of the engine -------------------------------------------------

US = WorkCalendar(country="US")


def spec(target, kind="week", start=date(2026, 1, 1), end=None, **kw):
    return GoalSpec(
        id=1,
        kind=kw.pop("goal_kind", "individual"),
        metric="calls",
        period_kind=PeriodKind(kind),
        target=target,
        start=start,
        end=end,
        person_id=1,
        **kw,
    )


def engine_total(versions, first, last, calendar=US, today=None, **kw):
    return sums(versions, first, last, calendar, today or first, kw)


@pytest.mark.parametrize(
    ("versions", "first", "last", "kw", "owed"),
    [
        # 60/week in Thanksgiving week; then with a day off too.
        ([spec(60)], date(2026, 11, 23), date(2026, 11, 29), {}, 48),
        (
            [spec(60)],
            date(2026, 11, 23),
            date(2026, 11, 29),
            {"time_off": [(date(2026, 11, 27), date(2026, 11, 27))]},
            36,
        ),
        # 2,100/month in Mon 30 Nov – Sun 6 Dec: 1 of November's 19 days, 4 of December's 22.
        (
            [spec(2100, "month")],
            date(2026, 11, 30),
            date(2026, 12, 6),
            {},
            Fraction(2100, 19) + Fraction(2100 * 4, 22),
        ),
        # 60/week, 80/week from Mon 16 Nov: November is the sum of its weeks' versions.
        (
            [
                spec(60, end=date(2026, 11, 15)),
                spec(80, start=date(2026, 11, 16)),
            ],
            date(2026, 11, 1),
            date(2026, 11, 30),
            {},
            60 + 48 + 80 + 64 + 16,
        ),
        # Ramp 50 → 100 step 10 a week from Mon 2 Nov: November is its weeks.
        (
            [spec(50, start=date(2026, 11, 2), goal_kind="ramp", ramp_last=100, ramp_step=10)],
            date(2026, 11, 1),
            date(2026, 11, 30),
            {},
            50 + 48 + 70 + 64 + 18,
        ),
    ],
)
def test_hand_computed_examples(versions, first, last, kw, owed):
    assert engine_total(versions, first, last, **kw).target == owed
    weeks = [
        engine_total(versions, a, b, **kw).target for a, b in clipped(PeriodKind.WEEK, first, last)
    ]
    assert sum(weeks, Fraction(0)) == owed
    assert sum(ref.day_allocations(versions, first, last, US, **kw).values()) == owed


def test_weighted_year_expected_by_november_with_the_engine():
    weights = tuple(Decimal(w) for w in (10, 10, 10, 70))
    versions = [spec(1_200_000, "year", weights=weights)]
    year = engine_total(versions, date(2026, 1, 1), date(2026, 12, 31), today=date(2026, 11, 2))
    assert year.target == 1_200_000
    assert year.expected == 360_000 + Fraction(840_000 * 21, 62)
    assert year.expected < Fraction(1_200_000 * 209, 250) * Fraction(7, 10)
    assert pace_of_sums(year, 644_516).status == "on pace"
