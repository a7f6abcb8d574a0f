"""/api/v1/ routes of photos."""

urlpatterns: list = []
