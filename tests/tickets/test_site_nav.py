"""The site's menu (templates/base.html) on every page: drawn once per language, set of permissions and current
section, then served from the process's fragment cache (``CACHES["fragments"]``) instead of being drawn again with
its twenty links on every page. What a user sees of it is unchanged: their role's links only, in their language,
the current section marked, a permission given or taken away counting on the next page."""

import re

import pytest
from django.contrib.auth.models import Permission
from django.template import defaulttags
from django.test import Client

pytestmark = pytest.mark.django_db


def nav(client: Client, url: str = "/queue/") -> tuple[list[str], list[str]]:
    """The menu's link labels, and those marked as the current section."""
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    html = re.search(r'<nav class="site-nav"[^>]*>(.*?)</nav>', response.content.decode(), re.S).group(1)
    links = re.findall(r"<a [^>]*>([^<]*)</a>", html)
    active = re.findall(r'<a [^>]*class="active"[^>]*>([^<]*)</a>', html)
    return links, active


def test_the_menu_is_drawn_once_then_served_from_the_fragment_cache(people, monkeypatch):
    drawn = []
    original = defaulttags.URLNode.render
    monkeypatch.setattr(defaulttags.URLNode, "render",
                        lambda self, context: drawn.append(self.view_name.token) or original(self, context))
    client = Client()
    client.force_login(people.supervisor)
    nav(client)
    assert "'kpi:ledger'" in drawn
    drawn.clear()
    links, _ = nav(client)
    assert "考核台账" in links and "排班表" in links
    assert "'kpi:ledger'" not in drawn and "'shifts:roster'" not in drawn, drawn


def test_each_role_language_and_section_gets_its_own_menu(people):
    supervisor, agent = Client(), Client()
    supervisor.force_login(people.supervisor)
    agent.force_login(people.agent)
    boss_links, _ = nav(supervisor)
    agent_links, active = nav(agent)
    assert "来电工作台" in agent_links and "来电工作台" in boss_links
    assert "监控大屏" in boss_links and "监控大屏" not in agent_links  # the wallboard: management only
    assert "审计日志" in boss_links and "审计日志" not in agent_links
    assert active == ["我的工单"]
    assert nav(agent, "/callbacks/")[1] == ["回访"]
    assert nav(agent, "/")[1] == ["首页"]

    agent.post("/i18n/setlang/", {"language": "en", "next": "/queue/"})
    links, active = nav(agent)
    assert "Call console" in links and active == ["My orders"]
    chinese = Client()
    chinese.force_login(people.agent2)
    assert "来电工作台" in nav(chinese)[0]  # English use leaves the Chinese menu Chinese


def test_a_permission_given_or_taken_shows_in_the_menu_on_the_next_page(people):
    client = Client()
    client.force_login(people.agent)
    assert "监控大屏" not in nav(client)[0]
    wallboard = Permission.objects.get(codename="view_wallboard")
    people.agent.user_permissions.add(wallboard)
    assert "监控大屏" in nav(client)[0]
    people.agent.user_permissions.remove(wallboard)
    assert "监控大屏" not in nav(client)[0]


def test_without_a_fragment_cache_the_menu_is_drawn_every_time(people, settings):
    settings.CACHES = {"default": settings.CACHES["default"]}  # a settings file that leaves it out
    client = Client()
    client.force_login(people.agent)
    for _ in range(2):
        links, active = nav(client)
        assert "来电工作台" in links and active == ["我的工单"]


def test_a_page_drawn_without_a_request_or_signed_out_has_an_empty_menu(client):
    from django.template.loader import render_to_string

    html = render_to_string("base.html", {})  # an error page drawn with a bare context
    menu = html.split('<nav class="site-nav"')[1].split("</nav>")[0]
    assert "<a href" not in menu
    login = client.get("/accounts/login/")
    assert login.status_code == 200 and '<nav class="site-nav"' in login.content.decode()
