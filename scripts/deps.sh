#!/bin/sh
# Install the Debian packages listed in $1 that are not installed yet.
# Does nothing when all are present; needs root only when something is missing.
set -e
list="$1"
missing=""
for p in $(grep -v '^[[:space:]]*#' "$list" | awk '{print $1}'); do
	s=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$s" in
	*"install ok installed"*) ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0
echo "deps: installing$missing"
if [ "$(id -u)" != 0 ]; then
	echo "deps: missing packages and not root; run: sudo apt-get install$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get install -y --no-install-recommends $missing >/dev/null ||
	{ apt-get update >/dev/null && apt-get install -y --no-install-recommends $missing >/dev/null; }
