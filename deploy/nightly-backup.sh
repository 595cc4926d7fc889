#!/usr/bin/env bash
# The nightly job (liangxin-backup.service): an encrypted backup, its copy off the machine,
# the audit chain verified, old local backups pruned. Every step says what it did on stdout,
# which the journal keeps (journalctl -u liangxin-backup); any failure ends the script with a
# non-zero status, and the unit shows "failed".
#
# Environment (from /etc/liangxin/liangxin.env):
#   LIANGXIN_BACKUP_COPY_TO     where the copy goes, as rsync writes it: user@host:/path/ over
#                               ssh (RSYNC_RSH names the key), or a mounted remote share.
#                               Required: a backup only on the machine it protects is no backup.
#   LIANGXIN_BACKUP_KEEP_DAYS   local backups older than this are deleted (default 14).
#   LIANGXIN_BACKUP_DIR         where `backup` writes (default $LIANGXIN_VAR_DIR/backups).
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
python=${LIANGXIN_PYTHON:-$here/.venv/bin/python}
manage() { "$python" "$here/manage.py" "$@"; }

if [ -z "${LIANGXIN_BACKUP_COPY_TO:-}" ]; then
  echo "LIANGXIN_BACKUP_COPY_TO is not set: no copy off the machine; set it in the environment file." >&2
  exit 2
fi

dir=${LIANGXIN_BACKUP_DIR:-${LIANGXIN_VAR_DIR:-$here/var}/backups}
mkdir -p "$dir"
marker=$(mktemp)
trap 'rm -f "$marker"' EXIT

echo "== backup =="
manage backup --output "$dir"
file=$(find "$dir" -maxdepth 1 -name 'liangxin-backup-*.lxbak' -newer "$marker" -printf '%T@ %p\n' | sort -n | tail -n 1 | cut -d' ' -f2-)
if [ -z "$file" ]; then
  echo "backup wrote no new file in $dir" >&2
  exit 1
fi

echo "== copy off the machine: $LIANGXIN_BACKUP_COPY_TO =="
rsync --times --partial --chmod=F600 "$file" "$LIANGXIN_BACKUP_COPY_TO"
echo "copied $(basename "$file") ($(stat -c %s "$file") bytes)"

echo "== audit chain =="
manage verify_audit

echo "== prune =="
keep=${LIANGXIN_BACKUP_KEEP_DAYS:-14}
find "$dir" -maxdepth 1 -name 'liangxin-backup-*.lxbak' -mtime "+$keep" -print -delete
echo "nightly backup done: $(basename "$file")"
