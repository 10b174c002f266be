#!/usr/bin/env bash
# HTTP load benchmark of `amiable serve` (docs/PERFORMANCE.md, issue 3).
#
# Builds the release binaries, generates a dataset once (amiable-dataset: one
# operator, 20 merchants, N cases through the real command path) and caches it,
# starts the server on a fresh copy of it, and drives it with wrk:
#   (a) post   POST /api/v1/cases/{id}/messages    (authenticated, durable)
#   (b) inbox  GET  /api/v1/cases?merchant_id=…&status=open&sort=last_activity&limit=25
#   (c) case   GET  /api/v1/cases/{id}              (a case with a 50-event timeline)
# then prints a markdown table with the server's peak RSS.
#
#   bench/load.sh                                   # SQLite, 1,000,000 cases, 30 s per scenario
#   bench/load.sh --cases 100000 --duration 10      # a quicker run
#   bench/load.sh --postgres postgres://postgres@127.0.0.1:5432/postgres
#   bench/load.sh --smoke --no-build                # CI: 3,000 cases, 3 s per scenario, no figures
#
# Exits 1 when a probe or any wrk request got a non-2xx answer, when wrk printed no
# result, when the server died, or when --verify finds a broken chain.
#
# Options:
#   --smoke               a quick check that the benchmark works, for CI: a fresh 3,000-case
#                         dataset in a temporary directory (or temporary PostgreSQL databases),
#                         never the cache, 3 s per scenario at 16 connections, a free port,
#                         --verify; socket errors fail it too. Other options still apply.
#   --cases N             cases in the dataset [1000000]
#   --duration S          seconds per scenario [30]
#   --connections C       wrk connections [64]
#   --read-connections C  wrk connections for (b) and (c) [same as --connections]; with a closed
#                         loop, mean latency = connections / throughput, so p99 ≤ 10 ms at 64
#                         connections needs more than 6,400 req/s
#   --threads T           wrk threads [2]
#   --port P              port of the server; 0 picks a free one [18080]
#   --scenarios LIST      any of "post inbox case", in order ["post inbox case"]
#   --inbox-query Q       query after merchant_id= for (b) [status=open&sort=last_activity&limit=25]
#   --server-workers N    tokio worker threads of the server (TOKIO_WORKER_THREADS) [tokio's default]
#   --sqlite-synchronous  full|normal for the server [full: every acknowledged message is on disk]
#   --postgres URL        run against PostgreSQL; URL names any database the user can create
#                         databases from (the dataset goes to amiable_bench_<N>, runs to amiable_bench_run)
#   --regenerate          rebuild the cached dataset
#   --no-build            use the binaries already built
#   --no-auth             send no Authorization header (and skip creating an API key)
#   --verify              run `amiable verify` on the served copy afterwards (minutes at 1M cases)
#   --keep                keep the served copy afterwards (it is deleted: 6 GB on SQLite, 12 GB on PostgreSQL at 1M)
#
# Environment: AMIABLE_BENCH_DIR (cache, default /tmp/amiable-bench), CARGO_TARGET_DIR.
# The dataset for 1,000,000 cases takes ~4 GB on SQLite and several minutes to generate.

set -euo pipefail
trap 'echo "$(basename "$0"): failed at line $LINENO: $BASH_COMMAND" >&2' ERR

cases=""
duration=""
connections=""
read_connections=""
threads=2
port=""
scenarios="post inbox case"
inbox_query="status=open&sort=last_activity&limit=25"
server_workers=""
sqlite_synchronous="full"
postgres=""
regenerate=0
build=1
auth=1
verify=0
keep=0
smoke=0

while [[ $# -gt 0 ]]; do
    case "$1" in
        --cases) cases="$2"; shift 2 ;;
        --duration) duration="$2"; shift 2 ;;
        --connections) connections="$2"; shift 2 ;;
        --read-connections) read_connections="$2"; shift 2 ;;
        --threads) threads="$2"; shift 2 ;;
        --port) port="$2"; shift 2 ;;
        --scenarios) scenarios="$2"; shift 2 ;;
        --inbox-query) inbox_query="$2"; shift 2 ;;
        --server-workers) server_workers="$2"; shift 2 ;;
        --sqlite-synchronous) sqlite_synchronous="$2"; shift 2 ;;
        --postgres) postgres="$2"; shift 2 ;;
        --regenerate) regenerate=1; shift ;;
        --no-build) build=0; shift ;;
        --no-auth) auth=0; shift ;;
        --verify) verify=1; shift ;;
        --keep) keep=1; shift ;;
        --smoke) smoke=1; shift ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown option: $1 (see --help)" >&2; exit 2 ;;
    esac
done

dataset_args=()
if [[ $smoke -eq 1 ]]; then
    : "${cases:=3000}" "${duration:=3}" "${connections:=16}" "${port:=0}"
    verify=1
    regenerate=1
    # A few long cases and a sample that fits the open cases of a small dataset.
    dataset_args=(--long-cases 30 --sample 300)
fi
: "${cases:=1000000}" "${duration:=30}" "${connections:=64}" "${port:=18080}"

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
target="${CARGO_TARGET_DIR:-$root/target}/release"

log() { printf '\n== %s\n' "$*" >&2; }
run() { printf '$ %s\n' "$*" >&2; "$@"; }

# Whatever happens from here on, the server is stopped, the served copy dropped (unless
# --keep) and a smoke run's temporary directory and databases removed.
server=""
server_log=""
drop_copy() { :; }
drop_smoke() { :; }
stop_server() {
    if [[ -n "$server" ]] && kill -0 "$server" 2>/dev/null; then
        kill -TERM "$server" 2>/dev/null || true
        wait "$server" 2>/dev/null || true
    fi
}
cleanup() {
    local status=$?
    stop_server
    if [[ $status -ne 0 && -n "$server_log" && -s "$server_log" ]]; then
        echo "--- server log (last 40 lines): $server_log" >&2
        tail -n 40 "$server_log" >&2
    fi
    if [[ $keep -eq 0 ]]; then drop_copy || true; fi
    drop_smoke || true
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [[ $smoke -eq 1 ]]; then
    bench_dir="$(mktemp -d "${TMPDIR:-/tmp}/amiable-load-smoke.XXXXXX")"
    drop_smoke() { rm -rf "$bench_dir"; }
else
    bench_dir="${AMIABLE_BENCH_DIR:-/tmp/amiable-bench}"
    mkdir -p "$bench_dir"
fi

# --- tools -------------------------------------------------------------------
as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }
need_package() { # command package
    command -v "$1" >/dev/null && return
    log "installing $2 (Debian)"
    as_root apt-get install -y "$2" >/dev/null 2>&1 || { as_root apt-get update >/dev/null && as_root apt-get install -y "$2" >/dev/null; }
}
need_package wrk wrk
need_package jq jq
need_package curl curl
[[ -n "$postgres" ]] && need_package psql postgresql-client

if [[ $build -eq 1 ]]; then
    log "building release binaries"
    run cargo build --release --locked --bin amiable --bin amiable-dataset
fi
amiable="$target/amiable"
dataset="$target/amiable-dataset"
[[ -x "$amiable" && -x "$dataset" ]] || { echo "missing binaries in $target (build them or drop --no-build)" >&2; exit 1; }

# --- dataset -----------------------------------------------------------------
# The cached dataset is never served itself: each run gets a fresh copy, so runs
# do not drift as the post scenario appends messages. The data goes through the
# real command path, so later code reads it as long as the event schema is the
# same (new migrations are applied to it below); --regenerate forces a rebuild.
# The generator's own source is part of the fingerprint: a change in its stories regenerates.
fingerprint="event-schema-$(grep -o 'EVENT_SCHEMA_VERSION: i64 = [0-9]*' crates/domain/src/case/event.rs | grep -o '[0-9]*$')"
fingerprint+="-generator-$(sha256sum crates/bench/src/bin/amiable-dataset.rs | cut -c1-12)"
stale() { # manifest
    [[ $regenerate -eq 1 || ! -s "$1" || "$(cat "$1.fingerprint" 2>/dev/null)" != "$fingerprint" ]]
}
if [[ -z "$postgres" ]]; then
    backend="sqlite"
    pristine="$bench_dir/sqlite-$cases.db"
    manifest="$bench_dir/sqlite-$cases.manifest.json"
    if stale "$manifest" || [[ ! -s "$pristine" ]]; then
        log "generating $cases cases (SQLite)"
        rm -f "$pristine" "$pristine-wal" "$pristine-shm" "$manifest"
        run "$dataset" --database-url "$pristine" --cases "$cases" --manifest "$manifest" "${dataset_args[@]}" >&2
        echo "$fingerprint" >"$manifest.fingerprint"
    fi
    # Migrations added since the dataset was made run once here, not on every copy.
    run "$amiable" migrate --database-url "$pristine" >/dev/null
    url="$bench_dir/run.db"
    drop_copy() { rm -f "$url" "$url-wal" "$url-shm"; }
    log "copying the dataset ($(du -h "$pristine" | cut -f1))"
    drop_copy
    cp "$pristine" "$url"
    [[ -f "$pristine-wal" ]] && cp "$pristine-wal" "$url-wal"
    # Let the copy's writeback finish before measuring: otherwise it competes with the run.
    sync
    serve_env=(AMIABLE_SQLITE_SYNCHRONOUS="$sqlite_synchronous")
else
    backend="postgres"
    base="${postgres%/*}"
    pristine_db="amiable_bench_$cases"
    run_db="amiable_bench_run"
    manifest="$bench_dir/postgres-$cases.manifest.json"
    psql_admin() { psql "$postgres" -v ON_ERROR_STOP=1 -qAt "$@"; }
    if [[ $smoke -eq 1 ]]; then
        pristine_db="amiable_bench_smoke_$$"
        run_db="amiable_bench_smoke_run_$$"
        drop_smoke() {
            psql_admin -c "DROP DATABASE IF EXISTS $run_db WITH (FORCE)" -c "DROP DATABASE IF EXISTS $pristine_db WITH (FORCE)" || true
            rm -rf "$bench_dir"
        }
    fi
    exists=$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname = '$pristine_db'")
    if stale "$manifest" || [[ -z "$exists" ]]; then
        log "generating $cases cases (PostgreSQL, database $pristine_db)"
        psql_admin -c "DROP DATABASE IF EXISTS $pristine_db"
        psql_admin -c "CREATE DATABASE $pristine_db"
        rm -f "$manifest"
        run "$dataset" --database-url "$base/$pristine_db" --cases "$cases" --manifest "$manifest" "${dataset_args[@]}" >&2
        run "$amiable" migrate --database-url "$base/$pristine_db" >/dev/null
        psql "$base/$pristine_db" -qc "VACUUM ANALYZE"
        echo "$fingerprint" >"$manifest.fingerprint"
    fi
    run "$amiable" migrate --database-url "$base/$pristine_db" >/dev/null
    log "copying the dataset to $run_db"
    psql_admin -c "DROP DATABASE IF EXISTS $run_db"
    psql_admin -c "CREATE DATABASE $run_db TEMPLATE $pristine_db"
    drop_copy() { psql_admin -c "DROP DATABASE IF EXISTS $run_db"; }
    url="$base/$run_db"
    serve_env=()
fi

ids_dir="$bench_dir/ids-$backend-$cases"
mkdir -p "$ids_dir"
jq -r '.sample_case_ids[]' "$manifest" >"$ids_dir/sample_cases"
jq -r '.long_case_ids[]' "$manifest" >"$ids_dir/long_cases"
jq -r '.merchants[].id' "$manifest" >"$ids_dir/merchants"
operator_slug=$(jq -r '.operator_slug' "$manifest")

# --- API key -----------------------------------------------------------------
key=""
if [[ $auth -eq 1 ]]; then
    if "$amiable" apikey --help >/dev/null 2>&1; then
        log "creating an API key"
        key=$("$amiable" apikey create --operator "$operator_slug" --name bench --database-url "$url" | grep -E '^amk_' | head -n1)
        [[ -n "$key" ]] || { echo "amiable apikey create printed no amk_ key" >&2; exit 1; }
    else
        echo "warning: this amiable has no 'apikey' command; requests go without Authorization" >&2
    fi
fi

# --- server ------------------------------------------------------------------
server_log="$bench_dir/serve-$backend.log"
if [[ -n "$server_workers" ]]; then serve_env+=(TOKIO_WORKER_THREADS="$server_workers"); fi
log "starting the server"
printf '$ %s %s serve --listen 127.0.0.1:%s --database-url %s\n' "${serve_env[*]:-}" "$amiable" "$port" "$url" >&2
env "${serve_env[@]}" "$amiable" serve --listen "127.0.0.1:$port" --database-url "$url" >"$server_log" 2>&1 &
server=$!
# The address it prints (port 0 picks a free one), then its readiness.
base=""
for _ in $(seq 1 600); do
    base="$(grep -o 'listening on http://[0-9.:]*' "$server_log" | head -n1 | sed 's/listening on //' || true)"
    [[ -n "$base" ]] && curl -fsS "$base/readyz" >/dev/null 2>&1 && break
    kill -0 "$server" 2>/dev/null || { echo "the server exited" >&2; exit 1; }
    sleep 0.1
done
[[ -n "$base" ]] && curl -fsS "$base/readyz" >/dev/null || { echo "the server never became ready" >&2; exit 1; }
log "serving on $base"

status_kb() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$server/status"; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$server/stat"; }
hz=$(getconf CLK_TCK)

# --- scenarios ---------------------------------------------------------------
export AMIABLE_BENCH_LUA="$root/bench/wrk" AMIABLE_BENCH_KEY="$key" AMIABLE_BENCH_QUERY="$inbox_query"
rows=()
failures=()
for scenario in $scenarios; do
    case "$scenario" in
        post) script=post_message.lua; ids="$ids_dir/sample_cases"; label="(a) post a message"; target_text="≥ 10,000 req/s, p99 ≤ 20 ms" ;;
        inbox) script=inbox.lua; ids="$ids_dir/merchants"; label="(b) inbox ($inbox_query)"; target_text="p99 ≤ 10 ms" ;;
        case) script=get_case.lua; ids="$ids_dir/long_cases"; label="(c) case + 50-event timeline"; target_text="p99 ≤ 10 ms" ;;
        *) echo "unknown scenario: $scenario" >&2; exit 2 ;;
    esac
    conns="$connections"
    [[ "$scenario" != post && -n "$read_connections" ]] && conns="$read_connections"
    log "scenario $label"
    # One probe request first, so a broken route shows its answer instead of a table of errors.
    probe_id=$(head -n1 "$ids")
    case "$scenario" in
        post) probe=(-X POST -H 'Content-Type: application/json' --data '{"body":"Sonde du benchmark"}' "$base/api/v1/cases/$probe_id/messages") ;;
        inbox) probe=("$base/api/v1/cases?merchant_id=$probe_id&$inbox_query") ;;
        case) probe=("$base/api/v1/cases/$probe_id") ;;
    esac
    [[ -n "$key" ]] && probe=(-H "Authorization: Bearer $key" "${probe[@]}")
    code=$(curl -s -o "$bench_dir/probe.json" -w '%{http_code}' "${probe[@]}")
    if [[ "$code" != 2* ]]; then
        echo "error: probe answered $code: $(head -c 300 "$bench_dir/probe.json")" >&2
        failures+=("$scenario: the probe answered $code")
    fi
    cpu_before=$(cpu_ticks)
    output=$(AMIABLE_BENCH_IDS="$ids" run wrk -t"$threads" -c"$conns" -d"${duration}s" --latency -s "bench/wrk/$script" "$base")
    kill -0 "$server" 2>/dev/null || { echo "$output" >&2; echo "the server died during $scenario" >&2; exit 1; }
    cpu_after=$(cpu_ticks)
    echo "$output" >&2
    result=$(grep '^RESULT ' <<<"$output") || { echo "wrk printed no RESULT line for $scenario" >&2; exit 1; }
    field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$result"; }
    ms() { awk -v us="$1" 'BEGIN { printf "%.2f ms", us / 1000 }'; }
    socket_errors=$(($(field connect) + $(field read) + $(field write) + $(field timeout)))
    # wrk counts answers of 400 and above as errors.status: each one is a failed request.
    [[ "$(field non2xx)" -eq 0 ]] || failures+=("$scenario: $(field non2xx) non-2xx answers")
    [[ $smoke -eq 0 || $socket_errors -eq 0 ]] || failures+=("$scenario: $socket_errors socket errors")
    cpu=$(awk -v t=$((cpu_after - cpu_before)) -v hz="$hz" -v s="$(field seconds)" 'BEGIN { printf "%.0f %%", 100 * t / hz / s }')
    rows+=("| $label, $conns connections | $(field rps | awk '{ printf "%\047.0f", $1 }') | $(ms "$(field p50_us)") | $(ms "$(field p99_us)") | $(ms "$(field max_us)") | $(field non2xx) | $socket_errors | $cpu | $(($(status_kb VmHWM) / 1024)) MB | $target_text |")
done

rss_now=$(($(status_kb VmRSS) / 1024))
peak=$(($(status_kb VmHWM) / 1024))
stop_server

if [[ $verify -eq 1 ]]; then
    log "verifying every hash chain after the run"
    run "$amiable" verify --database-url "$url" | tail -n 3 >&2
fi

# --- report ------------------------------------------------------------------
cat <<EOF

### amiable serve — $backend, $(jq -r .cases "$manifest") cases, $(jq -r .events "$manifest") events generated; wrk -t$threads -d${duration}s; $(nproc) cores; $(date -u +%Y-%m-%d)

| scenario | req/s | p50 | p99 | max | non-2xx | socket errors | server CPU | server peak RSS so far | target |
|---|---|---|---|---|---|---|---|---|---|
EOF
printf '%s\n' "${rows[@]}"
cat <<EOF

Server RSS at the end: $rss_now MB; peak (VmHWM): $peak MB (target ≤ 300 MB).
Server log: $server_log$([[ $smoke -eq 1 ]] && echo " (removed: smoke run)")
EOF
if [[ ${#failures[@]} -gt 0 ]]; then
    printf 'FAILED: %s\n' "${failures[@]}" >&2
    exit 1
fi
