#!/usr/bin/env bash
# Drives the standalone fake catalog platform with curl, as a test suite in
# any language would: start it, wait until it is ready, import two products
# with the test credentials it prints, read them back through the admin API
# (/_fake/), reset it, and stop it. Exits 0 when all of that worked.
#
#   bash examples/fake-from-shell/run.sh          # a free port
#   PORT=8080 bash examples/fake-from-shell/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

PORT=${PORT:-0}                 # 0: the fake picks a free port and prints it
READY_WAIT=${READY_WAIT:-180}   # seconds; go run compiles first, slowly on a loaded machine
work=$(mktemp -d)
pid=

cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    # The fake runs in its own session (setsid): stop the whole group, go
    # run and the program it started.
    kill -TERM -- "-$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

fail() { echo "fake-from-shell: FAIL: $*" >&2; [ -s "$work/err" ] && sed 's/^/  fake: /' "$work/err" >&2; exit 1; }

setsid go run ./cmd/catalogctl fake-server --addr "127.0.0.1:$PORT" --json --rate-limit off \
  >"$work/out" 2>"$work/err" &
pid=$!

# Ready when the first line, JSON with the URL and test credentials, is out.
for _ in $(seq 1 $((READY_WAIT * 10))); do
  [ -s "$work/out" ] && break
  kill -0 "$pid" 2>/dev/null || fail "the fake server exited before it was ready"
  sleep 0.1
done
[ -s "$work/out" ] || fail "the fake server was not ready within ${READY_WAIT}s"
ready=$(head -n 1 "$work/out")
field() { printf '%s' "$ready" | sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p"; }
url=$(field url)
key_id=$(field api_key_id)
secret=$(field api_secret)
source_id=$(field source_id)
[ -n "$url" ] && [ -n "$key_id" ] && [ -n "$secret" ] || fail "unexpected ready line: $ready"
echo "fake-from-shell: fake platform at $url"

# curl that fails on an HTTP error, prints the body, and bounds each call.
call() { curl --silent --show-error --fail-with-body --max-time 30 "$@"; }

# 1. Import two products through the platform's direct import endpoint.
answer=$(call -X POST "$url/api/b2b/pim/import/api" \
  -H 'Content-Type: application/json' \
  -H 'x-auth-method: api-key' -H "x-api-key-id: $key_id" -H "x-api-secret: $secret" \
  --data "{\"source_id\":\"$source_id\",\"merge_mode\":\"replace\",\"products\":[
    {\"entity_code\":\"SHELL-1\",\"name\":\"Brass valve\",\"pricing\":{\"list\":12.5}},
    {\"entity_code\":\"SHELL-2\",\"name\":\"Pump\",\"pricing\":{\"list\":99}}]}") || fail "import: $answer"
printf '%s' "$answer" | grep -q '"success":true' || fail "import answer: $answer"
echo "fake-from-shell: imported SHELL-1 and SHELL-2"

# 2. Read them back through the admin API.
products=$(call "$url/_fake/products") || fail "GET /_fake/products"
for code in SHELL-1 SHELL-2; do
  printf '%s' "$products" | grep -q "\"entity_code\":\"$code\"" || fail "$code not in $products"
done
one=$(call "$url/_fake/products/SHELL-1") || fail "GET /_fake/products/SHELL-1"
printf '%s' "$one" | grep -q '"list":12.5' || fail "SHELL-1 as stored: $one"
requests=$(call "$url/_fake/requests") || fail "GET /_fake/requests"
printf '%s' "$requests" | grep -qF '"X-Api-Secret":["[redacted]"]' || fail "requests: $requests"
printf '%s' "$requests" | grep -qF "$secret" && fail "the admin API showed the secret"
echo "fake-from-shell: read both back through /_fake/products"

# 3. Reset, and check that the fake is empty again.
call -X POST "$url/_fake/reset" >/dev/null || fail "POST /_fake/reset"
state=$(call "$url/_fake/state") || fail "GET /_fake/state"
printf '%s' "$state" | grep -q '"products":0' || fail "state after reset: $state"
echo "fake-from-shell: reset; state $state"
echo "fake-from-shell: ok"
