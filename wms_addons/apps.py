from django.apps import AppConfig


class WmsAddonsConfig(AppConfig):
    name = "wms_addons"
