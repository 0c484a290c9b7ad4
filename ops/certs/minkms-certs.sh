#!/usr/bin/env bash
# minkms-certs.sh: a test CA and TLS certificates for trying minkms (a local cluster, a lab).
# Production: use certificates from your own CA, not these.
#
# Usage: minkms-certs.sh OUTDIR HOST_OR_IP...
#
# Writes, with openssl only:
#   OUTDIR/ca/ca.key            the CA's private key (EC P-256, PKCS#8 PEM, mode 0600)
#   OUTDIR/ca/ca.crt            the CA's self-signed certificate (10 years)
#                               An existing ca.key + ca.crt pair in OUTDIR/ca is reused.
#   OUTDIR/HOST/private.key     the host's private key (EC P-256, PKCS#8 PEM, mode 0600)
#   OUTDIR/HOST/public.crt      the host's certificate, signed by the CA, valid 90 days:
#                               subjectAltName DNS:HOST (a name) or IP:HOST (an IPv4 or IPv6
#                               address), extendedKeyUsage serverAuth + clientAuth, CN=HOST
#   OUTDIR/HOST/CAs/ca.crt      a copy of the CA certificate (the tls.ca directory of the node)
# A host's existing key and certificate are replaced (a new key, a new 90-day certificate).
#
# Exit codes: 0 done; 1 openssl failed or OUTDIR/ca holds only one of ca.key and ca.crt;
# 2 usage (no OUTDIR or host, or a host that is neither a DNS name nor an IP address).
set -euo pipefail

readonly PROG=${0##*/}
readonly CA_DAYS=3650
readonly HOST_DAYS=90

die() {
    local code=$1
    shift
    echo "$PROG: $*" >&2
    exit "$code"
}

usage() {
    echo "usage: $PROG OUTDIR HOST_OR_IP..." >&2
    echo "  e.g. $PROG ./certs 127.0.0.1 localhost minkms-node0.example.net" >&2
    exit 2
}

is_ipv4() {
    local ip=$1 octet
    [[ $ip =~ ^[0-9]{1,3}(\.[0-9]{1,3}){3}$ ]] || return 1
    IFS=. read -r -a octets <<<"$ip"
    for octet in "${octets[@]}"; do
        ((10#$octet <= 255)) || return 1
    done
}

is_ipv6() {
    # Hex groups and colons with at least two colons (and optionally a trailing dotted IPv4);
    # openssl rejects what is still malformed.
    [[ $1 =~ ^[0-9A-Fa-f:]*:[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*$ ]]
}

is_dns_name() {
    # RFC 1123 labels: letters, digits and inner hyphens, 1-63 characters each, at most 253 in all;
    # the last label is not all digits (RFC 3696 §2), so a mistyped IPv4 address is no name.
    local name=$1
    ((${#name} <= 253)) || return 1
    [[ ! ${name##*.} =~ ^[0-9]+$ ]] || return 1
    [[ $name =~ ^([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$ ]]
}

# The subjectAltName entry of HOST: IP:<ip> or DNS:<name>; exits 2 for anything else.
san_of() {
    local host=$1
    if is_ipv4 "$host" || is_ipv6 "$host"; then
        echo "IP:$host"
    elif is_dns_name "$host"; then
        echo "DNS:$host"
    else
        die 2 "'$host' is neither a DNS name nor an IP address"
    fi
}

# A random positive 128-bit serial number in hex (RFC 5280 §4.1.2.2: at most 20 octets).
serial() {
    echo "0x$(openssl rand -hex 16 | sed 's/^./4/')"
}

new_key() {
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null \
        || die 1 "openssl could not create the key $1"
    chmod 0600 "$1"
}

make_ca() {
    local dir=$1
    mkdir -p "$dir"
    if [[ -f $dir/ca.key && -f $dir/ca.crt ]]; then
        echo "Reusing the CA in $dir"
        return
    fi
    if [[ -e $dir/ca.key || -e $dir/ca.crt ]]; then
        die 1 "$dir holds only one of ca.key and ca.crt: remove it or restore the other file"
    fi
    local ext
    ext=$(mktemp)
    cat >"$ext" <<'EOF'
[req]
distinguished_name = dn
prompt = no
[dn]
[ca]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
EOF
    new_key "$dir/ca.key"
    if ! openssl req -new -x509 -key "$dir/ca.key" -out "$dir/ca.crt" -days "$CA_DAYS" \
        -subj "/O=minkms test CA/CN=minkms test CA $(date -u +%Y%m%dT%H%M%SZ)" \
        -set_serial "$(serial)" -config "$ext" -extensions ca -sha256 2>"$ext.err"; then
        cat "$ext.err" >&2
        rm -f "$ext" "$ext.err" "$dir/ca.key" "$dir/ca.crt"
        die 1 "openssl could not create the CA certificate"
    fi
    rm -f "$ext" "$ext.err"
    chmod 0644 "$dir/ca.crt"
    echo "Created the CA $dir/ca.crt (key $dir/ca.key)"
}

make_host() {
    local out=$1 ca=$2 host=$3 san=$4
    local dir=$out/$host
    mkdir -p "$dir/CAs"
    local ext csr
    ext=$(mktemp)
    csr=$(mktemp)
    cat >"$ext" <<EOF
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth, clientAuth
subjectAltName = $san
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF
    new_key "$dir/private.key"
    if ! openssl req -new -key "$dir/private.key" -subj "/CN=$host" -out "$csr" 2>"$ext.err" \
        || ! openssl x509 -req -in "$csr" -CA "$ca/ca.crt" -CAkey "$ca/ca.key" \
            -set_serial "$(serial)" -days "$HOST_DAYS" -sha256 -extfile "$ext" \
            -out "$dir/public.crt" 2>"$ext.err"; then
        cat "$ext.err" >&2
        rm -f "$ext" "$ext.err" "$csr"
        die 1 "openssl could not create the certificate of $host"
    fi
    rm -f "$ext" "$ext.err" "$csr"
    chmod 0644 "$dir/public.crt"
    cp "$ca/ca.crt" "$dir/CAs/ca.crt"
    chmod 0644 "$dir/CAs/ca.crt"
    echo "Wrote $dir/private.key, $dir/public.crt ($san, $HOST_DAYS days) and $dir/CAs/ca.crt"
}

main() {
    (($# >= 2)) || usage
    command -v openssl >/dev/null || die 1 "openssl not found: install it (apt-get install openssl)"
    local out=$1
    shift
    local -a hosts=("$@") sans=()
    local host san i
    for host in "${hosts[@]}"; do
        san=$(san_of "$host") || exit 2
        sans+=("$san")
    done
    umask 077
    mkdir -p "$out" || die 1 "cannot create $out"
    make_ca "$out/ca"
    for i in "${!hosts[@]}"; do
        make_host "$out" "$out/ca" "${hosts[$i]}" "${sans[$i]}"
    done
    echo "Trust the CA in the minkms client: mkdir -p ~/.minkms/certs/CAs && cp $out/ca/ca.crt ~/.minkms/certs/CAs/"
}

main "$@"
