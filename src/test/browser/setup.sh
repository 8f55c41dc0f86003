#!/usr/bin/env bash
# Installs what the browser test (JobPageBrowserIntegrationTest) drives: Debian's Chromium, when
# /usr/bin/chromium is missing (needs root and apt), and playwright-core from package-lock.json.
# Playwright's own browser download is never used.
set -euo pipefail
cd "$(dirname "$0")"

if [ ! -x /usr/bin/chromium ]; then
  echo "browser setup: installing chromium"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium chromium-driver >/dev/null
fi
/usr/bin/chromium --version 2>/dev/null | head -1 || true

PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error
