#!/usr/bin/env bash
# Installs one peer orchestrator into its own virtualenv under /tmp (one each,
# so their dependencies never fight): luigi (3.x), dagster (SQLite / in-memory
# instance, no dagster-postgres) or dbt (dbt-core + dbt-postgres). Idempotent:
# a virtualenv that already imports its peer is left as it is.
#
#   bash bench/peers/setup.sh luigi|dagster|dbt     # prints the venv's python
#
# Exit 0 with the python path on stdout, or non-zero with pip's reason on stderr.
set -euo pipefail
fallback=()
peer=${1:?usage: setup.sh luigi|dagster|dbt}
root=${ORCH_PEERS_VENV:-/tmp/orch-bench-peers}
venv="$root/$peer"
case "$peer" in
  luigi) packages=('luigi>=3,<4'); probe='import luigi' ;;
  dagster) packages=(dagster); probe='import dagster' ;;
  dbt) packages=(dbt-core dbt-postgres); probe='import dbt.adapters.postgres'
       # dbt-core 1.12 depends on dbt-core-experimental-parser, whose build
       # downloads a wheel from GitHub: where only PyPI is reached, 1.11 is used.
       fallback=('dbt-core>=1.11,<1.12' dbt-postgres) ;;
  *) echo "unknown peer: $peer" >&2; exit 2 ;;
esac
if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "$probe" 2>/dev/null; then
  echo "$venv/bin/python"
  exit 0
fi
mkdir -p "$root"
rm -rf "$venv"
python3 -m venv "$venv"
# A bounded wait: without a network pip retries for minutes by default.
pip() { "$venv/bin/pip" install -q --disable-pip-version-check --timeout 20 --retries 1 "$@" >>"$venv.pip.log" 2>&1; }
: >"$venv.pip.log"
if ! pip "${packages[@]}"; then
  if [ -z "${fallback[*]:-}" ] || ! pip "${fallback[@]}"; then
    grep -E 'ERROR|Error|error:' "$venv.pip.log" | tail -n 1 >&2 || tail -n 1 "$venv.pip.log" >&2
    exit 1
  fi
fi
"$venv/bin/python" -c "$probe"
echo "$venv/bin/python"
