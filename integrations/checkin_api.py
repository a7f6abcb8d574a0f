"""Check-in API views (DESIGN.md §7): ``/projects/<id>/checkin`` and ``/checkin/complete``.

They live in integrations, not projects, because checking in calls the client inside the request.
"""

from __future__ import annotations

from django.db import transaction
from django.urls import path
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.actors import as_actor
from config.api.permissions import IsAccountMember
from projects.models import CheckIn
from projects.selectors import project_get
from surveys.api import answer_errors, answered_in
from surveys.serializers import Coordinate

from .checkin import check_in, check_in_steps, complete_check_in
from .models import RelayItem


class CheckInInput(serializers.Serializer):
    # The format is the service's to check, with the message the crew sees.
    abc_number = serializers.CharField(max_length=64, allow_blank=True, trim_whitespace=True)
    latitude = Coordinate(90)
    longitude = Coordinate(180)


class CheckInCompleteInput(serializers.Serializer):
    checklist = serializers.JSONField(required=False)
    latitude = Coordinate(90)
    longitude = Coordinate(180)


class CheckInOutput(serializers.ModelSerializer):
    checked_in_by = serializers.CharField(source="checked_in_by_label")
    completed_by = serializers.CharField(source="completed_by_label")

    class Meta:
        model = CheckIn
        fields = (
            "id",
            "abc_number",
            "status",
            "checked_in_at",
            "checked_in_by",
            "latitude",
            "longitude",
            "sent_at_once",
            "completed_at",
            "completed_by",
        )


class CheckInStepOutput(serializers.ModelSerializer):
    class Meta:
        model = RelayItem
        fields = ("kind", "serial", "status", "attempts", "last_error", "created_at", "sent_at")


class CheckInResultOutput(serializers.Serializer):
    check_in = CheckInOutput()
    sent = serializers.BooleanField()
    message = serializers.CharField()


class CheckInStepsOutput(serializers.Serializer):
    check_in = CheckInOutput(allow_null=True)
    steps = CheckInStepOutput(many=True)


class CheckInView(APIView):
    permission_classes = [IsAccountMember]

    @extend_schema(responses=CheckInStepsOutput)
    def get(self, request, pk):
        return Response(CheckInStepsOutput(check_in_steps(project_get(request.user, pk))).data)

    @extend_schema(
        request=CheckInInput,
        responses={
            201: CheckInResultOutput,
            202: OpenApiResponse(
                CheckInResultOutput, description="Recorded; the client was down, it is queued."
            ),
        },
    )
    def post(self, request, pk):
        project = project_get(request.user, pk)
        data = CheckInInput(data=request.data)
        data.is_valid(raise_exception=True)
        result = check_in(project=project, actor=as_actor(request.user), **data.validated_data)
        body = CheckInResultOutput(result).data
        return Response(body, status=status.HTTP_201_CREATED if result.sent else status.HTTP_202_ACCEPTED)


class CheckInCompleteView(APIView):
    permission_classes = [IsAccountMember]

    @extend_schema(request=CheckInCompleteInput, responses=CheckInOutput)
    def post(self, request, pk):
        project = project_get(request.user, pk)
        data = CheckInCompleteInput(data=request.data)
        data.is_valid(raise_exception=True)
        with answer_errors(), transaction.atomic():
            record = complete_check_in(
                project=project,
                actor=as_actor(request.user),
                answered_in=answered_in(request),
                **data.validated_data,
            )
        return Response(CheckInOutput(record).data)


urlpatterns = [
    path("projects/<int:pk>/checkin", CheckInView.as_view(), name="api-project-checkin"),
    path(
        "projects/<int:pk>/checkin/complete",
        CheckInCompleteView.as_view(),
        name="api-project-checkin-complete",
    ),
]
