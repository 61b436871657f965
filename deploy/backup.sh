#!/usr/bin/env bash
# Online backup of the observatory database, safe while the scheduler writes:
#
#   deploy/backup.sh [DB] [DEST]      (defaults: /var/lib/osservatorio/osservatorio.db, /var/backups/osservatorio)
#
# Uses SQLite's online backup (`sqlite3 DB ".backup FILE"`, or Python's sqlite3 backup API when
# the sqlite3 shell is missing), which copies a consistent snapshot page by page, unlike `cp` of
# a WAL database. The copy must pass `PRAGMA integrity_check` before it is kept; it is then
# gzipped as osservatorio-YYYYmmddTHHMMSSZ.db.gz and only the newest $KEEP backups are kept.
# Exit status: 0 on success, non-zero (with a message on stderr) on any failure.
set -euo pipefail

DB=${1:-/var/lib/osservatorio/osservatorio.db}
DEST=${2:-/var/backups/osservatorio}
KEEP=${KEEP:-14}

fail() { echo "backup: $*" >&2; exit 1; }

[ -f "$DB" ] || fail "$DB: database not found"
mkdir -p "$DEST" || fail "$DEST: cannot create the backup folder"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
tmp="$DEST/.osservatorio-$stamp.db"
final="$DEST/osservatorio-$stamp.db.gz"
trap 'rm -f "$tmp" "$tmp.gz"' EXIT

if command -v sqlite3 >/dev/null 2>&1; then
    sqlite3 "$DB" ".timeout 60000" ".backup '$tmp'" || fail "$DB: sqlite3 .backup failed"
else
    python3 - "$DB" "$tmp" <<'PY' || fail "$DB: online backup failed"
import sqlite3, sys
src = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True, timeout=60)
dst = sqlite3.connect(sys.argv[2])
src.backup(dst)
dst.close()
src.close()
PY
fi

check=$(python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("PRAGMA integrity_check").fetchone()[0])' "$tmp") \
    || fail "$tmp: cannot check the copy"
[ "$check" = "ok" ] || fail "$tmp: integrity_check says: $check"

gzip -9 "$tmp" || fail "$tmp: gzip failed (disk full?)"
mv "$tmp.gz" "$final"
# Keep the newest $KEEP backups.
ls -1t "$DEST"/osservatorio-*.db.gz | tail -n +"$((KEEP + 1))" | xargs -r rm -f --
echo "$final"
