import zoneinfo

from django import forms
from django.contrib.auth.password_validation import password_validators_help_text_html

TIME_ZONES = sorted(
    z for z in zoneinfo.available_timezones() if z.startswith(("America/", "Pacific/", "US/"))
)


class SignupForm(forms.Form):
    company = forms.CharField(label="Company name", max_length=200)
    full_name = forms.CharField(label="Your name", max_length=200)
    email = forms.EmailField(label="E-mail")
    password = forms.CharField(widget=forms.PasswordInput, help_text=password_validators_help_text_html())
    time_zone = forms.ChoiceField(choices=[(z, z) for z in TIME_ZONES], initial="America/Chicago")
