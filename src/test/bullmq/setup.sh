#!/usr/bin/env bash
# Installs the pinned BullMQ that the interoperability test drives (src/test/bullmq/package-lock.json).
set -euo pipefail
cd "$(dirname "$0")"
npm ci --no-audit --no-fund
