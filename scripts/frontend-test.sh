#!/usr/bin/env bash
# Tests the example frontend (frontend/) end to end:
#   1. builds it the way the install guide says (`npm run clean && npm install`),
#      in a scratch copy, twice, and checks the two builds are byte-identical;
#   2. runs the node unit tests (tests/frontend/*.test.mjs);
#   3. serves the built page on 127.0.0.1 next to each test env.js and checks,
#      with headless Chromium's --dump-dom, what the page shows.
# Chromium comes from Debian's `chromium` package; when it is missing and we run
# as root, the script installs it with apt-get (for CI). Set CHROMIUM to use
# another binary, and FRONTEND_SCREENSHOT=/path.png to also save a screenshot.
# Exits non-zero when a check fails; the last line is "N passed, N failed".
set -u

repo=$(cd "$(dirname "$0")/.." && pwd)
cases=$repo/tests/frontend
passed=0
failed=0

pass() {
  passed=$((passed + 1))
  echo "ok   - $1"
}

fail() {
  failed=$((failed + 1))
  echo "FAIL - $1"
  if [ -n "${2:-}" ]; then
    printf '%s\n' "$2" | sed 's/^/       /'
  fi
}

finish() {
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
  exit
}

scratch=$(mktemp -d "${TMPDIR:-/tmp}/frontend-test.XXXXXX")
server_pid=
# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null
    wait "$server_pid" 2>/dev/null
  fi
  rm -rf "$scratch"
}
trap cleanup EXIT

for tool in node npm python3; do
  if ! command -v "$tool" >/dev/null; then
    fail "$tool is installed" "install it; the frontend build and this test need node, npm and python3"
    finish
  fi
done

# ---- 1. build as the install guide does ----

work=$scratch/frontend
mkdir -p "$work"
(cd "$repo/frontend" && tar --exclude=./build --exclude=./node_modules -cf - .) | (cd "$work" && tar -xf -)

npm_build() {
  (cd "$work" && npm run clean && npm install) >"$scratch/npm.log" 2>&1
}

if npm_build && [ -f "$work/build/index.html" ] && [ -f "$work/build/build-manifest.json" ]; then
  pass "npm run clean && npm install writes build/ with index.html and build-manifest.json"
else
  fail "npm run clean && npm install writes build/" "$(tail -20 "$scratch/npm.log")"
  finish
fi
cp -r "$work/build" "$scratch/first-build"

if (cd "$work" && npm run clean) >"$scratch/npm.log" 2>&1 && [ ! -e "$work/build" ] && [ ! -e "$work/node_modules" ]; then
  pass "npm run clean removes build/ and node_modules/"
else
  fail "npm run clean removes build/ and node_modules/" "$(tail -20 "$scratch/npm.log")"
fi

if npm_build && diff -r "$scratch/first-build" "$work/build" >"$scratch/diff.log" 2>&1; then
  pass "a second build is byte-identical to the first"
else
  fail "a second build is byte-identical to the first" "$(head -20 "$scratch/diff.log")"
fi

if grep -q 'src="env.js"' "$work/build/index.html"; then
  pass "build/index.html loads env.js"
else
  fail "build/index.html loads env.js" "no src=\"env.js\" in build/index.html"
fi

# ---- 2. node unit tests ----

if node --test "$cases/" >"$scratch/node-test.log" 2>&1; then
  pass "node unit tests ($(grep -m1 '^# pass' "$scratch/node-test.log" | cut -c3-))"
else
  fail "node unit tests" "$(grep -E '^not ok|^# (pass|fail)|error' "$scratch/node-test.log" | head -20)"
fi

# ---- 3. the page in headless Chromium ----

find_chromium() {
  local candidate
  for candidate in "${CHROMIUM:-}" chromium chromium-browser; do
    if [ -n "$candidate" ] && command -v "$candidate" >/dev/null; then
      command -v "$candidate"
      return 0
    fi
  done
  return 1
}

chromium=$(find_chromium)
if [ -z "$chromium" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "chromium not found; installing Debian's chromium package"
  if (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium) >"$scratch/apt.log" 2>&1; then
    chromium=$(find_chromium)
  else
    tail -20 "$scratch/apt.log"
  fi
fi
if [ -z "$chromium" ]; then
  fail "chromium is available" "install Debian's chromium package (apt-get install chromium) or set CHROMIUM"
  finish
fi

# One folder per case below the server root, like the API stage path (/Prod/)
# the site is served under in a deployment. no-env has no env.js at all.
site=$scratch/site
for name in sample empty-oidc hostile no-env; do
  mkdir -p "$site/$name"
  cp -r "$work/build/." "$site/$name/"
  if [ "$name" != no-env ]; then
    cp "$cases/env.$name.js" "$site/$name/env.js"
  fi
done

python3 "$cases/serve.py" "$site" "$scratch/port" &
server_pid=$!
for _ in $(seq 50); do
  [ -s "$scratch/port" ] && break
  sleep 0.1
done
if [ ! -s "$scratch/port" ]; then
  fail "the test server listens on 127.0.0.1"
  finish
fi
base=http://127.0.0.1:$(cat "$scratch/port")

# Flags that keep Chromium off the network: only the test server resolves.
run_chromium() {
  timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --host-resolver-rules='MAP * ~NOTFOUND, EXCLUDE 127.0.0.1' \
    --user-data-dir="$scratch/chromium-profile" "$@"
}

dom_of() {
  echo "$scratch/dom-$1.html"
}

# load CASE URL: dump the DOM Chromium ends up with, as the DOM of CASE.
load() {
  local name=$1 url=$2
  if ! run_chromium --dump-dom "$url" >"$(dom_of "$name")" 2>"$scratch/chromium-$name.log" \
      || ! grep -q 'data-rendered="true"' "$(dom_of "$name")"; then
    fail "$name: the page loads and app.js renders it" "$(tail -5 "$scratch/chromium-$name.log")"
  else
    pass "$name: the page loads and app.js renders it"
  fi
}

for name in sample empty-oidc hostile no-env; do
  load "$name" "$base/$name/"
done
# Coming back from the identity provider (?code=...) and being refused (?error=...).
load returned "$base/sample/?code=example-code&state=example-state"
load refused "$base/sample/?error=%3Cb%3Eaccess_denied%3C%2Fb%3E"

query() {
  python3 "$cases/dom_query.py" "$(dom_of "$1")" "${@:2}"
}

# expect CASE DESCRIPTION EXPECTED QUERY-ARGS...: the queried value equals EXPECTED.
expect() {
  local name=$1 what=$2 expected=$3 actual
  actual=$(query "$name" "${@:4}")
  if [ "$actual" = "$expected" ]; then
    pass "$name: $what"
  else
    fail "$name: $what" "expected: $expected"$'\n'"actual:   $actual"
  fi
}

# expect_absent CASE DESCRIPTION ID [ATTR]: no element with ID (or it lacks ATTR).
expect_absent() {
  local name=$1 what=$2 status
  query "$name" "${@:3}" >/dev/null
  status=$?
  if { [ $# -eq 3 ] && [ $status -eq 3 ]; } || { [ $# -eq 4 ] && [ $status -eq 4 ]; }; then
    pass "$name: $what"
  else
    fail "$name: $what" "found: $(query "$name" "${@:3}")"
  fi
}

endpoint=https://a1b2c3d4e5.execute-api.eu-central-1.amazonaws.com/Prod/
expect sample "shows the application name" "Example ML Workbench" app-name
expect sample "the sign-in link carries the encoded client id and redirect URI" \
  "https://idp.example.test/realms/workbench/authorize?client_id=bench%20web%2Bclient&redirect_uri=https%3A%2F%2Fa1b2c3d4e5.execute-api.eu-central-1.amazonaws.com%2FProd%2F&response_type=code&scope=openid" \
  sign-in-link href
expect sample "shows the API endpoint" "$endpoint" api-endpoint
expect sample "shows the region" "eu-central-1" setting-AWS_REGION
expect sample "shows booleans as text" "true" setting-MANAGE_IAM_ROLES
expect sample "hides the env.js-missing notice" "" env-missing hidden
expect_absent sample "has no not-configured sign-in note" sign-in-missing

expect empty-oidc "shows the application name" "Workbench Without IdP" app-name
expect_absent empty-oidc "has no sign-in link" sign-in-link
expect empty-oidc "says sign-in is not configured" "Sign-in is not configured" sign-in-missing
expect empty-oidc "still shows the API endpoint" \
  "https://f6g7h8i9j0.execute-api.us-west-2.amazonaws.com/Prod/" api-endpoint
expect empty-oidc "shows a missing setting as not configured" "not configured" setting-DATASET_BUCKET

expect hostile "shows markup in the application name as text" \
  '<img id="injected-name" src="x"> Bench & Co' app-name
expect_absent hostile "no element was injected from APPLICATION_NAME" injected-name
expect_absent hostile "no element was injected from LAMBDA_ENDPOINT" injected-endpoint
expect hostile "no script was injected from DATASET_BUCKET" 2 --count script
expect_absent hostile "a javascript: OIDC_URL gives no sign-in link" sign-in-link

expect no-env "says env.js did not load" \
  "The deployment settings (env.js) did not load, so nothing below is configured." env-missing
expect_absent no-env "the env.js-missing notice is visible" env-missing hidden
expect no-env "shows the application name as not configured" "Application name not configured" app-name
expect no-env "shows the API endpoint as not configured" "not configured" api-endpoint
expect_absent no-env "has no sign-in link" sign-in-link

expect returned "says an authorization code came back" \
  "The identity provider accepted the sign-in and returned an authorization code. This example page stops there; exchanging the code is the job of the full MLSpace frontend." \
  sign-in-result
expect refused "shows the provider's error as text" \
  "The identity provider refused the sign-in: <b>access_denied</b>" sign-in-result
expect sample "shows no sign-in result without ?code or ?error" "" sign-in-result hidden

if [ -n "${FRONTEND_SCREENSHOT:-}" ]; then
  if run_chromium --hide-scrollbars --window-size=1100,900 --screenshot="$FRONTEND_SCREENSHOT" \
      "$base/sample/" >"$scratch/chromium-screenshot.log" 2>&1 && [ -s "$FRONTEND_SCREENSHOT" ]; then
    echo "screenshot of the sample page: $FRONTEND_SCREENSHOT"
  else
    fail "screenshot written to $FRONTEND_SCREENSHOT" "$(tail -5 "$scratch/chromium-screenshot.log")"
  fi
fi

finish
