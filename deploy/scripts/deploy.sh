#!/usr/bin/env bash
# shellcheck disable=SC2029 # remote commands expand their variables here, on the runner, on purpose
# Rolls out AGORA_IMAGE on DEPLOY_HOST with the production compose file, over SSH.
# Needs: DEPLOY_HOST, DEPLOY_USER, DEPLOY_SSH_KEY (private key text), AGORA_IMAGE; DEPLOY_PATH (default /opt/agora).
# The host keeps its own .env (copied from .env.example and filled in) in DEPLOY_PATH.
set -euo pipefail

: "${DEPLOY_HOST:?set DEPLOY_HOST}" "${DEPLOY_USER:?set DEPLOY_USER}" "${DEPLOY_SSH_KEY:?set DEPLOY_SSH_KEY}"
: "${AGORA_IMAGE:?set AGORA_IMAGE}"
DEPLOY_PATH="${DEPLOY_PATH:-/opt/agora}"

key_file="$(mktemp)"
trap 'rm -f "$key_file"' EXIT
printf '%s\n' "$DEPLOY_SSH_KEY" > "$key_file"
chmod 600 "$key_file"
ssh_opts=(-i "$key_file" -o StrictHostKeyChecking=accept-new -o BatchMode=yes)
target="${DEPLOY_USER}@${DEPLOY_HOST}"

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ssh "${ssh_opts[@]}" "$target" "mkdir -p '${DEPLOY_PATH}/deploy'"
tar -C "$here" --exclude=helm --exclude=ansible -czf - . | ssh "${ssh_opts[@]}" "$target" "tar -C '${DEPLOY_PATH}/deploy' -xzf -"

ssh "${ssh_opts[@]}" "$target" "cd '${DEPLOY_PATH}' && export AGORA_IMAGE='${AGORA_IMAGE}' \
  && docker compose -f deploy/compose.prod.yml --env-file .env pull app \
  && docker compose -f deploy/compose.prod.yml --env-file .env up -d --remove-orphans --wait"
echo "Deployed ${AGORA_IMAGE} to ${DEPLOY_HOST}"
