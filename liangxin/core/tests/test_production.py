"""The production recipe, run: gunicorn with deploy/gunicorn.conf.py and production settings
(``LIANGXIN_DEBUG=0``, generated keys) on PostgreSQL, reached as nginx reaches it. /healthz is 200,
the login page comes with its static files, the county administrator made by the bootstrap command
logs in with two-factor enrolment, the access log carries the request id, and the nightly backup
copies the backup off the machine and verifies the audit chain, and the restore drill of
deploy/README.md brings that copy back into a database of its own. ``check --deploy`` is clean."""

from __future__ import annotations

import base64
import re
import subprocess

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django_otp.oath import totp

from liangxin.audit.models import AuditAction, AuditRecord
from liangxin.testing import servers

ON_SQLITE = connection.vendor == "sqlite"
PASSWORD = "Xian#Luoping2026"


def test_check_deploy_is_clean_under_production_settings(tmp_path):
    keys = servers.production_keys()
    env = servers.production_env(keys, tmp_path, DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    done = servers.manage(env, "check", "--deploy", "--fail-level", "DEBUG")
    assert "System check identified no issues (1 silenced)." in done.stdout, done.stdout + done.stderr
    # Without the redirect Django would warn (W008): the check is not silenced wholesale.
    loud = servers.manage({**env, "LIANGXIN_SSL_REDIRECT": "0"}, "check", "--deploy", check=False)
    assert loud.returncode != 0 or "security.W008" in loud.stderr + loud.stdout


@pytest.mark.skipif(ON_SQLITE, reason="the production recipe runs on PostgreSQL (the test database is in memory)")
@pytest.mark.django_db(transaction=True)
def test_gunicorn_with_production_settings_serves_a_first_login(tmp_path, settings, collected_static):
    keys = servers.production_keys()
    servers.use_keys_here(settings, keys)
    var = tmp_path / "var"
    env = servers.production_env(keys, var)
    servers.link_static(var, collected_static)
    servers.manage(env, "create_county_admin", "--username", "admin", "--password", PASSWORD)

    with servers.processes() as started:
        _web, port = servers.start_gunicorn(started, "web", env, tmp_path)
        servers.start_worker(started, "worker", env, tmp_path)
        browser = servers.Browser(port)

        health = servers.wait_for("/healthz to be ok", lambda: (r := browser.get("/healthz")).status == 200 and r)
        assert health.json()["status"] == "ok" and set(health.json()["checks"]) == {
            "database",
            "migrations",
            "import_worker",
            "disk",
        }

        page = browser.get("/accounts/login/")
        assert page.status == 200 and 'name="username"' in page.text
        assert "demo" not in page.text.lower() or "Liangxin#2026" not in page.text  # no demo accounts
        assets = re.findall(r'(?:href|src)="(/static/[^"]+\.(?:css|js))"', page.text)
        assert assets and all(re.search(r"\.[0-9a-f]{12}\.(css|js)$", a) for a in assets), assets  # hashed names
        for asset in assets:
            served = browser.get(asset, headers={"Accept-Encoding": "gzip"})
            assert served.status == 200 and served.body, asset
            assert "max-age=315360000" in served.headers["cache-control"], served.headers

        # The password, then the two-factor enrolment the county administrator's role requires.
        answer = browser.submit("/accounts/login/", {"username": "admin", "password": PASSWORD})
        assert answer.status == 302 and answer.headers["location"].startswith("/security/2fa/setup/"), answer.headers
        request_id = answer.headers["x-request-id"]
        setup = browser.get("/security/2fa/setup/")
        secret = re.search(r"<code>([A-Z2-7]+)</code>", setup.text).group(1)
        code = f"{totp(base64.b32decode(secret + '=' * (-len(secret) % 8))):06d}"
        answer = browser.submit("/security/2fa/setup/", {"code": code})
        assert answer.status == 200 and "恢复码" in answer.text  # enrolled: the recovery codes, shown once
        # In: a password set on the command line must be changed first.
        landing = browser.get("/")
        assert landing.status == 302 and landing.headers["location"].startswith("/accounts/password/")
        assert "修改密码" in browser.get("/accounts/password/").text

        login = AuditRecord.objects.get(action=AuditAction.LOGIN)
        assert login.remote_addr == browser.visitor and login.actor_username == "admin"
        access_log = (tmp_path / "web-access.log").read_text()
        line = next(line for line in access_log.splitlines() if f"request_id={request_id}" in line)
        assert line.startswith(browser.visitor) and '"POST /accounts/login/ HTTP/1.1" 302' in line

    # The nightly job: backup, copy off the machine, audit chain verified (the journal gets this).
    offsite = tmp_path / "offsite"
    offsite.mkdir()
    nightly = [str(servers.ROOT / "deploy" / "nightly-backup.sh")]
    job_env = {**env, "LIANGXIN_PYTHON": str(servers.PYTHON), "LIANGXIN_BACKUP_COPY_TO": f"{offsite}/"}
    done = subprocess.run(nightly, env=job_env, capture_output=True, text=True, check=False)  # noqa: S603
    assert done.returncode == 0, done.stdout + done.stderr
    copies = list(offsite.glob("liangxin-backup-*.lxbak"))
    assert len(copies) == 1 and copies[0].read_bytes().startswith(b"LXBK1\n")
    assert "审计链完整" in done.stdout and f"copied {copies[0].name}" in done.stdout
    # A copy that cannot be made fails the job (the unit shows "failed").
    unreachable = {**job_env, "LIANGXIN_BACKUP_COPY_TO": str(tmp_path / "missing" / "dir") + "/"}
    failed = subprocess.run(nightly, env=unreachable, capture_output=True, text=True, check=False)  # noqa: S603
    assert failed.returncode != 0 and "审计链" not in failed.stdout

    # The restore drill (deploy/README.md): last night's copy into a drill database and VAR_DIR of
    # its own, through deploy/manage with the drill's environment file; the live data stay as they are.
    drill_db = f"{connection.settings_dict['NAME']}_drill"
    live_users = sorted(get_user_model().objects.values_list("username", flat=True))
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{drill_db}"')
        cursor.execute(f'CREATE DATABASE "{drill_db}"')
    try:
        drill_env = {
            **env,
            "DATABASE_URL": env["DATABASE_URL"].rsplit("/", 1)[0] + f"/{drill_db}",
            "LIANGXIN_VAR_DIR": str(tmp_path / "drill"),
        }
        env_file = tmp_path / "drill.env"
        env_file.write_text(
            "".join(f"{k}={v}\n" for k, v in drill_env.items() if k.startswith(("LIANGXIN_", "DATABASE_")))
        )
        drill = [str(servers.ROOT / "deploy" / "manage")]
        run_env = {"PATH": env["PATH"], "LANG": "C.UTF-8", "LIANGXIN_ENV_FILE": str(env_file)}
        run_env["LIANGXIN_PYTHON"] = str(servers.PYTHON)

        def drill_run(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run([*drill, *args], env=run_env, capture_output=True, text=True, check=False)  # noqa: S603

        restored = drill_run("restore", str(copies[0]), "--yes")
        assert restored.returncode == 0, restored.stdout + restored.stderr
        assert "已恢复" in restored.stdout and "审计链完整" in restored.stdout, restored.stdout
        users = drill_run(
            "shell",
            "-c",
            "from liangxin.accounts.models import User; print(sorted(User.objects.values_list('username', flat=True)))",
        )
        assert users.returncode == 0, users.stderr
        assert users.stdout.strip().splitlines()[-1] == str(live_users)
        assert (tmp_path / "drill" / "audit-anchor.json").exists()  # the anchor came back with the data
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{drill_db}" WITH (FORCE)')
    assert sorted(get_user_model().objects.values_list("username", flat=True)) == live_users
