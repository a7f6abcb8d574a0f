"""Photo API views: parse the input, call a selector or service, render the output."""

from django.http import FileResponse, Http404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import ValidationError
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.actors import as_actor
from accounts.models import UserToken
from config.api.permissions import IsAccountMember, IsCoordinator

from . import selectors, services, uploads
from .filters import PhotoFilter
from .models import Photo, PhotoSource
from .serializers import (
    BulkApproveInput,
    BulkApproveOutput,
    PhotoDecisionInput,
    PhotoMoveInput,
    PhotoOutput,
    PhotoRejectInput,
    PhotoUploadInput,
)


class UploadTooLarge(ValidationError):
    default_code = "too_large"  # as the photo checks say it of a file they read whole


# One file answers one photo, several files a list of them.
ONE_OR_MANY_PHOTOS = {
    "oneOf": [
        {"$ref": "#/components/schemas/PhotoOutput"},
        {"type": "array", "items": {"$ref": "#/components/schemas/PhotoOutput"}},
    ]
}


class ProjectPhotoListView(generics.ListAPIView):
    """A project's photos (filtered, paginated), and uploads to it."""

    serializer_class = PhotoOutput
    permission_classes = [IsAccountMember]
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    filter_backends = [DjangoFilterBackend]
    filterset_class = PhotoFilter
    queryset = Photo.objects.none()  # for the schema; requests use the selector

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        project = selectors.project_for_photos(self.request.user, self.kwargs["pk"])
        return selectors.project_photos(self.request.user, project)

    @extend_schema(
        request={"multipart/form-data": PhotoUploadInput},
        responses={
            201: OpenApiResponse(
                ONE_OR_MANY_PHOTOS, description="Made: the photo, or a list for several files."
            ),
            200: OpenApiResponse(
                ONE_OR_MANY_PHOTOS, description="Every serial was known: the photos already made."
            ),
        },
    )
    def post(self, request, pk):
        project = selectors.project_for_photos(request.user, pk)
        actor = as_actor(request.user)
        # A user token is the field app's credential; anything else came through a browser or a script.
        from_field_app = isinstance(request.auth, UserToken)
        data = PhotoUploadInput(
            data=request.data, context={"account_id": actor.account_id, "serial_required": from_field_app}
        )
        if uploads.refusal(request):  # cut off while it streamed in: nothing of it was kept
            raise UploadTooLarge({"file": [uploads.refusal(request)]})
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        files = fields["file"]
        serials = fields.get("serial") or [None] * len(files)
        results = services.photos_ingest(
            actor=actor,
            project=project,
            task=fields["task"],
            evidence_type=fields["evidence_type"],
            uploads=[services.Upload(file=f, serial=s) for f, s in zip(files, serials, strict=True)],
            source=PhotoSource.FIELD if from_field_app else PhotoSource.OFFICE,
            taken_at=fields.get("taken_at"),
            latitude=fields.get("latitude"),
            longitude=fields.get("longitude"),
        )
        photos = {
            p.pk: p
            for p in selectors.project_photos(request.user, project).filter(
                pk__in=[photo.pk for photo, _ in results]
            )
        }
        body = [PhotoOutput(photos[photo.pk]).data for photo, _ in results]
        created = any(was_created for _, was_created in results)
        return Response(
            body[0] if len(body) == 1 else body,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class PhotoDetailView(APIView):
    def get_permissions(self):
        # Moving is QA; deleting is the crew's, on their held photos (the service decides who).
        return [IsAccountMember()] if self.request.method in ("GET", "DELETE") else [IsCoordinator()]

    @extend_schema(responses=PhotoOutput)
    def get(self, request, pk):
        return Response(PhotoOutput(selectors.photo_get(request.user, pk)).data)

    @extend_schema(request=PhotoMoveInput, responses=PhotoOutput, description="Move to a task/evidence type.")
    def patch(self, request, pk):
        photo = selectors.photo_get(request.user, pk)
        data = PhotoMoveInput(data=request.data, context={"account_id": photo.account_id})
        data.is_valid(raise_exception=True)
        services.photo_move(photo=photo, actor=as_actor(request.user), **data.validated_data)
        return Response(PhotoOutput(selectors.photo_get(request.user, pk)).data)

    @extend_schema(
        responses={204: None},
        description="QA in Field: the crew deletes a photo held for them, before Complete (else 400).",
    )
    def delete(self, request, pk):
        services.photo_discard(photo=selectors.photo_get(request.user, pk), actor=as_actor(request.user))
        return Response(status=status.HTTP_204_NO_CONTENT)


class PhotoApproveView(APIView):
    permission_classes = [IsCoordinator]

    @extend_schema(request=PhotoDecisionInput, responses=PhotoOutput)
    def post(self, request, pk):
        photo = selectors.photo_get(request.user, pk)
        data = PhotoDecisionInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.photo_approve(photo=photo, actor=as_actor(request.user), **data.validated_data)
        return Response(PhotoOutput(selectors.photo_get(request.user, pk)).data)


class PhotoRejectView(APIView):
    permission_classes = [IsCoordinator]

    @extend_schema(request=PhotoRejectInput, responses=PhotoOutput)
    def post(self, request, pk):
        photo = selectors.photo_get(request.user, pk)
        data = PhotoRejectInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.photo_reject(photo=photo, actor=as_actor(request.user), **data.validated_data)
        return Response(PhotoOutput(selectors.photo_get(request.user, pk)).data)


class PhotoBulkApproveView(APIView):
    permission_classes = [IsCoordinator]

    @extend_schema(request=BulkApproveInput, responses=BulkApproveOutput)
    def post(self, request):
        data = BulkApproveInput(data=request.data)
        data.is_valid(raise_exception=True)
        count = services.photos_bulk_approve(actor=as_actor(request.user), ids=data.validated_data["ids"])
        return Response({"approved": count})


class _AnyAccept(BaseContentNegotiation):
    """Files answer whatever the client accepts (an <img> asks for image/*); errors are still JSON."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class PhotoFileView(APIView):
    """The original, the thumbnail or the display rendition, to users who can see the project only."""

    permission_classes = [IsAccountMember]
    content_negotiation_class = _AnyAccept
    rendition = "original"

    @extend_schema(responses={(200, "image/*"): OpenApiTypes.BINARY})
    def get(self, request, pk):
        photo = selectors.photo_get(request.user, pk)
        field = getattr(photo, self.rendition)
        original = self.rendition == "original"
        try:
            handle = field.storage.open(field.name, "rb")
        except OSError as exc:
            raise Http404("The file of this photo is missing.") from exc
        response = FileResponse(
            handle,
            content_type=photo.content_type if original else "image/jpeg",
            filename=photo.original_name if original and photo.original_name else None,
        )
        # Behind a permission check: no shared cache may keep it.
        response["Cache-Control"] = "private, max-age=3600"
        return response
