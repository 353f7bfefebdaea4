"""OWASP A03, injection: SQL in every search and filter parameter on SQLite and PostgreSQL, unsafe YAML in a
department file, and CR/LF in what ends up in a header. Every query of the platform goes through SQLAlchemy with
bound parameters; these tests prove it where it matters, by the answers: no extra row, no 500."""
from __future__ import annotations

import re
from urllib.parse import urlencode, urlsplit

import pytest

from tests.dashboards.conftest import six  # noqa: F401 - the fixture: six hand-made grievances and their rollup
from tests.dashboards.helpers import JANUARY
from tests.portal.helpers import staff_login

PAYLOADS = ["' OR 1=1 --", "1' OR '1'='1", "x' UNION SELECT username, password FROM ab_user --",
            "1; DROP TABLE grievance; --", "%' OR 'a' LIKE '%", "\\' OR 1=1 #", "REV') OR ('1'='1"]
NUMBER = re.compile(r"KA-\d{4}-\d{8}")


def _numbers(response) -> set[str]:
    return set(NUMBER.findall(response.data.decode("utf-8", "replace")))


def _refused_or_empty(response, what):
    assert response.status_code in (200, 400, 404), (what, response.status_code, response.data[:300])
    assert b"Traceback" not in response.data and b"sqlalchemy" not in response.data.lower(), what


def test_officer_inbox_filters_page_and_api(client, db_session, six):
    """spl_tahsildar handles A and D (Anekal RTC); B, C, E and F are other offices' and must never show."""
    from tests.officers.helpers import api_token

    staff_login(client, "spl_tahsildar", "spl_tahsildar")
    mine = {six["A"].number, six["D"].number}
    baseline = client.get("/officer/inbox?status=all")
    assert _numbers(baseline) >= mine and not _numbers(baseline) - mine  # the test can fail: the numbers are there
    bearer = {"Authorization": f"Bearer {api_token(client, 'spl_tahsildar')}"}
    for name in ("department", "service", "district", "taluk", "channel", "status", "sla", "scope", "sort", "page"):
        for payload in PAYLOADS[:3] + PAYLOADS[-1:]:  # a quote with OR, UNION, and a closing parenthesis
            query = urlencode({"status": "all", name: payload})
            page = client.get(f"/officer/inbox?{query}")
            _refused_or_empty(page, (name, payload))
            assert not _numbers(page) - mine, (name, payload)
            if page.status_code == 200:  # the filter was taken: it matched nothing
                assert not _numbers(page) & mine, (name, payload)
            api = client.get(f"/api/v1/officer/grievances?{query}", headers=bearer)
            _refused_or_empty(api, (name, payload))
            if api.status_code == 200:
                assert api.get_json()["grievances"] == [], (name, payload)
            else:
                assert api.get_json()["message"]


def test_dashboard_and_transparency_filters(client, db_session, six):
    staff_login(client, "monitor", "monitor")
    baseline = client.get("/dashboards/grievances?" + urlencode(JANUARY))
    assert len(_numbers(baseline)) == 6
    for name in ("department", "district", "channel", "type", "measure", "age", "taluk", "post", "level", "from"):
        for payload in PAYLOADS[:3]:
            for url in ("/dashboards/", "/dashboards/grievances", "/transparency"):
                response = client.get(url + "?" + urlencode({**JANUARY, name: payload}))
                _refused_or_empty(response, (url, name, payload))
                if response.status_code == 200 and url == "/dashboards/grievances":
                    assert _numbers(response) == set(), (name, payload)
                if response.status_code == 200 and url == "/dashboards/":
                    assert re.search(r'id="kpi-received">0<', response.data.decode()), (name, payload)


def test_catalogue_search_track_and_open311(app, client, db_session, six):
    from tests.portal.helpers import portal_login

    portal_login(client, app, db_session, "9845300041")
    for payload in PAYLOADS:
        for url in (f"/api/v1/catalog/search?{urlencode({'q': payload})}", f"/file?{urlencode({'q': payload})}",
                    f"/track?{urlencode({'number': payload})}", f"/grievances/{payload.replace('/', '')}"):
            _refused_or_empty(client.get(url), url)
        track = client.get(f"/track?{urlencode({'number': payload})}")
        assert not _numbers(track) & {g.number for g in six.values()}, payload
        window = {"start_date": "2026-01-01T00:00:00+05:30", "end_date": "2026-02-01T00:00:00+05:30"}
        baseline = client.get("/open311/v2/requests.json?" + urlencode(window))
        assert len(baseline.get_json()) == 6
        for name in ("service_code", "status", "service_request_id", "start_date", "jurisdiction_id"):
            response = client.get("/open311/v2/requests.json?" + urlencode({**window, name: payload}))
            _refused_or_empty(response, (name, payload))
            if response.status_code == 200:
                assert response.get_json() == [], (name, payload)
        for url in (f"/open311/v2/requests/{payload.replace('/', '')}.json", f"/open311/v2/services/{payload.replace('/', '')}.json"):
            response = client.get(url)
            assert response.status_code in (400, 404) and response.get_json()[0]["description"], url
    assert client.get("/open311/v2/requests.json?" + urlencode(window)).status_code == 200  # no table was dropped


@pytest.mark.parametrize("app", ["sqlite"], indirect=True)
def test_fab_list_filters_and_login(client, db_session):
    """FAB's list filters and login: bound parameters too (as the administrator, who may list everything)."""
    staff_login(client, "admin", "admin")
    baseline = client.get("/departmentview/list/?_flt_0_code=REV")
    assert baseline.status_code == 200 and b"Revenue" in baseline.data and b"Agriculture" not in baseline.data
    for payload in PAYLOADS:
        response = client.get("/departmentview/list/?" + urlencode({"_flt_0_code": payload}))
        assert response.status_code == 200 and b"Revenue" not in response.data and b"Agriculture" not in response.data, payload
    client.get("/logout/")
    for payload in PAYLOADS:
        login = client.post("/api/v1/security/login", json={"username": payload, "password": payload})
        assert login.status_code == 401 and login.get_json()["message"], payload
        login = client.post("/api/v1/security/login", json={"username": "admin", "password": payload})
        assert login.status_code == 401, payload


# --- YAML -----------------------------------------------------------------------------------------------------

UNSAFE_YAML = {
    "python object": "code: !!python/object/apply:os.system ['touch {marker}']\n",
    "python name": "code: !!python/name:os.system\n",
    "python object new": "code: !!python/object/new:subprocess.Popen [['touch', '{marker}']]\n",
    "billion laughs": "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                      "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
                      "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
                      "g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]\nh: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]\ncode: *h\n",
}


@pytest.mark.parametrize("case", sorted(UNSAFE_YAML))
def test_a_department_file_with_python_tags_or_an_alias_bomb_is_refused_not_executed(tmp_path, case):
    import time

    import rules
    from tests.factories import department, write_config

    marker = tmp_path / "executed"
    config_dir = write_config(tmp_path / "config", {"tst.yaml": department(), "fish.yaml": UNSAFE_YAML[case].format(marker=marker)})
    started = time.monotonic()
    with pytest.raises(rules.ConfigInvalid) as refused:
        rules.load_directory(config_dir)
    assert time.monotonic() - started < 10
    assert not marker.exists()
    assert any(e.file.endswith("fish.yaml") and e.line >= 1 for e in refused.value.errors)


def test_the_yaml_loader_is_pyyamls_safe_loader():
    import inspect

    import yaml

    from rules import yamlfile

    assert yamlfile._Loader in (yaml.SafeLoader, getattr(yaml, "CSafeLoader", None))
    source = inspect.getsource(yamlfile)
    assert not re.search(r"FullLoader|UnsafeLoader|unsafe_load|yaml\.load\(|Loader=yaml\.Loader", source)


# --- CR/LF into headers ----------------------------------------------------------------------------------------

CRLF = ["/x\r\nSet-Cookie: evil=1", "/x%0d%0aSet-Cookie:%20evil=1", "/\r\nLocation: https://evil.example"]


@pytest.mark.parametrize("app", ["sqlite"], indirect=True)
def test_crlf_in_a_redirect_target_never_splits_a_header(app, client, db_session):
    from tests.portal.helpers import csrf_from, portal_login

    responses = []
    for i, target in enumerate(CRLF):
        responses.append(client.get("/citizen/login?" + urlencode({"next": target})))
        responses.append(client.get("/login/?" + urlencode({"next": target})))
        responses.append(client.get("/lang/kn?" + urlencode({"next": target})))
        responses.append(portal_login(app.test_client(), app, db_session, f"984530004{i}", next_url=target))
    staff_login(client, "tahsildar", "tahsildar")
    token = csrf_from(client.get("/officer/inbox").data)
    for target in CRLF:
        responses.append(client.post("/officer/inbox/accept", data={"back": "/officer/inbox" + target, "csrf_token": token}))
    for response in responses:
        assert response.status_code < 500
        assert "evil" not in response.headers.get("Set-Cookie", "")
        assert all("\r" not in v and "\n" not in v for _, v in response.headers.items())
        assert urlsplit(response.headers.get("Location", "")).netloc in ("", "localhost")
