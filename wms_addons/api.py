"""WMS add-on API: add-ons (the signing secret shown once, on create) and their delivery log. Admins and
owners only; everything is scoped to the caller's account, so another account's id answers 404."""

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.actors import as_actor
from accounts.selectors import api_keys_of
from config.api.filters import StrictBooleanFilter
from config.api.permissions import IsAdmin
from config.api.views import ScopedListAPIView, shown_once

from . import selectors, services
from .filters import DeliveryFilter
from .models import WMS_EVENT_CHOICES, WmsAddon, WmsDelivery


class AddonOutput(serializers.ModelSerializer):
    api_key = serializers.IntegerField(source="api_key_id", allow_null=True)
    events = serializers.ListField(child=serializers.ChoiceField(choices=WMS_EVENT_CHOICES))

    class Meta:
        model = WmsAddon
        fields = ("id", "name", "url", "events", "enabled", "api_key", "created_at")


class AddonCreatedOutput(AddonOutput):
    secret = serializers.CharField(help_text="The signing secret (whsec_...). Shown this once only.")

    class Meta(AddonOutput.Meta):
        fields = (*AddonOutput.Meta.fields, "secret")


class AddonInput(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    url = serializers.URLField(max_length=500)
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=WMS_EVENT_CHOICES), required=False, allow_empty=False
    )
    enabled = serializers.BooleanField(required=False)
    api_key = serializers.IntegerField(
        required=False, allow_null=True, help_text="The add-on's own API key: its changes are not echoed."
    )


class Ref(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class DeliveryOutput(serializers.ModelSerializer):
    webhook_id = serializers.CharField()
    addon = Ref()
    project = Ref()
    event = serializers.IntegerField(source="event_id")
    type = serializers.CharField(source="event.type")

    class Meta:
        model = WmsDelivery
        fields = (
            "id",
            "webhook_id",
            "addon",
            "project",
            "event",
            "type",
            "sequence",
            "status",
            "attempts",
            "next_attempt_at",
            "last_status_code",
            "last_error",
            "delivered_at",
            "created_at",
        )


def _parsed(request, *, partial: bool) -> dict:
    data = AddonInput(data=request.data, partial=partial)
    data.is_valid(raise_exception=True)
    fields = dict(data.validated_data)
    if fields.get("api_key") is not None:
        key = api_keys_of(as_actor(request.user)).filter(pk=fields["api_key"]).first()
        if key is None:
            raise serializers.ValidationError({"api_key": ["No such API key in this account."]})
        fields["api_key"] = key
    return fields


class AddonFilter(django_filters.FilterSet):
    active = StrictBooleanFilter(field_name="enabled", help_text="Enabled add-ons only, or disabled.")

    class Meta:
        model = WmsAddon
        fields = ["active"]


class AddonListView(ScopedListAPIView):
    """The account's add-ons (never their secrets); filter by ``active``."""

    model = WmsAddon
    serializer_class = AddonOutput
    permission_classes = [IsAdmin]
    filterset_class = AddonFilter

    def scoped_queryset(self):
        return selectors.addons_of(self.request.user)

    @extend_schema(request=AddonInput, responses={201: AddonCreatedOutput})
    def post(self, request):
        made = services.addon_create(actor=as_actor(request.user), **_parsed(request, partial=False))
        return shown_once({**AddonOutput(made.addon).data, "secret": made.secret})


class AddonDetailView(APIView):
    permission_classes = [IsAdmin]

    @extend_schema(responses=AddonOutput)
    def get(self, request, pk):
        return Response(AddonOutput(selectors.addon_get(request.user, pk)).data)

    @extend_schema(request=AddonInput, responses=AddonOutput)
    def patch(self, request, pk):
        addon = selectors.addon_get(request.user, pk)
        addon = services.addon_update(
            addon=addon, actor=as_actor(request.user), **_parsed(request, partial=True)
        )
        return Response(AddonOutput(addon).data)

    @extend_schema(responses={204: None})
    def delete(self, request, pk):
        services.addon_delete(addon=selectors.addon_get(request.user, pk), actor=as_actor(request.user))
        return Response(status=status.HTTP_204_NO_CONTENT)


class DeliveryListView(ScopedListAPIView):
    """The delivery log, newest first; filter by ``addon``, ``status``, ``project``."""

    model = WmsDelivery
    serializer_class = DeliveryOutput
    permission_classes = [IsAdmin]
    filterset_class = DeliveryFilter

    def scoped_queryset(self):
        return selectors.deliveries_of(self.request.user)


class DeliveryRedeliverView(APIView):
    permission_classes = [IsAdmin]

    @extend_schema(request=None, responses=DeliveryOutput)
    def post(self, request, pk):
        delivery = selectors.delivery_get(request.user, pk)
        services.delivery_redeliver(delivery=delivery, actor=as_actor(request.user))
        return Response(DeliveryOutput(selectors.delivery_get(request.user, pk)).data)
