"""The information-processing fee of 国办函〔2020〕109号《政府信息公开信息处理费管理办法》: pure arithmetic.

第三条: a fee is charged either by count (按件) or by quantity (按量), each progressive (超额累进),
and never both for one application.

* 按件计收 (第四条), counted per applicant per calendar month: the 1st–10th application is free,
  the 11th–30th costs 100元 each, and from the 31st each band of 10 raises the price by 100元:
  31st–40th 200元, 41st–50th 300元, … A fee notice for one application charges that
  application's own band (its rank in the month).
* 按量计收 (第五条), per page of one application: pages 1–30 free, 31–100 10元/页, 101–200
  20元/页, 201 and above 40元/页; each band priced separately (progressive).

The functions return a ``FeeQuote`` (amount and the lines of the computation shown on the notice);
the service ``fee_notice_issue`` stores it. No database access here.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

#: Free applications per applicant per calendar month (第四条（一）).
FREE_APPLICATIONS = 10
#: The first charged band ends here (第四条（二）: 11–30 件).
FIRST_BAND_END = 30
BAND_SIZE = 10
PRICE_STEP = Decimal("100")

#: (first page, last page or None, price per page) — 第五条.
PAGE_BANDS: tuple[tuple[int, int | None, Decimal], ...] = (
    (1, 30, Decimal("0")),
    (31, 100, Decimal("10")),
    (101, 200, Decimal("20")),
    (201, None, Decimal("40")),
)


@dataclass(frozen=True, slots=True)
class FeeLine:
    """One line of the computation: ``quantity`` units at ``unit_price``."""

    label: str
    quantity: int
    unit_price: Decimal
    amount: Decimal

    def as_dict(self) -> dict[str, str | int]:
        return {
            "label": self.label,
            "quantity": self.quantity,
            "unit_price": str(self.unit_price),
            "amount": str(self.amount),
        }


@dataclass(frozen=True, slots=True)
class FeeQuote:
    method: str
    quantity: int
    amount: Decimal
    lines: tuple[FeeLine, ...]

    @property
    def is_due(self) -> bool:
        return self.amount > 0

    def breakdown(self) -> list[dict[str, str | int]]:
        return [line.as_dict() for line in self.lines]


def price_of_application(rank: int) -> Decimal:
    """The price of the applicant's ``rank``-th application in a calendar month (1-based)."""
    if rank < 1:
        raise ValueError("rank must be at least 1")
    if rank <= FREE_APPLICATIONS:
        return Decimal("0")
    if rank <= FIRST_BAND_END:
        return PRICE_STEP
    band = (rank - FIRST_BAND_END - 1) // BAND_SIZE + 1
    return PRICE_STEP * (band + 1)


def _band_label(rank: int) -> str:
    if rank <= FREE_APPLICATIONS:
        return _("本月第1–%(end)s件（免费）") % {"end": FREE_APPLICATIONS}
    if rank <= FIRST_BAND_END:
        return _("本月第%(start)s–%(end)s件") % {"start": FREE_APPLICATIONS + 1, "end": FIRST_BAND_END}
    start = FIRST_BAND_END + 1 + ((rank - FIRST_BAND_END - 1) // BAND_SIZE) * BAND_SIZE
    return _("本月第%(start)s–%(end)s件") % {"start": start, "end": start + BAND_SIZE - 1}


def fee_per_application(*, rank: int) -> FeeQuote:
    """按件计收 for the applicant's ``rank``-th application of the calendar month."""
    price = price_of_application(rank)
    line = FeeLine(
        label=_("%(band)s，本件为第%(rank)s件") % {"band": _band_label(rank), "rank": rank},
        quantity=1,
        unit_price=price,
        amount=price,
    )
    return FeeQuote(method="per_application", quantity=rank, amount=price, lines=(line,))


def fee_per_application_month(*, count: int) -> FeeQuote:
    """按件计收 for all ``count`` applications of one applicant in a month (the whole month's total)."""
    if count < 0:
        raise ValueError("count must not be negative")
    lines: list[FeeLine] = []
    rank = 1
    while rank <= count:
        price = price_of_application(rank)
        if rank <= FREE_APPLICATIONS:
            end = FREE_APPLICATIONS
        elif rank <= FIRST_BAND_END:
            end = FIRST_BAND_END
        else:
            end = rank + BAND_SIZE - 1
        end = min(end, count)
        quantity = end - rank + 1
        lines.append(
            FeeLine(
                label=_("第%(start)s–%(end)s件") % {"start": rank, "end": end},
                quantity=quantity,
                unit_price=price,
                amount=price * quantity,
            )
        )
        rank = end + 1
    total = sum((line.amount for line in lines), Decimal("0"))
    return FeeQuote(method="per_application", quantity=count, amount=total, lines=tuple(lines))


def fee_per_page(*, pages: int) -> FeeQuote:
    """按量计收 for ``pages`` pages of one application (progressive by band)."""
    if pages < 0:
        raise ValueError("pages must not be negative")
    lines: list[FeeLine] = []
    for first, last, price in PAGE_BANDS:
        if pages < first:
            break
        end = pages if last is None else min(pages, last)
        quantity = end - first + 1
        if price:
            label = _("第%(start)s–%(end)s页") % {"start": first, "end": end}
        else:
            label = _("第%(start)s–%(end)s页（免费）") % {"start": first, "end": end}
        lines.append(FeeLine(label=label, quantity=quantity, unit_price=price, amount=price * quantity))
    total = sum((line.amount for line in lines), Decimal("0"))
    return FeeQuote(method="per_page", quantity=pages, amount=total, lines=tuple(lines))


def fee_quote(*, method: str, rank: int | None = None, pages: int | None = None) -> FeeQuote:
    """One method for one application (第三条: never both)."""
    if method == "per_application":
        if rank is None or pages is not None:
            raise ValueError("per_application needs rank and no pages")
        return fee_per_application(rank=rank)
    if method == "per_page":
        if pages is None or rank is not None:
            raise ValueError("per_page needs pages and no rank")
        return fee_per_page(pages=pages)
    raise ValueError(f"unknown fee method {method!r}")
