"""The board editor's forms: the board itself, its pages and its tiles (threshold levels as
three rows of value, colour and flash), plus the display-link form of the screens page.

Validation reuses the models' (`Board.clean`, `Tile.clean`, `wallboard.tiles`), so the admin
and the editor reject the same mistakes; every bad input ends as a field error, never a 500.
The forms turn posted data into frozen `PageDraft` / `TileDraft` values that the services save
and the preview renders.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.text import slugify

from oauth.models import Organization
from wallboard.editor_services import PageDraft, TileDraft
from wallboard.models import MAX_TILE_COLUMNS, Board, Tile
from wallboard.tiles import MAX_THRESHOLD_LEVELS, Colour, Direction, Scope, TileKind
from wxcc.models import Queue, Team

MAX_PAGES = 10
MAX_TILES = 48
# Beyond these a board is a mistake, not a choice (and a huge integer would overflow the
# database column): say so beside the field.
MAX_ROTATION_S = 3600
MAX_STALE_AFTER_S = 86_400
MAX_SHORT_ABANDON_S = 600
MAX_THRESHOLD_VALUE = 1_000_000
# Addresses under /boards/ that are pages of their own.
RESERVED_SLUGS = frozenset({"new", "editor"})
LEVELS = range(1, MAX_THRESHOLD_LEVELS + 1)


class BoardForm(forms.ModelForm):  # type: ignore[type-arg]
    """The board's own fields. The slug is chosen once, at creation: TV links name it."""

    class Meta:
        model = Board
        fields = [
            "name",
            "slug",
            "queues",
            "teams",
            "columns",
            "rotation_s",
            "theme",
            "time_zone",
            "service_level_definition",
            "short_abandon_threshold_s",
            "stale_after_s",
        ]
        labels = {
            "rotation_s": "Rotate pages every (s)",
            "time_zone": "Time zone",
            "service_level_definition": "Service level definition",
            "short_abandon_threshold_s": "Short abandon under (s)",
            "stale_after_s": "Show stale after (s)",
        }
        help_texts = {
            "slug": "Part of the board's address; blank: made from the name.",
            "queues": "None chosen: all queues.",
            "teams": "None chosen: all teams.",
            "rotation_s": "0 keeps the first page on screen.",
            "time_zone": "Blank: the organization's (e.g. Europe/London).",
        }
        widgets = {
            "queues": forms.CheckboxSelectMultiple,
            "teams": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.instance.organization = organization
        queues: Any = self.fields["queues"]
        queues.queryset = Queue.objects.filter(organization=organization).order_by("name")
        teams: Any = self.fields["teams"]
        teams.queryset = Team.objects.filter(organization=organization).order_by("name")
        if self.instance.pk:
            del self.fields["slug"]
        else:
            self.fields["slug"].required = False
        for name, limit in (
            ("rotation_s", MAX_ROTATION_S),
            ("stale_after_s", MAX_STALE_AFTER_S),
            ("short_abandon_threshold_s", MAX_SHORT_ABANDON_S),
        ):
            self.fields[name].validators.append(MaxValueValidator(limit))

    def clean_slug(self) -> str:
        slug = slugify(self.cleaned_data.get("slug") or self.data.get("name") or "")[:60]
        if not slug:
            raise ValidationError("Give the board an address, e.g. lobby.")
        if slug in RESERVED_SLUGS:
            raise ValidationError(f"{slug!r} is taken by the app's own pages; choose another.")
        taken = Board.objects.filter(organization=self.organization, slug=slug)
        if taken.exists():
            raise ValidationError(f"Another board of yours is at {slug!r}.")
        return slug


class PageForm(forms.Form):
    title = forms.CharField(max_length=100, required=False)


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
    """The org's queues and teams a tile may name, read once for every tile row (two
    queries, however many tiles)."""

    queues: dict[int, Queue]
    teams: dict[int, Team]

    @classmethod
    def of(cls, organization: Organization) -> TileOptions:
        return cls(
            queues={q.pk: q for q in Queue.objects.filter(organization=organization)},
            teams={t.pk: t for t in Team.objects.filter(organization=organization)},
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


class EditorFormSet(forms.BaseFormSet):  # type: ignore[type-arg]
    """Every row counts: a page or tile the admin added is validated, not skipped for being
    untouched (remove it with its Remove box)."""

    def __init__(self, *args: Any, options: TileOptions | None = None, **kwargs: Any):
        self.options = options
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        kwargs = {**super().get_form_kwargs(index), "empty_permitted": False}
        if self.options is not None:
            kwargs["options"] = self.options
        return kwargs

    def kept_forms(self) -> list[Any]:
        """The valid forms not marked for removal, in order."""
        return [
            form
            for form in self.forms
            if not form.cleaned_data.get(forms.formsets.DELETION_FIELD_NAME, False)
        ]


PageFormSet: type[EditorFormSet] = forms.formset_factory(  # type: ignore[assignment]
    PageForm,
    formset=EditorFormSet,
    extra=0,
    can_delete=True,
    min_num=1,
    validate_min=True,
    max_num=MAX_PAGES,
    validate_max=True,
    absolute_max=MAX_PAGES,
)
TileFormSet: type[EditorFormSet] = forms.formset_factory(  # type: ignore[assignment]
    TileForm,
    formset=EditorFormSet,
    extra=0,
    can_delete=True,
    max_num=MAX_TILES,
    validate_max=True,
    absolute_max=MAX_TILES,
)


@dataclass
class BoardEditor:
    """The whole editor: the board form and its page and tile formsets, validated together
    (a tile may not name a page that does not exist)."""

    board: BoardForm
    pages: Any
    tiles: Any

    @classmethod
    def bind(
        cls,
        organization: Organization,
        instance: Board | None = None,
        data: Any = None,
        pages_initial: list[dict[str, Any]] | None = None,
        tiles_initial: list[dict[str, Any]] | None = None,
    ) -> BoardEditor:
        return cls(
            board=BoardForm(data, instance=instance, organization=organization),
            pages=PageFormSet(data, prefix="pages", initial=pages_initial or [{"title": ""}]),
            tiles=TileFormSet(
                data, prefix="tiles", initial=tiles_initial, options=TileOptions.of(organization)
            ),
        )

    def is_valid(self) -> bool:
        valid = all(
            [self.board.is_valid(), self.pages.is_valid(), self.tiles.is_valid()]
        )  # all three, so every error shows at once
        if not valid:
            return False
        page_count = len(self.page_drafts())
        for form in self.tiles.kept_forms():
            if form.cleaned_data["page_number"] > page_count:
                form.add_error(
                    "page_number",
                    f"There {'is' if page_count == 1 else 'are'} {page_count} "
                    f"page{'' if page_count == 1 else 's'}.",
                )
                valid = False
        return valid

    def page_drafts(self) -> list[PageDraft]:
        return [PageDraft(title=f.cleaned_data.get("title", "")) for f in self.pages.kept_forms()]

    def tile_drafts(self) -> list[TileDraft]:
        return [form.draft() for form in self.tiles.kept_forms()]


def board_initial(board: Board) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The formsets' initial rows for a saved board: its pages, then its tiles."""
    pages = list(board.pages.all())
    page_number = {page.pk: n for n, page in enumerate(pages, start=1)}
    tiles: list[dict[str, Any]] = []
    for tile in Tile.objects.filter(page__board=board).order_by(
        "page__position", "page_id", "position", "id"
    ):
        row: dict[str, Any] = {
            "tile_id": tile.pk,
            "page_number": page_number.get(tile.page_id, 1),
            "kind": tile.kind,
            "metric": tile.metric,
            "scope": tile.scope,
            "queue": tile.queue_id,
            "team": tile.team_id,
            "period": tile.period,
            "label": tile.label,
            "width": tile.width,
            "threshold_direction": tile.threshold_direction,
        }
        levels = tile.thresholds if isinstance(tile.thresholds, list) else []
        for n, level in enumerate(levels[:MAX_THRESHOLD_LEVELS], start=1):
            if isinstance(level, dict):
                row[f"level{n}_value"] = level.get("value")
                row[f"level{n}_colour"] = level.get("colour", "")
                row[f"level{n}_flash"] = bool(level.get("flash"))
        tiles.append(row)
    return [{"title": page.title} for page in pages], tiles


class ScreenForm(forms.Form):
    name = forms.CharField(max_length=100)
    board = forms.ModelChoiceField(queryset=Board.objects.none())

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        board: Any = self.fields["board"]
        board.queryset = Board.objects.filter(organization=organization).order_by("name")
