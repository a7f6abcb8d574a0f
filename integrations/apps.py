from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "integrations"

    def ready(self):
        from config.crypto import register_rotator

        from .services import credentials_rotate

        register_rotator("integration credentials", credentials_rotate)
