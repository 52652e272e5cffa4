/**
 * Stand-ins for the instance's tools, as bash scripts that record each call in $FAKE_STATE/calls.log.
 * The fake systemctl runs the loaded unit's ExecStart for real (this machine's node in place of
 * /usr/bin/node-24, the bundle under the install root), so the unit's flags reach a live process.
 */

const RECORD = 'echo "$(basename "$0") $*" >> "$FAKE_STATE/calls.log"';

export const FAKE_SYSTEMCTL = `#!/bin/bash
set -euo pipefail
${RECORD}
service=gwlb-agent.service
loaded="$FAKE_STATE/loaded.service"
pidfile="$FAKE_STATE/agent.pid"
# Alive and not a zombie: nothing may reap an orphan in this container.
running() {
  [[ -f "$pidfile" ]] || return 1
  local stat
  stat="$(cat "/proc/$(cat "$pidfile")/stat" 2> /dev/null)" || return 1
  [[ "\${stat##*) }" != Z* ]]
}
start() {
  if running; then return 0; fi
  [[ -f "$loaded" ]] || { echo "Unit $service not found (no daemon-reload?)" >&2; exit 5; }
  local -a argv
  read -ra argv <<< "$(sed -n 's/^ExecStart=//p' "$loaded")"
  argv[0]="$FAKE_NODE"
  argv[1]="$GWLB_INSTALL_ROOT\${argv[1]}"
  "\${argv[@]}" < /dev/null >> "$FAKE_STATE/agent.stdout" 2>> "$FAKE_STATE/agent.stderr" &
  echo "$!" > "$pidfile"
}
signal_main() { if running; then kill -s "\${1#SIG}" "$(cat "$pidfile")"; fi; }
case "$1" in
  daemon-reload) cp "$GWLB_INSTALL_ROOT/etc/systemd/system/$service" "$loaded" ;;
  is-active) if running; then echo active; else echo inactive; exit 3; fi ;;
  enable) if [[ "\${2:-}" == --now ]]; then start; fi ;;
  start) start ;;
  stop) signal_main SIGTERM ;;
  kill) for arg in "$@"; do case "$arg" in --signal=*) signal_main "\${arg#--signal=}" ;; esac; done ;;
  *) echo "fake systemctl: $* is not faked" >&2; exit 1 ;;
esac
`;

/** \`aws s3api get-object\` served from $FAKE_STATE/s3/<bucket>/<key>. */
export const FAKE_AWS = `#!/bin/bash
set -euo pipefail
${RECORD}
[[ "$1 $2" == "s3api get-object" ]] || { echo "fake aws: $* is not faked" >&2; exit 1; }
shift 2
while (($# > 1)); do
  case "$1" in
    --region) shift 2 ;;
    --bucket) bucket="$2"; shift 2 ;;
    --key) key="$2"; shift 2 ;;
    *) echo "fake aws: unexpected $1" >&2; exit 1 ;;
  esac
done
object="$FAKE_STATE/s3/$bucket/$key"
[[ -f "$object" ]] || { echo "An error occurred (NoSuchKey) when calling the GetObject operation" >&2; exit 254; }
cp "$object" "$1"
echo '{"ContentType": "application/javascript"}'
`;

/** rpm knows the packages the fake dnf installed. */
export const FAKE_RPM = `#!/bin/bash
set -euo pipefail
${RECORD}
[[ "$1 $2" == "-q --quiet" ]] || { echo "fake rpm: $* is not faked" >&2; exit 1; }
grep -qxF "$3" "$FAKE_STATE/packages" 2> /dev/null
`;

/** dnf "installs" by telling rpm; the CloudWatch agent package brings its control script. */
export const FAKE_DNF = `#!/bin/bash
set -euo pipefail
${RECORD}
[[ "$1 $2" == "install -y" ]] || { echo "fake dnf: $* is not faked" >&2; exit 1; }
shift 2
for package in "$@"; do
  echo "$package" >> "$FAKE_STATE/packages"
  if [[ "$package" == amazon-cloudwatch-agent ]]; then
    ctl="$GWLB_INSTALL_ROOT/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl"
    mkdir -p "$(dirname "$ctl")"
    printf '#!/bin/bash\\n%s\\n' '${RECORD}' > "$ctl"
    chmod 0755 "$ctl"
  fi
done
echo "Complete!"
`;

export const FAKE_SYSCTL = `#!/bin/bash
set -euo pipefail
${RECORD}
[[ "$1" == -p ]] || { echo "fake sysctl: $* is not faked" >&2; exit 1; }
cat "$2"
`;

/**
 * A stand-in for the agent bundle: serves the health path with 200 (healthy) or accepts connections
 * and never answers (silent), and notes its start (with its flags) and the signals it gets.
 */
export function fakeBundle(version: string, health: "healthy" | "silent"): string {
  return `// fixture bundle ${version} (${health})
const fs = require("node:fs");
const http = require("node:http");
const args = process.argv.slice(2);
const note = (event) => fs.appendFileSync(process.env.FAKE_STATE + "/agent-events.log", ${JSON.stringify(version)} + " " + event + "\\n");
const server = http.createServer((request, response) => {
  if (${JSON.stringify(health)} === "healthy") response.writeHead(request.url === "/healthz" ? 200 : 404).end();
});
server.listen(Number(args[args.indexOf("--health-port") + 1]), "127.0.0.1", () => note("started " + args.join(" ")));
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => { note(signal); process.exit(0); });
`;
}
