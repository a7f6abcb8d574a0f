"""API views for sub-users and the caller. Thin: parse, call a service or selector, render."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api.permissions import IsAccountMember, IsAdmin

from . import selectors, services
from .actors import as_actor
from .models import Role, User


class UserOutput(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ("id", "email", "full_name", "role", "wms_contractor_id", "is_active", "date_joined")


class UserCreateInput(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(
        write_only=True, required=False, allow_blank=True, style={"input_type": "password"}
    )
    full_name = serializers.CharField(required=False, allow_blank=True, default="")
    role = serializers.ChoiceField(choices=Role.choices, default=Role.FIELD)
    wms_contractor_id = serializers.CharField(required=False, allow_blank=True, default="")


class UserUpdateInput(serializers.Serializer):
    full_name = serializers.CharField(required=False, allow_blank=True)
    role = serializers.ChoiceField(choices=Role.choices, required=False)
    wms_contractor_id = serializers.CharField(required=False, allow_blank=True)
    is_active = serializers.BooleanField(required=False)


class MeOutput(serializers.Serializer):
    kind = serializers.CharField()
    role = serializers.CharField()
    account = serializers.DictField()
    user = UserOutput(allow_null=True)
    api_key = serializers.DictField(allow_null=True)


class MeView(APIView):
    permission_classes = [IsAccountMember]

    @extend_schema(responses=MeOutput)
    def get(self, request):
        actor = as_actor(request.user)
        return Response(
            {
                "kind": actor.kind,
                "role": actor.role,
                "account": {
                    "id": actor.account.pk,
                    "name": actor.account.name,
                    "slug": actor.account.slug,
                    "time_zone": actor.account.time_zone,
                },
                "user": UserOutput(actor.user).data if actor.user else None,
                "api_key": {"id": actor.api_key.pk, "name": actor.api_key.name} if actor.api_key else None,
            }
        )


class UserListView(APIView):
    def get_permissions(self):
        return [IsAdmin()] if self.request.method == "POST" else [IsAccountMember()]

    @extend_schema(responses=UserOutput(many=True))
    def get(self, request):
        users = selectors.users_visible_to(as_actor(request.user))
        return Response(UserOutput(users, many=True).data)

    @extend_schema(request=UserCreateInput, responses={201: UserOutput})
    def post(self, request):
        data = UserCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        actor = as_actor(request.user)
        if data.validated_data["role"] == Role.OWNER and not actor.has_role(Role.OWNER):
            return Response(
                {"detail": "Only an owner can add owners.", "code": "permission_denied"},
                status=status.HTTP_403_FORBIDDEN,
            )
        user = services.user_create(account=actor.account, **data.validated_data)
        return Response(UserOutput(user).data, status=status.HTTP_201_CREATED)


class UserDetailView(APIView):
    def get_permissions(self):
        return [IsAccountMember()] if self.request.method == "GET" else [IsAdmin()]

    def _user(self, request, pk):
        return get_object_or_404(selectors.users_visible_to(as_actor(request.user)), pk=pk)

    @extend_schema(responses=UserOutput)
    def get(self, request, pk):
        return Response(UserOutput(self._user(request, pk)).data)

    @extend_schema(request=UserUpdateInput, responses=UserOutput)
    def patch(self, request, pk):
        user = self._user(request, pk)
        data = UserUpdateInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        actor = as_actor(request.user)
        if Role.OWNER in (user.role, data.validated_data.get("role")) and not actor.has_role(Role.OWNER):
            return Response(
                {"detail": "Only an owner can change owners.", "code": "permission_denied"},
                status=status.HTTP_403_FORBIDDEN,
            )
        user = services.user_update(user=user, **data.validated_data)
        return Response(UserOutput(user).data)
