"""Photos taken on a project's tasks: the original as uploaded, its renditions, its facts, its QA state."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from projects.models import EvidenceType

from .storage import photo_storage


class PhotoStatus(models.TextChoices):
    # QA in Field: the crew reviews on the phone; the office sees nothing to QA until they complete.
    HELD = "held", "Held until the crew completes"
    PENDING_QA = "pending_qa", "Pending QA"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class PhotoSource(models.TextChoices):
    FIELD = "field", "Field app"
    # Browser, API key or session: the file went through a hard drive, so it is never certified.
    OFFICE = "office", "Office upload"


class Photo(models.Model):
    """One uploaded photo.

    ``serial`` is the uploader's idempotency key (unique per account). ``relay_serial`` is what the client's
    order system knows the photo by: it starts equal to ``serial`` and is replaced when a photo that was
    already published moves to another task or evidence type, so it is sent again with its new flag.
    """

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="photos")
    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="photos")
    # RESTRICT, not PROTECT: a task with photos cannot be deleted on its own, yet deleting the whole project
    # (or account) still takes its tasks and photos together; PROTECT would refuse that too.
    task = models.ForeignKey("projects.Task", on_delete=models.RESTRICT, related_name="photos")
    evidence_type = models.CharField(max_length=16, choices=EvidenceType.choices)

    serial = models.UUIDField()
    relay_serial = models.UUIDField()
    source = models.CharField(max_length=16, choices=PhotoSource.choices)

    status = models.CharField(max_length=16, choices=PhotoStatus.choices, default=PhotoStatus.PENDING_QA)
    qa_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    qa_by_label = models.CharField(max_length=200, blank=True, help_text="Who decided, API keys included.")
    qa_at = models.DateTimeField(null=True, blank=True)
    reject_reason = models.TextField(blank=True)
    published_at = models.DateTimeField(null=True, blank=True)

    original = models.FileField(storage=photo_storage, max_length=255)
    thumbnail = models.FileField(storage=photo_storage, max_length=255)
    display = models.FileField(storage=photo_storage, max_length=255)
    original_name = models.CharField(max_length=255, blank=True, help_text="The file name as uploaded.")
    content_type = models.CharField(max_length=32)
    size_bytes = models.PositiveBigIntegerField()
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64, db_index=True)
    # A signed 64-bit DCT hash and its four 16-bit bands (photos/phash.py): two near-duplicates share a band.
    phash = models.BigIntegerField(db_index=True)
    phash_band0 = models.PositiveIntegerField()
    phash_band1 = models.PositiveIntegerField()
    phash_band2 = models.PositiveIntegerField()
    phash_band3 = models.PositiveIntegerField()

    taken_at = models.DateTimeField(null=True, blank=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    camera_make = models.CharField(max_length=128, blank=True)
    camera_model = models.CharField(max_length=128, blank=True)

    cert_item = models.BooleanField(default=False, help_text="Captured by the field app.")
    cert_time = models.BooleanField(default=False, help_text="Captured within 12 hours before the upload.")
    cert_location = models.BooleanField(
        null=True, blank=True, help_text="Within 200 m of the property; unknown without both positions."
    )
    possible_reuse = models.BooleanField(default=False)
    reuse_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_by_label = models.CharField(max_length=200, blank=True)
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "serial"], name="photo_serial_unique_per_account"),
            # The relay finds a photo by it, and the client must never see one serial for two photos.
            models.UniqueConstraint(
                fields=["account", "relay_serial"], name="photo_relay_serial_unique_per_account"
            ),
        ]
        indexes = [
            models.Index(fields=["project", "status", "uploaded_at"], name="photo_project_status"),
            models.Index(fields=["account", "status", "uploaded_at"], name="photo_account_status"),
            # What waits for Publish: approved, not yet sent. Sent photos pile up; this index stays small.
            models.Index(
                fields=["account", "uploaded_at"],
                condition=models.Q(status="approved", published_at__isnull=True),
                name="photo_account_unpublished",
            ),
            # The reuse lookup is "same account and any band equal": four index scans OR-ed together.
            models.Index(fields=["account", "phash_band0"], name="photo_phash_band0"),
            models.Index(fields=["account", "phash_band1"], name="photo_phash_band1"),
            models.Index(fields=["account", "phash_band2"], name="photo_phash_band2"),
            models.Index(fields=["account", "phash_band3"], name="photo_phash_band3"),
        ]

    def __str__(self):
        return f"{self.get_evidence_type_display()} photo {self.serial}"

    @property
    def certified(self) -> bool:
        """Item, time and (when it can be known) location all certified."""
        return self.cert_item and self.cert_time and self.cert_location is not False

    @staticmethod
    def new_serial() -> uuid.UUID:
        return uuid.uuid4()
