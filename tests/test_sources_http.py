"""The HTTP stack against servers on 127.0.0.1: retries, Retry-After, timeouts, caps, redirects, safety, cache."""

from __future__ import annotations

import gzip
import socket
import time

import pytest
from werkzeug import Response

from verifier.sources.http import FetchError, HttpClient, HttpConfig, retry_after


def config(**changes) -> HttpConfig:
    base = dict(allow_private=True, default_interval=0.0, retries=2, backoff=0.01, read_timeout=2.0,
                connect_timeout=2.0, max_wait=5.0)
    base.update(changes)
    return HttpConfig(**base)


@pytest.fixture
def sleeps():
    return []


@pytest.fixture
def client(tmp_path, sleeps):
    with HttpClient(config(), tmp_path / "cache", sleep=sleeps.append) as c:
        yield c


def test_429_with_retry_after_then_success(httpserver, client, sleeps):
    httpserver.expect_ordered_request("/work").respond_with_data("slow down", status=429, headers={"Retry-After": "2"})
    httpserver.expect_ordered_request("/work").respond_with_json({"ok": True})
    assert client.get(httpserver.url_for("/work")).json() == {"ok": True}
    assert sleeps == [2.0]


def test_500_then_success_backs_off(httpserver, client, sleeps):
    httpserver.expect_ordered_request("/flaky").respond_with_data("oops", status=500)
    httpserver.expect_ordered_request("/flaky").respond_with_data("oops", status=503)
    httpserver.expect_ordered_request("/flaky").respond_with_data("fine")
    assert client.get(httpserver.url_for("/flaky")).text == "fine"
    assert sleeps == [0.01, 0.02]


def test_persistent_500_is_a_server_error(httpserver, client):
    httpserver.expect_request("/down").respond_with_data("oops", status=500)
    with pytest.raises(FetchError) as failure:
        client.get(httpserver.url_for("/down"))
    assert failure.value.kind == "server_error" and "HTTP 500" in str(failure.value)
    assert len(httpserver.log) == 3


def test_retry_after_too_long_gives_up_at_once(httpserver, client, sleeps):
    httpserver.expect_request("/busy").respond_with_data("", status=503, headers={"Retry-After": "3600"})
    with pytest.raises(FetchError) as failure:
        client.get(httpserver.url_for("/busy"))
    assert failure.value.kind == "rate_limited" and sleeps == []


@pytest.mark.parametrize("status, kind", [(404, "not_found"), (410, "gone"), (403, "forbidden"), (400, "http")])
def test_client_errors_are_not_retried(httpserver, client, status, kind):
    httpserver.expect_request("/missing").respond_with_data("no", status=status)
    with pytest.raises(FetchError) as failure:
        client.get(httpserver.url_for("/missing"))
    assert failure.value.kind == kind and failure.value.permanent
    assert len(httpserver.log) == 1


def test_timeout_is_retried_then_reported(httpserver, tmp_path, sleeps):
    def slow(request):
        time.sleep(0.6)
        return Response("late")

    httpserver.expect_request("/slow").respond_with_handler(slow)
    with HttpClient(config(read_timeout=0.2, retries=1), tmp_path, sleep=sleeps.append) as client:
        with pytest.raises(FetchError) as failure:
            client.get(httpserver.url_for("/slow"))
    assert failure.value.kind == "timeout" and "timed out 2 times" in str(failure.value)


def test_redirect_loop(httpserver, client):
    httpserver.expect_request("/a").respond_with_data("", status=302, headers={"Location": "/b"})
    httpserver.expect_request("/b").respond_with_data("", status=302, headers={"Location": "/a"})
    with pytest.raises(FetchError) as failure:
        client.get(httpserver.url_for("/a"))
    assert failure.value.kind == "redirects"


def test_redirect_to_another_scheme_is_refused(httpserver, client):
    httpserver.expect_request("/jump").respond_with_data("", status=302, headers={"Location": "file:///etc/passwd"})
    with pytest.raises(FetchError) as failure:
        client.get(httpserver.url_for("/jump"))
    assert failure.value.kind == "blocked"


def test_huge_body_is_cut_off(httpserver, tmp_path):
    httpserver.expect_request("/huge").respond_with_data(b"x" * 50_000)
    with HttpClient(config(max_bytes=10_000), tmp_path) as client:
        with pytest.raises(FetchError) as failure:
            client.get(httpserver.url_for("/huge"))
    assert failure.value.kind == "too_large"


def test_compressed_bomb_is_cut_off_after_decompression(httpserver, tmp_path):
    bomb = gzip.compress(b"\0" * 20_000_000)
    assert len(bomb) < 100_000
    httpserver.expect_request("/bomb").respond_with_data(bomb, headers={"Content-Encoding": "gzip"},
                                                         content_type="text/html")
    with HttpClient(config(max_bytes=1_000_000), tmp_path) as client:
        with pytest.raises(FetchError) as failure:
            client.get(httpserver.url_for("/bomb"))
    assert failure.value.kind == "too_large"


def test_gzip_body_is_decoded(httpserver, client):
    httpserver.expect_request("/gz").respond_with_data(gzip.compress(b"45% of adults"), headers={"Content-Encoding": "gzip"})
    assert client.get(httpserver.url_for("/gz")).text == "45% of adults"


def test_broken_gzip_is_bad_content(httpserver, client):
    httpserver.expect_request("/badgz").respond_with_data(b"not gzip at all", headers={"Content-Encoding": "gzip"})
    with pytest.raises(FetchError) as failure:
        client.get(httpserver.url_for("/badgz"))
    assert failure.value.kind == "bad_content"


def test_private_addresses_are_refused_by_default(httpserver, tmp_path):
    httpserver.expect_request("/secret").respond_with_data("internal")
    with HttpClient(HttpConfig(default_interval=0.0, retries=0), tmp_path) as client:
        for url in (httpserver.url_for("/secret"), "http://localhost:1/", "http://[::1]:1/", "http://169.254.169.254/latest"):
            with pytest.raises(FetchError) as failure:
                client.get(url)
            assert failure.value.kind == "blocked", url
    assert len(httpserver.log) == 0


@pytest.mark.parametrize("url", ["http://[::1", "http://example.org:99999/", "ftp://example.org/x", "file:///etc/passwd", "gopher://x/", "javascript:alert(1)", "http:///nohost"])
def test_only_http_and_https(client, url):
    with pytest.raises(FetchError) as failure:
        client.get(url)
    assert failure.value.kind == "blocked"


@pytest.fixture
def no_dns(monkeypatch):
    """Name resolution fails, as it does offline, without sending a query anywhere."""
    def fail(host, *args, **kwargs):
        if host in {"127.0.0.1", "localhost"}:
            return real(host, *args, **kwargs)
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    real = socket.getaddrinfo
    monkeypatch.setattr(socket, "getaddrinfo", fail)


@pytest.mark.parametrize("allow_private", [False, True])   # the address guard resolves first, or urllib3 does
def test_unresolvable_host_is_a_dns_failure(tmp_path, no_dns, allow_private):
    with HttpClient(HttpConfig(default_interval=0.0, retries=2, allow_private=allow_private), tmp_path,
                    sleep=lambda s: None) as client:
        with pytest.raises(FetchError) as failure:
            client.get("http://no-such-host.invalid/paper")
    assert failure.value.kind == "dns" and "no-such-host.invalid" in str(failure.value)
    assert failure.value.permanent


def test_refused_connection(tmp_path, sleeps):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with HttpClient(config(retries=1), tmp_path, sleep=sleeps.append) as client:
        with pytest.raises(FetchError) as failure:
            client.get(f"http://127.0.0.1:{port}/")
    assert failure.value.kind == "refused" and len(sleeps) == 1


def test_cache_serves_repeats_and_ignores_identity_parameters(httpserver, tmp_path):
    httpserver.expect_request("/works/10.5555/x").respond_with_json({"message": {"DOI": "10.5555/x"}})
    with HttpClient(config(), tmp_path) as client:
        first = client.get(httpserver.url_for("/works/10.5555/x"), params={"mailto": "a@example.org"})
        second = client.get(httpserver.url_for("/works/10.5555/x"), params={"mailto": "b@example.org"})
    assert first.json() == second.json()
    assert len(httpserver.log) == 1
    assert (tmp_path / "http.sqlite").exists()
    # The contact is sent to the server but not kept in the cache.
    assert b"a@example.org" not in (tmp_path / "http.sqlite").read_bytes()


def test_errors_are_not_cached(httpserver, client):
    httpserver.expect_ordered_request("/later").respond_with_data("no", status=404)
    httpserver.expect_ordered_request("/later").respond_with_data("yes")
    with pytest.raises(FetchError):
        client.get(httpserver.url_for("/later"))
    assert client.get(httpserver.url_for("/later")).text == "yes"


def test_requests_to_a_host_are_spaced(httpserver, tmp_path):
    httpserver.expect_request("/tick").respond_with_data("ok")
    with HttpClient(config(default_interval=0.15), None) as client:
        started = time.monotonic()
        for n in range(3):
            client.get(httpserver.url_for("/tick"), params={"n": str(n)})
        assert time.monotonic() - started >= 0.3


def test_identity_is_sent(httpserver, tmp_path):
    httpserver.expect_request("/who").respond_with_data("ok")
    with HttpClient(config(email="editor@example.org"), tmp_path) as client:
        client.get(httpserver.url_for("/who"))
    agent = httpserver.log[0][0].headers["User-Agent"]
    assert agent.startswith("verifier/") and "mailto:editor@example.org" in agent


def test_retry_after_parsing():
    assert retry_after("7") == 7.0
    assert retry_after(None) is None and retry_after("soon") is None
    assert retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0


@pytest.mark.parametrize("spoil", [
    lambda path: path.write_bytes(b"half-written, not a database" * 100),
    lambda path: path.mkdir(),   # cannot be opened at all, as in a read-only directory
], ids=["corrupt", "unopenable"])
def test_an_unusable_http_cache_is_noted_once_and_fetching_goes_on(httpserver, tmp_path, spoil):
    spoil(tmp_path / "http.sqlite")
    httpserver.expect_request("/x").respond_with_data("ok")
    with HttpClient(config(), tmp_path) as client:
        assert [client.get(httpserver.url_for("/x")).text for _ in range(2)] == ["ok", "ok"]
    assert "http.sqlite: HTTP cache unusable" in client.cache_problem and "\n" not in client.cache_problem


def test_a_cache_that_fills_up_stops_caching_not_fetching(httpserver, tmp_path, monkeypatch):
    import sqlite3

    from requests_cache.backends.sqlite import SQLiteDict

    def full(*args, **kwargs):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(SQLiteDict, "__setitem__", full)
    httpserver.expect_request("/x").respond_with_data("ok")
    with HttpClient(config(), tmp_path) as client:
        assert client.get(httpserver.url_for("/x")).text == "ok"
    assert "database or disk is full" in client.cache_problem
