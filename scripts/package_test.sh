#!/usr/bin/env bash
# The package as a municipal IT team uses it, on this machine (CI; root; no running systemd):
# installed with apt, the binary free of Swift libraries, the units verified, lintian clean of
# errors, `civicgate doctor` naming the problems of the default env file and none once it is
# filled in, the unit's ExecStart run as the civicgate user with the env file (the console opens,
# a resident reports by USSD), reinstalled over itself keeping the database, the key and the
# edited env file, then purged so nothing of it is left. Traffic only to 127.0.0.1.
# usage: scripts/package_test.sh .build/civicgate_<version>_<arch>.deb
set -euo pipefail
deb=$(realpath "$1")
port=18092
fail() { echo "FAIL $*" >&2; exit 1; }
ok() { echo "ok   $*"; }
env_file=/etc/civicgate/civicgate.env
unit=/usr/lib/systemd/system/civicgate.service

echo "package: $(du -h "$deb" | cut -f1), $(dpkg-deb -f "$deb" Installed-Size) KiB installed; Depends: $(dpkg-deb -f "$deb" Depends)"
lintian --fail-on error "$deb" 2>&1 | grep -v 'root privileges' | sed 's/^/lintian: /' || true
lintian --fail-on error "$deb" >/dev/null 2>&1 || fail "lintian reports errors"
ok "lintian: no errors"

DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$deb" >/dev/null
[ -x /usr/bin/civicgate ] || fail "no /usr/bin/civicgate"
if ldd /usr/bin/civicgate | grep -E 'libswift|libFoundation|libdispatch|lib_FoundationICU|libBlocksRuntime|not found'; then fail "the binary needs Swift libraries"; fi
ok "ldd: no Swift library ($(ldd /usr/bin/civicgate | wc -l) libraries, all from Debian)"
getent passwd civicgate >/dev/null || fail "no civicgate user"
[ "$(stat -c '%U %a' /var/lib/civicgate)" = "civicgate 700" ] || fail "/var/lib/civicgate is $(stat -c '%U %a' /var/lib/civicgate)"
[ "$(stat -c '%U:%G %a' $env_file)" = "root:civicgate 640" ] || fail "$env_file is $(stat -c '%U:%G %a' $env_file)"
[ "$(stat -c '%U %a' /etc/civicgate/pseudonym.key)" = "civicgate 600" ] || fail "the key is $(stat -c '%U %a' /etc/civicgate/pseudonym.key)"
[ "$(stat -c %s /etc/civicgate/pseudonym.key)" = 32 ] || fail "the key is not 32 bytes"
ok "user civicgate, /var/lib/civicgate 0700, env file root:civicgate 0640, pseudonym key civicgate 0600"
for u in civicgate.service civicgate-backup.service civicgate-backup.timer; do
  systemd-analyze verify "/usr/lib/systemd/system/$u" 2>&1 | grep -v 'sysinit.target\|not found' | sed 's/^/systemd-analyze: /' || true
done
systemd-analyze verify $unit 2>&1 | grep -iE 'error|invalid|unknown|not executable' | grep -v 'sysinit.target' && fail "systemd-analyze verify"
ok "systemd-analyze verify: the units pass"

start=$(date +%s%N); /usr/bin/civicgate --help >/dev/null; ok "civicgate --help in $(( ($(date +%s%N) - start) / 1000000 )) ms"
doctor() { (cd /var/lib/civicgate && runuser -u civicgate -- /usr/bin/civicgate doctor --env-file $env_file); }
out=$(doctor) && fail "doctor passed the default env file:\n$out"
echo "$out" | sed 's/^/doctor (default): /'
echo "$out" | grep -q '^problem  webhook token' || fail "doctor did not name the webhook token"
echo "$out" | grep -q '^problem  public URL' || fail "doctor did not name the public URL"
[ "$(echo "$out" | grep -c '^problem')" = 2 ] || fail "doctor named other problems"
ok "doctor on the default env file: the two problems of a public bind, exit 1"

token=$(head -c 24 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')
sed -i "s|^CIVICGATE_WEBHOOK_TOKEN=.*|CIVICGATE_WEBHOOK_TOKEN=$token|; s|^CIVICGATE_PUBLIC_URL=.*|CIVICGATE_PUBLIC_URL=https://civicgate.example.org|; s|^CIVICGATE_PORT=.*|CIVICGATE_PORT=$port|; s|^CIVICGATE_HOST=.*|CIVICGATE_HOST=127.0.0.1|" $env_file
echo "# edited by the municipality" >> $env_file
out=$(doctor) || fail "doctor after filling in the env file:\n$out"
echo "$out" | sed 's/^/doctor (filled in): /'
ok "doctor on the filled-in env file: no problem, exit 0"

exec_start=$(sed -n 's/^ExecStart=//p' $unit)
runuser -u civicgate -- /bin/sh -c "set -a; . $env_file; set +a; cd /var/lib/civicgate && exec $exec_start" >/tmp/civicgate-package-serve.log 2>&1 &
serve=$!
trap 'kill $serve 2>/dev/null || true' EXIT
started=$(date +%s%N)
for _ in $(seq 300); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.05; done
ok "ExecStart ($exec_start) as civicgate answers /healthz after $(( ($(date +%s%N) - started) / 1000000 )) ms"
page=$(curl -sf "http://127.0.0.1:$port/console/") || fail "/console/ did not answer"
echo "$page" | grep -qi 'sign in' || fail "/console/ is not the sign-in page"
ok "/console/ serves the sign-in page (templates found by the installed binary)"
reply=""
for text in "" "1" "1*1" "1*1*1" "1*1*1*1" "1*1*1*1*1" "1*1*1*1*1*12%20Main%20Rd" "1*1*1*1*1*12%20Main%20Rd*1"; do
  reply=$(curl -sf --data "sessionId=pkg-1&serviceCode=*120*1234%23&phoneNumber=%2B27825550101&networkCode=65501&text=$text" \
    "http://127.0.0.1:$port/ussd/africastalking?token=$token") || fail "USSD hop '$text'"
done
echo "$reply" | grep -qE '^END .*[0-9]{3} [0-9]{3} [0-9]{3}' || fail "the report did not end with a reference: $reply"
ok "a resident's USSD report: $(echo "$reply" | head -1)"
kill -TERM $serve; wait $serve || true
trap - EXIT
tickets=$(sqlite3 /var/lib/civicgate/civicgate.sqlite 'SELECT COUNT(*) FROM tickets')
[ "$tickets" = 1 ] || fail "expected one ticket, found $tickets"
key=$(sha256sum /etc/civicgate/pseudonym.key)

DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --reinstall -o Dpkg::Options::=--force-confold "$deb" >/dev/null
[ "$(sqlite3 /var/lib/civicgate/civicgate.sqlite 'SELECT COUNT(*) FROM tickets')" = 1 ] || fail "the reinstall lost the database"
[ "$(sha256sum /etc/civicgate/pseudonym.key)" = "$key" ] || fail "the reinstall changed the key"
grep -q '^# edited by the municipality' $env_file && grep -q "^CIVICGATE_WEBHOOK_TOKEN=$token" $env_file || fail "the reinstall replaced the edited env file"
ok "reinstalled over itself: the database, the key and the edited env file kept"

purged=$(DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq civicgate 2>&1)
echo "$purged" | grep -q 'kept /var/lib/civicgate' || fail "purging did not say what it kept"
[ ! -e /usr/bin/civicgate ] && [ ! -e $env_file ] && [ ! -e $unit ] || fail "purging left files of the package"
! getent passwd civicgate >/dev/null || fail "purging left the civicgate user"
[ -e /var/lib/civicgate/civicgate.sqlite ] || fail "purging removed the data"
ok "purged: package files, env file and user gone; the data and key kept, and said so"
rm -rf /var/lib/civicgate /etc/civicgate
echo "package: all checks passed"
