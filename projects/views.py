"""Back-office pages about projects."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from . import selectors


@login_required
def dashboard(request):
    counts = selectors.dashboard_counts(request.user)
    return render(request, "projects/dashboard.html", {"counts": counts})
