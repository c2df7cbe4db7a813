#!/bin/sh
# ALO 153 — the Asterisk container's entrypoint: put the deployment's AMI secret into
# manager.conf, make sure the writable directories exist and belong to asterisk, then exec
# the command (by default `asterisk -f -U asterisk -G asterisk`).
#
# The AMI secret comes from ALO153_AMI_SECRET, or from the file named by
# ALO153_AMI_SECRET_FILE (a Docker secret, e.g. /run/secrets/ami_secret), which wins. The
# image never starts with the sandbox secret that asterisk-config/manager.conf carries.
#
# ALO153_ROOT prefixes every path; it is empty in the image and set only by the unit test
# (tests/unit/test_docker_compose.py), which runs this script against a scratch directory.
set -eu

root="${ALO153_ROOT:-}"
manager="$root/etc/asterisk/manager.conf"
sandbox_secret="alo153-sandbox-secret"

die() {
    echo "alo153-asterisk-entrypoint: $*" >&2
    exit 1
}

read_secret() {
    if [ -n "${ALO153_AMI_SECRET_FILE:-}" ]; then
        [ -r "$ALO153_AMI_SECRET_FILE" ] || die "cannot read ALO153_AMI_SECRET_FILE=$ALO153_AMI_SECRET_FILE"
        # $(...) drops the trailing newline an editor leaves in the file.
        ALO153_AMI_SECRET="$(cat "$ALO153_AMI_SECRET_FILE")"
    fi
    [ -n "${ALO153_AMI_SECRET:-}" ] || die "set ALO153_AMI_SECRET (or ALO153_AMI_SECRET_FILE): the AMI secret the CTI logs in with"
    [ "$ALO153_AMI_SECRET" != "$sandbox_secret" ] || die "ALO153_AMI_SECRET is the sandbox's published secret; choose another"
    # One line, no comment character (;) and no escape (\): manager.conf would cut or change
    # it, and the CTI would then fail to log in with a secret that looks right.
    case "$ALO153_AMI_SECRET" in
        *"
"*|*";"*|*"\\"*) die "ALO153_AMI_SECRET must be one line without ';' or '\\'" ;;
        " "*|*" ") die "ALO153_AMI_SECRET must not start or end with a space" ;;
    esac
    case "$ALO153_AMI_SECRET" in
        change-me|changeme) echo "alo153-asterisk-entrypoint: WARNING: the AMI secret is the placeholder '$ALO153_AMI_SECRET'; production must set ALO153_AMI_SECRET" >&2 ;;
    esac
    export ALO153_AMI_SECRET
}

# Replace the `secret =` line of the [cti] user. The value goes through awk's ENVIRON, not
# through sed or `awk -v`, so '&', '/' and the like arrive unchanged.
inject_secret() {
    [ -f "$manager" ] || die "$manager is missing"
    tmp="$manager.tmp.$$"
    awk '
        /^[ \t]*\[/ { in_cti = ($0 ~ /^[ \t]*\[cti\]/) }
        in_cti && /^[ \t]*secret[ \t]*=/ { print "secret = " ENVIRON["ALO153_AMI_SECRET"]; done = 1; next }
        { print }
        END { if (!done) exit 3 }
    ' "$manager" > "$tmp" || { rm -f "$tmp"; die "$manager has no [cti] user with a secret line"; }
    # Readable by Asterisk (which runs as asterisk), by nobody else.
    if [ -z "$root" ]; then
        chown root:asterisk "$tmp"
    fi
    chmod 0640 "$tmp"
    mv "$tmp" "$manager"
}

# Volumes created by an older image, or populated by hand, may lack a directory or belong
# to root; Asterisk (running as asterisk) would then fail to write CDR, CEL or queue_log.
prepare_dirs() {
    for dir in var/log/asterisk var/log/asterisk/cdr-custom var/log/asterisk/cel-custom \
               var/lib/asterisk var/lib/asterisk/moh/alo153 var/spool/asterisk var/run/asterisk; do
        mkdir -p "$root/$dir"
        if [ -z "$root" ]; then
            chown asterisk:asterisk "$root/$dir"
        fi
    done
}

read_secret
inject_secret
prepare_dirs
unset ALO153_AMI_SECRET ALO153_AMI_SECRET_FILE
exec "$@"
