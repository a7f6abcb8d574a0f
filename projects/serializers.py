"""Input and output shapes of the project API."""

from django.core.exceptions import ObjectDoesNotExist
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .models import Project, ProjectEvent, Task


class UserRef(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    full_name = serializers.CharField()
    wms_contractor_id = serializers.CharField()


class TaskOutput(serializers.ModelSerializer):
    class Meta:
        model = Task
        fields = ("id", "name", "source_ref", "is_photo_task", "form_ref", "archived", "position")


class ProjectListOutput(serializers.ModelSerializer):
    assignee = UserRef(allow_null=True)
    integration = serializers.IntegerField(source="integration_id", allow_null=True)

    class Meta:
        model = Project
        fields = (
            "id",
            "name",
            "integration",
            "source_ref",
            "address1",
            "address2",
            "city",
            "state",
            "zip",
            "latitude",
            "longitude",
            "due_date",
            "client_status",
            "status",
            "closed_reason",
            "closed_by_hand",
            "assignee",
            "qa_in_field",
            "check_in_required",
            "locked",
            "created_at",
            "updated_at",
        )


class CheckInSummaryOutput(serializers.Serializer):
    abc_number = serializers.CharField()
    status = serializers.CharField()
    checked_in_at = serializers.DateTimeField()
    completed_at = serializers.DateTimeField(allow_null=True)


class AttachedSurveyOutput(serializers.Serializer):
    id = serializers.IntegerField(source="survey.id")
    form_ref = serializers.CharField(source="survey.form_ref")
    version = serializers.IntegerField(source="survey.version")
    name = serializers.CharField(source="survey.name")


class PhotoCountsOutput(serializers.Serializer):
    held = serializers.IntegerField()
    pending_qa = serializers.IntegerField()
    approved = serializers.IntegerField()
    rejected = serializers.IntegerField()


class ProjectDetailOutput(ProjectListOutput):
    """A project with its tasks, check-in, surveys and photo counts (from ``selectors.project_detail``)."""

    tasks = TaskOutput(many=True)
    check_in = serializers.SerializerMethodField()
    surveys = AttachedSurveyOutput(many=True, source="survey_links.all")
    photo_counts = PhotoCountsOutput()

    class Meta(ProjectListOutput.Meta):
        fields = (
            *ProjectListOutput.Meta.fields,
            "instructions",
            "completed_at",
            "closed_at",
            "tasks",
            "check_in",
            "surveys",
            "photo_counts",
        )

    @extend_schema_field(CheckInSummaryOutput(allow_null=True))
    def get_check_in(self, project):
        try:
            check_in = project.check_in
        except ObjectDoesNotExist:
            return None
        return CheckInSummaryOutput(check_in).data if check_in else None


class ProjectCreateInput(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    address1 = serializers.CharField(max_length=200, required=False, allow_blank=True)
    address2 = serializers.CharField(max_length=200, required=False, allow_blank=True)
    city = serializers.CharField(max_length=100, required=False, allow_blank=True)
    state = serializers.CharField(max_length=50, required=False, allow_blank=True)
    zip = serializers.CharField(max_length=20, required=False, allow_blank=True)
    latitude = serializers.DecimalField(
        max_digits=9, decimal_places=6, required=False, allow_null=True, min_value=-90, max_value=90
    )
    longitude = serializers.DecimalField(
        max_digits=9, decimal_places=6, required=False, allow_null=True, min_value=-180, max_value=180
    )
    due_date = serializers.DateField(required=False, allow_null=True)
    instructions = serializers.CharField(required=False, allow_blank=True)
    qa_in_field = serializers.BooleanField(required=False)
    check_in_required = serializers.BooleanField(required=False)
    tasks = serializers.ListField(child=serializers.CharField(max_length=200), required=False, max_length=100)


class ProjectUpdateInput(ProjectCreateInput):
    name = serializers.CharField(max_length=200, required=False)
    client_status = serializers.CharField(max_length=32, required=False, allow_blank=True)
    tasks = None

    def validate(self, attrs):
        # A field this endpoint does not change would otherwise be dropped without a word.
        unknown = sorted(set(self.initial_data) - set(self.fields))
        if unknown:
            messages = {
                name: "Tasks are not changed through a project update."
                if name == "tasks"
                else "Not a field that can be changed here."
                for name in unknown
            }
            raise serializers.ValidationError(messages, code="unknown_field")
        return attrs


class AssignInput(serializers.Serializer):
    user = serializers.IntegerField(required=False, allow_null=True)
    wms_contractor_id = serializers.CharField(required=False, max_length=100)

    def validate(self, attrs):
        if ("user" in attrs) == ("wms_contractor_id" in attrs):
            raise serializers.ValidationError(
                'Give either "user" (an id, or null to unassign) or "wms_contractor_id".'
            )
        return attrs


class ProjectEventOutput(serializers.ModelSerializer):
    actor = serializers.SerializerMethodField()

    class Meta:
        model = ProjectEvent
        fields = ("sequence", "type", "actor", "changes", "created_at")

    def get_actor(self, event) -> dict:
        return {
            "kind": event.actor_kind,
            "label": event.actor_label,
            "user": event.actor_user_id,
            "api_key": event.actor_api_key_id,
        }
