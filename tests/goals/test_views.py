def test_a_goal_is_proposed_approved_checked_in_encouraged_and_revised(world, client):
    """The whole co-setting flow through the pages, as each person clicks it."""
    client.force_login(world.student)
    for url in ["/me/goals/", "/me/goals/new/"]:
        r = client.get(url)
        assert r.status_code == 200, (url, r.content[:3000])
    r = client.post(
        "/me/goals/new/",
        {
            "title": "Read four novels this term",
            "horizon": "term",
            "success_criteria": "4 books with a journal entry each",
            "target_date": "2027-01-10",
            "propose": "1",
            "step_1": "Pick first book",
        },
    )
    assert r.status_code in (200, 302), r.content.decode()[:3000]
    from goals.models import Goal

    g = Goal.objects.get()
    assert g.status == "proposed", r.content.decode()[-3000:]
    client.force_login(world.teacher)
    r = client.get("/teach/goals/")
    assert r.status_code == 200
    assert "Read four novels" in r.content.decode()
    r = client.post(f"/goals/{g.pk}/approve/", {"comment": "Great"})
    assert r.status_code == 302
    client.force_login(world.student)
    r = client.post(
        f"/goals/{g.pk}/checkin/", {"progress": "25", "confidence": "4"}, HTTP_HX_REQUEST="true"
    )
    assert "Checked in" in r.content.decode(), r.content.decode()
    client.force_login(world.guardian)
    r = client.post(f"/goals/{g.pk}/comment/", {"body": "So proud of you"})
    assert r.status_code == 302
    for url in [f"/goals/{g.pk}/", f"/students/{world.student.pk}/goals/"]:
        r = client.get(url)
        assert r.status_code == 200, (url, r.content[:3000])
    assert "So proud of you" in client.get(f"/goals/{g.pk}/").content.decode()
    client.force_login(world.teacher)
    r = client.get(f"/goals/{g.pk}/edit/")
    assert r.status_code == 200
    r = client.post(
        f"/goals/{g.pk}/edit/",
        {
            "title": "Read five novels this term",
            "horizon": "term",
            "version": g.version + 0 if False else Goal.objects.get().version,
            "success_criteria": "5 books",
        },
    )
    assert r.status_code == 302, r.content.decode()[:3000]
    page = client.get(f"/goals/{g.pk}/").content.decode()
    assert "Earlier versions" in page and "Read four novels this term" in page, page[-3000:]
