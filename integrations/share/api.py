"""Share API (DESIGN.md §7): share keys (the key shown once) and handing projects over. Thin views only."""

from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_variables
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.actors import as_actor
from config.api.permissions import IsAdmin, IsCoordinator
from config.api.views import ScopedListAPIView, shown_once
from config.db import MAX_ID
from projects.selectors import project_get

from . import selectors, services
from .models import ShareLink, SharePhotoStatus


class ShareOutput(serializers.ModelSerializer):
    projects = serializers.IntegerField(read_only=True, help_text="Projects handed to it now.")
    subcontractor = serializers.CharField(
        source="subcontractor.name",
        default=None,
        allow_null=True,
        help_text="The account that uses the key, once it has.",
    )

    class Meta:
        model = ShareLink
        fields = (
            "id",
            "name",
            "key_prefix",
            "photo_status",
            "subcontractor",
            "projects",
            "created_at",
            "last_used_at",
            "revoked_at",
        )


class ShareCreatedOutput(ShareOutput):
    key = serializers.CharField(help_text="Shown this once; only its digest is stored.")

    class Meta(ShareOutput.Meta):
        fields = (*ShareOutput.Meta.fields, "key")


class ShareInput(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    photo_status = serializers.ChoiceField(choices=SharePhotoStatus.choices, required=False)


class HandOverInput(serializers.Serializer):
    share = serializers.IntegerField(
        allow_null=True, min_value=1, max_value=MAX_ID, help_text="A share key's id; null takes it back."
    )


class BulkHandOverInput(serializers.Serializer):
    projects = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID), min_length=1, max_length=1000
    )


class HandOverOutput(serializers.Serializer):
    project = serializers.IntegerField()
    share = serializers.IntegerField(allow_null=True)


class BulkHandOverOutput(serializers.Serializer):
    handed = serializers.IntegerField()


def _parsed(serializer_class, request, *, partial=False) -> dict:
    data = serializer_class(data=request.data, partial=partial)
    data.is_valid(raise_exception=True)
    return dict(data.validated_data)


class ShareListView(ScopedListAPIView):
    model = ShareLink
    serializer_class = ShareOutput

    def get_permissions(self):
        return [IsAdmin()] if self.request.method == "POST" else [IsCoordinator()]

    def scoped_queryset(self):
        return selectors.shares_visible_to(self.request.user)

    @extend_schema(request=ShareInput, responses={201: ShareCreatedOutput})
    @method_decorator(sensitive_variables("key"))
    def post(self, request):
        link, key = services.share_create(actor=as_actor(request.user), **_parsed(ShareInput, request))
        link = selectors.share_get(request.user, link.pk)
        return shown_once({**ShareOutput(link).data, "key": key})


class ShareDetailView(APIView):
    def get_permissions(self):
        return [IsCoordinator()] if self.request.method == "GET" else [IsAdmin()]

    @extend_schema(responses=ShareOutput)
    def get(self, request, pk):
        return Response(ShareOutput(selectors.share_get(request.user, pk)).data)

    @extend_schema(request=ShareInput, responses=ShareOutput)
    def patch(self, request, pk):
        link = selectors.share_get(request.user, pk)
        fields = _parsed(ShareInput, request, partial=True)
        services.share_update(link=link, actor=as_actor(request.user), **fields)
        return Response(ShareOutput(selectors.share_get(request.user, pk)).data)

    @extend_schema(responses={204: None})
    def delete(self, request, pk):
        services.share_revoke(link=selectors.share_get(request.user, pk), actor=as_actor(request.user))
        return Response(status=status.HTTP_204_NO_CONTENT)


class ShareHandOverView(APIView):
    """Hand several projects to this share key at once."""

    permission_classes = [IsCoordinator]

    @extend_schema(request=BulkHandOverInput, responses=BulkHandOverOutput)
    def post(self, request, pk):
        link = selectors.share_get(request.user, pk)
        ids = _parsed(BulkHandOverInput, request)["projects"]
        handed = services.projects_hand_over(link=link, project_ids=ids, actor=as_actor(request.user))
        return Response({"handed": handed})


class ProjectHandOverView(APIView):
    """Hand one project to a share key (``{"share": id}``), or take it back (``{"share": null}``)."""

    permission_classes = [IsCoordinator]

    @extend_schema(request=HandOverInput, responses=HandOverOutput)
    def post(self, request, pk):
        project = project_get(request.user, pk)
        share_id = _parsed(HandOverInput, request)["share"]
        link = None if share_id is None else selectors.share_get(request.user, share_id)
        services.project_hand_over(project=project, link=link, actor=as_actor(request.user))
        return Response({"project": project.pk, "share": share_id})
