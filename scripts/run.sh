#!/bin/sh
# `make run`: print how to use the demo, then run the server in the
# foreground.  Flags and SWITCHBOARD_* variables pass through
# (see build/rel/switchboard --help).
var="$1"
shift
token=$(cat "$var/admin.token" 2>/dev/null)
sip=${SWITCHBOARD_SIP:-127.0.0.1:5060}
http=${SWITCHBOARD_HTTP:-127.0.0.1:8080}
cat <<TXT

Switchboard demo (client "Mustermann AG")
  SIP      $sip (UDP and TCP), realm "switchboard"
  SIP/TLS  port 5061 on the same IP (self-signed $var/tls.pem), SRTP offered
  HTTP API http://$http/api/v1/  (docs/api.md)
  Web      http://$http/  (log in as a user: POST /api/v1/users, README "Web")
  Admin token: $token   (also in $var/admin.token)

Register a phone (demo passwords, demo only):
  user 1001  password alpha1001    Max Mustermann, desk phone
  user 1011  password charlie1011  Max Mustermann, softclient
  user 1002  password bravo1002    Erika Musterfrau, desk phone
  e.g. baresip account: <sip:1001@$sip>;auth_pass=alpha1001
  over TLS with SRTP:   <sip:1001@${sip%:*}:5061;transport=tls>;auth_pass=alpha1001;mediaenc=srtp

Numbers to call:
  1001, 1002                  extensions (internal calls)
  +4922182829901 / 0221 82829901  Max's personal number (rings 1001 and 1011)
  +4922182829902 / 0221 82829902  Erika's personal number
  +4922182829900              central number (to Max)
  +4922182829990              announcement
  0221..., 0033..., +33...    out through the demo trunk 127.0.0.1:5090

Try the API:
  curl -s -H "Authorization: Bearer $token" http://$http/api/v1/employees

Stop with Ctrl-C.
TXT
exec build/rel/switchboard --data-dir "$var" "$@"
