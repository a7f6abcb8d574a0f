"""Pruvan Share as an order source: the projects a primary vendor handed to one share link, read through
``selectors.py`` (that link and nothing else), in the contract's types.

- ``ref`` is the primary project's id: stable when the primary renames nothing and unique per link, where the
  client's order number would be ambiguous between two integrations of the primary. The project ``name`` is
  the primary's (``AFS::123``), so both vendors speak of the order alike.
- Services are the primary's live tasks with ``ref`` = the primary task's id (the relay's ``serviceId`` names
  the task the photo lands on); forms are the primary's attached surveys, whose templates ``fetch_survey``
  returns as stored there.
- A project closed, deleted or taken back at the primary leaves the feed and ``order_status`` reports it
  final, so the subcontractor's auto-close closes it on its next refresh; a re-handed project comes back
  (rework).
- The link is looked up again on every call, so a revoked key stops everything at once (AuthError: the
  integration's health becomes auth_failed and its relay items hold).
"""

from __future__ import annotations

from collections.abc import Iterator

from django.conf import settings

from config.crypto import CredentialsUnreadable
from projects.models import CloseReason, Project, ProjectStatus

from ..base import (
    AuthError,
    FeedPage,
    ImportedForm,
    ImportedOrder,
    ImportedService,
    OrderSource,
    OrderStatus,
    RejectedError,
    SourceError,
    SurveyTemplate,
)
from . import delivery, selectors, services
from .models import ShareLink

KEY_FAILED = (
    "Share key validation failed: the share key entered in this integration was revoked or is unknown. Ask "
    "the primary vendor for a new share key, enter it, then click Validate."
)
# The close reasons a subcontractor's project takes from the primary's; a close by hand there reads as
# "no longer sent" here (the order was withdrawn from the subcontractor).
PASSED_ON = {
    CloseReason.COMPLETED,
    CloseReason.QC_DECLINED,
    CloseReason.CANCELLED,
    CloseReason.DENIED,
    CloseReason.NO_LONGER_SENT,
}


def to_order(project: Project) -> ImportedOrder:
    """One handed project as the subcontractor's importer sees it (tasks and forms prefetched)."""
    return ImportedOrder(
        ref=str(project.pk),
        name=project.name,
        address1=project.address1 or project.name,
        address2=project.address2,
        city=project.city,
        state=project.state,
        zip=project.zip,
        latitude=project.latitude,
        longitude=project.longitude,
        due_date=project.due_date,
        instructions=project.instructions,
        client_status=project.client_status,
        check_in_required=project.check_in_required,
        services=tuple(
            ImportedService(ref=str(t.pk), name=t.name, is_photo_task=t.is_photo_task, form_ref=t.form_ref)
            for t in project.tasks.all()
        ),
        forms=tuple(
            ImportedForm(ref=link.survey.form_ref, version=link.survey.version, name=link.survey.name)
            for link in project.survey_links.all()
        ),
    )


class ShareSource(OrderSource):
    has_portal = False  # myFAStrack uses the primary vendor's own FAStrack login: not offered through Share
    credential_fields = ("share_key",)

    def __init__(self, integration):
        super().__init__(integration)
        try:
            self.key = integration.get_credentials().get("share_key", "")
        except CredentialsUnreadable as exc:
            raise AuthError(exc.message, status=None) from exc
        self.page_size = getattr(settings, "SHARE_PAGE_SIZE", 200)

    def link(self) -> ShareLink:
        """The live link of our key, bound to our account on first use; AuthError otherwise."""
        link = selectors.link_for_key(self.key)
        if link is None or not link.is_live:
            raise AuthError(KEY_FAILED)
        account_id = self.integration.account_id
        if link.account_id == account_id:
            raise AuthError("This share key was issued by this account: a share links two accounts.")
        if link.subcontractor_id not in (None, account_id):
            raise AuthError("This share key is already used by another account. Ask for a key of your own.")
        services.share_touch(link=link, account_id=account_id)
        return link

    def validate(self) -> None:
        self.link()

    def fetch_orders(self) -> Iterator[FeedPage]:
        # Read here, in the caller's thread, not lazily: the refresh consumes pages from a prefetching thread,
        # whose own database connection would not see the caller's transaction. A link's feed is small.
        link = self.link()
        projects = selectors.handed_projects(link)
        total = projects.count()
        pages, after = [], 0
        while True:
            page = list(projects.filter(pk__gt=after)[: self.page_size])
            last = len(page) < self.page_size
            pages.append(FeedPage(orders=[to_order(p) for p in page], total=total, last=last))
            if last:
                return iter(pages)
            after = page[-1].pk

    def order_status(self, ref: str) -> OrderStatus:
        hand_over = selectors.last_hand_over(self.link(), ref)
        if hand_over is None:
            return OrderStatus(OrderStatus.NOT_FOUND)
        project = hand_over.project
        if hand_over.taken_back_at is not None:
            return OrderStatus(OrderStatus.FINAL, CloseReason.NO_LONGER_SENT, "taken_back")
        if project.deleted_at is not None:
            return OrderStatus(OrderStatus.FINAL, CloseReason.NO_LONGER_SENT, "deleted")
        if project.status == ProjectStatus.CLOSED:
            reason = (
                project.closed_reason if project.closed_reason in PASSED_ON else CloseReason.NO_LONGER_SENT
            )
            return OrderStatus(OrderStatus.FINAL, reason, project.client_status or "closed")
        return OrderStatus(OrderStatus.OPEN, client_status=project.client_status)

    def fetch_survey(self, form_ref: str, version: int) -> SurveyTemplate:
        survey = selectors.shared_survey(self.link(), form_ref, version)
        if survey is None:
            raise SourceError(f"The primary vendor shares no form {form_ref} version {version}.")
        return SurveyTemplate(form_ref, survey.version, survey.name, survey.questions)

    # --- relay: each item lands on the primary's project, idempotent by its serial -------------------------

    def _target(self, item) -> tuple[ShareLink, Project, object]:
        link = self.link()
        project = selectors.handed_project(link, item.project.source_ref)
        if project is None:
            raise RejectedError(
                f"{item.project.name} is no longer handed to this account by the primary vendor.",
                code="taken_back",
            )
        return link, project, delivery.actor_for(link, self.integration.account.name)

    def upload_photo(self, item) -> None:
        link, project, actor = self._target(item)
        delivery.land_photo(link=link, project=project, item=item, actor=actor)

    def submit_survey(self, item) -> None:
        link, project, actor = self._target(item)
        delivery.land_survey(link=link, project=project, item=item, actor=actor)

    def check_in(self, item) -> None:
        link, project, actor = self._target(item)
        delivery.land_check_in(link=link, project=project, item=item, actor=actor)

    def complete_check_in(self, item) -> None:
        link, project, actor = self._target(item)
        delivery.land_check_in_complete(link=link, project=project, item=item, actor=actor)

    def portal_url(self, project, user) -> str | None:
        return None
