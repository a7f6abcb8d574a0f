"""Sign-up, sign-in and password reset (Django's, rate-limited by accounts/limits.py); the team pages."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render

from . import limits, services
from .actors import as_actor
from .decorators import form_errors, role_required
from .forms import PasswordSetForm, SignupForm, SubUserCreateForm, SubUserEditForm
from .models import Role, User
from .selectors import users_visible_to

TOO_MANY = 429


def signup(request):
    """A vendor registers its own master account and becomes its owner."""
    form = SignupForm(request.POST or None)
    address = limits.client_address(request)
    if request.method == "POST" and limits.SIGN_UP_PER_ADDRESS.reached(address):
        form.is_valid()
        form.add_error(None, "Too many sign-ups from here. Try again in an hour.")
        return render(request, "accounts/signup.html", {"form": form}, status=TOO_MANY)
    if request.method == "POST":
        limits.SIGN_UP_PER_ADDRESS.count(address)
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


class RetiresTokens:
    """A new password retires the user's field-app tokens, in the same transaction, as every new password
    does (services.user_set_password): whoever made one with a leaked password keeps no way in."""

    @transaction.atomic
    def form_valid(self, form):
        response = super().form_valid(form)
        services.user_tokens_revoke_all(user=form.user)
        return response


class PasswordResetConfirm(RetiresTokens, auth_views.PasswordResetConfirmView):
    """Django's reset by e-mail."""


class PasswordChange(RetiresTokens, auth_views.PasswordChangeView):
    """Django's own password change."""


class SignIn(auth_views.LoginView):
    """Django's sign-in, with failed tries limited per e-mail and per address: past the limit the page
    answers 429 without checking the password, so guessing goes no further (a success clears the e-mail's
    count)."""

    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        email, address = request.POST.get("username", ""), limits.client_address(request)
        if limits.SIGN_IN_PER_EMAIL.reached(email) or limits.SIGN_IN_PER_ADDRESS.reached(address):
            # The form is shown unchecked: no password is tried past the limit.
            context = self.get_context_data(form=self.form_class(request, initial={"username": email}))
            context["refusal"] = "Too many failed sign-ins. Wait 15 minutes, or reset your password."
            return self.render_to_response(context, status=TOO_MANY)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        limits.SIGN_IN_PER_EMAIL.forget(self.request.POST.get("username", ""))
        return super().form_valid(form)

    def form_invalid(self, form):
        limits.SIGN_IN_PER_EMAIL.count(self.request.POST.get("username", ""))
        limits.SIGN_IN_PER_ADDRESS.count(limits.client_address(self.request))
        return super().form_invalid(form)


class PasswordReset(auth_views.PasswordResetView):
    """Django's reset by e-mail, sending at most a few e-mails per address and per hour; past that the page
    says the same as ever (it never tells whether an address has an account) and sends nothing."""

    def form_valid(self, form):
        email, address = form.cleaned_data["email"], limits.client_address(self.request)
        if limits.RESET_PER_EMAIL.reached(email) or limits.RESET_PER_ADDRESS.reached(address):
            return redirect(self.get_success_url())
        limits.RESET_PER_EMAIL.count(email)
        limits.RESET_PER_ADDRESS.count(address)
        return super().form_valid(form)
