/**
 * The install script's bash functions: static text with no settings in it (those are the script's
 * readonly variables, see installScript.ts). In this template literal, bash's `\${` and `\\` are escaped.
 */
export const INSTALL_SCRIPT_FUNCTIONS = `
log() { printf 'gwlb-agent install: %s\\n' "$*"; }
fail() { printf 'gwlb-agent install: error: %s\\n' "$*" >&2; exit 1; }

# write_file DEST MODE [BACKUP] < content: replaces DEST only when the content differs (keeping the
# old file as BACKUP when given), so an unchanged file keeps its bytes and its mtime.
# Sets FILE_CHANGED=yes|no (a status would disable errexit inside the function when used in an if).
write_file() {
  local dest="$1" mode="$2" backup="\${3:-}" staged
  mkdir -p "$(dirname "$dest")"
  staged="$(mktemp "$dest.XXXXXX")"
  cat > "$staged"
  if [[ -f "$dest" ]] && cmp -s "$staged" "$dest"; then
    rm -f "$staged"
    FILE_CHANGED=no
    return 0
  fi
  chmod "$mode" "$staged"
  if [[ -n "$backup" && -f "$dest" ]]; then cp -p "$dest" "$backup"; fi
  mv -f "$staged" "$dest"
  FILE_CHANGED=yes
}

# point_link LINK TARGET: replaces the symlink in one rename, so LINK is never missing.
point_link() {
  ln -sfn "$2" "$1.new"
  mv -fT "$1.new" "$1"
}

sha256_of() {
  local sum _
  read -r sum _ < <(sha256sum "$1")
  printf '%s' "$sum"
}

agent_state() { systemctl is-active "$SERVICE" || true; }

# Stops the running agent without its drain: SIGINT is a stop that leaves the kernel fast path in place
# for the next process to adopt; SIGTERM (the drain) is for instances that are leaving.
stop_for_handoff() {
  log "stopping the running agent with SIGINT (handoff, no drain)"
  systemctl kill --kill-whom=main --signal=SIGINT "$SERVICE"
  local deadline=$((SECONDS + HANDOFF_EXIT_WAIT_SECONDS)) killed=no state
  while true; do
    state="$(agent_state)"
    case "$state" in active | activating | deactivating | reloading) ;; *) return 0 ;; esac
    if ((SECONDS >= deadline)); then
      [[ "$killed" == no ]] || fail "the agent is still $state after SIGKILL"
      log "the agent did not exit within $HANDOFF_EXIT_WAIT_SECONDS s of SIGINT: sending SIGKILL"
      systemctl kill --kill-whom=all --signal=SIGKILL "$SERVICE"
      killed=yes
      deadline=$((SECONDS + 10))
    fi
    sleep 0.2
  done
}

# True once the health endpoint answers 200 (GWLB's health check), false after HEALTH_WAIT_SECONDS.
wait_healthy() {
  local deadline=$((SECONDS + HEALTH_WAIT_SECONDS)) code
  while true; do
    code="$(curl --silent --output /dev/null --write-out '%{http_code}' --connect-timeout 1 --max-time 2 "$HEALTH_URL" || true)"
    if [[ "$code" == 200 ]]; then
      log "the agent answers 200 on $HEALTH_URL"
      return 0
    fi
    ((SECONDS < deadline)) || return 1
    sleep 0.5
  done
}

# Puts the release and unit in force before this run back, restarts them and fails the command.
roll_back() {
  local reason="$1"
  if [[ "$BUNDLE_CHANGED" == yes && -z "$OLD_RELEASE" ]] || [[ "$UNIT_CHANGED" == yes && ! -f "$UNIT_BACKUP" ]]; then
    fail "$reason; this was the first install, so there is nothing to roll back to"
  fi
  log "$reason: rolling back"
  if [[ "$BUNDLE_CHANGED" == yes ]]; then
    point_link "$CURRENT" "$OLD_RELEASE"
    if [[ -n "$OLD_PREVIOUS" ]]; then point_link "$PREVIOUS" "$OLD_PREVIOUS"; else rm -f "$PREVIOUS"; fi
    rm -f "$RELEASE"
    log "restored release $OLD_RELEASE (removed $RELEASE_NAME)"
  fi
  if [[ "$UNIT_CHANGED" == yes ]]; then
    cp -p "$UNIT_BACKUP" "$UNIT"
    systemctl daemon-reload
    log "restored the previous unit"
  fi
  if [[ "$(agent_state)" == active ]]; then stop_for_handoff; fi
  systemctl start "$SERVICE"
  if wait_healthy; then
    fail "$reason; rolled back to the previous release and unit, which are healthy"
  fi
  fail "$reason; rolled back, but the previous release does not answer 200 on $HEALTH_URL either"
}

# Keeps the current and previous releases; older ones can never be rolled back to.
prune_releases() {
  local release keep_current keep_previous
  keep_current="$(readlink "$CURRENT" || true)"
  keep_previous="$(readlink "$PREVIOUS" || true)"
  for release in "$RELEASES"/*.js; do
    [[ -e "$release" ]] || continue
    case "releases/\${release##*/}" in "$keep_current" | "$keep_previous") ;; *)
      rm -f "$release"
      log "removed old release \${release##*/}"
      ;;
    esac
  done
}
`;
