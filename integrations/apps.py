from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "integrations"

    def ready(self):
        from config.crypto import register_encrypted_column

        from .models import Integration

        register_encrypted_column("integration credentials", Integration, "credentials_encrypted")
