"""/api/v1/ routes of surveys."""

urlpatterns: list = []
