#!/bin/sh
# `make run`: print how to reach the server as it is configured, then run
# it in the foreground.  Flags come from `make run ARGS="..."` (or
# `scripts/run.sh var FLAGS...`), and SWITCHBOARD_* variables pass through
# (see build/rel/switchboard --help).  The addresses shown are the ones the
# server will use (its --check-config), and the demo phones are listed only
# while the database still holds them.
var="$1"
shift
bin=build/rel/switchboard
settings=$("$bin" --data-dir "$var" "$@" --check-config) || exit 2
get() {
	printf '%s\n' "$settings" | sed -n "s/^$1 = //p" | sed 's/^""$//'
}
sip=$(get sip)
tls=$(get sip-tls)
http=$(get http)
db=$(get db)
cert=$(get tls-cert)
realm=$(get realm)
token=$(cat "$(get data-dir)/admin.token" 2>/dev/null)
if [ -z "$tls" ] && [ -f "$cert" ]; then
	tls="${sip%:*}:5061"
fi
q() { sqlite3 -batch -noheader "$db" "$1" 2>/dev/null; }
demo=0
if command -v sqlite3 >/dev/null 2>&1; then
	demo=$(q "SELECT count(*) FROM devices d JOIN tenants t
	           ON t.id = d.tenant_id WHERE t.name = 'Mustermann AG'
	           AND d.username IN ('1001', '1002', '1011')")
fi

cat <<TXT

Switchboard
  SIP      $sip (UDP and TCP), realm "$realm"
  SIP/TLS  ${tls:-off (no certificate $cert)}${tls:+ (certificate $cert), SRTP offered}
  HTTP API http://$http/api/v1/  (docs/api.md)
  Health   http://$http/health  {"status":"ok"} while it serves
  Web      http://$http/  (log in as a user: POST /api/v1/users, README "Web")
  Admin token: $token
TXT
if [ "$demo" = 3 ]; then
	cat <<TXT

Demo client "Mustermann AG": register a phone (demo passwords, demo only):
  user 1001  password alpha1001    Max Mustermann, desk phone
  user 1011  password charlie1011  Max Mustermann, softclient
  user 1002  password bravo1002    Erika Musterfrau, desk phone
  e.g. baresip account: <sip:1001@$sip>;auth_pass=alpha1001
TXT
	[ -n "$tls" ] && cat <<TXT
  over TLS with SRTP:   <sip:1001@$tls;transport=tls>;auth_pass=alpha1001;mediaenc=srtp
TXT
	cat <<TXT

Numbers to call (employees' extensions and numbers; a device is not dialled):
  1001, 1002                  extensions (internal calls)
  +4922182829901 / 0221 82829901  Max's personal number (rings 1001 and 1011)
  +4922182829902 / 0221 82829902  Erika's personal number
  +4922182829900              central number (to Max)
  +4922182829990              announcement
  0221..., 0033..., +33...    out through the demo trunk
TXT
else
	echo
	echo "The database $db has no demo phones (it had data of its own):"
	echo "set up tenants, devices and numbers through the API."
fi
trunks=$(q "SELECT '  ' || name || ': from ' || host || CASE match_mode
             WHEN 'address' THEN ', any port'
             WHEN 'address_port_range' THEN ' port ' || port || ' or '
                  || port_min || '-' || port_max
             ELSE ' port ' || port END || ' (' || transport || ')'
             FROM trunks ORDER BY id")
if [ -n "$trunks" ]; then
	cat <<TXT

Trunks: a carrier's calls are taken only from its trunk's IP address and
port, or the ports its "match" allows (else 407, as from a stranger)
$trunks
TXT
fi
cat <<TXT

Try the API:
  curl -s -H "Authorization: Bearer $token" http://$http/api/v1/employees

Stop with Ctrl-C.
TXT
exec "$bin" --data-dir "$var" "$@"
