#!/usr/bin/env bash
# The scaling curve of BENCHMARKS.md, on both stores, in one command:
#
#   scripts/bench/scaling.sh [OUT_DIR] [SIZES]
#
# It builds clusteriam and clusteriam-bench, runs the bench on SQLite,
# then on a fresh PostgreSQL database (127.0.0.1:5432, dropped at the
# end), each growing its store through SIZES (default 10k,100k,1M) with
# API keys written straight into the store, and measuring the
# credential checks and log-ins on the largest store. It leaves in
# OUT_DIR (default ./bench-out) each run's table (.txt) and JSON, and
# scaling.png with scaling.md, both stores' curves together. Run it alone
# on the machine: the 1M runs take about half an hour each.
set -euo pipefail
cd "$(dirname "$0")/../.."
out="${1:-bench-out}"
sizes="${2:-10k,100k,1M}"
pg="${CLUSTERIAM_BENCH_POSTGRES:-postgres://postgres@127.0.0.1:5432}"
mkdir -p "$out"
go build -o "$out/clusteriam" ./cmd/clusteriam
go build -o "$out/clusteriam-bench" ./cmd/clusteriam-bench
# The sized scenarios first, so that auth, login and bad run on the
# largest store; tenant is left out (its own store of 100 organizations,
# see BENCHMARKS.md).
run() {
	"$out/clusteriam-bench" --bin "$out/clusteriam" --sizes "$sizes" --seed-direct --load go,wrk \
		--scenarios list,create,scale,bad,auth,login --fail-on-errors "$@"
}
run --json "$out/sqlite.json" | tee "$out/sqlite.txt"
db="clusteriam_scaling_$$"
psql "$pg/postgres?sslmode=disable" -qc "CREATE DATABASE $db"
trap 'psql "$pg/postgres?sslmode=disable" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)"' EXIT
run --json "$out/postgres.json" --database "$pg/$db?sslmode=disable" | tee "$out/postgres.txt"
"$out/clusteriam-bench" --from-json "$out/sqlite.json,$out/postgres.json" --plot "$out/scaling.png"
echo "scaling.sh: $out/scaling.png, $out/scaling.md"
