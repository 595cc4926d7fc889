"""The files of deploy/ are valid for the programs that read them: nginx accepts the site (with a
throwaway self-signed certificate), systemd accepts the units, logrotate its file, gunicorn its
configuration; the upload limit agrees with the application's; the environment file has fresh
keys the settings accept."""

from __future__ import annotations

import base64
import datetime as dt
import multiprocessing
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.conf import settings

DEPLOY = Path(settings.BASE_DIR) / "deploy"
INSTALLED_AT = "/srv/liangxin/current"


def _which(name: str) -> str | None:
    return shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin")


def _self_signed(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "dangjian.example.gov.cn")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "fullchain.pem", directory / "privkey.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


def _nginx_test(tmp_path: Path, site: str) -> subprocess.CompletedProcess[str]:
    nginx = _which("nginx")
    assert nginx is not None
    cert, key = _self_signed(tmp_path)
    site = site.replace("/etc/liangxin/tls/fullchain.pem", str(cert)).replace("/etc/liangxin/tls/privkey.pem", str(key))
    site = site.replace("/var/log/liangxin/", f"{tmp_path}/")
    (tmp_path / "site.conf").write_text(site)
    mime = "include /etc/nginx/mime.types;" if Path("/etc/nginx/mime.types").exists() else ""
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{ {mime} access_log off; include {tmp_path}/site.conf; }}\n"
    )
    return subprocess.run(  # noqa: S603
        [nginx, "-t", "-e", str(tmp_path / "error.log"), "-c", str(tmp_path / "nginx.conf"), "-p", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.skipif(_which("nginx") is None, reason="nginx is not installed (.ci/run installs it)")
def test_nginx_accepts_the_site(tmp_path):
    site = (DEPLOY / "nginx-liangxin.conf").read_text()
    done = _nginx_test(tmp_path, site)
    assert done.returncode == 0 and "test is successful" in done.stderr, done.stderr
    # The check can fail: a typing error in the site is refused.
    broken = _nginx_test(tmp_path, site.replace("proxy_pass http://liangxin_web;", "proxy_pass http://liangxin_web"))
    assert broken.returncode != 0


def test_the_site_agrees_with_the_application():
    site = (DEPLOY / "nginx-liangxin.conf").read_text()
    # A request a little over the upload limit reaches the application, which says why it refuses it.
    assert re.search(r"client_max_body_size (\d+)m;", site).group(1) == str(settings.MAX_UPLOAD_MB + 1)
    env = (DEPLOY / "liangxin.env.example").read_text()
    var_dir = re.search(r"^LIANGXIN_VAR_DIR=(.+)$", env, re.M).group(1)
    assert f"alias {var_dir}/staticfiles/;" in site  # STATIC_ROOT is VAR_DIR/staticfiles
    assert re.search(r"^LIANGXIN_TRUSTED_PROXIES=127\.0\.0\.1$", env, re.M)
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in site
    assert "server 127.0.0.1:8000;" in site  # gunicorn's default bind
    assert 'Strict-Transport-Security "max-age=31536000; includeSubDomains" always' in site
    assert "proxy_hide_header Strict-Transport-Security;" in site  # one HSTS header, not two


def _units(tmp_path: Path) -> list[Path]:
    """The units as installed, with the checkout standing for /srv/liangxin/current (systemd
    checks that the programs exist)."""
    units = []
    for source in sorted([*DEPLOY.glob("*.service"), *DEPLOY.glob("*.timer")]):
        target = tmp_path / source.name
        target.write_text(source.read_text().replace(INSTALLED_AT, str(settings.BASE_DIR)))
        units.append(target)
    return units


def _systemd_verify(units: list[Path]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603
        [str(_which("systemd-analyze")), "verify", "--man=no", *map(str, units)],
        capture_output=True,
        text=True,
        check=False,
        cwd=units[0].parent,
    )


@pytest.mark.skipif(_which("systemd-analyze") is None, reason="systemd-analyze is not available (no systemd)")
def test_systemd_accepts_the_units(tmp_path):
    units = _units(tmp_path)
    assert {u.name for u in units} == {
        "liangxin-web.service",
        "liangxin-import-worker.service",
        "liangxin-backup.service",
        "liangxin-backup.timer",
    }
    done = _systemd_verify(units)
    assert done.returncode == 0 and not done.stderr.strip(), done.stderr
    worker = next(u for u in units if u.name == "liangxin-import-worker.service")
    worker.write_text(worker.read_text().replace("manage.py run_import_worker", "").replace(".venv/bin/python", "nope"))
    assert _systemd_verify([worker]).returncode != 0  # the check can fail


def test_the_units_start_what_the_recipe_says():
    web = (DEPLOY / "liangxin-web.service").read_text()
    assert f"--config {INSTALLED_AT}/deploy/gunicorn.conf.py liangxin.wsgi:application" in web
    assert "EnvironmentFile=/etc/liangxin/liangxin.env" in web and "Type=notify" in web
    worker = (DEPLOY / "liangxin-import-worker.service").read_text()
    assert "manage.py run_import_worker" in worker and "KillSignal=SIGTERM" in worker
    backup = (DEPLOY / "liangxin-backup.service").read_text()
    assert f"ExecStart={INSTALLED_AT}/deploy/nightly-backup.sh" in backup and "Type=oneshot" in backup
    timer = (DEPLOY / "liangxin-backup.timer").read_text()
    assert "OnCalendar=*-*-* 02:30:00" in timer and "Persistent=true" in timer
    assert os.access(DEPLOY / "nightly-backup.sh", os.X_OK) and os.access(DEPLOY / "new-env.sh", os.X_OK)


def _gunicorn_config(**env: str) -> dict[str, str]:
    """The settings gunicorn resolves from deploy/gunicorn.conf.py (``--print-config``)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("LIANGXIN_")}
    done = subprocess.run(  # noqa: S603
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "--print-config",
            "--config",
            str(DEPLOY / "gunicorn.conf.py"),
            "liangxin.wsgi:application",
        ],
        env={**clean, "LIANGXIN_DEBUG": "1", **env},
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    pairs = [line.split(" = ", 1) for line in done.stdout.splitlines() if " = " in line]
    return {name.strip(): value.strip() for name, value in pairs}


def test_gunicorn_workers_follow_the_cpu_count_and_the_log_carries_the_request_id():
    config = _gunicorn_config()
    assert config["workers"] == str(multiprocessing.cpu_count() * 2 + 1)
    assert (config["bind"], config["timeout"], config["graceful_timeout"]) == ("['127.0.0.1:8000']", "120", "30")
    assert config["forwarded_allow_ips"] == "['127.0.0.1']"
    assert config["accesslog"] == "/var/log/liangxin/access.log"
    assert "request_id=%({x-request-id}o)s" in config["access_log_format"]
    assert config["access_log_format"].startswith("%({x-forwarded-for}i)s")
    # Each worker freezes its startup objects once loaded (liangxin/core/collector.py).
    assert config["post_worker_init"] == "<post_worker_init()>"  # ours, not gunicorn's empty default
    tuned = _gunicorn_config(
        LIANGXIN_WEB_WORKERS="3", LIANGXIN_TRUSTED_PROXIES="10.0.0.0/24,10.0.1.5", LIANGXIN_BIND="10.0.0.11:8000"
    )
    assert (tuned["workers"], tuned["bind"]) == ("3", "['10.0.0.11:8000']")
    assert tuned["forwarded_allow_ips"] == "['10.0.0.0/24', '10.0.1.5']"


@pytest.mark.skipif(_which("logrotate") is None, reason="logrotate is not installed")
def test_logrotate_accepts_its_file_and_keeps_six_months(tmp_path):
    text = (DEPLOY / "logrotate-liangxin").read_text()
    assert int(re.search(r"^\s*rotate (\d+)$", text, re.M).group(1)) >= 183  # six months of daily logs
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "access.log").write_text("x\n")
    local = text.replace("/var/log/liangxin/", f"{tmp_path}/logs/").replace("su liangxin adm", "")
    local = local.replace("create 0640 liangxin adm", "create 0640")
    (tmp_path / "liangxin").write_text(local)
    done = subprocess.run(  # noqa: S603
        [str(_which("logrotate")), "--debug", "--state", str(tmp_path / "state"), str(tmp_path / "liangxin")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0 and "error" not in done.stderr.lower(), done.stderr


def test_the_environment_file_gets_fresh_keys_the_settings_accept(tmp_path):
    done = subprocess.run(  # noqa: S603
        [str(DEPLOY / "new-env.sh"), "dangjian.luoping.gov.cn", "0f1e2d3c4b5a"],
        capture_output=True,
        text=True,
        check=True,
    )
    env = dict(
        line.split("=", 1) for line in done.stdout.splitlines() if line and not line.startswith("#") and "=" in line
    )
    for name in ("LIANGXIN_FIELD_KEY", "LIANGXIN_BACKUP_KEY", "LIANGXIN_AUDIT_KEY"):
        assert len(base64.b64decode(env[name], validate=True)) == 32, name
    assert len({env["LIANGXIN_FIELD_KEY"], env["LIANGXIN_BACKUP_KEY"], env["LIANGXIN_AUDIT_KEY"]}) == 3
    assert len(env["LIANGXIN_SECRET_KEY"]) >= 50 and "change-me" not in done.stdout
    assert env["DATABASE_URL"] == "postgres://liangxin:0f1e2d3c4b5a@127.0.0.1:5432/liangxin"
    assert env["LIANGXIN_ALLOWED_HOSTS"] == "dangjian.luoping.gov.cn"
    again = subprocess.run([str(DEPLOY / "new-env.sh"), "h", "p"], capture_output=True, text=True, check=True)  # noqa: S603
    assert env["LIANGXIN_FIELD_KEY"] not in again.stdout
    # deploy/manage runs manage.py with it as systemd would read it: production settings load.
    env_file = tmp_path / "liangxin.env"
    env_file.write_text(
        done.stdout.replace("LIANGXIN_VAR_DIR=/var/lib/liangxin", f"LIANGXIN_VAR_DIR={tmp_path}").replace(
            "DATABASE_URL=postgres://liangxin:0f1e2d3c4b5a@127.0.0.1:5432/liangxin",
            f"DATABASE_URL=sqlite:///{tmp_path}/db",
        )
    )
    checked = subprocess.run(  # noqa: S603
        [str(DEPLOY / "manage"), "check", "--deploy", "--fail-level", "WARNING"],
        env={"PATH": os.environ["PATH"], "LIANGXIN_ENV_FILE": str(env_file), "LIANGXIN_PYTHON": sys.executable},
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0 and "no issues" in checked.stdout, checked.stdout + checked.stderr
    shown = subprocess.run(  # noqa: S603
        [str(DEPLOY / "manage"), "shell", "-c", "import os; print(os.environ['RSYNC_RSH'])"],
        env={"PATH": os.environ["PATH"], "LIANGXIN_ENV_FILE": str(env_file), "LIANGXIN_PYTHON": sys.executable},
        capture_output=True,
        text=True,
        check=True,
    )
    rsh = "ssh -i /etc/liangxin/backup_ssh_key -o UserKnownHostsFile=/etc/liangxin/backup_known_hosts -o BatchMode=yes"
    assert rsh in shown.stdout.splitlines()  # the value whole, spaces kept


def test_every_static_file_a_template_names_exists():
    """Outside debug a name missing from collectstatic's manifest is an error on the page, so every
    ``{% static %}`` of every template must name a file."""
    from django.contrib.staticfiles import finders

    root = Path(settings.BASE_DIR)
    named = set()
    for template in [*root.glob("templates/**/*.html"), *root.glob("liangxin/**/templates/**/*.html")]:
        named |= set(re.findall(r"""\{% static ['"]([^'"]+)['"]""", template.read_text(encoding="utf-8")))
    assert "css/app.css" in named
    assert not [name for name in sorted(named) if finders.find(name) is None]
