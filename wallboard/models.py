"""Boards and what they show: a board (per org) has pages of tiles, each tile a metric for a
scope and period with up to three threshold levels; screens are the display links that let an
unattended TV open a board; queue settings hold an org's overrides beside WxCC's.

Validation lives in `clean()` (and the pure `wallboard.tiles`), so the admin now and the board
editor later reject the same mistakes.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from oauth.crypto import EncryptedTextField
from oauth.models import Organization
from wallboard.metrics import DEFAULT_SHORT_ABANDON_THRESHOLD_S, Period, ServiceLevelDefinition
from wallboard.tiles import (
    METRICS,
    PERIOD_LABELS,
    Direction,
    Metric,
    Scope,
    ThresholdError,
    ThresholdLevel,
    TileKind,
    parse_thresholds,
)
from wxcc.models import Queue, Team

# A board whose org has had no poll or webhook for this long is shown as stale (our choice:
# three missed polls at the default 10 s poll interval, doubled for slack).
DEFAULT_STALE_AFTER_S = 60
MIN_STALE_AFTER_S = 10
# Rotation faster than this is unreadable from across a room.
MIN_ROTATION_S = 5
MAX_TILE_COLUMNS = 4


def validate_time_zone(name: str) -> None:
    if not name:
        return
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(f"{name!r} is not a known time zone (e.g. Europe/London).") from None


class Theme(models.TextChoices):
    DARK = "dark", "Dark"
    HIGH_CONTRAST = "high_contrast", "High contrast (black and white)"


SL_DEFINITION_CHOICES = [
    (
        ServiceLevelDefinition.ABANDONS_WITHIN_T_IGNORED.value,
        "Answered within T / (answered + abandoned after T)",
    ),
    (
        ServiceLevelDefinition.ANSWERED_OF_OFFERED.value,
        "Answered within T / (answered + abandoned)",
    ),
    (
        ServiceLevelDefinition.ANSWERED_OR_ABANDONED_OF_OFFERED.value,
        "(Answered + abandoned) within T / (answered + abandoned)",
    ),
]


class Board(models.Model):
    """One wallboard of an org. `queues` and `teams` choose the rows of the queues table,
    the agents list and the snapshot API (none chosen: all of the org's)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="boards")
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=60)
    queues = models.ManyToManyField(Queue, blank=True, related_name="+")
    teams = models.ManyToManyField(Team, blank=True, related_name="+")
    # Blank: the org's time zone. "Today" and the clock follow it.
    time_zone = models.CharField(max_length=64, blank=True, validators=[validate_time_zone])
    theme = models.CharField(max_length=16, choices=Theme.choices, default=Theme.DARK)
    columns = models.PositiveSmallIntegerField(
        default=4, validators=[MinValueValidator(1), MaxValueValidator(8)]
    )
    # Seconds each page shows before the next; 0 keeps the first page on screen.
    rotation_s = models.PositiveIntegerField(default=20)
    service_level_definition = models.CharField(
        max_length=40,
        choices=SL_DEFINITION_CHOICES,
        default=ServiceLevelDefinition.ABANDONS_WITHIN_T_IGNORED.value,
    )
    short_abandon_threshold_s = models.FloatField(
        default=DEFAULT_SHORT_ABANDON_THRESHOLD_S, validators=[MinValueValidator(0)]
    )
    stale_after_s = models.PositiveIntegerField(
        default=DEFAULT_STALE_AFTER_S, validators=[MinValueValidator(MIN_STALE_AFTER_S)]
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "slug"], name="board_slug_per_org")
        ]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.rotation_s and self.rotation_s < MIN_ROTATION_S:
            raise ValidationError(
                {"rotation_s": f"Rotate every {MIN_ROTATION_S} s or more, or 0 for never."}
            )

    def zone_name(self) -> str:
        return self.time_zone or self.organization.timezone or "UTC"


class BoardPage(models.Model):
    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="pages")
    position = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.title or f"Page {self.position + 1}"


class Tile(models.Model):
    """One tile of a page: a metric for a scope and period, or the agents list or queues
    table. Threshold levels are JSON (see `wallboard.tiles.parse_thresholds`)."""

    page = models.ForeignKey(BoardPage, on_delete=models.CASCADE, related_name="tiles")
    position = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(
        max_length=16,
        choices=[
            (TileKind.METRIC.value, "Metric"),
            (TileKind.AGENTS_LIST.value, "Agents list"),
            (TileKind.QUEUES_TABLE.value, "Queues table"),
        ],
        default=TileKind.METRIC.value,
    )
    metric = models.CharField(
        max_length=32, blank=True, choices=[(m.value, METRICS[m].label) for m in Metric]
    )
    scope = models.CharField(
        max_length=8,
        choices=[
            (Scope.CENTER.value, "Whole center"),
            (Scope.QUEUE.value, "One queue"),
            (Scope.TEAM.value, "One team"),
        ],
        default=Scope.CENTER.value,
    )
    queue = models.ForeignKey(Queue, null=True, blank=True, on_delete=models.CASCADE)
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.CASCADE)
    period = models.CharField(
        max_length=8,
        choices=[(p.value, PERIOD_LABELS[p]) for p in Period],
        default=Period.TODAY.value,
    )
    label = models.CharField(max_length=60, blank=True)
    width = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(MAX_TILE_COLUMNS)]
    )
    threshold_direction = models.CharField(
        max_length=8,
        choices=[(Direction.ABOVE.value, "At or above"), (Direction.BELOW.value, "At or below")],
        blank=True,
        help_text="Blank: the metric's usual direction (e.g. below for service level).",
    )
    thresholds = models.JSONField(
        default=list,
        blank=True,
        help_text='Up to three levels, least severe first: [{"value": 30, "colour": "amber"}, '
        '{"value": 60, "colour": "red", "flash": true}]. Colours: green, amber, red, blue, '
        "purple, white.",
    )

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(scope="queue") | Q(queue__isnull=False), name="tile_queue_scope"
            ),
            models.CheckConstraint(
                condition=~Q(scope="team") | Q(team__isnull=False), name="tile_team_scope"
            ),
        ]

    def __str__(self) -> str:
        return self.label or self.get_metric_display() or self.get_kind_display()

    @property
    def direction(self) -> Direction:
        if self.threshold_direction:
            return Direction(self.threshold_direction)
        if self.kind == TileKind.METRIC and self.metric:
            return METRICS[Metric(self.metric)].default_direction
        return Direction.ABOVE

    def levels(self) -> tuple[ThresholdLevel, ...]:
        return parse_thresholds(self.thresholds, direction=self.direction)

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.kind == TileKind.METRIC:
            if not self.metric:
                errors["metric"] = "Choose the metric this tile shows."
            elif self.scope == Scope.TEAM and not METRICS[Metric(self.metric)].team_scope:
                errors["scope"] = "Contacts waiting belong to a queue, not a team."
        elif self.metric:
            errors["metric"] = "Only metric tiles show a metric."
        elif self.kind == TileKind.QUEUES_TABLE and self.scope != Scope.CENTER:
            errors["scope"] = "The queues table shows the board's queues: use the center scope."
        if self.scope == Scope.QUEUE and self.queue_id is None:
            errors["queue"] = "Choose the queue."
        if self.scope == Scope.TEAM and self.team_id is None:
            errors["team"] = "Choose the team."
        if self.scope != Scope.QUEUE and self.queue_id is not None:
            errors["queue"] = "Only queue-scoped tiles name a queue."
        if self.scope != Scope.TEAM and self.team_id is not None:
            errors["team"] = "Only team-scoped tiles name a team."
        try:
            self.levels()
        except ThresholdError as exc:
            errors["thresholds"] = str(exc)
        org_id = self._board_org_id()
        for field, related in (("queue", self.queue), ("team", self.team)):
            if related is not None and org_id is not None and related.organization_id != org_id:
                errors[field] = "It belongs to another organization."
        if errors:
            raise ValidationError(errors)

    def _board_org_id(self) -> int | None:
        if self.page_id is None:
            return None
        return int(self.page.board.organization_id)


class Screen(models.Model):
    """A display link: one unattended screen's read-only token for one board.

    The token is shown to admins (encrypted at rest) and looked up by its SHA-256 digest;
    revoking it closes the screen's open sockets.
    """

    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="screens")
    name = models.CharField(max_length=100)
    token = EncryptedTextField()
    token_digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["board", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.board})"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class QueueSettings(models.Model):
    """An org's own settings for a queue, beside what WxCC tells us about it."""

    queue = models.OneToOneField(Queue, on_delete=models.CASCADE, related_name="board_settings")
    # Overrides WxCC's `service_level_threshold_s` for this org's boards when set.
    service_level_threshold_s = models.PositiveIntegerField(null=True, blank=True)
    # Teams whose agents serve the queue: its agent tiles count their agents.
    serving_teams = models.ManyToManyField(Team, blank=True, related_name="+")

    class Meta:
        verbose_name_plural = "queue settings"

    def __str__(self) -> str:
        return f"settings of {self.queue}"
