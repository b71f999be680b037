#!/bin/sh
# fake_attuned.sh - a stand-in for attuned used only by the harness self-test:
# speaks the same --listen/--ready-file contract, plus knobs to misbehave.
ready="" lines="" mode=normal port=40000
while [ $# -gt 0 ]; do
	case "$1" in
	--ready-file) ready=$2; shift 2 ;;
	--listen)
		case "$2" in
		unix:*) lines="${lines}grpc $2
" ;;
		*) port=$((port + 1)); lines="${lines}grpc 127.0.0.1:$port
" ;;
		esac
		shift 2 ;;
	--metrics) lines="${lines}metrics 127.0.0.1:9999
"; shift ;;
	--touch) : > "$2"; shift 2 ;;
	--env-to) env > "$2"; shift 2 ;;
	--exit-early) exit 3 ;;
	--never-ready) mode=never; shift ;;
	--ignore-term) mode=stubborn; shift ;;
	--bad-ready) lines="grpc
"; shift ;;
	*) shift ;;
	esac
done
if [ "$mode" = stubborn ]; then trap '' TERM; else trap 'exit 0' TERM; fi
if [ "$mode" != never ]; then
	printf '%s' "$lines" > "$ready.tmp" && mv "$ready.tmp" "$ready"
fi
while :; do sleep 1 & wait $!; done
