#!/usr/bin/env bash
# Throughput of load-test routes as ratios to the public route, on a
# machine whose speed drifts: runs of the public route and of the routes
# measured alternate, and each run is divided by the mean of the public
# runs either side of it. Prints every ratio, then each route's median
# and quartiles. See BENCHMARKS.md.
#
#   cargo build --release --example load_test
#   examples/load_test/paired_runs.sh 16 rs256 es256 header pubhdr
#
# Routes: pubhdr (public, with the RS256 token's header), header (/header),
# rs256 and es256 (/read with that token), distinct (/read, 10,000 tokens).
# Environment: LOAD_TEST_CACHE (passed to the server), SECONDS_PER_RUN (3).
set -euo pipefail

rounds=${1:?usage: paired_runs.sh ROUNDS ROUTE...}
shift
cd "$(dirname "$0")/../.."
export LOAD_TEST_DIR=${LOAD_TEST_DIR:-/tmp/load-test}
url=http://127.0.0.1:8000
log=$(mktemp)

ROCKET_LOG_LEVEL=off ./target/release/examples/load_test >/dev/null 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; rm -f "$log"' EXIT
until curl -sf "$url/public" >/dev/null; do sleep 0.1; done
rs256="Authorization: Bearer $(cat "$LOAD_TEST_DIR/rs256.txt")"
es256="Authorization: Bearer $(cat "$LOAD_TEST_DIR/es256.txt")"

# Requests per second of one run against route $1.
run() {
    local args
    case $1 in
        public) args=("$url/public") ;;
        pubhdr) args=(-H "$rs256" "$url/public") ;;
        header) args=(-H "$rs256" "$url/header") ;;
        rs256) args=(-H "$rs256" "$url/read") ;;
        es256) args=(-H "$es256" "$url/read") ;;
        distinct) args=(-s examples/load_test/distinct.lua "$url/read") ;;
        *) echo "unknown route $1" >&2; exit 2 ;;
    esac
    wrk -t1 -c32 -d"${SECONDS_PER_RUN:-3}"s "${args[@]}" | awk '/Requests\/sec/ { print $2 }'
}

run public >/dev/null # warm-up
before=$(run public)
for _ in $(seq "$rounds"); do
    for route in "$@"; do
        measured=$(run "$route")
        after=$(run public)
        echo "$route $measured $before $after" | tee -a "$log"
        before=$after
    done
done

python3 - "$log" <<'EOF'
import collections, statistics, sys
ratios = collections.defaultdict(list)
for line in open(sys.argv[1]):
    route, measured, before, after = line.split()
    ratios[route].append(float(measured) / ((float(before) + float(after)) / 2))
for route, values in ratios.items():
    values.sort()
    n = len(values)
    print(f"{route}: {n} runs, median {statistics.median(values):.3f}, "
          f"quartiles {values[n // 4]:.3f} to {values[(3 * n) // 4]:.3f} of the public route")
EOF
