from django.contrib import admin

from .models import ProjectSurvey, Survey, SurveyResponse


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    list_display = ("name", "form_ref", "version", "source", "integration", "created_at")
    list_filter = ("source",)
    search_fields = ("name", "form_ref")
    readonly_fields = ("questions",)


@admin.register(ProjectSurvey)
class ProjectSurveyAdmin(admin.ModelAdmin):
    list_display = ("project", "survey", "attached_by", "attached_at")
    raw_id_fields = ("project", "survey")


@admin.register(SurveyResponse)
class SurveyResponseAdmin(admin.ModelAdmin):
    list_display = ("project", "survey", "status", "answered_in", "location_certified", "updated_at")
    list_filter = ("status", "answered_in")
    raw_id_fields = ("project", "survey", "answered_by")
