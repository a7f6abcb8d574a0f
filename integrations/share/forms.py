"""Forms of the primary vendor's Share pages."""

from django import forms

from .models import SharePhotoStatus


class CandidateSearchForm(forms.Form):
    """The search box over the projects to hand over. A CharField refuses NUL bytes, which PostgreSQL
    cannot compare (a 500)."""

    q = forms.CharField(required=False)


class ShareForm(forms.Form):
    name = forms.CharField(
        max_length=100, help_text="Whom the key is for, typically the subcontracting vendor's name."
    )
    photo_status = forms.ChoiceField(
        label="Their published photos arrive",
        choices=SharePhotoStatus.choices,
        initial=SharePhotoStatus.PENDING_QA,
        widget=forms.RadioSelect,
    )
