"""The board editor's tile row: one tile's metric, scope, period, label, width and up to
three threshold levels (value, colour, flash), checked by the model's own rules
(`Tile.clean`, `wallboard.tiles`), plus the org's queues and teams a tile may name, read once
for every row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models

from oauth.models import Organization
from wallboard.editor_services import TileDraft
from wallboard.models import MAX_TILE_COLUMNS, QueueSettings, Tile
from wallboard.tiles import MAX_THRESHOLD_LEVELS, Colour, Direction, Scope, TileKind
from wxcc.models import Queue, Team

# A page beyond this is a mistake (and the limit of the pages formset).
MAX_PAGES = 10
MAX_THRESHOLD_VALUE = 1_000_000
LEVELS = range(1, MAX_THRESHOLD_LEVELS + 1)


def _tile_choices(name: str) -> list[tuple[str, str]]:
    """The model field's choices (one list of choices for the admin and the editor)."""
    field = Tile._meta.get_field(name)
    assert isinstance(field, models.Field)
    return [(str(value), str(label)) for value, label in field.choices or []]


def _level_value(n: int) -> forms.FloatField:
    return forms.FloatField(
        required=False, min_value=0, max_value=MAX_THRESHOLD_VALUE, label=f"Level {n} at"
    )


def _level_colour(n: int) -> forms.ChoiceField:
    colours = [("", "—")] + [(c.value, c.value.capitalize()) for c in Colour]
    return forms.ChoiceField(choices=colours, required=False, label=f"Level {n} colour")


def _level_flash(n: int) -> forms.BooleanField:
    return forms.BooleanField(required=False, label=f"Level {n} flashes")


@dataclass(frozen=True)
class TileOptions:
    """The org's queues (with our T override, if any) and teams a tile may name, read once
    for every tile row (three queries, however many tiles)."""

    queues: dict[int, Queue]
    teams: dict[int, Team]
    sl_overrides_s: dict[int, int | None]

    @classmethod
    def of(cls, organization: Organization) -> TileOptions:
        return cls(
            queues={q.pk: q for q in Queue.objects.filter(organization=organization)},
            teams={t.pk: t for t in Team.objects.filter(organization=organization)},
            sl_overrides_s=dict(
                QueueSettings.objects.filter(queue__organization=organization).values_list(
                    "queue_id", "service_level_threshold_s"
                )
            ),
        )

    @staticmethod
    def choices(rows: dict[int, Queue] | dict[int, Team]) -> list[tuple[str, str]]:
        named = sorted((str(r.name or r.wxcc_id), pk) for pk, r in rows.items())
        return [("", "—")] + [(str(pk), name) for name, pk in named]


class TileForm(forms.Form):
    """One tile. The queue and team lists hold only the org's own, so another org's id (or
    any unknown one) is "not one of the available choices"."""

    tile_id = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)
    page_number = forms.IntegerField(min_value=1, max_value=MAX_PAGES, initial=1, label="Page")
    kind = forms.ChoiceField(choices=_tile_choices("kind"), initial="metric")
    metric = forms.ChoiceField(
        choices=[("", "—"), *list(_tile_choices("metric"))],
        required=False,
        initial="contacts_waiting",
    )
    scope = forms.ChoiceField(choices=_tile_choices("scope"), initial="center")
    queue = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    team = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    period = forms.ChoiceField(choices=_tile_choices("period"), initial="today")
    label = forms.CharField(max_length=60, required=False)
    width = forms.IntegerField(min_value=1, max_value=MAX_TILE_COLUMNS, initial=1)
    threshold_direction = forms.ChoiceField(
        choices=[
            ("", "Usual for the metric"),
            (Direction.ABOVE.value, "At or above"),
            (Direction.BELOW.value, "At or below"),
        ],
        required=False,
        label="Levels fire",
    )
    level1_value = _level_value(1)
    level1_colour = _level_colour(1)
    level1_flash = _level_flash(1)
    level2_value = _level_value(2)
    level2_colour = _level_colour(2)
    level2_flash = _level_flash(2)
    level3_value = _level_value(3)
    level3_colour = _level_colour(3)
    level3_flash = _level_flash(3)

    def __init__(self, *args: Any, options: TileOptions, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.options = options
        queue: Any = self.fields["queue"]
        queue.choices = options.choices(options.queues)
        team: Any = self.fields["team"]
        team.choices = options.choices(options.teams)

    def level_rows(self) -> list[tuple[forms.BoundField, forms.BoundField, forms.BoundField]]:
        return [
            (self[f"level{n}_value"], self[f"level{n}_colour"], self[f"level{n}_flash"])
            for n in LEVELS
        ]

    def _thresholds(self, data: dict[str, Any]) -> list[dict[str, object]]:
        levels: list[dict[str, object]] = []
        for n in LEVELS:
            value, colour = data.get(f"level{n}_value"), data.get(f"level{n}_colour")
            if value is None and not colour:
                continue
            if value is None:
                self.add_error(f"level{n}_value", "Give the value this level fires at.")
            elif not colour:
                self.add_error(f"level{n}_colour", "Choose the level's colour.")
            else:
                level: dict[str, object] = {"value": value, "colour": colour}
                if data.get(f"level{n}_flash"):
                    level["flash"] = True
                levels.append(level)
        return levels

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        queue_id, team_id = data.get("queue"), data.get("team")
        data["queue"] = self.options.queues.get(queue_id) if queue_id is not None else None
        data["team"] = self.options.teams.get(team_id) if team_id is not None else None
        if data.get("scope") != Scope.QUEUE:
            data["queue"] = None
        if data.get("scope") != Scope.TEAM:
            data["team"] = None
        if data.get("kind") != TileKind.METRIC:
            data["metric"] = ""
        data["thresholds"] = self._thresholds(data)
        if self.errors:
            return data
        try:
            self.draft(data).to_tile().clean()
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                target = "level1_value" if field == "thresholds" else field
                for message in messages:
                    self.add_error(target if target in self.fields else None, message)
        return data

    def draft(self, data: dict[str, Any] | None = None) -> TileDraft:
        data = self.cleaned_data if data is None else data
        return TileDraft(
            tile_id=data.get("tile_id"),
            page_number=int(data.get("page_number") or 1),
            kind=str(data.get("kind") or TileKind.METRIC.value),
            metric=str(data.get("metric") or ""),
            scope=str(data.get("scope") or Scope.CENTER.value),
            queue=data.get("queue"),
            team=data.get("team"),
            period=str(data.get("period") or "today"),
            label=str(data.get("label") or ""),
            width=int(data.get("width") or 1),
            threshold_direction=str(data.get("threshold_direction") or ""),
            thresholds=list(data.get("thresholds") or []),
        )
