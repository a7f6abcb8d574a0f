from django.apps import AppConfig


class WmsAddonsConfig(AppConfig):
    name = "wms_addons"

    def ready(self):
        from config.crypto import register_encrypted_column

        from .models import WmsAddon

        register_encrypted_column("WMS add-on secrets", WmsAddon, "secret_encrypted")
