#!/bin/sh
# readme_blocks.sh README SECTION DIR: write each fenced code block of the
# README's "## SECTION" to DIR/N.LANG (N counting from 1, LANG "txt" when
# the fence names none), so that tests run what the README shows.
set -eu
if [ $# != 3 ]; then
    echo "usage: readme_blocks.sh README SECTION DIR" >&2
    exit 1
fi
awk -v sec="## $2" -v dir="$3" '
    /^## / && !out { insec = ($0 == sec) }
    !insec { next }
    /^```/ {
        if (out) { close(out); out = ""; next }
        lang = substr($0, 4)
        if (lang == "") lang = "txt"
        out = dir "/" ++n "." lang
        printf "" > out
        next
    }
    out { print > out }
    END {
        if (n == 0) {
            print "readme_blocks.sh: no code block under \"" sec "\"" \
                > "/dev/stderr"
            exit 1
        }
    }
' "$1"
