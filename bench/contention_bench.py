"""Contention benchmark: list traffic and edits while a census import is confirmed.

``make bench BENCH=contention`` (``BENCH_SCALE`` shrinks it; with ``DATABASE_URL`` it runs on that
PostgreSQL database, which it empties first: never point it at real data).

1. A county whose township 罗雄街道 holds ``100,000 × BENCH_SCALE`` organizations (imported through
   the census pipeline), and a census file of ``50,000 × BENCH_SCALE`` rows for it: half change the
   figures of registered organizations, half are new. The file is previewed (not measured).
2. The development server (``manage.py runserver``, threaded) serves 16 reader connections
   (organization list pages of the township, a random page or a search each time) and 4 clerks
   editing organizations of the township that the file does not name (edit form, then save).
3. After a quiet phase, the preview is confirmed in a separate process, as the import worker does.
   A prober measures how long the import held the write lock: on SQLite the longest time in
   which no write transaction could start (``BEGIN IMMEDIATE`` tried every few milliseconds), on
   PostgreSQL the import connection's longest transaction (``pg_stat_activity``).
4. Printed: requests, errors (any answer but the expected one: goal 0), the 503 "正在导入" pages
   among them, and p50 / p99 latency of the reads and of the edits, before and during the import;
   the import's total time and its lock hold time.
"""

from __future__ import annotations

import csv
import html.parser
import http.client
import io
import json
import os
import random
import shutil
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.codes import uscc
from bench.import_bench import HEADER

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "var" / "bench"
SCALE = float(os.environ.get("BENCH_SCALE", "1.0"))
TOWNSHIP_ORGS = max(2000, int(100_000 * SCALE))
FILE_ROWS = max(1000, int(50_000 * SCALE))
READERS = 16
EDITORS = 4
QUIET_SECONDS = float(os.environ.get("BENCH_CONTENTION_QUIET", "10"))
THINK_SECONDS = 0.05  # between two requests of one connection
TOWNSHIP = ("530324001", "罗雄街道")
PASSWORD = "Bench#Contention2026"  # noqa: S105 - the generated clerks' password
IMPORT_APP_NAME = "liangxin-bench-import"

# Distinct, believable names: a brand of two or three characters, a trade and a legal form.
_BRAND = (
    "鑫源达盛兴隆祥瑞福泰和安康宏伟华丰金银凯恒嘉佳新聚乐美顺旺鼎诚信德昌荣圣天地海山川林森江河湖云峰岭"
    "石磊鸿运开元亨通利众合益民惠邦腾飞龙凤麒麟博雅文华明亮光辉永久长青春秋冬夏东南西北中正平远宁静"
)
_TRADES = ("商贸", "建材", "餐饮", "农机", "茶叶", "物流", "旅游", "电子", "种植", "养殖", "科技", "五金", "服装")
_FORMS = (
    ("有限责任公司", "有限责任公司", "9"),
    ("有限公司", "有限责任公司", "9"),
    ("店", "个体工商户", ""),
    ("农民专业合作社", "农民专业合作社", "9"),
)


def _name(rng: random.Random, i: int) -> tuple[str, str, str]:
    brand = "".join(rng.choice(_BRAND) for _ in range(rng.choice((2, 3, 3))))
    suffix, org_type, authority = _FORMS[i % len(_FORMS)]
    return f"罗平{brand}{_TRADES[i % len(_TRADES)]}{suffix}", org_type, authority


def _row(i: int, employees: int) -> list[str]:
    rng = random.Random(i)
    name, org_type, authority = _name(rng, i)
    return [
        uscc(i, authority, "530324") if authority else "",
        f"{name}{i}" if not authority else name,  # individual businesses without a code: unique names
        "新经济组织",
        org_type,
        TOWNSHIP[1],
        "",
        "",
        rng.choice(["C13", "F51", "H62", "A05", ""]),
        "否",
        "正常经营",
        str(employees),
        str(rng.choice([0, 0, 1, 2, 3])),
        "0",
        "否",
        rng.choice(["支持", "一般", ""]),
        "是",
        "否",
        "",
        "",
        f"罗雄街道{i}号",
        "张三",
        "13900000000",
        "",
    ]


def _csv(rows: Any) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def register_file() -> bytes:
    """The township's register: organizations 0 … TOWNSHIP_ORGS-1."""
    return _csv(_row(i, 5 + i % 40) for i in range(TOWNSHIP_ORGS))


def census_file() -> bytes:
    """The census: the first half of the file changes the figures of organizations 0 …, the second
    half is new organizations (numbered after the register's)."""
    changed = FILE_ROWS // 2
    rows = [_row(i, 6 + i % 40) for i in range(changed)]
    rows += [_row(TOWNSHIP_ORGS + i, 3) for i in range(FILE_ROWS - changed)]
    return _csv(rows)


# --- The database (runs in child processes: python -m bench.contention_bench setup|confirm) ------


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("DATABASE_URL", f"sqlite:///{CACHE / 'contention.sqlite3'}")
    env["LIANGXIN_DEBUG"] = "1"  # plain HTTP: the session cookie is not Secure
    env["LIANGXIN_DEMO"] = "0"
    env["DJANGO_SETTINGS_MODULE"] = "liangxin.settings"
    env["LIANGXIN_VAR_DIR"] = str(CACHE / "var_contention")
    return env


def _django() -> None:
    os.environ.update(_env())
    import django

    django.setup()


def setup() -> dict[str, Any]:
    """A fresh database: the county, the township's register, the clerks, the previewed file."""
    url = _env()["DATABASE_URL"]
    if url.startswith("sqlite"):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{CACHE / 'contention.sqlite3'}{suffix}").unlink(missing_ok=True)
    shutil.rmtree(_env()["LIANGXIN_VAR_DIR"], ignore_errors=True)  # the audit anchor of the last run
    _django()
    from django.core.management import call_command
    from django.utils import timezone

    if not url.startswith("sqlite"):
        call_command("flush", "--no-input", verbosity=0)
    call_command("migrate", verbosity=0)
    from liangxin.accounts.models import User
    from liangxin.accounts.roles import Role
    from liangxin.census import services
    from liangxin.geo.loaders import load_departments, load_divisions
    from liangxin.geo.models import AdministrativeUnit
    from liangxin.geo.services import setup_county
    from liangxin.registry.models import Organization

    divisions, _ = load_divisions(ROOT / "data" / "demo" / "luoping_divisions.csv")
    departments, _ = load_departments(ROOT / "data" / "demo" / "departments.csv")
    setup_county(by=None, divisions=divisions, departments=departments)
    township = AdministrativeUnit.objects.get(code=TOWNSHIP[0])
    started = time.perf_counter()
    services.import_file(by=None, unit=township, data=register_file(), file_name="register.csv", mode="accept_valid")
    register_seconds = time.perf_counter() - started
    clerks = []
    for n in range(READERS + EDITORS):
        user = User(username=f"clerk{n}", role=Role.TOWNSHIP_CLERK, township=township)
        user.set_password(PASSWORD)
        user.save()
        # Set by the bench, not by an administrator: no change of password required at login.
        User.objects.filter(pk=user.pk).update(must_change_password=False, password_changed_at=timezone.now())
        clerks.append(user.username)
    data = census_file()
    started = time.perf_counter()
    preview = services.preview_import(by=None, unit=township, data=data, file_name="census.csv")
    preview_seconds = time.perf_counter() - started
    # Organizations are numbered in the order they were imported; the file names the first ones.
    editable = list(
        Organization.objects.filter(township=township)
        .order_by("pk")
        .values_list("pk", flat=True)[FILE_ROWS : FILE_ROWS + 2000]
    )
    return {
        "batch": preview.batch.pk,
        "counts": preview.counts(),
        "errors": preview.error_count,
        "register_seconds": register_seconds,
        "preview_seconds": preview_seconds,
        "township": township.pk,
        "clerks": clerks,
        "editable": editable,
    }


def confirm(batch_id: int) -> dict[str, Any]:
    """Confirm the preview as the import worker would (``services.confirm_import``)."""
    _django()
    from liangxin.census import services
    from liangxin.census.models import ImportBatch

    batch = ImportBatch.objects.get(pk=batch_id)
    started = time.perf_counter()
    outcome = services.confirm_import(by=None, batch=batch, mode="accept_valid")
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "status": outcome.batch.status,
        "counts": outcome.counts(),
        # The write transaction's own account of its length, where the code keeps one.
        "write_seconds": getattr(outcome, "write_seconds", None),
    }


def _child(*args: str, extra_env: dict[str, str] | None = None) -> dict[str, Any]:
    proc = subprocess.run(  # noqa: S603 - our own module, fixed arguments
        [sys.executable, "-m", "bench.contention_bench", *args],
        cwd=ROOT,
        env={**_env(), **(extra_env or {})},
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(f"contention benchmark step {args[0]} failed:\n{proc.stderr[-4000:]}")
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


# --- HTTP clients --------------------------------------------------------------------------------


class _Form(html.parser.HTMLParser):
    """The fields of the first form with a ``version`` field (the organization edit form)."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "button"):
            if a.get("type") in ("checkbox", "radio"):
                if "checked" in a:
                    self.fields[name] = a.get("value", "on")
            else:
                self.fields[name] = a.get("value", "")
        elif tag == "select" and name:
            self._select = name
            self.fields.setdefault(name, "")
        elif tag == "option" and self._select and "selected" in a:
            self.fields[self._select] = a.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.fields[name] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.fields[self._textarea] += data


@dataclass
class Sample:
    kind: str  # read | edit | login
    started: float
    seconds: float
    status: int
    ok: bool


@dataclass
class Client:
    port: int
    username: str
    cookies: dict[str, str] = field(default_factory=dict)

    def request(self, method: str, path: str, body: dict[str, str] | None = None) -> tuple[int, str, str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        payload = None
        if body is not None:
            payload = urllib.parse.urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://127.0.0.1:{self.port}{path}"
            headers["X-CSRFToken"] = self.cookies.get("csrftoken", "")
        try:
            conn.request(method, path, body=payload, headers=headers)
            response = conn.getresponse()
            text = response.read().decode("utf-8", "replace")
            for header, value in response.getheaders():
                if header.lower() == "set-cookie":
                    name, _, rest = value.partition("=")
                    self.cookies[name.strip()] = rest.split(";", 1)[0]
            return response.status, response.getheader("Location") or "", text
        finally:
            conn.close()

    def login(self) -> None:
        self.request("GET", "/accounts/login/")
        status, _location, _text = self.request(
            "POST", "/accounts/login/", {"username": self.username, "password": PASSWORD}
        )
        if status != 302:
            raise SystemExit(f"login of {self.username} failed: {status}")


def _timed(samples: list[Sample], kind: str, call: Any, expect: Any) -> tuple[int, str, str] | None:
    started = time.perf_counter()
    try:
        status, location, text = call()
    except (OSError, http.client.HTTPException):
        samples.append(Sample(kind, started, time.perf_counter() - started, 0, False))
        return None
    samples.append(Sample(kind, started, time.perf_counter() - started, status, expect(status, location, text)))
    return status, location, text


def _reader(client: Client, township: int, stop: threading.Event, samples: list[Sample], seed: int) -> None:
    rng = random.Random(seed)
    pages = max(1, TOWNSHIP_ORGS // 50)
    while not stop.is_set():
        if rng.random() < 0.2:
            query = urllib.parse.urlencode({"q": rng.choice(_BRAND) + rng.choice(_TRADES)})
        else:
            query = urllib.parse.urlencode({"township": township, "page": rng.randint(1, min(pages, 200))})
        _timed(
            samples,
            "read",
            lambda q=query: client.request("GET", f"/registry/organizations/?{q}"),
            lambda status, _loc, text: status == 200 and "<table" in text,
        )
        time.sleep(THINK_SECONDS)


def _editor(client: Client, editable: list[int], stop: threading.Event, samples: list[Sample], seed: int) -> None:
    rng = random.Random(seed)
    while not stop.is_set():
        pk = rng.choice(editable)
        got = _timed(
            samples,
            "edit",
            lambda pk=pk: client.request("GET", f"/registry/organizations/{pk}/edit/"),
            lambda status, _loc, _text: status == 200,
        )
        if got is None or got[0] != 200:
            time.sleep(THINK_SECONDS)
            continue
        form = _Form()
        form.feed(got[2])
        fields = form.fields
        fields["contact_phone"] = f"139{rng.randrange(10**8):08d}"
        _timed(
            samples,
            "edit",
            lambda pk=pk, fields=fields: client.request("POST", f"/registry/organizations/{pk}/edit/", fields),
            lambda status, location, _text: status == 302 and "/edit/" not in location,
        )
        time.sleep(THINK_SECONDS)


# --- Lock probers -------------------------------------------------------------------------------


class SqliteProber(threading.Thread):
    """The longest stretch in which no write transaction could start."""

    def __init__(self, path: str) -> None:
        super().__init__(daemon=True)
        self.path = path
        self.stop = threading.Event()
        self.longest = 0.0

    def run(self) -> None:
        conn = sqlite3.connect(self.path, timeout=0, isolation_level=None)
        blocked_since: float | None = None
        while not self.stop.is_set():
            now = time.perf_counter()
            try:
                conn.execute("BEGIN IMMEDIATE")
                conn.execute("ROLLBACK")
            except sqlite3.OperationalError:
                if blocked_since is None:
                    blocked_since = now
            else:
                if blocked_since is not None:
                    self.longest = max(self.longest, now - blocked_since)
                    blocked_since = None
            time.sleep(0.005)
        conn.close()


class PostgresProber(threading.Thread):
    """The import connection's longest transaction (``pg_stat_activity``)."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url = url
        self.stop = threading.Event()
        self.longest = 0.0

    def run(self) -> None:
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            while not self.stop.is_set():
                row = conn.execute(
                    "SELECT EXTRACT(EPOCH FROM max(clock_timestamp() - xact_start)) FROM pg_stat_activity "
                    "WHERE application_name = %s AND xact_start IS NOT NULL",
                    [IMPORT_APP_NAME],
                ).fetchone()
                if row and row[0] is not None:
                    self.longest = max(self.longest, float(row[0]))
                time.sleep(0.01)


# --- Running ------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(port: int) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(  # noqa: S603 - our own manage.py
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload", "--skip-checks"],
        cwd=ROOT,
        env=_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return server
        except OSError:
            time.sleep(0.3)
    server.kill()
    raise SystemExit("the development server did not start")


def _percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def _report(label: str, samples: list[Sample]) -> None:
    for kind in ("read", "edit"):
        mine = [s for s in samples if s.kind == kind]
        errors = [s for s in mine if not s.ok]
        busy = sum(1 for s in errors if s.status == 503)
        seconds = [s.seconds for s in mine]
        print(
            f"{label:<16}{kind:<6}{len(mine):>8}{len(errors):>8}{busy:>6}"
            f"{_percentile(seconds, 50) * 1000:>10.0f}{_percentile(seconds, 99) * 1000:>10.0f}"
            f"{max(seconds, default=0) * 1000:>10.0f}"
        )


def main() -> int:
    CACHE.mkdir(parents=True, exist_ok=True)
    env = _env()
    url = env["DATABASE_URL"]
    engine = "SQLite" if url.startswith("sqlite") else "PostgreSQL"
    print(
        f"== contention benchmark on {engine} (BENCH_SCALE={SCALE}: township of {TOWNSHIP_ORGS:,} organizations, "
        f"{FILE_ROWS:,}-row import, {READERS} readers, {EDITORS} editors) =="
    )
    started = time.perf_counter()
    prepared = _child("setup")
    print(
        f"setup in {time.perf_counter() - started:.0f} s (register imported in {prepared['register_seconds']:.1f} s; "
        f"preview of the file {prepared['preview_seconds']:.1f} s: {prepared['counts']})"
    )
    port = _free_port()
    server = _serve(port)
    stop = threading.Event()
    samples: list[list[Sample]] = []
    threads = []
    try:
        clients = [Client(port, username) for username in prepared["clerks"]]
        for client in clients:
            client.login()
        for n, client in enumerate(clients):
            mine: list[Sample] = []
            samples.append(mine)
            if n < READERS:
                target: Any = _reader
                args: tuple[Any, ...] = (client, prepared["township"], stop, mine, n)
            else:
                target, args = _editor, (client, prepared["editable"], stop, mine, n)
            threads.append(threading.Thread(target=target, args=args, daemon=True))
        for thread in threads:
            thread.start()
        time.sleep(QUIET_SECONDS)
        prober: SqliteProber | PostgresProber = (
            SqliteProber(url.removeprefix("sqlite:///")) if engine == "SQLite" else PostgresProber(url)
        )
        prober.start()
        import_started = time.perf_counter()
        confirmed = _child("confirm", str(prepared["batch"]), extra_env={"PGAPPNAME": IMPORT_APP_NAME})
        import_ended = time.perf_counter()
        time.sleep(2)
        prober.stop.set()
        prober.join()
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=150)
        server.terminate()
        server.wait(timeout=30)
    everything = [s for mine in samples for s in mine]
    before = [s for s in everything if s.started < import_started]
    during = [s for s in everything if import_started <= s.started < import_ended]
    print(f"{'phase':<16}{'kind':<6}{'requests':>8}{'errors':>8}{'503':>6}{'p50 ms':>10}{'p99 ms':>10}{'max ms':>10}")
    _report(f"quiet {QUIET_SECONDS:.0f} s", before)
    _report(f"import {import_ended - import_started:.0f} s", during)
    write = confirmed.get("write_seconds")
    print(
        f"import: {confirmed['status']} {confirmed['counts']} in {confirmed['seconds']:.1f} s; write lock held "
        f"{prober.longest:.2f} s at most (prober)"
        + (f", write transaction {write:.2f} s (import's own account)" if write is not None else "")
    )
    errors = sum(1 for s in everything if not s.ok)
    print(f"errors: {errors} (goal 0)")
    return 0


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "setup":
        print(json.dumps(setup()))
    elif len(sys.argv) == 3 and sys.argv[1] == "confirm":
        print(json.dumps(confirm(int(sys.argv[2]))))
    else:
        sys.exit(main())
