"""The board editor's forms: the board itself, its pages and tiles (the tile row is in
`editor_tile_forms`), the queues' T, and the display-link form of the screens page.

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
from django.utils.text import slugify

from oauth.models import Organization
from wallboard.editor_services import PageDraft, TileDraft
from wallboard.editor_tile_forms import MAX_PAGES, TileForm, TileOptions
from wallboard.metrics import DEFAULT_SERVICE_LEVEL_THRESHOLD_S
from wallboard.models import Board, Tile
from wallboard.tiles import MAX_THRESHOLD_LEVELS
from wxcc.models import Queue, Team

MAX_TILES = 48
# Beyond these a board is a mistake, not a choice (and a huge integer would overflow the
# database column): say so beside the field.
MAX_ROTATION_S = 3600
MAX_STALE_AFTER_S = 86_400
MAX_SHORT_ABANDON_S = 600
MAX_SERVICE_LEVEL_T_S = 3600
# Addresses under /boards/ that are pages of their own.
RESERVED_SLUGS = frozenset({"new", "editor"})


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
    """The whole editor: the board form, its page and tile formsets and the queues' T,
    validated together (a tile may not name a page that does not exist)."""

    board: BoardForm
    pages: Any
    tiles: Any
    targets: QueueTargetsForm

    @classmethod
    def bind(
        cls,
        organization: Organization,
        instance: Board | None = None,
        data: Any = None,
        pages_initial: list[dict[str, Any]] | None = None,
        tiles_initial: list[dict[str, Any]] | None = None,
    ) -> BoardEditor:
        options = TileOptions.of(organization)
        return cls(
            board=BoardForm(data, instance=instance, organization=organization),
            pages=PageFormSet(data, prefix="pages", initial=pages_initial or [{"title": ""}]),
            tiles=TileFormSet(data, prefix="tiles", initial=tiles_initial, options=options),
            targets=QueueTargetsForm(data, options=options),
        )

    def is_valid(self) -> bool:
        # Every part, so every error shows at once.
        valid = all(
            [
                self.board.is_valid(),
                self.pages.is_valid(),
                self.tiles.is_valid(),
                self.targets.is_valid(),
            ]
        )
        if valid:
            page_count = len(self.page_drafts())
            for form in self.tiles.kept_forms():
                if form.cleaned_data["page_number"] > page_count:
                    form.add_error(
                        "page_number",
                        f"There {'is' if page_count == 1 else 'are'} {page_count} "
                        f"page{'' if page_count == 1 else 's'}.",
                    )
                    valid = False
        if not valid:
            self._mark_invalid_fields()
        return valid

    def _mark_invalid_fields(self) -> None:
        """Screen readers hear which fields are wrong and why (the message beside each)."""
        for form in [self.board, self.targets, *self.pages.forms, *self.tiles.forms]:
            for name in form.errors:
                if name in form.fields:
                    form.fields[name].widget.attrs.update(
                        {"aria-invalid": "true", "aria-describedby": f"{form[name].auto_id}-error"}
                    )

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


class QueueTargetsForm(forms.Form):
    """T, the service-level time, per queue: ours overrides WxCC's for every board of the
    org (blank: WxCC's, else the default)."""

    prefix = "sl"

    def __init__(self, *args: Any, options: TileOptions, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.queues = sorted(options.queues.values(), key=lambda q: (q.name or q.wxcc_id).lower())
        for queue in self.queues:
            wxcc_s = queue.service_level_threshold_s
            self.fields[self.field_name(queue.pk)] = forms.IntegerField(
                required=False,
                min_value=1,
                max_value=MAX_SERVICE_LEVEL_T_S,
                label=queue.name or queue.wxcc_id,
                initial=options.sl_overrides_s.get(queue.pk),
                help_text=f"Blank: WxCC's ({wxcc_s:g} s)"
                if wxcc_s is not None
                else f"Blank: {DEFAULT_SERVICE_LEVEL_THRESHOLD_S:g} s",
            )

    @staticmethod
    def field_name(queue_id: int) -> str:
        return f"t_{queue_id}"

    def targets_s(self) -> dict[int, int | None]:
        """Each queue's override of T as posted (None: none)."""
        return {q.pk: self.cleaned_data.get(self.field_name(q.pk)) for q in self.queues}


class ScreenForm(forms.Form):
    name = forms.CharField(max_length=100)
    board = forms.ModelChoiceField(queryset=Board.objects.none())

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        board: Any = self.fields["board"]
        board.queryset = Board.objects.filter(organization=organization).order_by("name")
