#!/usr/bin/env bash
# The web interface under load (docs/PERFORMANCE.md, issue 5).
#
# Starts `amiable demo` (release build, SQLite) on a free port, signs a merchant
# in and a buyer up with curl, then drives the pages with wrk and prints a
# markdown table (requests/s, p50, p99) and the weight of a first visit:
#   lookup   GET /suivi                               (anonymous)
#   order    GET /suivi/commande/{id}                 (a buyer: eligibility of every line)
#   inbox    GET /console                             (a merchant's open cases by deadline)
#   inbox-q  GET /console?status=all&sort=activity    (every case of the shop)
#   case     GET /console/cases/{id}                  (the case view: timeline, ledger, the decider's actions)
#
#   bench/web.sh                       # 15 s per page, 16 connections
#   bench/web.sh --duration 5 --connections 4
#   bench/web.sh --smoke --no-build    # CI: 3 s per page, 8 connections, no figures
#
# Each page is fetched once with curl first and must answer 200 (a lost session would
# answer a redirect, which wrk does not count as an error). Exits 1 when a page did not,
# when wrk counted any answer of 400 or above or printed no result, or when the demo died.
#
# Options: --duration S [15], --connections C [16], --threads T [2], --no-build,
# --smoke (3 s per page, 8 connections unless given; socket errors fail it too).
set -euo pipefail
trap 'echo "$(basename "$0"): failed at line $LINENO: $BASH_COMMAND" >&2' ERR
duration=""
connections=""
threads=2
build=1
smoke=0
while [[ $# -gt 0 ]]; do
    case "$1" in
        --smoke) smoke=1; shift ;;
        --duration) duration="$2"; shift 2 ;;
        --connections) connections="$2"; shift 2 ;;
        --threads) threads="$2"; shift 2 ;;
        --no-build) build=0; shift ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown option: $1 (see --help)" >&2; exit 2 ;;
    esac
done
if [[ $smoke == 1 ]]; then
    : "${duration:=3}" "${connections:=8}"
fi
: "${duration:=15}" "${connections:=16}"
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)" >&2; exit 2; }
command -v jq >/dev/null || { echo "needs jq (apt-get install jq)" >&2; exit 2; }
target="${CARGO_TARGET_DIR:-target}"
if [[ $build == 1 ]]; then cargo build --release --locked -p amiable --bin amiable; fi
bin="$target/release/amiable"
[[ -x "$bin" ]] || { echo "missing $bin (build it or drop --no-build)" >&2; exit 1; }
work="$(mktemp -d "${TMPDIR:-/tmp}/amiable-web-bench.XXXXXX")"
server=""
cleanup() {
    local status=$?
    if [[ -n "$server" ]] && kill -0 "$server" 2>/dev/null; then
        kill -TERM "$server" 2>/dev/null || true
        wait "$server" 2>/dev/null || true
    fi
    if [[ $status -ne 0 && -s "$work/demo.log" ]]; then
        echo "--- demo log (last 40 lines)" >&2
        tail -n 40 "$work/demo.log" >&2
    fi
    rm -rf "$work"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
"$bin" demo --listen 127.0.0.1:0 --data-dir "$work/data" > "$work/demo.log" 2>&1 &
server=$!
base=""
for _ in $(seq 1 120); do
    base="$(grep -o 'listening on http://[0-9.:]*' "$work/demo.log" | head -n1 | sed 's/listening on //' || true)"
    [[ -n "$base" ]] && break
    kill -0 "$server" 2>/dev/null || { echo "the demo exited" >&2; exit 1; }
    sleep 0.5
done
[[ -n "$base" ]] || { echo "the demo never printed its address" >&2; exit 1; }
key=amk_de00000000000002_demo-merchant-key
# A staff session: the login form's token comes with its cookie.
jar="$work/staff.jar"
csrf="$(curl -sf -c "$jar" "$base/console/login" | grep -o 'name="csrf" value="[^"]*"' | head -n1 | sed 's/.*value="//; s/"$//')"
curl -sf -b "$jar" -c "$jar" -o /dev/null -d "csrf=$csrf&email=gerant%40maison-colette.fr&password=amiable-demo&next=%2Fconsole" "$base/console/login"
staff_cookie="$(awk '$6 == "amiable_session" {print "amiable_session=" $7}' "$jar")"
# A buyer: the first order of the shop, looked up with its number and email.
order="$(curl -sf -H "Authorization: Bearer $key" "$base/api/v1/orders?limit=1" | jq -c '.items[0].order')"
number="$(jq -r .external_id <<<"$order")"; email="$(jq -r .buyer.email <<<"$order")"; order_id="$(jq -r .id <<<"$order")"
bjar="$work/buyer.jar"
bcsrf="$(curl -sf -c "$bjar" "$base/suivi" | grep -o 'name="csrf" value="[^"]*"' | head -n1 | sed 's/.*value="//; s/"$//')"
curl -sf -b "$bjar" -c "$bjar" -o /dev/null --data-urlencode "csrf=$bcsrf" --data-urlencode "order_number=$number" --data-urlencode "email=$email" "$base/suivi"
buyer_cookie="$(awk '$6 == "amiable_buyer" {print "amiable_buyer=" $7}' "$bjar")"
curl -sf -H "Authorization: Bearer $key" "$base/api/v1/cases?limit=50&sort=last_activity" | jq -r '.items[].case_id' | sed 's|^|/console/cases/|' > "$work/cases.txt"
echo "/suivi" > "$work/lookup.txt"
echo "/suivi/commande/$order_id" > "$work/order.txt"
echo "/console" > "$work/inbox.txt"
echo "/console?status=all&sort=activity" > "$work/inbox-q.txt"
export AMIABLE_BENCH_LUA="$PWD/bench/wrk"
run() { # name paths cookie
    AMIABLE_BENCH_PATHS="$2" AMIABLE_BENCH_COOKIE="$3" \
        wrk -t"$threads" -c"$connections" -d"${duration}s" --latency -s bench/wrk/pages.lua "$base" | grep '^RESULT' \
        | sed "s/^RESULT/$1/"
}
failures=()
echo "amiable demo at $base — wrk -t$threads -c$connections -d${duration}s"
echo
echo "| page | req/s | p50 ms | p99 ms | non-2xx |"
echo "|---|---|---|---|---|"
for spec in "lookup:$work/lookup.txt:" "order:$work/order.txt:$buyer_cookie" "inbox:$work/inbox.txt:$staff_cookie" \
            "inbox-q:$work/inbox-q.txt:$staff_cookie" "case:$work/cases.txt:$staff_cookie"; do
    IFS=: read -r name paths cookie <<<"$spec"
    # The page as wrk will ask for it: a 200, not a redirect to the login or an error.
    cookie_header=()
    [[ -z "$cookie" ]] || cookie_header=(-H "Cookie: $cookie")
    code="$(curl -s -o /dev/null -w '%{http_code}' -H 'Accept: text/html' "${cookie_header[@]}" "$base$(head -n1 "$paths")")"
    [[ "$code" == 200 ]] || failures+=("$name: $(head -n1 "$paths") answered $code")
    line="$(run "$name" "$paths" "$cookie")" || { echo "wrk printed no result for $name" >&2; exit 1; }
    kill -0 "$server" 2>/dev/null || { echo "the demo died during $name" >&2; exit 1; }
    field() { grep -o " $1=[0-9.]*" <<<"$line" | cut -d= -f2; }
    bad="$(field non2xx)"
    sockets=$(( $(field connect) + $(field read) + $(field write) + $(field timeout) ))
    [[ "$bad" -eq 0 ]] || failures+=("$name: $bad answers of 400 or above")
    [[ $smoke == 0 || $sockets -eq 0 ]] || failures+=("$name: $sockets socket errors")
    awk -v n="$name" -v rps="$(field rps)" -v p50="$(field p50_us)" -v p99="$(field p99_us)" -v bad="$bad" \
        'BEGIN { printf "| %s | %.0f | %.1f | %.1f | %s |\n", n, rps, p50 / 1000, p99 / 1000, bad }'
done
echo
# What a first visit downloads (compressed or not: amiable serves identity; a proxy may gzip).
page="$(curl -s -o /dev/null -w '%{size_download}' -H "Cookie: $staff_cookie" "$base/console")"
css="$(curl -s -o /dev/null -w '%{size_download}' "$base/assets/app.css")"
js="$(curl -s -o /dev/null -w '%{size_download}' "$base/assets/app.js")"
htmx="$(curl -s -o /dev/null -w '%{size_download}' "$base/assets/htmx.min.js")"
echo "First visit of the inbox: HTML $page B + app.css $css B + app.js $js B + htmx $htmx B = $((page + css + js + htmx)) B (no fonts, no images but the icon)"
if [[ ${#failures[@]} -gt 0 ]]; then
    printf 'FAILED: %s\n' "${failures[@]}" >&2
    exit 1
fi
