"""Share keys issued by a primary vendor, the projects handed to them, and the items they delivered.

Registered on the ``integrations`` app through ``integrations/models.py``.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone


class SharePhotoStatus(models.TextChoices):
    """Where the subcontractor's published photos land on the primary's project."""

    PENDING_QA = "pending_qa", "Pending QA (the primary vendor reviews them)"
    APPROVED = "approved", "Approved (published on to the client at once)"


class ShareLink(models.Model):
    """A named, revocable share key. Only its SHA-256 digest is stored: the key is shown once."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="share_links")
    name = models.CharField(max_length=100)
    key_prefix = models.CharField(max_length=16)
    key_digest = models.CharField(max_length=64, unique=True)
    photo_status = models.CharField(
        max_length=16, choices=SharePhotoStatus.choices, default=SharePhotoStatus.PENDING_QA
    )
    # Bound on first use, so a leaked key cannot feed a second account.
    subcontractor = models.ForeignKey(
        "accounts.Account", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by_label = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "name"],
                condition=Q(revoked_at__isnull=True),
                name="share_link_name_unique_per_account",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None

    @property
    def approves(self) -> bool:
        return self.photo_status == SharePhotoStatus.APPROVED


class HandOver(models.Model):
    """A primary project handed to a link, until it is taken back. Kept afterwards: the subcontractor's
    auto-close asks what became of a project no longer handed."""

    link = models.ForeignKey(ShareLink, on_delete=models.CASCADE, related_name="hand_overs")
    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="hand_overs")
    handed_at = models.DateTimeField(default=timezone.now)
    handed_by_label = models.CharField(max_length=200, blank=True)
    taken_back_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-handed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project"],
                condition=Q(taken_back_at__isnull=True),
                name="hand_over_one_active_per_project",
            ),
        ]
        indexes = [models.Index(fields=["link", "project"], name="hand_over_link_project")]

    def __str__(self):
        return f"{self.project_id} → {self.link_id}"


class ShareReceipt(models.Model):
    """A survey or check-in item the primary already recorded: makes those deliveries idempotent by serial
    (photos need none: the serial is the copy's own)."""

    link = models.ForeignKey(ShareLink, on_delete=models.CASCADE, related_name="receipts")
    serial = models.UUIDField()
    kind = models.CharField(max_length=24)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["link", "serial"], name="share_receipt_serial_unique"),
        ]

    def __str__(self):
        return f"{self.kind} {self.serial}"
