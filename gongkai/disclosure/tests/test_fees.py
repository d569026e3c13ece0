"""国办函〔2020〕109号: per application per month and per page, progressive, never both."""

from __future__ import annotations

from decimal import Decimal

import pytest

from gongkai.disclosure import fees


@pytest.mark.parametrize(
    ("rank", "price"),
    [
        (1, 0),
        (10, 0),
        (11, 100),
        (30, 100),
        (31, 200),
        (40, 200),
        (41, 300),
        (50, 300),
        (51, 400),
        (100, 800),
    ],
)
def test_price_of_each_application_in_the_month(rank, price):
    assert fees.price_of_application(rank) == Decimal(price)
    quote = fees.fee_per_application(rank=rank)
    assert quote.amount == Decimal(price)
    assert quote.quantity == rank
    assert quote.method == "per_application"


def test_month_total_is_progressive():
    assert fees.fee_per_application_month(count=10).amount == 0
    # 20×100 + 10×200 + 5×300
    quote = fees.fee_per_application_month(count=45)
    assert quote.amount == Decimal(2000 + 2000 + 1500)
    assert [line.quantity for line in quote.lines] == [10, 20, 10, 5]
    assert [line.unit_price for line in quote.lines] == [0, 100, 200, 300]


@pytest.mark.parametrize(
    ("pages", "amount"),
    [
        (0, 0),
        (30, 0),
        (31, 10),
        (100, 700),
        (101, 720),
        (200, 700 + 2000),
        (201, 700 + 2000 + 40),
        (250, 700 + 2000 + 50 * 40),
    ],
)
def test_per_page_bands(pages, amount):
    quote = fees.fee_per_page(pages=pages)
    assert quote.amount == Decimal(amount)
    assert sum(line.amount for line in quote.lines) == quote.amount
    assert sum(line.quantity for line in quote.lines) == pages
    assert quote.is_due == (amount > 0)


def test_breakdown_is_json_ready():
    lines = fees.fee_per_page(pages=120).breakdown()
    assert lines[0] == {"label": "第1–30页（免费）", "quantity": 30, "unit_price": "0", "amount": "0"}
    assert lines[-1]["amount"] == "400"


def test_never_both_methods():
    with pytest.raises(ValueError):
        fees.fee_quote(method="per_page", rank=12, pages=40)
    with pytest.raises(ValueError):
        fees.fee_quote(method="per_application", rank=12, pages=40)
    assert fees.fee_quote(method="per_page", pages=40).amount == Decimal(100)
    with pytest.raises(ValueError):
        fees.price_of_application(0)
