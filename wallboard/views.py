"""Views for boards and the supervisor pages: thin edges over selectors."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from oauth.permissions import current_org
from wxcc.selectors import data_freshness


@login_required
def home(request: HttpRequest) -> HttpResponse:
    org = current_org(request)
    freshness = (
        data_freshness(org, timezone.now(), stale_after_s=3 * settings.WXCC_POLL_INTERVAL_S)
        if org is not None
        else None
    )
    return render(request, "wallboard/home.html", {"org": org, "freshness": freshness})
