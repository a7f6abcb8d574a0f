"""Sign-up. Sign-in, sign-out and password reset are Django's own views (accounts/urls.py)."""

from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render

from . import services
from .forms import SignupForm
from .models import User


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
