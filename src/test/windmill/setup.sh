#!/usr/bin/env bash
# Installs the pinned Windmill SDK that the SDK test drives (src/test/windmill/package-lock.json).
set -euo pipefail
cd "$(dirname "$0")"
npm ci --no-audit --no-fund
