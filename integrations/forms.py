"""Forms of the integration pages. Credentials are write-only: password inputs never render a value back."""

from django import forms

from accounts.models import User

from .models import Integration


class _Settings(forms.Form):
    qa_in_field = forms.BooleanField(
        label="QA in Field",
        required=False,
        help_text="Yes: photos arrive when the crew completes the project.",
    )
    default_assignee = forms.ModelChoiceField(queryset=User.objects.none(), required=False)
    refresh_interval_minutes = forms.IntegerField(
        label="Refresh every (minutes)", min_value=5, max_value=1440
    )

    def __init__(self, *args, users, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["default_assignee"].queryset = users


class IntegrationCreateForm(_Settings):
    name = forms.CharField(max_length=100, initial="AFS")
    base_url = forms.URLField(label="FAStrack address", max_length=300, assume_scheme="https")
    username = forms.CharField(label="FAStrack username", max_length=200)
    password = forms.CharField(label="FAStrack password", widget=forms.PasswordInput(render_value=False))
    field_order = ["name", "base_url", "username", "password"]


class IntegrationSettingsForm(_Settings):
    enabled = forms.BooleanField(required=False, help_text="Scheduled refreshes run only when enabled.")
    username = forms.CharField(label="New username", max_length=200, required=False)
    password = forms.CharField(
        label="New password",
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="Leave both empty to keep the stored credentials.",
    )

    @classmethod
    def initial_of(cls, integration: Integration) -> dict:
        return {
            "qa_in_field": integration.qa_in_field,
            "default_assignee": integration.default_assignee_id,
            "refresh_interval_minutes": integration.refresh_interval_minutes,
            "enabled": integration.enabled,
        }

    def clean(self):
        data = super().clean()
        if bool(data.get("username")) != bool(data.get("password")):
            raise forms.ValidationError("Enter both the username and the password, or neither.")
        return data
