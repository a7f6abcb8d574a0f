"""Project API views: parse the input, call a selector or service, render the output."""

from django.db import transaction
from django.http import Http404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.actors import as_actor
from accounts.models import User
from accounts.selectors import user_by_contractor_id, users_visible_to
from config.api.permissions import IsAccountMember, IsCoordinator
from config.api.views import ScopedListAPIView

from . import selectors, services
from .filters import ProjectEventFilter, ProjectFilter
from .models import Project, ProjectEvent
from .serializers import (
    AssignInput,
    ProjectCreateInput,
    ProjectDetailOutput,
    ProjectEventOutput,
    ProjectListOutput,
    ProjectUpdateInput,
)


class ProjectListView(ScopedListAPIView):
    """Projects of the account (a field user's own only), filtered and paginated."""

    model = Project
    serializer_class = ProjectListOutput
    filter_backends = [DjangoFilterBackend]
    filterset_class = ProjectFilter

    def get_permissions(self):
        return [IsCoordinator()] if self.request.method == "POST" else [IsAccountMember()]

    def scoped_queryset(self):
        return selectors.project_list(self.request.user)

    @extend_schema(request=ProjectCreateInput, responses={201: ProjectDetailOutput})
    def post(self, request):
        data = ProjectCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        project = services.project_create(actor=as_actor(request.user), **data.validated_data)
        project = selectors.project_detail(request.user, project.pk)
        return Response(ProjectDetailOutput(project).data, status=status.HTTP_201_CREATED)


class ProjectDetailView(APIView):
    def get_permissions(self):
        return [IsAccountMember()] if self.request.method == "GET" else [IsCoordinator()]

    @extend_schema(responses=ProjectDetailOutput)
    def get(self, request, pk):
        return Response(ProjectDetailOutput(selectors.project_detail(request.user, pk)).data)

    @extend_schema(request=ProjectUpdateInput, responses=ProjectDetailOutput)
    def patch(self, request, pk):
        project = selectors.project_get(request.user, pk)
        data = ProjectUpdateInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.project_update(project=project, actor=as_actor(request.user), **data.validated_data)
        return Response(ProjectDetailOutput(selectors.project_detail(request.user, pk)).data)

    @extend_schema(responses={204: None})
    def delete(self, request, pk):
        services.project_delete(project=selectors.project_get(request.user, pk), actor=as_actor(request.user))
        return Response(status=status.HTTP_204_NO_CONTENT)


class ProjectAssignView(APIView):
    permission_classes = [IsCoordinator]

    @extend_schema(request=AssignInput, responses=ProjectDetailOutput)
    def post(self, request, pk):
        actor = as_actor(request.user)
        project = selectors.project_get(request.user, pk)
        data = AssignInput(data=request.data)
        data.is_valid(raise_exception=True)
        assignee = self._assignee(actor, data.validated_data)
        with transaction.atomic():
            services.project_assign(project=project, actor=actor, assignee=assignee)
        return Response(ProjectDetailOutput(selectors.project_detail(request.user, pk)).data)

    @staticmethod
    def _assignee(actor, data) -> User | None:
        if "wms_contractor_id" in data:
            user = user_by_contractor_id(actor, data["wms_contractor_id"])
            if user is None:
                raise Http404("No active sub-user has this WMS contractor id.")
            return user
        if data["user"] is None:
            return None
        user = users_visible_to(actor).filter(pk=data["user"]).first()
        if user is None:
            raise Http404("No such sub-user.")
        return user


class ProjectCloseView(APIView):
    permission_classes = [IsCoordinator]

    @extend_schema(request=None, responses=ProjectDetailOutput)
    def post(self, request, pk):
        project = selectors.project_get(request.user, pk)
        services.project_close(project=project, actor=as_actor(request.user))
        return Response(ProjectDetailOutput(selectors.project_detail(request.user, pk)).data)


class ProjectEventListView(ScopedListAPIView):
    """The project's history, newest first; filter by ``type`` and ``since``."""

    model = ProjectEvent
    serializer_class = ProjectEventOutput
    permission_classes = [IsAccountMember]
    filterset_class = ProjectEventFilter

    def scoped_queryset(self):
        project = selectors.project_get(self.request.user, self.kwargs["pk"])
        return selectors.project_events(self.request.user, project)
