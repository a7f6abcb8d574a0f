import factory
from factory.django import DjangoModelFactory

from accounts.models import Account, Role, User
from projects.models import Project, Task


class AccountFactory(DjangoModelFactory):
    class Meta:
        model = Account

    name = factory.Sequence(lambda n: f"Vendor {n}")
    slug = factory.Sequence(lambda n: f"vendor-{n}")
    time_zone = "America/Chicago"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    account = factory.SubFactory(AccountFactory)
    email = factory.Sequence(lambda n: f"user{n}@example.test")
    full_name = factory.Sequence(lambda n: f"User {n}")
    role = Role.FIELD
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class ProjectFactory(DjangoModelFactory):
    class Meta:
        model = Project

    account = factory.SubFactory(AccountFactory)
    name = factory.Sequence(lambda n: f"Project {n}")
    address1 = factory.Sequence(lambda n: f"{100 + n} Main St")
    city = "Austin"
    state = "TX"
    zip = "78701"


class TaskFactory(DjangoModelFactory):
    class Meta:
        model = Task

    project = factory.SubFactory(ProjectFactory)
    name = factory.Sequence(lambda n: f"Task {n}")


def photo_row(task, i: int, *, status: str = "pending_qa", file_name: str = "photos/shared.jpg"):
    """An unsaved Photo without image work (for bulk_create in tests and benchmarks): every file field
    points at the same name, and the perceptual hash is the row's number."""
    import uuid

    from photos.models import Photo, PhotoSource

    serial = uuid.uuid4()
    return Photo(
        account_id=task.project.account_id,
        project_id=task.project_id,
        task=task,
        evidence_type="before",
        serial=serial,
        relay_serial=serial,
        source=PhotoSource.OFFICE,
        status=status,
        original=file_name,
        thumbnail=file_name,
        display=file_name,
        content_type="image/jpeg",
        size_bytes=1000,
        width=640,
        height=480,
        sha256="0" * 64,
        phash=i,
        phash_band0=i % 65536,
        phash_band1=0,
        phash_band2=0,
        phash_band3=0,
    )


# The AGS checklist's required answers (surveys/ags.py), for tests that complete a check-in; photo questions
# are added by each test.
AGS_CHECKLIST = {
    "arrival_property_secured": True,
    "arrival_occupancy": "Vacant",
    "condition_utilities": "All off",
    "condition_damage_found": False,
    "condition_hazards_found": False,
    "departure_doors_windows_locked": True,
    "departure_minutes_on_site": 45,
}
