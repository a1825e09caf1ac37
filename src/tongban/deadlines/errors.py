from __future__ import annotations

from tongban.errors import DomainError


class UnknownCalendarYearError(DomainError):
    """The official working-day schedule of a year is not known: never guess it."""

    code = "CALENDAR_YEAR_UNKNOWN"

    def __init__(self, year: int) -> None:
        super().__init__(
            f"the official working-day schedule for {year} is not known; "
            "an administrator must publish it before dates in that year can be counted",
            details={"year": year},
        )
        self.year = year
