#!/usr/bin/env bash
# A picture of the web view's run page after a marketing run in which one
# model fails: the DAG with dim_products failed and what depends on it
# marked, the timeline with its retried attempts, and the failure report.
# Needs Debian's chromium (`apt-get install chromium`); CI does not run it.
#
#   bash deploy/screenshot-run.sh [OUT_DIR]     # default runs/screenshots; ORCH=path/to/orch to pick a build
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d /opt/swift/usr/bin ] && export PATH="$PATH:/opt/swift/usr/bin"
out=$(realpath -m "${1:-runs/screenshots}")
mkdir -p "$out"
orch=${ORCH:-}
if [ -z "$orch" ]; then
    swift build --product orch >/dev/null
    orch="$(swift build --show-bin-path)/orch"
fi
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
[ -n "$browser" ] || { echo "no chromium: apt-get install chromium" >&2; exit 2; }

work=$(mktemp -d)
chmod 755 "$work"
export ORCH_HOME="$work/home"
unset ORCH_DATABASE_URL
cleanup() { [ -n "${ui:-}" ] && kill "$ui" 2>/dev/null; "$orch" db stop >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT

cp -r pipelines/marketing pipelines/marketing.yml "$work/"
# Short retry waits, so the picture is taken in seconds.
sed -i 's/retry_delay: 2s/retry_delay: 300ms/' "$work/marketing.yml"
# dim_products calls a function that fails as a serialization failure
# (a retryable class): three attempts, then failed; fct_sales and what
# reads it are not run.
echo "where public.orch_demo_flaky() = 1" >> "$work/marketing/models/marts/dim_products.sql"
"$orch" sample-data "$work/data" >/dev/null
"$orch" db start >/dev/null
"$orch" db psql -q -c "CREATE OR REPLACE FUNCTION public.orch_demo_flaky() RETURNS int LANGUAGE plpgsql AS \$\$ BEGIN RAISE EXCEPTION 'could not serialize access due to concurrent update (a demo failure)' USING ERRCODE = 'serialization_failure'; END \$\$" >/dev/null
"$orch" run "$work/marketing.yml" --param data_dir="$work/data" > "$work/run.log" 2>&1 || true
run=$("$orch" status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["runs"][0]["run_id"])')

"$orch" ui --listen 127.0.0.1:0 2> "$work/ui.log" &
ui=$!
for _ in $(seq 100); do
    port=$(sed -n 's|.*http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$work/ui.log" | head -1)
    [ -n "$port" ] && break
    sleep 0.1
done
[ -n "${port:-}" ] || { cat "$work/ui.log" >&2; exit 1; }
shot() {
    "$browser" --headless=new --no-sandbox --disable-gpu --hide-scrollbars --window-size="$2" \
        --screenshot="$out/$1.png" "http://127.0.0.1:$port$3" >/dev/null 2>&1
    echo "$out/$1.png"
}
shot run 1400,2600 "/run/$run"
shot runs 1400,900 "/"
