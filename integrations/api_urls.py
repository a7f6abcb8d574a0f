"""/api/v1/ routes of integrations."""

urlpatterns: list = []
