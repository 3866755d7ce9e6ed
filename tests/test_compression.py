"""Pages are compressed on the wire when the browser accepts it."""

from __future__ import annotations

import gzip

from django.urls import reverse


def test_pages_are_gzipped_for_browsers_that_accept_it(world, client):
    client.force_login(world.teacher)
    response = client.get(reverse("teacher-home"), HTTP_ACCEPT_ENCODING="gzip")
    assert response["Content-Encoding"] == "gzip"
    assert b"My students" in gzip.decompress(response.content)
