"""An amount of money checked against the column that will hold it, before it is saved.

`Decimal` reads "NaN", "Infinity" and "1e400" as numbers; a DecimalField of 12 digits, 2 after the point,
holds less than 10^10. PostgreSQL refuses anything larger (numeric field overflow: a 500) while SQLite keeps
it as given, and comparing a NaN with 0 raises. Services ask `for_column` and refuse with their own message.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation


def for_column(amount: Decimal, field) -> Decimal | None:
    """`amount` rounded to the places of the DecimalField `field`, or None when it is not a finite number or
    has more digits before the point than the column holds."""
    if not amount.is_finite():
        return None
    limit = Decimal(10) ** (field.max_digits - field.decimal_places)
    if abs(amount) >= limit:
        return None
    try:
        rounded = amount.quantize(Decimal(1).scaleb(-field.decimal_places))
    except InvalidOperation:
        return None
    return rounded if abs(rounded) < limit else None  # 9999999999.999 rounds up past the limit


def largest(field) -> Decimal:
    """The largest amount the DecimalField `field` holds, for a message."""
    places = field.decimal_places
    return Decimal(10) ** (field.max_digits - places) - Decimal(1).scaleb(-places)
