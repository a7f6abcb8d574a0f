"""Input and output shapes of the survey API."""

import math
from decimal import Decimal

from rest_framework import serializers

from .models import Survey, SurveyResponse


class ResponseOutput(serializers.ModelSerializer):
    answered_by = serializers.CharField(source="answered_by_label")

    class Meta:
        model = SurveyResponse
        fields = (
            "id",
            "survey",
            "status",
            "answers",
            "photos",
            "answered_by",
            "answered_in",
            "latitude",
            "longitude",
            "location_certified",
            "updated_at",
            "submitted_at",
            "published_at",
        )


class SurveyOutput(serializers.ModelSerializer):
    builtin = serializers.BooleanField(source="is_builtin")

    class Meta:
        model = Survey
        fields = ("id", "form_ref", "version", "name", "source", "builtin", "questions")


class ProjectSurveyOutput(SurveyOutput):
    response = serializers.SerializerMethodField()

    class Meta(SurveyOutput.Meta):
        fields = (*SurveyOutput.Meta.fields, "response")

    def get_response(self, survey) -> dict | None:
        response = self.context["responses"].get(survey.pk)
        return ResponseOutput(response).data if response is not None else None


class Coordinate(serializers.FloatField):
    """Degrees as phones send them (any precision), stored to six places (about 10 cm)."""

    def __init__(self, bound: int, **kwargs):
        super().__init__(min_value=-bound, max_value=bound, required=False, allow_null=True, **kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if not math.isfinite(value):
            raise serializers.ValidationError("Enter a finite number of degrees.")
        # The bounds are checked before quantizing: a huge value makes quantize() raise (a 500).
        if not self.min_value <= value <= self.max_value:
            raise serializers.ValidationError(f"Enter degrees between {self.min_value} and {self.max_value}.")
        return Decimal(str(value)).quantize(Decimal("0.000001"))


class AnswersInput(serializers.Serializer):
    # Any JSON: its shape is checked question by question by the service, which names each wrong answer.
    answers = serializers.JSONField()
    latitude = Coordinate(90)
    longitude = Coordinate(180)


class SubmitInput(AnswersInput):
    answers = serializers.JSONField(required=False)
