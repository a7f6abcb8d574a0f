"""Forms of the integration pages. Credentials are write-only: password inputs never render a value back.

One create form and one settings form per kind: a FAStrack integration takes an address, a username and a
password, a Share integration only the share key the primary vendor issued. ``split`` separates the
credentials from the settings, so a kind's form can never post another kind's credentials."""

from django import forms
from django.views.decorators.debug import sensitive_variables

from accounts.models import User

from .models import Integration
from .share.services import KEY_PREFIX


class _Settings(forms.Form):
    qa_in_field = forms.BooleanField(
        label="QA in Field",
        required=False,
        initial=True,  # seed 001: "Set QA in Field to Yes (default)"
        help_text="Yes: photos arrive when the crew completes the project.",
    )
    default_assignee = forms.ModelChoiceField(queryset=User.objects.none(), required=False)
    refresh_interval_minutes = forms.IntegerField(
        label="Refresh every (minutes)", min_value=5, max_value=1440, initial=60
    )
    credential_fields: tuple[str, ...] = ()

    def __init__(self, *args, users, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["default_assignee"].queryset = users

    @sensitive_variables("data", "credentials")
    def split(self) -> tuple[dict, dict | None]:
        """(settings, credentials) of a valid form; credentials None when none were entered."""
        data = dict(self.cleaned_data)
        credentials = {name: data.pop(name) for name in self.credential_fields}
        return data, (credentials if any(credentials.values()) else None)


def _share_key(value: str) -> str:
    value = (value or "").strip()
    if value and not value.startswith(f"{KEY_PREFIX}_"):
        raise forms.ValidationError(
            f"This is not a share key: the primary vendor's keys start with {KEY_PREFIX}_."
        )
    return value


class IntegrationCreateForm(_Settings):
    """A FAStrack integration."""

    kind = "fastrack"
    name = forms.CharField(max_length=100, initial="AFS")
    base_url = forms.URLField(label="FAStrack address", max_length=300, assume_scheme="https")
    username = forms.CharField(label="FAStrack username", max_length=200)
    password = forms.CharField(label="FAStrack password", widget=forms.PasswordInput(render_value=False))
    field_order = ["name", "base_url", "username", "password"]
    credential_fields = ("username", "password")


class ShareCreateForm(_Settings):
    """A Pruvan Share integration: the primary vendor's projects handed to this account."""

    kind = "share"
    name = forms.CharField(max_length=100, initial="Pruvan Share")
    share_key = forms.CharField(
        label="Share key",
        max_length=200,
        widget=forms.PasswordInput(render_value=False),
        help_text="The key the primary vendor issued for your account.",
    )
    field_order = ["name", "share_key"]
    credential_fields = ("share_key",)

    def clean_share_key(self):
        return _share_key(self.cleaned_data["share_key"])


CREATE_FORMS = {form.kind: form for form in (IntegrationCreateForm, ShareCreateForm)}


class _SettingsOfIntegration(_Settings):
    enabled = forms.BooleanField(required=False, help_text="Scheduled refreshes run only when enabled.")

    @classmethod
    def initial_of(cls, integration: Integration) -> dict:
        return {
            "qa_in_field": integration.qa_in_field,
            "default_assignee": integration.default_assignee_id,
            "refresh_interval_minutes": integration.refresh_interval_minutes,
            "enabled": integration.enabled,
        }


class IntegrationSettingsForm(_SettingsOfIntegration):
    """A FAStrack integration's settings."""

    username = forms.CharField(label="New username", max_length=200, required=False)
    password = forms.CharField(
        label="New password",
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="Leave both empty to keep the stored credentials.",
    )
    credential_fields = ("username", "password")

    def clean(self):
        data = super().clean()
        if bool(data.get("username")) != bool(data.get("password")):
            raise forms.ValidationError("Enter both the username and the password, or neither.")
        return data


class ShareSettingsForm(_SettingsOfIntegration):
    """A Share integration's settings: a new key replaces the stored one; it has no username or password."""

    share_key = forms.CharField(
        label="New share key",
        max_length=200,
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="Leave empty to keep the stored key.",
    )
    credential_fields = ("share_key",)

    def clean_share_key(self):
        return _share_key(self.cleaned_data["share_key"])


SETTINGS_FORMS = {"fastrack": IntegrationSettingsForm, "share": ShareSettingsForm}
