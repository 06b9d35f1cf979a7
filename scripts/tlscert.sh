#!/bin/sh
# Make a self-signed certificate for SIP over TLS, for the demo and the
# tests: one PEM file with the certificate and its private key (EC P-256,
# 10 years), the form --tls-cert reads.  An existing file is kept.
#   scripts/tlscert.sh var/tls.pem [common name]
set -e
out="$1"
cn="${2:-switchboard.local}"
[ -n "$out" ] || { echo "usage: $0 FILE.pem [CN]" >&2; exit 2; }
[ -s "$out" ] && exit 0
dir=$(dirname "$out")
mkdir -p "$dir"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
	-nodes -days 3650 -subj "/CN=$cn" \
	-addext "subjectAltName=DNS:$cn,IP:127.0.0.1" \
	-keyout "$tmp/key.pem" -out "$tmp/cert.pem" 2>/dev/null
umask 077
cat "$tmp/cert.pem" "$tmp/key.pem" > "$out"
echo "tls: self-signed certificate for $cn in $out"
