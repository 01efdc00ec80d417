"""Forms of the report pages: asking for a report, and an admin's schedule."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from .models import RangeKind, ReportFormat, ReportKind
from .ranges import DayRange, ReportRangeError, check_reportable, resolve_range
from .schedule_times import WEEKDAY_NAMES

INTERVAL_CHOICES = [(15, "15 minutes"), (30, "30 minutes"), (60, "60 minutes")]
MAX_RECIPIENTS = 50


class ReportRequestForm(forms.Form):
    kind = forms.ChoiceField(choices=ReportKind.choices, label="Report")
    range_kind = forms.ChoiceField(choices=RangeKind.choices, label="Range", initial="yesterday")
    first_day = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    last_day = forms.DateField(
        required=False, label="To", widget=forms.DateInput(attrs={"type": "date"})
    )
    interval_minutes = forms.TypedChoiceField(
        choices=INTERVAL_CHOICES, coerce=int, initial=30, label="Intervals (interval report)"
    )
    format = forms.ChoiceField(
        choices=ReportFormat.choices, initial=ReportFormat.HTML, widget=forms.RadioSelect
    )

    def __init__(self, *args: Any, today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        self.days: DayRange | None = None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        try:
            days = resolve_range(
                data["range_kind"],
                today=self.today,
                first_day=data.get("first_day"),
                last_day=data.get("last_day"),
            )
            check_reportable(days, today=self.today)
        except ReportRangeError as exc:
            raise ValidationError(str(exc)) from None
        self.days = days
        return data


def parse_recipients(text: str) -> list[str]:
    addresses = [part.strip() for part in text.replace(";", ",").replace("\n", ",").split(",")]
    return [address for address in addresses if address]


class ScheduleForm(forms.Form):
    name = forms.CharField(max_length=100)
    kind = forms.ChoiceField(choices=ReportKind.choices, label="Report")
    range_kind = forms.ChoiceField(
        choices=[c for c in RangeKind.choices if c[0] != RangeKind.CUSTOM],
        label="Range",
        initial="yesterday",
        help_text="Relative to the day the report is sent.",
    )
    format = forms.ChoiceField(
        choices=[(ReportFormat.PDF, "PDF"), (ReportFormat.CSV, "CSV")], initial=ReportFormat.PDF
    )
    interval_minutes = forms.TypedChoiceField(
        choices=INTERVAL_CHOICES, coerce=int, initial=30, label="Intervals (interval report)"
    )
    recipients = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Email addresses, separated by commas or new lines.",
    )
    time_of_day = forms.TimeField(
        label="Time (org's time zone)", widget=forms.TimeInput(attrs={"type": "time"})
    )
    weekdays = forms.TypedMultipleChoiceField(
        choices=list(WEEKDAY_NAMES.items()),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        initial=[1, 2, 3, 4, 5],
        label="Days",
    )
    enabled = forms.BooleanField(required=False, initial=True)

    def clean_recipients(self) -> list[str]:
        addresses = parse_recipients(self.cleaned_data["recipients"])
        if not addresses:
            raise ValidationError("Name at least one recipient.")
        if len(addresses) > MAX_RECIPIENTS:
            raise ValidationError(f"At most {MAX_RECIPIENTS} recipients.")
        for address in addresses:
            try:
                validate_email(address)
            except ValidationError:
                raise ValidationError(f"{address!r} is not an email address.") from None
        return addresses
