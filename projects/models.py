"""Projects (a client's work order, or one the vendor made by hand), their tasks, and their history."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class ProjectStatus(models.TextChoices):
    OPEN = "open", "Open"
    COMPLETE = "complete", "Complete"
    CLOSED = "closed", "Closed"


class CloseReason(models.TextChoices):
    """Why a project closed: the client's final state, the feed dropping it, or a person."""

    COMPLETED = "completed", "Completed at the client"
    QC_DECLINED = "qc_declined", "QC declined"
    CANCELLED = "cancelled", "Cancelled"
    DENIED = "denied", "Denied"
    NO_LONGER_SENT = "no_longer_sent", "No longer sent by the client"
    BY_HAND = "by_hand", "Closed by hand"
    SHARE_REVOKED = "share_revoked", "The primary vendor revoked the share key"


class EvidenceType(models.TextChoices):
    BEFORE = "before", "Before"
    DURING = "during", "During"
    AFTER = "after", "After"


class ProjectQuerySet(models.QuerySet):
    def alive(self):
        return self.filter(deleted_at__isnull=True)


class Project(models.Model):
    # Foreign keys without an index of their own where a composite index or constraint below already leads
    # with the column: every index costs each imported row (bench/refresh.py).
    account = models.ForeignKey(
        "accounts.Account", on_delete=models.CASCADE, related_name="projects", db_index=False
    )
    name = models.CharField(max_length=200)
    # Imported projects point at their integration; projects code never imports integrations (DESIGN.md §2).
    integration = models.ForeignKey(
        "integrations.Integration",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="projects",
        db_index=False,
    )
    source_ref = models.CharField(max_length=64, blank=True, help_text="The client's order number.")
    # A digest of the order as last imported: an unchanged order is recognised without touching its tasks.
    source_digest = models.CharField(max_length=64, blank=True)

    address1 = models.CharField("address", max_length=200, blank=True)
    address2 = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    state = models.CharField(max_length=50, blank=True)
    zip = models.CharField("ZIP", max_length=20, blank=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    due_date = models.DateField(null=True, blank=True)
    instructions = models.TextField(blank=True)
    client_status = models.CharField(max_length=32, blank=True)

    status = models.CharField(max_length=16, choices=ProjectStatus.choices, default=ProjectStatus.OPEN)
    closed_reason = models.CharField(max_length=32, choices=CloseReason.choices, blank=True)
    closed_by_hand = models.BooleanField(default=False)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_projects",
        db_index=False,
    )
    qa_in_field = models.BooleanField("QA in Field", default=True)
    check_in_required = models.BooleanField(default=False)
    locked = models.BooleanField(default=False, help_text="Tasks come from the client and cannot be changed.")

    last_event_sequence = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "name"],
                condition=Q(deleted_at__isnull=True),
                name="project_name_unique_per_account",
            ),
            models.UniqueConstraint(
                fields=["integration", "source_ref"],
                condition=Q(integration__isnull=False),
                name="project_source_ref_unique_per_integration",
            ),
        ]
        indexes = [
            models.Index(fields=["account", "status", "due_date"], name="project_account_status_due"),
            # The projects table sorts by due date across every status too.
            models.Index(fields=["account", "due_date", "id"], name="project_account_due"),
            models.Index(fields=["account", "assignee", "status"], name="project_account_assignee"),
            models.Index(fields=["account", "zip"], name="project_account_zip"),
            models.Index(fields=["account", "updated_at", "id"], name="project_account_updated"),
            # For a user's deletion (SET NULL); most imported projects have no assignee and skip it.
            models.Index(fields=["assignee"], condition=Q(assignee__isnull=False), name="project_assignee"),
        ]

    def __str__(self):
        return self.name

    @property
    def is_imported(self) -> bool:
        return self.integration_id is not None

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def full_address(self) -> str:
        street = ", ".join(p for p in (self.address1, self.address2) if p)
        return ", ".join(p for p in (street, self.city, f"{self.state} {self.zip}".strip()) if p)


class Task(models.Model):
    """A service line of the order. Imported tasks follow the client's services by service id."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="tasks")
    name = models.CharField(max_length=200)
    source_ref = models.CharField(max_length=64, blank=True, help_text="The client's service id.")
    is_photo_task = models.BooleanField(default=True)
    form_ref = models.CharField(max_length=64, blank=True)
    # A service the client removed: kept with its photos, never relayed.
    archived = models.BooleanField(default=False)
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "name"], condition=Q(archived=False), name="task_name_unique_per_project"
            ),
            models.UniqueConstraint(
                fields=["project", "source_ref"],
                condition=~Q(source_ref=""),
                name="task_source_ref_unique_per_project",
            ),
        ]

    def __str__(self):
        return self.name


class EventType(models.TextChoices):
    CREATED = "project.created", "Created"
    UPDATED = "project.updated", "Updated"
    ASSIGNED = "project.assigned", "Assigned"
    COMPLETED = "project.completed", "Completed"
    CLOSED = "project.closed", "Closed"
    REOPENED = "project.reopened", "Reopened"
    DELETED = "project.deleted", "Deleted"
    RESTORED = "project.restored", "Restored"
    TASKS_CHANGED = "project.tasks_changed", "Tasks changed"
    CHECKED_IN = "project.checked_in", "Checked in"
    PUBLISHED = "project.published", "Published"


class ProjectEvent(models.Model):
    """One change to a project, written in the same transaction as the change.

    The history page, the WMS outbox and the order of delivery at once: ``sequence`` numbers a project's
    events 1, 2, 3… with no gaps.
    """

    # Indexed by the constraint and the index below, which lead with these columns.
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="events", db_index=False)
    account = models.ForeignKey(
        "accounts.Account", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    sequence = models.PositiveIntegerField()
    type = models.CharField(max_length=40, choices=EventType.choices)
    actor_kind = models.CharField(max_length=16)
    # Partial indexes below: the importer's events name neither, and are most of the table.
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    actor_api_key = models.ForeignKey(
        "accounts.ApiKey", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    actor_label = models.CharField(max_length=200, blank=True)
    # {field: [old, new]} for updates; other facts (assignee, reason, tasks added/renamed/archived) likewise.
    changes = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["project_id", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["project", "sequence"], name="project_event_sequence_unique"),
        ]
        indexes = [
            models.Index(fields=["account", "created_at", "id"], name="project_event_account_time"),
            models.Index(
                fields=["actor_user"], condition=Q(actor_user__isnull=False), name="project_event_actor_user"
            ),
            models.Index(
                fields=["actor_api_key"],
                condition=Q(actor_api_key__isnull=False),
                name="project_event_actor_key",
            ),
        ]

    def __str__(self):
        return f"{self.project_id}#{self.sequence} {self.type}"


class CheckInStatus(models.TextChoices):
    CHECKED_IN = "checked_in", "Checked in"
    COMPLETED = "completed", "Completed"


class CheckIn(models.Model):
    """AFS's Check In (seed 001): an ABC number on arrival, then the AGS checklist and the Complete button.

    One per project. The checklist's answers live in the project's AGS SurveyResponse (surveys app); what was
    sent to the client, and when, is on the project's RelayItems of kinds check_in and check_in_complete.
    """

    project = models.OneToOneField(Project, on_delete=models.CASCADE, related_name="check_in")
    abc_number = models.CharField("ABC number", max_length=12)
    status = models.CharField(max_length=16, choices=CheckInStatus.choices, default=CheckInStatus.CHECKED_IN)
    checked_in_at = models.DateTimeField(default=timezone.now)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    checked_in_by_label = models.CharField(max_length=200, blank=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    # False while the client could not be reached: the relay retries the queued check_in item.
    sent_at_once = models.BooleanField(default=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    completed_by_label = models.CharField(max_length=200, blank=True)

    def __str__(self):
        return f"{self.project} checked in with {self.abc_number}"
