"""Input and output shapes of the integrations API. Credentials are write-only: never in any output."""

from rest_framework import serializers

from .models import Integration, IntegrationEvent, RefreshRun, RelayItem
from .registry import KIND_CHOICES


class IntegrationOutput(serializers.ModelSerializer):
    credentials = serializers.CharField(source="credentials_state", help_text="set, missing or unreadable")
    default_assignee = serializers.IntegerField(source="default_assignee_id", allow_null=True)

    class Meta:
        model = Integration
        fields = (
            "id",
            "kind",
            "name",
            "base_url",
            "credentials",
            "qa_in_field",
            "default_assignee",
            "enabled",
            "refresh_interval_minutes",
            "health",
            "health_message",
            "last_validated_at",
            "last_refreshed_at",
            "created_at",
        )


class CredentialsInput(serializers.Serializer):
    username = serializers.CharField(required=False, allow_blank=True, max_length=200)
    password = serializers.CharField(required=False, allow_blank=True, max_length=200, write_only=True)
    share_key = serializers.CharField(required=False, allow_blank=True, max_length=200, write_only=True)


class IntegrationCreateInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=KIND_CHOICES)
    name = serializers.CharField(max_length=100)
    base_url = serializers.URLField(required=False, allow_blank=True, max_length=300)
    credentials = CredentialsInput()
    qa_in_field = serializers.BooleanField(default=True)
    default_assignee = serializers.IntegerField(required=False, allow_null=True)
    enabled = serializers.BooleanField(default=True)
    refresh_interval_minutes = serializers.IntegerField(default=60, min_value=5, max_value=1440)


class IntegrationUpdateInput(serializers.Serializer):
    name = serializers.CharField(max_length=100, required=False)
    base_url = serializers.URLField(required=False, allow_blank=True, max_length=300)
    credentials = CredentialsInput(required=False)
    qa_in_field = serializers.BooleanField(required=False)
    default_assignee = serializers.IntegerField(required=False, allow_null=True)
    enabled = serializers.BooleanField(required=False)
    refresh_interval_minutes = serializers.IntegerField(required=False, min_value=5, max_value=1440)


class RefreshInput(serializers.Serializer):
    full = serializers.BooleanField(default=False)


class RefreshRunOutput(serializers.ModelSerializer):
    percent = serializers.IntegerField()

    class Meta:
        model = RefreshRun
        fields = (
            "id",
            "integration",
            "full",
            "status",
            "trigger",
            "created",
            "updated",
            "unchanged",
            "skipped",
            "closed",
            "reopened",
            "processed",
            "total",
            "percent",
            "error",
            "queued_at",
            "started_at",
            "finished_at",
        )


class IntegrationEventOutput(serializers.ModelSerializer):
    line = serializers.SerializerMethodField(
        help_text="As the import log shows it: MM-DD-YYYY HH:MM:SS message"
    )

    class Meta:
        model = IntegrationEvent
        fields = ("id", "created_at", "level", "order_ref", "message", "run", "line")

    def get_line(self, event) -> str:
        return event.format_line(self.context["tz"])


class ValidateOutput(serializers.Serializer):
    ok = serializers.BooleanField()
    message = serializers.CharField()


class RelayItemOutput(serializers.ModelSerializer):
    class Meta:
        model = RelayItem
        fields = (
            "id",
            "project",
            "kind",
            "photo",
            "serial",
            "status",
            "attempts",
            "next_attempt_at",
            "last_error",
            "created_at",
            "sent_at",
        )


class PublishOutput(serializers.Serializer):
    published = serializers.IntegerField()


class RepublishOutput(serializers.Serializer):
    republished = serializers.IntegerField()


class PortalLinkOutput(serializers.Serializer):
    url = serializers.URLField()
