import zoneinfo

from django import forms
from django.contrib.auth.password_validation import password_validators_help_text_html

from .models import ROLE_RANK, Role

TIME_ZONES = sorted(
    z for z in zoneinfo.available_timezones() if z.startswith(("America/", "Pacific/", "US/"))
)


class SignupForm(forms.Form):
    company = forms.CharField(label="Company name", max_length=200)
    full_name = forms.CharField(label="Your name", max_length=200)
    email = forms.EmailField(label="E-mail")
    password = forms.CharField(widget=forms.PasswordInput, help_text=password_validators_help_text_html())
    time_zone = forms.ChoiceField(choices=[(z, z) for z in TIME_ZONES], initial="America/Chicago")


def role_choices(actor_role: str):
    """Nobody hands out a role above their own."""
    return [(r.value, r.label) for r in Role if ROLE_RANK[r] <= ROLE_RANK[actor_role]]


class SubUserForm(forms.Form):
    full_name = forms.CharField(label="Name", max_length=200, required=False)
    role = forms.ChoiceField(choices=Role.choices, initial=Role.FIELD)
    wms_contractor_id = forms.CharField(label="WMS contractor id", max_length=100, required=False)

    def __init__(self, *args, actor_role: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = role_choices(actor_role)


class SubUserCreateForm(SubUserForm):
    email = forms.EmailField(label="E-mail")
    password = forms.CharField(
        widget=forms.PasswordInput, required=False, help_text="Leave empty to let them reset it by e-mail."
    )
    field_order = ["email", "full_name", "role", "wms_contractor_id", "password"]


class SubUserEditForm(SubUserForm):
    is_active = forms.BooleanField(label="Active", required=False)


class PasswordSetForm(forms.Form):
    password = forms.CharField(label="New password", widget=forms.PasswordInput)
