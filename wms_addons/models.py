"""WMS add-ons (a vendor's WMS listening to project events) and the log of deliveries made to them."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from config import crypto
from config.netsafety import validate_public_url
from projects.models import EventType

# The project events an add-on hears unless told otherwise (DESIGN.md §8)...
DEFAULT_EVENT_TYPES = (
    EventType.CREATED,
    EventType.UPDATED,
    EventType.ASSIGNED,
    EventType.COMPLETED,
    EventType.CLOSED,
    EventType.REOPENED,
)
# ...and those it may choose besides: a project deleted here (or brought back by a Full Refresh), which a
# WMS that polls or listens would otherwise never learn of. The rest of the history stays in Vendordesk.
WMS_EVENT_TYPES = (*DEFAULT_EVENT_TYPES, EventType.DELETED, EventType.RESTORED)
WMS_EVENT_CHOICES = [(t.value, t.label) for t in WMS_EVENT_TYPES]


def all_event_types() -> list[str]:
    """Every event type an add-on may subscribe to."""
    return [t.value for t in WMS_EVENT_TYPES]


def default_event_types() -> list[str]:
    return [t.value for t in DEFAULT_EVENT_TYPES]


class WmsAddon(models.Model):
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="wms_addons")
    name = models.CharField(max_length=100)
    url = models.URLField(max_length=500, validators=[validate_public_url])
    # Fernet token of {"secret": "whsec_..."}: kept readable because signing needs it in clear.
    secret_encrypted = models.TextField(editable=False)
    events = models.JSONField(default=default_event_types)
    enabled = models.BooleanField(default=True)
    # The add-on's own key: what it changes through the API is not echoed back to it.
    api_key = models.ForeignKey(
        "accounts.ApiKey", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The last ProjectEvent id below which every event of the account has been considered for the outbox.
    cursor = models.PositiveBigIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "WMS add-on"
        constraints = [
            models.UniqueConstraint(fields=["account", "name"], name="wms_addon_name_unique_per_account"),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        known = set(all_event_types())
        if not isinstance(self.events, list) or not self.events or not set(self.events) <= known:
            raise ValidationError({"events": f"Choose one or more of: {', '.join(sorted(known))}."})
        if self.api_key_id and self.api_key.account_id != self.account_id:
            raise ValidationError({"api_key": "No such API key in this account."})

    def set_secret(self, secret: str) -> None:
        self.secret_encrypted = crypto.encrypt_json({"secret": secret})

    def get_secret(self) -> str:
        """The signing secret in clear; raises crypto.CredentialsUnreadable when no key opens it."""
        return crypto.decrypt_json(self.secret_encrypted)["secret"]


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    DELIVERED = "delivered", "Delivered"
    PARKED = "parked", "Parked"


# Undelivered and not given up on: these hold back the later events of their project.
OPEN_STATUSES = (DeliveryStatus.PENDING, DeliveryStatus.SENDING)


class WmsDelivery(models.Model):
    """One project event on its way to one add-on: its attempts, due time and lease live here, so a worker
    that dies mid-send loses nothing."""

    addon = models.ForeignKey(WmsAddon, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey("projects.ProjectEvent", on_delete=models.CASCADE, related_name="+")
    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="+")
    sequence = models.PositiveIntegerField(help_text="The event's number in its project's history.")
    status = models.CharField(max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    lease_owner = models.CharField(max_length=64, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "WMS deliveries"
        constraints = [
            models.UniqueConstraint(fields=["addon", "event"], name="wms_delivery_unique_per_addon"),
        ]
        indexes = [
            # The due scan, and the "earlier open delivery of the same project" check of each candidate.
            models.Index(
                fields=["status", "next_attempt_at"],
                condition=Q(status__in=OPEN_STATUSES),
                name="wms_delivery_due",
            ),
            models.Index(
                fields=["addon", "project", "sequence"],
                condition=Q(status__in=OPEN_STATUSES),
                name="wms_delivery_open_by_project",
            ),
            models.Index(fields=["addon", "status", "id"], name="wms_delivery_addon_status"),
        ]

    def __str__(self):
        return f"{self.webhook_id} {self.status}"

    @property
    def webhook_id(self) -> str:
        """The Standard Webhooks message id: the same on every retry, so a receiver can drop duplicates."""
        return f"msg_{self.pk}"
