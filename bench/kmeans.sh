#!/usr/bin/env bash
# Benchmark: orch's RFM k-means against scikit-learn on the same features.
# Runs the marketing pipeline up to fct_sales on generated data, exports the
# segmentation features (the train_segments query), then fits
# StandardScaler + KMeans(n_clusters=5, n_init=10) with both and prints
# inertia (target: orch within 1 % of scikit-learn) and the time of the 10
# restarts. scikit-learn is installed into a venv under /tmp by this script
# (not by CI).
#
#   bash bench/kmeans.sh
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d /opt/swift/usr/bin ] && export PATH="$PATH:/opt/swift/usr/bin"
bash .ci/setup
swift build -c release --product orch >/dev/null 2>&1
orch=$PWD/.build/release/orch

venv=/tmp/orch-bench-sklearn
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q scikit-learn
fi

work=$(mktemp -d /tmp/orch-kmeans-XXXXXX)
chmod 755 "$work"
export ORCH_HOME="$work/home" ORCH_DATABASE_URL=""
trap '"$orch" db stop >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
"$orch" sample-data "$work/data" >/dev/null
"$orch" run pipelines/marketing.yml --param data_dir="$work/data" --select +fct_sales >/dev/null
url=$("$orch" db url)
query=$(python3 - <<'PY'
import re
text = open("pipelines/marketing.yml").read()
block = text.split("query: |", 1)[1]
lines = []
for line in block.splitlines()[1:]:
    if line.strip() and not line.startswith("      "):
        break
    lines.append(line[6:])
print(" ".join(l.strip() for l in lines if l.strip()))
PY
)
psql "$url" -q -c "\\copy ($query) TO '$work/features.csv' WITH (FORMAT csv, HEADER true)"

ours=$("$orch" segments "$work/features.csv" --k 5 --n-init 10 --seed 42 --json)
theirs=$("$venv/bin/python" - "$work/features.csv" <<'PY'
import csv, json, sys, time
import numpy as np
from sklearn.cluster import KMeans
from sklearn.preprocessing import StandardScaler
rows = sorted(list(csv.reader(open(sys.argv[1])))[1:], key=lambda r: int(r[0]))
X = StandardScaler().fit_transform(np.array([[float(v) for v in r[1:]] for r in rows]))
start = time.perf_counter()
model = KMeans(n_clusters=5, n_init=10, random_state=42).fit(X)
elapsed = (time.perf_counter() - start) * 1000
print(json.dumps({"inertia": float(model.inertia_), "kmeans_ms": elapsed, "rows": len(rows)}))
PY
)
python3 - "$ours" "$theirs" <<'PY'
import json, sys
ours, theirs = json.loads(sys.argv[1]), json.loads(sys.argv[2])
ratio = ours["inertia"] / theirs["inertia"]
print(f"features: {ours['rows']} customers x 4 (recency_days, frequency, monetary, avg_order_value), standardised")
print(f"  inertia   orch {ours['inertia']:.4f}   scikit-learn {theirs['inertia']:.4f}   orch / sklearn = {ratio:.4f}  (target within 1%: {'yes' if abs(ratio - 1) <= 0.01 else 'NO'})")
print(f"  10 restarts   orch {ours['kmeans_ms']:.1f} ms   scikit-learn {theirs['kmeans_ms']:.1f} ms")
print(f"  orch silhouette {ours['silhouette']:.4f} (computed in {ours['silhouette_ms']:.1f} ms); segment sizes {ours['sizes']}")
PY
