"""Integrations API (DESIGN.md §7): integrations, Validate, Refresh, the import log, and the project
actions that reach the client (complete, publish, re-publish, the portal link). Thin views only."""

from django.http import Http404
from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_variables
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.actors import as_actor
from accounts.selectors import users_visible_to
from config.api.permissions import IsAccountMember, IsAdmin, IsCoordinator
from config.api.views import ScopedListAPIView
from photos.selectors import photo_get
from projects.selectors import project_detail, project_get
from projects.serializers import ProjectDetailOutput
from surveys.api import answer_errors, answered_in

from . import checkin, relay, selectors, services
from .base import SourceError
from .filters import AccountRelayItemFilter, ImportLogFilter, IntegrationFilter, RelayItemFilter
from .models import Integration, IntegrationEvent, RelayItem
from .refresh import request_refresh
from .serializers import (
    IntegrationCreateInput,
    IntegrationEventOutput,
    IntegrationOutput,
    IntegrationUpdateInput,
    PortalLinkOutput,
    PublishOutput,
    RefreshInput,
    RefreshRunOutput,
    RelayItemOutput,
    RepublishOutput,
    ValidateOutput,
)


class ClientUnavailable(APIException):
    status_code = 502
    default_detail = "The client's system did not answer."
    default_code = "client_unavailable"


def _assignee(actor, data: dict) -> dict:
    if data.get("default_assignee") is not None:
        user = users_visible_to(actor).filter(pk=data["default_assignee"]).first()
        if user is None:
            raise Http404("No such sub-user.")
        data["default_assignee"] = user
    return data


class IntegrationListView(ScopedListAPIView):
    """The account's integrations, filtered and paginated."""

    model = Integration
    serializer_class = IntegrationOutput
    filterset_class = IntegrationFilter

    def get_permissions(self):
        return [IsAdmin()] if self.request.method == "POST" else [IsCoordinator()]

    def scoped_queryset(self):
        return selectors.integrations_visible_to(self.request.user)

    @extend_schema(request=IntegrationCreateInput, responses={201: IntegrationOutput})
    @method_decorator(sensitive_variables("data", "fields"))  # they hold the credentials
    def post(self, request):
        data = IntegrationCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        actor = as_actor(request.user)
        fields = _assignee(actor, dict(data.validated_data))
        integration = services.integration_create(actor=actor, **fields)
        return Response(IntegrationOutput(integration).data, status=status.HTTP_201_CREATED)


class IntegrationDetailView(APIView):
    def get_permissions(self):
        return [IsCoordinator()] if self.request.method == "GET" else [IsAdmin()]

    @extend_schema(responses=IntegrationOutput)
    def get(self, request, pk):
        return Response(IntegrationOutput(selectors.integration_get(request.user, pk)).data)

    @extend_schema(request=IntegrationUpdateInput, responses=IntegrationOutput)
    @method_decorator(sensitive_variables("data", "fields"))
    def patch(self, request, pk):
        integration = selectors.integration_get(request.user, pk)
        data = IntegrationUpdateInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        actor = as_actor(request.user)
        fields = _assignee(actor, dict(data.validated_data))
        integration = services.integration_update(integration=integration, actor=actor, **fields)
        return Response(IntegrationOutput(integration).data)


class ValidateView(APIView):
    permission_classes = [IsAdmin]

    @extend_schema(request=None, responses=ValidateOutput)
    def post(self, request, pk):
        integration = selectors.integration_get(request.user, pk)
        ok, message = services.integration_validate(integration=integration, actor=as_actor(request.user))
        return Response({"ok": ok, "message": message})


class RefreshView(APIView):
    permission_classes = [IsCoordinator]

    @extend_schema(request=RefreshInput, responses={202: RefreshRunOutput})
    def post(self, request, pk):
        integration = selectors.integration_get(request.user, pk)
        data = RefreshInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = request.user if getattr(request.user, "pk", None) else None
        run, _ = request_refresh(
            integration=integration, full=data.validated_data["full"], trigger="api", requested_by=user
        )
        return Response(RefreshRunOutput(run).data, status=status.HTTP_202_ACCEPTED)


class ApplySettingsView(APIView):
    permission_classes = [IsAdmin]

    @extend_schema(request=None, responses=PublishOutput)
    def post(self, request, pk):
        integration = selectors.integration_get(request.user, pk)
        changed = services.apply_settings_to_open_projects(
            integration=integration, actor=as_actor(request.user)
        )
        return Response({"published": changed})


class RefreshRunView(APIView):
    permission_classes = [IsCoordinator]

    @extend_schema(responses=RefreshRunOutput)
    def get(self, request, pk):
        return Response(RefreshRunOutput(selectors.refresh_run_get(request.user, pk)).data)


class ImportLogView(ScopedListAPIView):
    """The import log, newest first, filtered by ``level`` and ``run``; ``line`` is formatted as the seeds
    show it."""

    model = IntegrationEvent
    serializer_class = IntegrationEventOutput
    permission_classes = [IsCoordinator]
    filterset_class = ImportLogFilter

    def scoped_queryset(self):
        self.integration = selectors.integration_get(self.request.user, self.kwargs["pk"])
        return selectors.import_log(self.integration)

    def get_serializer_context(self):
        if getattr(self, "swagger_fake_view", False):
            return super().get_serializer_context()
        return {**super().get_serializer_context(), "tz": as_actor(self.request.user).account.tzinfo}


class ProjectCompleteView(APIView):
    """The crew's Complete. With QA in Field the held photos are approved and published at once; on a check-in
    order it completes the check-in (refused before the crew has checked in)."""

    permission_classes = [IsAccountMember]

    @extend_schema(request=None, responses=ProjectDetailOutput)
    def post(self, request, pk):
        project = project_get(request.user, pk)
        with answer_errors():  # a check-in order's Complete submits its AGS checklist
            checkin.complete(project=project, actor=as_actor(request.user), answered_in=answered_in(request))
        return Response(ProjectDetailOutput(project_detail(request.user, pk)).data)


class ProjectPublishView(APIView):
    permission_classes = [IsCoordinator]

    @extend_schema(request=None, responses=PublishOutput)
    def post(self, request, pk):
        project = project_get(request.user, pk)
        return Response({"published": relay.publish_project(project=project, actor=as_actor(request.user))})


class ProjectRepublishView(APIView):
    """Send every failed item of the project again."""

    permission_classes = [IsCoordinator]

    @extend_schema(request=None, responses=RepublishOutput)
    def post(self, request, pk):
        project = project_get(request.user, pk)
        items = selectors.failed_relay_items(request.user, project=project)
        return Response({"republished": relay.republish(items=list(items), actor=as_actor(request.user))})


class PhotoRepublishView(APIView):
    permission_classes = [IsCoordinator]

    @extend_schema(request=None, responses=RepublishOutput)
    def post(self, request, pk):
        photo = photo_get(request.user, pk)
        items = selectors.failed_relay_items(request.user, photo=photo)
        return Response({"republished": relay.republish(items=list(items), actor=as_actor(request.user))})


class ProjectRelayItemsView(ScopedListAPIView):
    """What the project sent (or is sending) to the client, newest first; filter by ``status``, ``kind``."""

    model = RelayItem
    serializer_class = RelayItemOutput
    permission_classes = [IsAccountMember]
    filterset_class = RelayItemFilter

    def scoped_queryset(self):
        return selectors.project_relay_items(project_get(self.request.user, self.kwargs["pk"]))


class RelayItemListView(ScopedListAPIView):
    """The items of every project the caller may see (a field user's own only), newest first; filter by
    ``status``, ``kind``, ``project``, ``integration``."""

    model = RelayItem
    serializer_class = RelayItemOutput
    permission_classes = [IsAccountMember]
    filterset_class = AccountRelayItemFilter

    def scoped_queryset(self):
        return selectors.relay_items_visible_to(self.request.user)


class PortalLinkView(APIView):
    """A short-lived myFAStrack link for coordinators and up; none for manual projects or other sources."""

    permission_classes = [IsCoordinator]

    @extend_schema(request=None, responses=PortalLinkOutput)
    def post(self, request, pk):
        project = project_get(request.user, pk)
        integration = project.integration
        if integration is None or not integration.source_class().has_portal:
            raise Http404("This project has no client portal.")
        try:
            url = integration.source().portal_url(project, request.user)
        except SourceError as exc:
            raise ClientUnavailable(exc.message) from exc
        if not url:
            raise Http404("This project has no client portal.")
        return Response({"url": url})

    get = post
