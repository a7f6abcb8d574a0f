"""Survey templates (the client's forms, the built-in AGS checklist), their attachment to projects, and the
answers to them.

A client's template is keyed by (integration, form id, version): a form id and version only mean something
at the order system one integration reads (two integrations may point at different FAStrack instances, a
sandbox and production), and keying by integration keeps a template's fetch, its errors and its deletion
inside one account's link. The cost, one fetch per account instead of one overall, is negligible. A new
version is a new template; answers keep the version they were given on.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class SurveySource(models.TextChoices):
    CLIENT = "client", "The client's form"
    BUILTIN = "builtin", "Built in (AGS checklist)"
    CUSTOM = "custom", "The vendor's own"


class Survey(models.Model):
    source = models.CharField(max_length=16, choices=SurveySource.choices)
    # Client forms: the integration they were fetched through. Custom ones: the vendor's account.
    integration = models.ForeignKey(
        "integrations.Integration", null=True, blank=True, on_delete=models.CASCADE, related_name="surveys"
    )
    account = models.ForeignKey(
        "accounts.Account", null=True, blank=True, on_delete=models.CASCADE, related_name="surveys"
    )
    form_ref = models.CharField(max_length=64)
    version = models.PositiveIntegerField(default=1)
    name = models.CharField(max_length=200)
    # Normalized by surveys.validation.normalize_template: only well-formed templates are stored.
    questions = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["integration", "form_ref", "version"],
                condition=Q(integration__isnull=False),
                name="survey_client_form_version_unique",
            ),
            models.UniqueConstraint(
                fields=["form_ref", "version"],
                condition=Q(source="builtin"),
                name="survey_builtin_form_version_unique",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.form_ref} v{self.version})"

    @property
    def is_builtin(self) -> bool:
        return self.source == SurveySource.BUILTIN


class AttachedBy(models.TextChoices):
    ORDER = "order", "Named on the client's order"
    CHECK_IN = "check_in", "Check-in order (AGS checklist)"
    VENDOR = "vendor", "Added by the vendor"


class ProjectSurvey(models.Model):
    """A survey attached to a project. Imported projects get theirs from the importer only."""

    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="survey_links")
    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="project_links")
    attached_by = models.CharField(max_length=16, choices=AttachedBy.choices)
    attached_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "survey"], name="project_survey_unique"),
        ]

    def __str__(self):
        return f"{self.survey} on {self.project_id}"


class ResponseStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    PUBLISHED = "published", "Published"


class AnsweredIn(models.TextChoices):
    FIELD = "field", "Field app"
    OFFICE = "office", "Office"


class SurveyResponse(models.Model):
    """The answers of one project to one survey (one template version).

    Photo answers name photos by their stable ``Photo.serial`` here (a move between tasks changes only the
    relay serial); the relay payload maps them to ``Photo.relay_serial``, which is what the client knows.
    """

    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="survey_responses")
    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="responses")
    status = models.CharField(max_length=16, choices=ResponseStatus.choices, default=ResponseStatus.DRAFT)
    answers = models.JSONField(default=dict, blank=True)
    photos = models.JSONField(default=dict, blank=True, help_text="Photo serials by question id.")

    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_by_label = models.CharField(max_length=200, blank=True)
    answered_in = models.CharField(max_length=16, choices=AnsweredIn.choices, default=AnsweredIn.OFFICE)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    # A certified form: answered in the field app, with a location near the property (None: unknowable).
    location_certified = models.BooleanField(null=True, blank=True)

    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    publish_count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "survey"], name="survey_response_unique"),
        ]
        indexes = [models.Index(fields=["project", "status"], name="survey_response_project")]

    def __str__(self):
        return f"{self.survey} answers on {self.project_id} ({self.status})"
