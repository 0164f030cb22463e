/usr/libexec/grepconf.sh -c && alias xzgrep='xzgrep --color=auto'
