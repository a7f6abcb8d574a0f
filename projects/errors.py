"""Errors project services raise. Views turn them into 4xx answers with the message as it stands."""

from django.core.exceptions import PermissionDenied, ValidationError

__all__ = ["PermissionDenied", "ProjectLocked", "ValidationError"]


class ProjectLocked(ValidationError):
    """The project's tasks come from the client: only the importer may add, rename or remove them."""

    def __init__(self, project):
        super().__init__(
            f"The tasks of {project.name} come from the client and cannot be added, renamed or removed here. "
            "Ask the client to change the order, then refresh the integration.",
            code="project_locked",
        )
