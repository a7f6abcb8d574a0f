from django.apps import AppConfig


class WmsAddonsConfig(AppConfig):
    name = "wms_addons"

    def ready(self):
        from config.crypto import register_rotator

        from .services import addon_secrets_rotate

        register_rotator("WMS add-on secrets", addon_secrets_rotate)
