#!/usr/bin/env bash
# deploy/new-env.sh HOST DATABASE_PASSWORD > /etc/liangxin/liangxin.env
# Prints an environment file for a new installation with freshly generated keys, from
# deploy/liangxin.env.example. Run it once: new keys for an existing installation make its ID
# numbers, backups and audit chain unreadable (key rotation: deploy/README.md).
set -euo pipefail
if [ $# -ne 2 ]; then
  echo "usage: $0 HOST DATABASE_PASSWORD" >&2
  exit 2
fi
host=$1
password=$2
here=$(cd "$(dirname "$0")" && pwd)
key32() { python3 -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())'; }
secret=$(python3 -c 'import secrets; print(secrets.token_urlsafe(50))')
sed \
  -e "s|^LIANGXIN_SECRET_KEY=.*|LIANGXIN_SECRET_KEY=$secret|" \
  -e "s|^LIANGXIN_FIELD_KEY=.*|LIANGXIN_FIELD_KEY=$(key32)|" \
  -e "s|^LIANGXIN_BACKUP_KEY=.*|LIANGXIN_BACKUP_KEY=$(key32)|" \
  -e "s|^LIANGXIN_AUDIT_KEY=.*|LIANGXIN_AUDIT_KEY=$(key32)|" \
  -e "s|liangxin:change-me@|liangxin:$password@|" \
  -e "s|dangjian.example.gov.cn|$host|g" \
  "$here/liangxin.env.example"
