from django.contrib import admin

from .models import Photo

# Files are shown by name only: the admin's default file widget links to MEDIA_URL, which photos never use.
FILE_FIELDS = ("original", "thumbnail", "display")


@admin.register(Photo)
class PhotoAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "project",
        "task",
        "evidence_type",
        "status",
        "source",
        "possible_reuse",
        "uploaded_at",
    )
    list_filter = ("status", "source", "evidence_type", "possible_reuse", "cert_item")
    search_fields = ("serial", "relay_serial", "sha256", "project__name")
    list_select_related = ("project", "task")
    raw_id_fields = ("account", "project", "task", "reuse_of", "qa_by", "uploaded_by")
    readonly_fields = (
        "original_file",
        "thumbnail_file",
        "display_file",
        "serial",
        "relay_serial",
        "source",
        "content_type",
        "size_bytes",
        "width",
        "height",
        "sha256",
        "phash",
        "phash_band0",
        "phash_band1",
        "phash_band2",
        "phash_band3",
        "uploaded_by",
        "uploaded_by_label",
        "uploaded_at",
        "published_at",
    )
    exclude = FILE_FIELDS

    # Photos come in through ingest only (verification, storage, hashes).
    def has_add_permission(self, request):
        return False

    @admin.display(description="original")
    def original_file(self, photo):
        return photo.original.name

    @admin.display(description="thumbnail")
    def thumbnail_file(self, photo):
        return photo.thumbnail.name

    @admin.display(description="display")
    def display_file(self, photo):
        return photo.display.name
