"""What we store from WxCC: queues, teams, agents, tasks and agent sessions with their state
history, plus every raw webhook event (kept for replay) and the org's webhook subscriptions.

Times are aware UTC datetimes. A task or session row is the current view; its history rows
record every state it went through, whichever source (webhook or poll) told us.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from oauth.crypto import EncryptedTextField
from oauth.models import Organization


class Source(models.TextChoices):
    WEBHOOK = "webhook", "Webhook"
    POLL = "poll", "Poll"


class Queue(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    wxcc_id = models.CharField(max_length=64)
    name = models.CharField(max_length=200, blank=True)
    channel_type = models.CharField(max_length=32, blank=True)
    # WxCC's configured service-level threshold for the queue (seconds), when known.
    service_level_threshold_s = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "wxcc_id"], name="queue_unique_per_org")
        ]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name or self.wxcc_id


class Team(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    wxcc_id = models.CharField(max_length=64)
    name = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "wxcc_id"], name="team_unique_per_org")
        ]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name or self.wxcc_id


class Agent(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    wxcc_id = models.CharField(max_length=64)
    name = models.CharField(max_length=200, blank=True)
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "wxcc_id"], name="agent_unique_per_org")
        ]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name or self.wxcc_id


class TaskStatus(models.TextChoices):
    """Where a contact is in its life. Ordered: on equal timestamps the later stage wins."""

    NEW = "new", "New"  # formed; in self-service (IVR/bot) before any queue
    QUEUED = "queued", "Queued"  # parked in a queue, waiting for an agent
    OFFERED = "offered", "Offered"  # ringing at an agent who has not accepted yet
    CONNECTED = "connected", "Connected"  # accepted by an agent
    ENDED = "ended", "Ended"


TASK_STATUS_RANK = {
    TaskStatus.NEW: 0,
    TaskStatus.QUEUED: 1,
    TaskStatus.OFFERED: 2,
    TaskStatus.CONNECTED: 3,
    TaskStatus.ENDED: 4,
}


class Task(models.Model):
    """One contact (call, chat, email...) as WxCC's task: the current view."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    wxcc_id = models.CharField(max_length=64)
    channel_type = models.CharField(max_length=32, blank=True)
    direction = models.CharField(max_length=16, blank=True)
    origin = models.CharField(max_length=200, blank=True)
    destination = models.CharField(max_length=200, blank=True)
    queue = models.ForeignKey(Queue, null=True, blank=True, on_delete=models.SET_NULL)
    agent = models.ForeignKey(Agent, null=True, blank=True, on_delete=models.SET_NULL)
    # Time of the observation that set queue / agent, so the newest one wins in any order.
    queue_at = models.DateTimeField(null=True, blank=True)
    agent_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=TaskStatus.choices, default=TaskStatus.NEW)
    # Time of the newest event or poll observation applied: out-of-order events older than
    # this are recorded in history but do not move the status back.
    status_at = models.DateTimeField()
    created_at = models.DateTimeField()
    queued_at = models.DateTimeField(null=True, blank=True)  # first entered a queue
    offered_at = models.DateTimeField(null=True, blank=True)
    connected_at = models.DateTimeField(null=True, blank=True)  # answered by an agent
    ended_at = models.DateTimeField(null=True, blank=True)
    termination_type = models.CharField(max_length=64, blank=True)
    # How WxCC classified the contact once it ended (CSR `contactHandleType`: "normal",
    # "abandoned" or "short"); blank until search tells us. The source of truth for
    # abandoned and short-abandoned counts (docs/wxcc-contract.md §2.5).
    contact_handle_type = models.CharField(max_length=16, blank=True)
    abandoned_type = models.CharField(max_length=64, blank=True)
    terminating_end = models.CharField(max_length=32, blank=True)
    termination_reason = models.CharField(max_length=100, blank=True)
    # Durations as WxCC's search reports them once known (ms), for reports and AHT.
    queue_duration_ms = models.BigIntegerField(null=True, blank=True)
    ringing_duration_ms = models.BigIntegerField(null=True, blank=True)
    connected_duration_ms = models.BigIntegerField(null=True, blank=True)
    hold_duration_ms = models.BigIntegerField(null=True, blank=True)
    wrapup_duration_ms = models.BigIntegerField(null=True, blank=True)
    total_duration_ms = models.BigIntegerField(null=True, blank=True)
    transfer_count = models.IntegerField(default=0)
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.WEBHOOK)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "wxcc_id"], name="task_unique_per_org")
        ]
        indexes = [
            # Live board: the org's open tasks by queue.
            models.Index(
                fields=["organization", "queue", "status"],
                name="task_live_idx",
                condition=~Q(status="ended"),
            ),
            # Today's metrics and reports: tasks by creation / end time.
            models.Index(fields=["organization", "created_at"], name="task_created_idx"),
            models.Index(fields=["organization", "ended_at"], name="task_ended_idx"),
        ]

    def __str__(self) -> str:
        return f"task {self.wxcc_id} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status != TaskStatus.ENDED


class TaskTransition(models.Model):
    """Every state a task was seen in, with when and from where (its history)."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="transitions")
    status = models.CharField(max_length=16, choices=TaskStatus.choices)
    at = models.DateTimeField()
    source = models.CharField(max_length=8, choices=Source.choices)
    event_id = models.CharField(max_length=128, blank=True)
    queue_wxcc_id = models.CharField(max_length=64, blank=True)
    agent_wxcc_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["task", "at"], name="task_transition_idx")]

    def __str__(self) -> str:
        return f"{self.status} at {self.at.isoformat()}"


class AgentState(models.TextChoices):
    LOGGED_OUT = "logged_out", "Logged out"
    AVAILABLE = "available", "Available"
    IDLE = "idle", "Idle"  # not ready, with an idle code (break, lunch, meeting...)
    RESERVED = "reserved", "Reserved"  # a contact is ringing
    CONNECTED = "connected", "Connected"  # on a contact (engaged)
    WRAPUP = "wrapup", "Wrap-up"


class AgentSession(models.Model):
    """One agent's login session: the current state and when it began."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="sessions")
    # WxCC's agentSessionId when known (search/activities); webhooks may not carry it.
    wxcc_session_id = models.CharField(max_length=64, blank=True)
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL)
    state = models.CharField(max_length=16, choices=AgentState.choices)
    idle_code = models.CharField(max_length=100, blank=True)
    state_since = models.DateTimeField()
    # Newest observation applied (events older than this are history only).
    state_at = models.DateTimeField()
    login_at = models.DateTimeField()
    logout_at = models.DateTimeField(null=True, blank=True)
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.WEBHOOK)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            # At most one open session per agent.
            models.UniqueConstraint(
                fields=["agent"], condition=Q(logout_at__isnull=True), name="one_open_session"
            )
        ]
        indexes = [
            models.Index(
                fields=["organization", "state"],
                name="session_open_idx",
                condition=Q(logout_at__isnull=True),
            ),
            models.Index(fields=["organization", "login_at"], name="session_login_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.agent} {self.state}"

    @property
    def is_active(self) -> bool:
        return self.logout_at is None


class AgentStateChange(models.Model):
    """Every state an agent session went through (its history)."""

    session = models.ForeignKey(AgentSession, on_delete=models.CASCADE, related_name="changes")
    state = models.CharField(max_length=16, choices=AgentState.choices)
    idle_code = models.CharField(max_length=100, blank=True)
    at = models.DateTimeField()
    source = models.CharField(max_length=8, choices=Source.choices)
    event_id = models.CharField(max_length=128, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["session", "at"], name="agent_change_idx")]

    def __str__(self) -> str:
        return f"{self.state} at {self.at.isoformat()}"


class RawEvent(models.Model):
    """A webhook delivery exactly as accepted, stored before we acknowledge it; replayable."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    event_id = models.CharField(max_length=128)
    event_type = models.CharField(max_length=64)
    event_time = models.DateTimeField(null=True, blank=True)
    body = models.BinaryField()  # the raw bytes, as signed
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.IntegerField(default=0)
    error = models.TextField(blank=True)
    # The last failed attempt to apply it; after settings.WXCC_WEBHOOK_MAX_ATTEMPTS failures
    # it is given up (left for an admin to read, fix and retry) so it cannot block others.
    failed_at = models.DateTimeField(null=True, blank=True)
    gave_up = models.BooleanField(default=False)

    class Meta:
        constraints = [
            # Redeliveries of one event are the same row: that is the idempotency.
            models.UniqueConstraint(
                fields=["organization", "event_id"], name="raw_event_unique_per_org"
            )
        ]
        indexes = [
            models.Index(fields=["received_at"], name="raw_event_received_idx"),
            # The newest delivery per org is the board's "last webhook" (derived, not stored).
            models.Index(fields=["organization", "-received_at"], name="raw_event_org_latest_idx"),
            # Events still to apply: the sweeper's and each org's drain.
            models.Index(
                fields=["organization", "received_at"],
                name="raw_event_pending_idx",
                condition=Q(processed_at__isnull=True, gave_up=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id}"


class SyncStatus(models.Model):
    """How fresh an org's data is: what the board's stale marker and outage banner read."""

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="wxcc_sync"
    )
    last_poll_started_at = models.DateTimeField(null=True, blank=True)
    last_poll_ok_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)  # a reason, never a token
    last_error_at = models.DateTimeField(null=True, blank=True)
    consecutive_failures = models.IntegerField(default=0)
    rate_limited_until = models.DateTimeField(null=True, blank=True)
    # Set while polling is stopped (disconnected org).
    paused = models.BooleanField(default=False)
    # The poll's cadence (wxcc.poll_plan): when the last good poll began reading (the next one
    # reads what changed since then), the last poll that read every live task and session,
    # the last per-queue totals cross-check, the last queue/team configuration sync.
    changes_read_at = models.DateTimeField(null=True, blank=True)
    last_full_poll_at = models.DateTimeField(null=True, blank=True)
    queue_totals_at = models.DateTimeField(null=True, blank=True)
    config_synced_at = models.DateTimeField(null=True, blank=True)
    # How far the history backfill has got (wxcc.backfill.Progress as JSON), kept here so
    # that losing Redis does not lose it.
    backfill_progress = models.JSONField(null=True, blank=True)

    def __str__(self) -> str:
        return f"sync of {self.organization_id}"


class WebhookSubscription(models.Model):
    """A WxCC subscription delivering events to us, with the secret that signs them.

    Per the receive-and-verify guide we keep its id, org, secret, API version and resource
    version; deliveries name the subscription in their `source`.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="webhook_subscriptions"
    )
    wxcc_subscription_id = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=64)
    event_types = models.JSONField(default=list)
    destination_url = models.URLField(max_length=500)
    secret = EncryptedTextField()
    api_version = models.CharField(max_length=4, default="v2")
    resource_version = models.CharField(max_length=50, blank=True)
    status = models.CharField(max_length=16, default="active")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.wxcc_subscription_id})"


class RejectionReason(models.TextChoices):
    """Why the receiver refused a delivery (docs/wxcc-contract.md §1.7)."""

    BODY_TOO_LARGE = "body_too_large", "Body too large"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type", "Not sent as application/json"
    MALFORMED = "malformed", "Malformed delivery"
    UNKNOWN_SUBSCRIPTION = "unknown_subscription", "Unknown subscription"
    BAD_SIGNATURE = "bad_signature", "Missing or invalid signature"
    OUTSIDE_REPLAY_WINDOW = "outside_replay_window", "Timestamp outside the replay window"
    ORG_MISMATCH = "org_mismatch", "Organization does not match the subscription"


class WebhookRejection(models.Model):
    """How many deliveries the receiver refused for one reason, per subscription and minute.

    One row per (subscription, reason, minute), however many deliveries, so a flood of forged
    requests cannot grow the table faster than that. Deliveries that name no subscription we
    know share one row per reason and minute (`wxcc_subscription_id` empty, no organization):
    an attacker's made-up ids are never stored.
    """

    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    wxcc_subscription_id = models.CharField(max_length=64, blank=True)
    reason = models.CharField(max_length=32, choices=RejectionReason.choices)
    status_code = models.PositiveSmallIntegerField()  # what we answered
    minute = models.DateTimeField()  # start of the minute the deliveries arrived in
    count = models.PositiveIntegerField(default=1)
    last_at = models.DateTimeField()
    detail = models.CharField(max_length=200, blank=True)  # the latest reason, our words only

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["wxcc_subscription_id", "reason", "minute"],
                name="webhook_rejection_bucket",
            )
        ]
        indexes = [
            models.Index(fields=["organization", "-minute"], name="webhook_rejection_org_idx"),
            models.Index(fields=["minute"], name="webhook_rejection_minute_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.count} x {self.reason} at {self.minute.isoformat()}"
