"""Lists from the store: newest first, filters, and Twilio's PA/PB page tokens."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simtel.clock import Clock
from simtel.events import Event, EventKind
from simtel.store import DateRange, Page, PageTokenError, Store

CALL_A, CALL_B = "CA" + "a" * 32, "CA" + "b" * 32
DAY = 86_400.0


def recording_sid(n: int) -> str:
    return f"RE{n:032x}"


def recordings(created: list[float]) -> Store:
    """Recording n created at created[n]; even ones on call A, odd on call B."""
    store = Store()
    for n, t in enumerate(created):
        fields = {
            "call_sid": CALL_A if n % 2 == 0 else CALL_B,
            "status": "completed",
            "date_created": t,
            "source": "RecordVerb" if n % 3 else "DialVerb",
        }
        store.consume(Event(n, t, EventKind.RECORDING_CREATED, recording_sid(n), fields))
    return store


def newest_first(created: list[float], keep: range | list[int] | None = None) -> list[str]:
    wanted = range(len(created)) if keep is None else keep
    rows = sorted(((created[n], recording_sid(n)) for n in wanted), reverse=True)
    return [s for _, s in rows]


def sids(page: Page) -> list[str]:
    return [item["sid"] for item in page.items]


# ties on purpose: several recordings share a second, the SID orders them
CREATED = [float(t) for t in (5, 3, 5, 9, 1, 5, 3, 7, 7, 2, 8, 5, 0, 9, 4, 6, 5, 1, 3, 2, 8, 7, 5)]


@pytest.mark.parametrize("page_size", [1, 2, 7, 50])
def test_next_tokens_walk_every_item_once_and_previous_tokens_walk_back(page_size: int) -> None:
    store = recordings(CREATED)
    pages = [store.list_page("recordings", page_size=page_size)]
    assert pages[0].previous_token is None and pages[0].token is None
    while pages[-1].next_token is not None:
        pages.append(
            store.list_page(
                "recordings", page_size=page_size, page=len(pages), page_token=pages[-1].next_token
            )
        )
    walked = [s for page in pages for s in sids(page)]
    assert walked == newest_first(CREATED)
    assert all(len(page.items) == page_size for page in pages[:-1])
    assert pages[-1].items
    for page in pages[1:]:
        assert page.previous_token == f"PB{sids(page)[0]}"
        assert page.next_token in (None, f"PA{sids(page)[-1]}")
    back = [pages[-1]]
    while back[-1].previous_token is not None:
        back.append(
            store.list_page(
                "recordings",
                page_size=page_size,
                page=len(pages) - 1 - len(back),
                page_token=back[-1].previous_token,
            )
        )
    assert [sids(p) for p in reversed(back)] == [sids(p) for p in pages]
    assert back[-1].previous_token is None


@pytest.mark.parametrize("page_size", [1, 4, 50])
def test_offset_pages_agree_with_token_pages(page_size: int) -> None:
    store = recordings(CREATED)
    expected = newest_first(CREATED)
    for page in range(len(expected) // page_size + 2):
        got = store.list_page("recordings", page_size=page_size, page=page)
        assert sids(got) == expected[page * page_size : (page + 1) * page_size]
        more = (page + 1) * page_size < len(expected)
        assert (got.next_token is not None) == more
        assert (got.previous_token is not None) == (page > 0 and bool(got.items))


@settings(max_examples=40, deadline=None)
@given(
    created=st.lists(st.sampled_from([0.0, 1.0, 1.5, 2.0]), min_size=0, max_size=30),
    page_size=st.integers(min_value=1, max_value=6),
)
def test_token_walk_matches_the_sorted_list(created: list[float], page_size: int) -> None:
    store = recordings(created)
    page = store.list_page("recordings", page_size=page_size)
    walked = sids(page)
    while page.next_token is not None:
        page = store.list_page("recordings", page_size=page_size, page_token=page.next_token)
        walked += sids(page)
    assert walked == newest_first(created)


def test_filters_are_equalities_on_columns_and_fields() -> None:
    store = recordings(CREATED)
    on_a = store.list_page("recordings", filters={"call_sid": CALL_A}, page_size=1000)
    assert sids(on_a) == newest_first(CREATED, list(range(0, len(CREATED), 2)))
    dial = store.list_page("recordings", filters={"source": "DialVerb", "call_sid": CALL_B})
    assert sids(dial) == newest_first(
        CREATED, [n for n in range(len(CREATED)) if n % 3 == 0 and n % 2 == 1]
    )
    assert store.list_page("recordings", filters={"conference_sid": None}).items
    assert store.count("recordings", call_sid=CALL_B) == len(CREATED) // 2
    with pytest.raises(ValueError, match="cannot filter"):
        store.list_page("recordings", filters={"bad name; --": 1})
    with pytest.raises(ValueError, match="no time column"):
        store.list_page("recordings", date_filters=DateRange("end_time", lo=0.0))


def test_filtered_token_walk_stays_in_the_filter() -> None:
    store = recordings(CREATED)
    page = store.list_page("recordings", filters={"call_sid": CALL_B}, page_size=3)
    walked = sids(page)
    while page.next_token:
        page = store.list_page(
            "recordings", filters={"call_sid": CALL_B}, page_size=3, page_token=page.next_token
        )
        walked += sids(page)
    assert walked == newest_first(CREATED, list(range(1, len(CREATED), 2)))


def test_date_ranges_bound_a_time_column() -> None:
    store = recordings(CREATED)
    inclusive = store.list_page("recordings", page_size=100, date_filters=DateRange(lo=3.0, hi=5.0))
    assert sids(inclusive) == newest_first(
        CREATED, [n for n, t in enumerate(CREATED) if 3 <= t <= 5]
    )
    exclusive = store.list_page(
        "recordings",
        page_size=100,
        date_filters=[DateRange(lo=3.0), DateRange(hi=5.0, hi_exclusive=True)],
    )
    assert sids(exclusive) == newest_first(
        CREATED, [n for n, t in enumerate(CREATED) if 3 <= t < 5]
    )


def test_dates_become_whole_gmt_days() -> None:
    clock = Clock(datetime(2026, 1, 1, 9, 0, tzinfo=UTC))
    start_of_day_2 = 15 * 3600.0  # 2026-01-02 00:00 is 15 h after the 09:00 epoch
    assert DateRange.from_dates(clock, on=date(2026, 1, 2)) == DateRange(
        "date_created", start_of_day_2, start_of_day_2 + DAY, hi_exclusive=True
    )
    assert DateRange.from_dates(clock, on_or_before=date(2026, 1, 1)) == DateRange(
        "date_created", None, start_of_day_2, hi_exclusive=True
    )
    assert DateRange.from_dates(clock, "start_time", before=date(2026, 1, 2)) == DateRange(
        "start_time", None, start_of_day_2, hi_exclusive=True
    )
    instant = DateRange.from_dates(
        clock, on_or_after=date(2026, 1, 2), on_or_before=datetime(2026, 1, 2, 1, 0, tzinfo=UTC)
    )
    assert instant == DateRange("date_created", start_of_day_2, start_of_day_2 + 3600.0, False)
    store = recordings(
        [start_of_day_2 - 1, start_of_day_2, start_of_day_2 + DAY - 0.5, start_of_day_2 + DAY]
    )
    day = store.list_page(
        "recordings", date_filters=DateRange.from_dates(clock, on=date(2026, 1, 2))
    )
    assert sids(day) == [recording_sid(2), recording_sid(1)]


def test_soft_deleted_items_are_left_out_of_pages_on_request() -> None:
    store = recordings(CREATED)
    deleted = [1, 4, 9]
    for seq, n in enumerate(deleted, start=len(CREATED)):
        store.consume(
            Event(seq, 99.0, EventKind.RECORDING_UPDATED, recording_sid(n), {"status": "deleted"})
        )
    page = store.list_page("recordings", page_size=4, include_deleted=False)
    walked = sids(page)
    while page.next_token:
        page = store.list_page(
            "recordings", page_size=4, include_deleted=False, page_token=page.next_token
        )
        walked += sids(page)
    assert walked == newest_first(CREATED, [n for n in range(len(CREATED)) if n not in deleted])


def test_bad_page_tokens_are_errors() -> None:
    store = recordings(CREATED)
    with pytest.raises(PageTokenError, match="not PA<sid> or PB<sid>"):
        store.list_page("recordings", page_token="XX123")
    with pytest.raises(PageTokenError, match="not in recordings"):
        store.list_page("recordings", page_token="PA" + recording_sid(999))
    with pytest.raises(ValueError):
        store.list_page("recordings", page_size=0)
