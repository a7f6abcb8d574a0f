"""Forms of the add-ons page: a WMS add-on (its signing secret is never a field: it is made, shown once, and
kept encrypted) and an API key for the WMS to call back with."""

from django import forms

from accounts.models import KEY_ROLES, ApiKey, Role

from .models import WMS_EVENT_CHOICES, default_event_types


class AddonForm(forms.Form):
    name = forms.CharField(max_length=100, initial="WMS")
    url = forms.URLField(
        label="Webhook URL",
        max_length=500,
        assume_scheme="https",
        help_text="Where your WMS receives the project events, signed with the add-on's secret.",
    )
    events = forms.MultipleChoiceField(
        choices=WMS_EVENT_CHOICES, widget=forms.CheckboxSelectMultiple, initial=default_event_types
    )
    enabled = forms.BooleanField(
        required=False,
        initial=True,
        help_text="Off pauses deliveries; on again sends what happened meanwhile.",
    )
    api_key = forms.ModelChoiceField(
        queryset=ApiKey.objects.none(),
        required=False,
        label="The WMS's API key",
        empty_label="(none)",
        help_text="Changes the WMS makes with this key are not echoed back to it.",
    )

    def __init__(self, *args, keys, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["api_key"].queryset = keys


class ApiKeyForm(forms.Form):
    name = forms.CharField(max_length=100, initial="WMS")
    role = forms.ChoiceField(
        choices=KEY_ROLES,
        initial=Role.ADMIN,
        help_text="Coordinator: projects, assignment and photos; admin also integrations and the team.",
    )
