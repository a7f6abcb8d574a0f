"""Sign-up and the team pages. Sign-in, sign-out and password reset are Django's own (accounts/urls.py)."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render

from . import services
from .actors import as_actor
from .decorators import form_errors, role_required
from .forms import PasswordSetForm, SignupForm, SubUserCreateForm, SubUserEditForm
from .models import Role, User
from .selectors import users_visible_to


def signup(request):
    """A vendor registers its own master account and becomes its owner."""
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            account = services.account_create(
                name=data["company"],
                owner_email=data["email"],
                owner_password=data["password"],
                owner_name=data["full_name"],
                time_zone=data["time_zone"],
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.error_dict.items():
                    form.add_error("email" if field == "owner_email" else None, errors)
            else:
                form.add_error("password", exc)
        else:
            login(
                request,
                User.objects.get(account=account),
                backend="django.contrib.auth.backends.ModelBackend",
            )
            messages.success(request, f"Welcome to Vendordesk, {account.name}.")
            return redirect("dashboard")
    return render(request, "accounts/signup.html", {"form": form})


@role_required(Role.ADMIN)
def team(request):
    form = SubUserCreateForm(request.POST or None, actor_role=request.user.role)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_create(account=request.user.account, **form.cleaned_data)
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, f"Added {user.display_name}.")
            return redirect("team")
    users = users_visible_to(as_actor(request.user))
    return render(request, "accounts/team.html", {"users": users, "form": form})


@role_required(Role.ADMIN)
def member(request, pk):
    member = get_object_or_404(users_visible_to(as_actor(request.user)), pk=pk)
    initial = {f: getattr(member, f) for f in ("full_name", "role", "wms_contractor_id", "is_active")}
    form = SubUserEditForm(request.POST or None, initial=initial, actor_role=request.user.role)
    password_form = PasswordSetForm()
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.user_update(user=member, actor=as_actor(request.user), **form.cleaned_data)
        except ValidationError as exc:
            form_errors(form, exc)
        except PermissionDenied as exc:  # an owner is an owner's to change: say so on the form
            form.add_error(None, str(exc))
            status = 403
        else:
            messages.success(request, f"Saved {member.display_name}.")
            return redirect("team")
    context = {"member": member, "form": form, "password_form": password_form}
    return render(request, "accounts/member.html", context, status=status)


@role_required(Role.ADMIN)
def member_password(request, pk):
    member = get_object_or_404(users_visible_to(as_actor(request.user)), pk=pk)
    password_form = PasswordSetForm(request.POST or None)
    status = 200
    if request.method == "POST" and password_form.is_valid():
        try:
            services.user_set_password(
                user=member, actor=as_actor(request.user), password=password_form.cleaned_data["password"]
            )
        except ValidationError as exc:
            password_form.add_error("password", exc)
        except PermissionDenied as exc:  # an owner's or another admin's password: an owner's to set
            password_form.add_error(None, str(exc))
            status = 403
        else:
            messages.success(
                request, f"New password set for {member.display_name}; their app tokens are retired."
            )
            return redirect("team")
    initial = {f: getattr(member, f) for f in ("full_name", "role", "wms_contractor_id", "is_active")}
    form = SubUserEditForm(initial=initial, actor_role=request.user.role)
    context = {"member": member, "form": form, "password_form": password_form}
    return render(request, "accounts/member.html", context, status=status)


class PasswordResetConfirm(auth_views.PasswordResetConfirmView):
    """Django's reset by e-mail, in one transaction with retiring the user's field-app tokens, as every
    new password does (services.user_set_password)."""

    @transaction.atomic
    def form_valid(self, form):
        response = super().form_valid(form)
        services.user_tokens_revoke_all(user=form.user)
        return response


class PasswordChange(auth_views.PasswordChangeView):
    """Django's own password change, retiring the user's field-app tokens with it: whoever made one with a
    leaked password keeps no way in (services.user_set_password does the same)."""

    @transaction.atomic
    def form_valid(self, form):
        response = super().form_valid(form)
        services.user_tokens_revoke_all(user=form.user)
        return response
