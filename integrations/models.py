"""Integrations (an account's link to an order source), their refresh runs and their import log."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from config import crypto

from .registry import KIND_CHOICES


class Health(models.TextChoices):
    UNKNOWN = "unknown", "Not validated yet"
    OK = "ok", "OK"
    AUTH_FAILED = "auth_failed", "Sub-user validation failed"
    ERROR = "error", "Error"


class Integration(models.Model):
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="integrations")
    kind = models.CharField(max_length=32, choices=KIND_CHOICES)
    name = models.CharField(max_length=100)
    base_url = models.URLField(max_length=300, blank=True)
    # Fernet token of a JSON object ({"username", "password"} or {"share_key"}); write-only everywhere.
    credentials_encrypted = models.TextField(blank=True, editable=False)
    credentials_changed_at = models.DateTimeField(null=True, blank=True)

    qa_in_field = models.BooleanField("QA in Field", default=True)
    default_assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    enabled = models.BooleanField(default=True)
    refresh_interval_minutes = models.PositiveIntegerField(default=60)

    # Health says whether the client accepts us; it is kept apart from how the last refresh went.
    health = models.CharField(max_length=16, choices=Health.choices, default=Health.UNKNOWN)
    health_message = models.CharField(max_length=500, blank=True)
    last_validated_at = models.DateTimeField(null=True, blank=True)
    # "File Save Failed" answers in a row: after a few, the relay checks the credentials (the seeds).
    file_save_failures = models.PositiveIntegerField(default=0)
    last_refreshed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "name"], name="integration_name_unique_per_account"),
        ]

    def __str__(self):
        return self.name

    # Credentials: set in clear, stored encrypted, never returned by the API or the admin.
    @sensitive_variables("value")
    def set_credentials(self, value: dict) -> None:
        self.credentials_encrypted = crypto.encrypt_json(value)
        self.credentials_changed_at = timezone.now()

    def get_credentials(self) -> dict:
        """The decrypted credentials; raises crypto.CredentialsUnreadable when no key opens them."""
        return crypto.decrypt_json(self.credentials_encrypted)

    @property
    def credentials_state(self) -> str:
        if not self.credentials_encrypted:
            return "missing"
        try:
            self.get_credentials()
        except crypto.CredentialsUnreadable:
            return "unreadable"
        return "set"

    def source_class(self):
        from .registry import source_class

        return source_class(self.kind)

    def source(self):
        return self.source_class()(self)


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class RefreshRun(models.Model):
    """One Refresh or Full Refresh. Its lease (owner, expiry) makes it the only run of its integration."""

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="runs")
    full = models.BooleanField(default=False)
    status = models.CharField(max_length=16, choices=RunStatus.choices, default=RunStatus.QUEUED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    trigger = models.CharField(max_length=16, default="manual")  # manual, schedule, command, api

    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    closed = models.PositiveIntegerField(default=0)
    reopened = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)

    lease_owner = models.CharField(max_length=100, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    queued_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-queued_at"]
        constraints = [
            # One active run per integration, enforced by the database, not by hope.
            models.UniqueConstraint(
                fields=["integration"],
                condition=models.Q(status__in=["queued", "running"]),
                name="refresh_run_one_active_per_integration",
            ),
        ]

    def __str__(self):
        return f"{'Full refresh' if self.full else 'Refresh'} #{self.pk} of {self.integration_id}"

    @property
    def is_active(self) -> bool:
        return self.status in (RunStatus.QUEUED, RunStatus.RUNNING)

    @property
    def percent(self) -> int:
        if not self.total:
            return 100 if self.status == RunStatus.SUCCEEDED else 0
        return min(100, round(100 * self.processed / self.total))

    def counts(self) -> dict:
        return {
            "status": self.status,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            "closed": self.closed,
        }


class EventLevel(models.TextChoices):
    INFO = "info", "Info"
    WARNING = "warning", "Warning"
    ERROR = "error", "Error"


class IntegrationEvent(models.Model):
    """A line of the import log, shown as ``MM-DD-YYYY HH:MM:SS <message>`` in the account's time zone."""

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="events")
    run = models.ForeignKey(
        RefreshRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    level = models.CharField(max_length=16, choices=EventLevel.choices, default=EventLevel.INFO)
    order_ref = models.CharField(max_length=64, blank=True)
    message = models.TextField()
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.message

    def format_line(self, tz) -> str:
        return f"{timezone.localtime(self.created_at, tz):%m-%d-%Y %H:%M:%S} {self.message}"


class RelayKind(models.TextChoices):
    PHOTO = "photo", "Photo"
    SURVEY = "survey", "Survey answers"
    CHECK_IN = "check_in", "Check in"
    CHECK_IN_COMPLETE = "check_in_complete", "Check-in complete"


class RelayStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    HELD = "held", "Held (credentials failed)"
    FAILED = "failed", "Failed"


class RelayItem(models.Model):
    """One thing sent back to the client: a photo, a survey's answers, a check-in step.

    Written in the same transaction as the publish. Its delivery state lives here, not in the broker:
    attempts, the next due time and a lease, claimed by a conditional UPDATE, so a killed worker loses
    nothing and a retry never runs twice. ``payload`` is a snapshot of what is sent (the flag, the answers),
    so later edits make a new item instead of changing one in flight. ``serial`` makes the send idempotent
    at the client.
    """

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="relay_items")
    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="relay_items")
    kind = models.CharField(max_length=24, choices=RelayKind.choices)
    photo = models.ForeignKey(
        "photos.Photo", null=True, blank=True, on_delete=models.CASCADE, related_name="relay_items"
    )
    serial = models.UUIDField()
    payload = models.JSONField(default=dict, blank=True)

    status = models.CharField(max_length=16, choices=RelayStatus.choices, default=RelayStatus.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    lease_owner = models.CharField(max_length=100, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    published_by = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["integration", "serial"], name="relay_item_serial_unique"),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="relay_item_due"),
            models.Index(fields=["project", "status"], name="relay_item_project"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.serial} ({self.status})"


from .share.models import HandOver, ShareLink, ShareReceipt  # noqa: E402, F401  (Share's own tables)
