"""API views for sub-users and the caller. Thin: parse, call a service or selector, render."""

from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.generics import get_object_or_404
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api.permissions import IsAccountMember, IsAdmin, IsSubUser
from config.api.views import ScopedListAPIView, shown_once

from . import selectors, services
from .actors import as_actor
from .filters import UserFilter
from .models import KEY_ROLES, ApiKey, Role, User, UserToken
from .throttles import TOKEN_OBTAIN_THROTTLES


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


class UserListView(ScopedListAPIView):
    """Sub-users of the account (a field user sees only themselves), filtered and paginated."""

    model = User
    serializer_class = UserOutput
    filterset_class = UserFilter

    def get_permissions(self):
        return [IsAdmin()] if self.request.method == "POST" else [IsAccountMember()]

    def scoped_queryset(self):
        return selectors.users_visible_to(as_actor(self.request.user))

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
        user = services.user_update(user=user, actor=as_actor(request.user), **data.validated_data)
        return Response(UserOutput(user).data)


# Credentials: each key or token is shown once, in the answer that creates it; lists show its prefix only.


class TokenOutput(serializers.ModelSerializer):
    class Meta:
        model = UserToken
        fields = ("id", "name", "prefix", "created_at", "last_used_at")


class TokenCreatedOutput(TokenOutput):
    token = serializers.CharField(
        help_text="Send as `Authorization: Token <token>`. Shown this once only: only its digest is kept."
    )

    class Meta(TokenOutput.Meta):
        fields = (*TokenOutput.Meta.fields, "token")


class TokenObtainInput(serializers.Serializer):
    email = serializers.CharField(required=False, max_length=254, help_text="The sub-user's e-mail.")
    username = serializers.CharField(required=False, max_length=254, help_text="The same as `email`.")
    password = serializers.CharField(
        write_only=True, max_length=4096, trim_whitespace=False, style={"input_type": "password"}
    )
    name = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=100,
        default="Field app",
        help_text="The device, to recognise the token in the list.",
    )

    def validate(self, data):
        email = data.get("email") or data.get("username")
        if not email:
            raise serializers.ValidationError({"email": ["Give your e-mail (as `email` or `username`)."]})
        return {"email": email, "password": data["password"], "name": data["name"]}


@method_decorator(sensitive_post_parameters("password"), name="dispatch")  # kept out of error reports
class TokenListView(ScopedListAPIView):
    """The caller's own tokens (never their keys). POST signs in with an e-mail and password for a new
    token, shown once; wrong credentials answer 400 without telling which part was wrong, and tries are
    rate-limited (429 with Retry-After)."""

    model = UserToken
    serializer_class = TokenOutput

    def _signing_in(self) -> bool:
        request = getattr(self, "request", None)
        return request is not None and request.method == "POST"

    def get_authenticators(self):
        # Signing in needs no credentials, and a stale token the app still sends must not stand in its way.
        return [] if self._signing_in() else super().get_authenticators()

    def get_permissions(self):
        return [AllowAny()] if self._signing_in() else [IsAccountMember(), IsSubUser()]

    def get_throttles(self):
        return [throttle() for throttle in TOKEN_OBTAIN_THROTTLES] if self._signing_in() else []

    def scoped_queryset(self):
        return selectors.user_tokens_of(as_actor(self.request.user))

    @extend_schema(request=TokenObtainInput, responses={201: TokenCreatedOutput})
    @method_decorator(sensitive_variables("data", "issued"))
    def post(self, request):
        data = TokenObtainInput(data=request.data)
        data.is_valid(raise_exception=True)
        issued = services.user_token_obtain(**data.validated_data)
        return shown_once({**TokenOutput(issued.record).data, "token": issued.key})


class TokenDetailView(APIView):
    permission_classes = [IsAccountMember, IsSubUser]

    @extend_schema(responses={204: None})
    def delete(self, request, pk):
        services.user_token_revoke(token=selectors.user_token_get(as_actor(request.user), pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class KeyRoleField(serializers.ChoiceField):
    """An API key's role: ``admin`` or ``coordinator``; ApiKeyRoleEnum in the schema (RoleEnum is the
    sub-users' four roles)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "admin or coordinator: what the key may do.")
        super().__init__(choices=KEY_ROLES, **kwargs)


class ApiKeyOutput(serializers.ModelSerializer):
    created_by = serializers.IntegerField(source="created_by_id", allow_null=True)
    role = KeyRoleField(read_only=True)

    class Meta:
        model = ApiKey
        fields = ("id", "name", "prefix", "role", "created_by", "created_at", "last_used_at")


class ApiKeyCreatedOutput(ApiKeyOutput):
    key = serializers.CharField(
        help_text="Send as `Authorization: Api-Key <key>`. Shown this once only: only its digest is kept."
    )

    class Meta(ApiKeyOutput.Meta):
        fields = (*ApiKeyOutput.Meta.fields, "key")


class ApiKeyCreateInput(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    role = KeyRoleField(default=Role.ADMIN)


class ApiKeyListView(ScopedListAPIView):
    """The account's working API keys (never the keys themselves). Admins and owners, signed in as
    themselves: a key cannot list or make keys. POST names a new key and shows it once."""

    model = ApiKey
    serializer_class = ApiKeyOutput
    permission_classes = [IsAdmin, IsSubUser]

    def scoped_queryset(self):
        return selectors.active_api_keys_of(as_actor(self.request.user))

    @extend_schema(request=ApiKeyCreateInput, responses={201: ApiKeyCreatedOutput})
    @method_decorator(sensitive_variables("issued"))
    def post(self, request):
        data = ApiKeyCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        actor = as_actor(request.user)
        issued = services.api_key_issue(account=actor.account, created_by=actor.user, **data.validated_data)
        return shown_once({**ApiKeyOutput(issued.record).data, "key": issued.key})


class ApiKeyDetailView(APIView):
    permission_classes = [IsAdmin, IsSubUser]

    @extend_schema(responses={204: None})
    def delete(self, request, pk):
        services.api_key_revoke(api_key=selectors.api_key_get(as_actor(request.user), pk))
        return Response(status=status.HTTP_204_NO_CONTENT)
