#!/usr/bin/env bash
# Opens report.html in headless Chromium, offline, and checks that it loads with no console
# error, makes no network request, and shows a hostile transcript cue as text; saves a
# screenshot. Run by .ci/run; needs Debian's chromium and python3.
# Usage: scripts/browser-check.sh [OUTDIR]   (default: a temporary folder; kept and printed)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$(mktemp -d)}"
mkdir -p "$out"
browser="$(command -v chromium || command -v chromium-browser || true)"
if [ -z "$browser" ]; then
  echo "browser-check: chromium not found (apt-get install chromium)" >&2
  exit 2
fi
cd "$root"
cargo build --release --quiet
# The demo clip with a hostile transcript: a cue that tries to run script.
cat > "$out/hostile.srt" <<'SRT'
1
00:00:02,010 --> 00:00:02,420
<script>alert(1)</script> Get up! <img src=x onerror=alert(2)>

2
00:00:05,240 --> 00:00:06,110
Why are you afraid? <a href="https://example.com/">link</a>
SRT
./target/release/earwitness analyze samples/demo.mp4 --transcript "$out/hostile.srt" -o "$out/report" >/dev/null
html="$out/report/report.html"
flags=(--headless=new --no-sandbox --disable-gpu --no-first-run --no-default-browser-check
  --disable-background-networking --disable-component-update --disable-sync
  --host-resolver-rules="MAP * ~NOTFOUND" --proxy-server="127.0.0.1:9"
  --user-data-dir="$out/profile" --virtual-time-budget=5000)
"$browser" "${flags[@]}" --enable-logging=stderr --v=0 --log-net-log="$out/netlog.json" \
  --dump-dom "file://$html" > "$out/dom.html" 2> "$out/console.log"
"$browser" "${flags[@]}" --window-size=1280,4000 --screenshot="$out/screenshot.png" "file://$html" \
  >/dev/null 2>&1
fail=0
if ! grep -q '&lt;script&gt;alert(1)&lt;/script&gt; Get up!' "$out/dom.html"; then
  echo "browser-check: the hostile cue is not shown as text" >&2; fail=1
fi
if grep -qi '<script' "$out/dom.html"; then
  echo "browser-check: the page has a script element" >&2; fail=1
fi
if grep -Ei 'CONSOLE|Uncaught|Refused to' "$out/console.log" >&2; then
  echo "browser-check: console messages above" >&2; fail=1
fi
# Requests the page made (the browser's own update and account checks are initiated by "not
# an origin" and are not the page's doing).
if ! python3 - "$out/netlog.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
names = {v: k for k, v in d["constants"]["logEventTypes"].items()}
page = sorted({e["params"]["url"] for e in d["events"]
               if names.get(e["type"]) == "URL_REQUEST_START_JOB"
               and "url" in e.get("params", {})
               and e["params"].get("initiator") != "not an origin"})
for u in page:
    print("page request:", u, file=sys.stderr)
sys.exit(1 if page else 0)
PY
then
  echo "browser-check: the page made network requests" >&2; fail=1
fi
[ -s "$out/screenshot.png" ] || { echo "browser-check: no screenshot" >&2; fail=1; }
audio=$(grep -o '<audio' "$out/dom.html" | wc -l)
echo "browser-check: $html: $(stat -c %s "$html") bytes, $audio audio players, screenshot $out/screenshot.png"
exit $fail
