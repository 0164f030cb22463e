#!/bin/sh -
# Preprocessor for less: show archives and compressed files as text.
case "$1" in
*.gz) gzip -dc -- "$1" ;;
*) exit 1 ;;
esac
