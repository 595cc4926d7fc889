"""Production processes for the deployment tests: gunicorn with ``deploy/gunicorn.conf.py`` and
import workers, each a real process with production settings (``LIANGXIN_DEBUG=0``, generated
keys) on the test database, and a small HTTP client that behaves as a browser behind nginx."""

from __future__ import annotations

import base64
import contextlib
import http.client
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.db import connection
from urllib3 import encode_multipart_formdata

ROOT = Path(settings.BASE_DIR)
PYTHON = Path(sys.executable)
GUNICORN = PYTHON.parent / "gunicorn"
HOST = "dj.test"


def production_keys() -> dict[str, str]:
    """Fresh keys, as deploy/new-env.sh makes them."""
    key32 = lambda: base64.b64encode(os.urandom(32)).decode()  # noqa: E731
    return {
        "LIANGXIN_SECRET_KEY": base64.urlsafe_b64encode(os.urandom(48)).decode(),
        "LIANGXIN_FIELD_KEY": key32(),
        "LIANGXIN_BACKUP_KEY": key32(),
        "LIANGXIN_AUDIT_KEY": key32(),
    }


def use_keys_here(django_settings: Any, keys: dict[str, str]) -> None:
    """The test process writes with the keys the servers use (the audit chain, ID numbers)."""
    django_settings.FIELD_ENCRYPTION_KEY = keys["LIANGXIN_FIELD_KEY"]
    django_settings.AUDIT_KEY = keys["LIANGXIN_AUDIT_KEY"]
    django_settings.BACKUP_KEY = keys["LIANGXIN_BACKUP_KEY"]


def set_production_password(user: Any, password: str) -> None:
    """The tests hash with MD5 for speed, which production settings do not accept."""
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    hasher = PBKDF2PasswordHasher()
    user.password = hasher.encode(password, hasher.salt(), iterations=1000)
    user.save(update_fields=["password"])


def database_url() -> str:
    """The test database (committed data: the tests using it are transactional)."""
    db = connection.settings_dict
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


def production_env(keys: dict[str, str], var_dir: Path, **extra: str) -> dict[str, str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "DATABASE_URL": database_url(),
        "LIANGXIN_DEBUG": "0",
        "LIANGXIN_DEMO": "0",
        "LIANGXIN_ALLOWED_HOSTS": f"{HOST},127.0.0.1",
        "LIANGXIN_TRUSTED_PROXIES": "127.0.0.1",
        "LIANGXIN_VAR_DIR": str(var_dir),
        "LIANGXIN_DB_CONN_MAX_AGE": "0",
        "LIANGXIN_HEALTH_MIN_FREE_MB": "0",
        "LIANGXIN_WORKER_HEARTBEAT_SECONDS": "0.5",
        **keys,
        **extra,
    }
    return env


def manage(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(  # noqa: S603
        [str(PYTHON), str(ROOT / "manage.py"), *args], env=env, cwd=ROOT, capture_output=True, text=True, check=False
    )
    if check and done.returncode != 0:
        raise AssertionError(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(what: str, predicate: Callable[[], Any], *, limit: float = 30.0, every: float = 0.1) -> Any:
    """Poll ``predicate`` until it returns something true; fail after ``limit`` seconds (a bound
    on a broken run, not a timing the test asserts)."""
    deadline = time.monotonic() + limit
    while True:
        found = predicate()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(every)


@dataclass
class Process:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()


@contextlib.contextmanager
def processes() -> Iterator[list[Process]]:
    """Every process started in the block is stopped at its end, even when the test fails."""
    started: list[Process] = []
    try:
        yield started
    finally:
        for process in reversed(started):
            process.stop()


def start(started: list[Process], name: str, args: list[str], env: dict[str, str], log_dir: Path) -> Process:
    log = log_dir / f"{name}.log"
    handle = open(log, "wb")  # noqa: SIM115 (the process writes it until stopped)
    popen = subprocess.Popen(args, env=env, cwd=ROOT, stdout=handle, stderr=subprocess.STDOUT)  # noqa: S603
    handle.close()
    process = Process(name=name, popen=popen, log=log)
    started.append(process)
    return process


def collect_static(into: Path) -> None:
    """collectstatic as production runs it (hashed names, gzip copies) into ``into``."""
    env = production_env(production_keys(), into.parent, DATABASE_URL=f"sqlite:///{into.parent / 'unused.sqlite3'}")
    manage({**env, "LIANGXIN_VAR_DIR": str(into.parent)}, "collectstatic", "--no-input", "-v0")
    assert (into / "staticfiles.json").exists()


def link_static(var_dir: Path, collected: Path) -> None:
    var_dir.mkdir(parents=True, exist_ok=True)
    (var_dir / "staticfiles").symlink_to(collected)


def start_gunicorn(
    started: list[Process], name: str, env: dict[str, str], log_dir: Path, *, wait: bool = True
) -> tuple[Process, int]:
    port = free_port()
    env = {**env, "LIANGXIN_BIND": f"127.0.0.1:{port}", "LIANGXIN_WEB_WORKERS": "1"}
    env.setdefault("LIANGXIN_ACCESS_LOG", str(log_dir / f"{name}-access.log"))
    args = [str(GUNICORN), "--config", str(ROOT / "deploy" / "gunicorn.conf.py"), "liangxin.wsgi:application"]
    process = start(started, name, args, env, log_dir)
    if wait:
        wait_listening(process, port)
    return process, port


def wait_listening(process: Process, port: int) -> None:
    name = process.name

    def answers() -> bool:
        assert process.popen.poll() is None, f"{name} exited:\n{process.output()}"
        with contextlib.suppress(OSError):
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        return False

    wait_for(f"{name} to listen", answers, limit=60)


def start_worker(started: list[Process], name: str, env: dict[str, str], log_dir: Path) -> Process:
    return start(started, name, [str(PYTHON), "manage.py", "run_import_worker", "--sleep", "0.2"], env, log_dir)


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        import json

        return json.loads(self.body)


@dataclass
class Browser:
    """A browser reaching gunicorn through nginx: HTTPS as nginx forwards it (X-Forwarded-Proto),
    the visitor's address in X-Forwarded-For, cookies kept (Secure ones too: the TLS is nginx's)."""

    port: int
    visitor: str = "198.51.100.20"
    cookies: dict[str, str] = field(default_factory=dict)

    def request(self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None) -> Response:
        connection_ = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        sent = {
            "Host": HOST,
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": self.visitor,
            "Origin": f"https://{HOST}",
            "Referer": f"https://{HOST}/",
            **({"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}),
            **(headers or {}),
        }
        try:
            connection_.request(method, path, body=body, headers=sent)
            answer = connection_.getresponse()
            data = answer.read()
            for value in answer.headers.get_all("Set-Cookie") or []:
                jar: SimpleCookie = SimpleCookie()
                jar.load(value)
                for name, morsel in jar.items():
                    if morsel.value and morsel["max-age"] != "0":
                        self.cookies[name] = morsel.value
                    else:
                        self.cookies.pop(name, None)
            return Response(answer.status, {k.lower(): v for k, v in answer.getheaders()}, data)
        finally:
            connection_.close()

    def get(self, path: str, headers: dict[str, str] | None = None) -> Response:
        return self.request("GET", path, headers=headers)

    def form_token(self, page: Response) -> str:
        found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        assert found, page.text[:500]
        return found.group(1)

    def submit(
        self,
        path: str,
        fields: dict[str, Any],
        files: dict[str, tuple[str, bytes]] | None = None,
        *,
        form_page: str | None = None,
    ) -> Response:
        """GET the page with the form (``path`` unless named), then POST the form with the page's
        CSRF token."""
        page = self.get(form_page or path)
        assert page.status == 200, (path, page.status, page.text[:500])
        token = self.form_token(page)
        fields = {**fields, "csrfmiddlewaretoken": token}
        if files:
            body, content_type = encode_multipart_formdata({**fields, **files})
        else:
            body, content_type = urlencode(fields).encode(), "application/x-www-form-urlencoded"
        return self.request("POST", path, body, {"Content-Type": content_type})
