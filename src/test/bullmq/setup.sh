#!/usr/bin/env bash
# Installs the BullMQ versions that the interoperability test drives, as package-lock.json pins them: bullmq
# (5.x, which brings its own ioredis) and bullmq-latest (the newest, 6.x, beside the ioredis it needs).
set -euo pipefail
cd "$(dirname "$0")"
npm ci --no-audit --no-fund
