"""Input and output shapes of the photo API."""

import math

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.db import MAX_ID
from projects.models import EvidenceType, Task

from .models import Photo, PhotoStatus
from .services import REJECT_REASON_MAX_LENGTH
from .uploads import MAX_FILES


class TaskRef(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class PhotoOutput(serializers.ModelSerializer):
    task = TaskRef()
    certified = serializers.BooleanField(read_only=True)
    file_url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()
    display_url = serializers.SerializerMethodField()

    class Meta:
        model = Photo
        fields = (
            "id",
            "project",
            "task",
            "evidence_type",
            "serial",
            "relay_serial",
            "source",
            "status",
            "qa_by",
            "qa_by_label",
            "qa_at",
            "reject_reason",
            "published_at",
            "original_name",
            "content_type",
            "size_bytes",
            "width",
            "height",
            "sha256",
            "taken_at",
            "latitude",
            "longitude",
            "camera_make",
            "camera_model",
            "cert_item",
            "cert_time",
            "cert_location",
            "certified",
            "possible_reuse",
            "reuse_of",
            "uploaded_by",
            "uploaded_by_label",
            "uploaded_at",
            "file_url",
            "thumbnail_url",
            "display_url",
        )

    # Paths, not absolute URLs: the files are served by the API after a permission check.
    def get_file_url(self, photo) -> str:
        return reverse("api-photo-file", args=[photo.pk])

    def get_thumbnail_url(self, photo) -> str:
        return reverse("api-photo-thumbnail", args=[photo.pk])

    def get_display_url(self, photo) -> str:
        return reverse("api-photo-display", args=[photo.pk])


class CaptureTimeField(serializers.DateTimeField):
    """Keeps a time without an offset naive: the service reads it in the account's time zone, not UTC."""

    def enforce_timezone(self, value):
        return value


class CoordinateField(serializers.FloatField):
    """Decimal degrees as phones send them (any precision), finite and within +/- ``bound``."""

    def __init__(self, *, bound: float, **kwargs):
        super().__init__(min_value=-bound, max_value=bound, **kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if not math.isfinite(value):
            self.fail("invalid")
        return value


@extend_schema_field(OpenApiTypes.INT)
class _AccountTaskField(serializers.PrimaryKeyRelatedField):
    """A task of the caller's account; whether it fits the project is the service's rule (a clear error)."""

    def get_queryset(self):
        return Task.objects.filter(project__account_id=self.context["account_id"]).select_related("project")


class PhotoUploadInput(serializers.Serializer):
    file = serializers.ListField(
        child=serializers.FileField(allow_empty_file=True, use_url=False),
        min_length=1,
        max_length=MAX_FILES,
        help_text="One photo, or several `file` parts for an office upload.",
    )
    serial = serializers.ListField(
        child=serializers.UUIDField(),
        required=False,
        help_text="One per file, in order. Required from the field app (Token auth); a retry with the same "
        "serial returns the photo already made.",
    )
    task = _AccountTaskField()
    evidence_type = serializers.ChoiceField(choices=EvidenceType.choices)
    taken_at = CaptureTimeField(required=False, help_text="Capture time; without an offset, the account's.")
    latitude = CoordinateField(bound=90, required=False)
    longitude = CoordinateField(bound=180, required=False)

    def validate(self, attrs):
        serials = attrs.get("serial") or []
        if self.context["serial_required"] and not serials:
            raise serializers.ValidationError({"serial": "The field app must send a serial with each photo."})
        if serials and len(serials) != len(attrs["file"]):
            raise serializers.ValidationError({"serial": "Send one serial per file, in the same order."})
        return attrs


class PhotoMoveInput(serializers.Serializer):
    task = _AccountTaskField(required=False)
    evidence_type = serializers.ChoiceField(choices=EvidenceType.choices, required=False)

    def validate(self, attrs):
        if not attrs:
            raise serializers.ValidationError("Give a task, an evidence type, or both.")
        return attrs


class PhotoDecisionInput(serializers.Serializer):
    seen = serializers.ChoiceField(
        choices=PhotoStatus.choices,
        required=False,
        help_text="The status the decision was made on. If someone decided the photo otherwise since, "
        "the request is refused (400, decided_meanwhile) instead of overturning their decision.",
    )


class PhotoRejectInput(PhotoDecisionInput):
    reason = serializers.CharField(max_length=REJECT_REASON_MAX_LENGTH)


class BulkApproveInput(serializers.Serializer):
    # Bounded by the id column (bigint): a larger number overflows the database driver.
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID), min_length=1, max_length=1000
    )


class BulkApproveOutput(serializers.Serializer):
    approved = serializers.IntegerField()
