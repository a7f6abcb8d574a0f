"""config/posted.py: ids and "next" paths the pages' forms send, read strictly."""

import pytest
from django.test import RequestFactory

from config.db import MAX_ID
from config.posted import posted_id, posted_ids, posted_next


@pytest.mark.parametrize(
    "value", [None, "", "0", "-1", " 1", "1.0", "1e3", "²", "١", "NaN", str(MAX_ID + 1), "9" * 5000]
)
def test_what_is_not_an_id(value):
    assert posted_id(value) is None


def test_ids():
    assert posted_id("42") == 42 and posted_id(str(MAX_ID)) == MAX_ID
    assert posted_ids(["3", "1", "3"]) == [1, 3]
    assert posted_ids([]) == []
    assert posted_ids(["1", "not-a-number"]) is None  # refused whole, never acted on in part


@pytest.mark.parametrize(
    ("next_", "expected"),
    [
        ("/projects/?page=2", "/projects/?page=2"),
        ("", "projects"),
        ("-1", "projects"),  # redirect() would look a bare word up as a URL name
        ("https://evil.example/", "projects"),
        ("//evil.example/", "projects"),
        ("/projects/\x00", "projects"),
    ],
)
def test_next(next_, expected):
    request = RequestFactory().post("/projects/bulk", {"next": next_})
    assert posted_next(request, "projects") == expected
