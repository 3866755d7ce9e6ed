"""The admin's users list at a laptop's 1280 px: the role column is in view, not cut off."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_users_list_shows_the_role_column_at_1280px(world, page, live_server, log_in):
    from tests import factories as f

    f.student(  # a name as long as a real roster's
        world.school,
        email="alexandria.montgomery-fitzgerald@demo.learnhub.school",
        given_name="Alexandria",
        family_name="Montgomery-Fitzgerald",
        sourced_id="stu-0000000000000000000123",
    )
    page.set_viewport_size({"width": 1280, "height": 800})
    log_in("ada@example.org")  # world.admin
    page.goto(f"{live_server.url}/admin/profiles/user/")
    column = page.locator("th.column-roles").bounding_box()
    visible = page.locator("#changelist-form .results").bounding_box()
    assert column is not None and visible is not None
    assert column["x"] + column["width"] <= visible["x"] + visible["width"]
    assert column["x"] + column["width"] <= 1280  # on screen, not scrolled out of the window
    assert page.locator("th.column-roles").is_visible()
    assert page.locator("td.field-roles").first.inner_text() != ""
