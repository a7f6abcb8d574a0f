"""Survey API views: a project's surveys, and its answers to one (read, save a draft, submit)."""

from __future__ import annotations

from contextlib import contextmanager

from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.actors import as_actor
from accounts.models import UserToken
from config.api.permissions import IsAccountMember
from config.db import MAX_ID
from projects.selectors import project_get

from . import selectors, services
from .models import AnsweredIn
from .serializers import AnswersInput, ProjectSurveyOutput, ResponseOutput, SubmitInput


class InvalidAnswers(exceptions.ValidationError):
    default_code = "invalid_answers"


@contextmanager
def answer_errors():
    """Render wrong answers as ``{"errors": {question id: message}}`` (one message, not a list)."""
    try:
        yield
    except services.AnswersInvalid as exc:
        raise InvalidAnswers(exc.answer_errors) from exc


def project_survey(project, survey_id: int):
    # The URL accepts any digits; an id past the bigint column overflows the database driver (a 500).
    if survey_id > MAX_ID:
        raise Http404("No such survey on this project.")
    return selectors.project_survey(project, survey_id)


def answered_in(request) -> str:
    # A user token is the field app's credential; anything else came through a browser or a script.
    return AnsweredIn.FIELD if isinstance(request.auth, UserToken) else AnsweredIn.OFFICE


class ProjectSurveyListView(GenericAPIView):
    """The project's surveys with their questions and the project's answers, paginated like every list.

    The selector returns the rows in memory (a form attached in several versions shows its newest), so the
    page is cut from that list: a project has a handful of surveys."""

    permission_classes = [IsAccountMember]
    serializer_class = ProjectSurveyOutput
    filter_backends = []

    @extend_schema(responses=ProjectSurveyOutput(many=True))
    def get(self, request, pk):
        project = project_get(request.user, pk)
        page = self.paginate_queryset(selectors.project_surveys(project))
        context = {"responses": {s.pk: r for s, r in page if r is not None}}
        return self.get_paginated_response(
            ProjectSurveyOutput([s for s, _ in page], many=True, context=context).data
        )


class SurveyResponseView(APIView):
    permission_classes = [IsAccountMember]

    @extend_schema(responses={200: ResponseOutput, 204: OpenApiResponse(description="Not answered yet.")})
    def get(self, request, pk, survey_id):
        project = project_get(request.user, pk)
        response = selectors.response_for(project, project_survey(project, survey_id))
        if response is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(ResponseOutput(response).data)

    @extend_schema(request=AnswersInput, responses=ResponseOutput)
    def put(self, request, pk, survey_id):
        project = project_get(request.user, pk)
        survey = project_survey(project, survey_id)
        data = AnswersInput(data=request.data)
        data.is_valid(raise_exception=True)
        with answer_errors():
            response = services.response_save(
                project=project,
                survey=survey,
                actor=as_actor(request.user),
                answered_in=answered_in(request),
                **data.validated_data,
            )
        return Response(ResponseOutput(response).data)


class SurveyResponseSubmitView(APIView):
    permission_classes = [IsAccountMember]

    @extend_schema(request=SubmitInput, responses=ResponseOutput)
    def post(self, request, pk, survey_id):
        project = project_get(request.user, pk)
        survey = project_survey(project, survey_id)
        data = SubmitInput(data=request.data)
        data.is_valid(raise_exception=True)
        with answer_errors():
            response = services.response_submit(
                project=project,
                survey=survey,
                actor=as_actor(request.user),
                answered_in=answered_in(request),
                **data.validated_data,
            )
        return Response(ResponseOutput(response).data)
