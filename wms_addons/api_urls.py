"""/api/v1/ routes of wms_addons."""

urlpatterns: list = []
