#!/bin/sh
# Rebuilds the golden objects and records what the running kernel's verifier
# says about each: NAME.bpf.o, NAME.log (the verifier log bpftool -d prints)
# and NAME.expected ("accepted" or the first rejection line).
# Needs clang, bpftool and root with bpf(); run from this directory.
set -eu
PIN=/sys/fs/bpf/tsbpf_verifier_golden
# vmlinux_*.bpf.c include the running kernel's vmlinux.h (not committed: it is the kernel's)
VMLINUX_DIR=$(mktemp -d)
trap 'rm -rf "$VMLINUX_DIR"' EXIT
bpftool btf dump file /sys/kernel/btf/vmlinux format c >"$VMLINUX_DIR/vmlinux.h"
# the test replays vmlinux_* only against this very kernel BTF
sha256sum /sys/kernel/btf/vmlinux | cut -d' ' -f1 >vmlinux.sha256
for src in *.bpf.c; do
	name=${src%.bpf.c}
	clang -O2 -target bpf -D__TARGET_ARCH_x86 -I"$VMLINUX_DIR" -c "$src" -o "$name.bpf.o"
	rm -f "$PIN"
	if bpftool -d prog load "$name.bpf.o" "$PIN" >"$name.out" 2>&1; then ok=1; else ok=0; fi
	rm -f "$PIN"
	sed -n '/-- BEGIN PROG LOAD LOG --/,/-- END PROG LOAD LOG --/p' "$name.out" |
		sed '1d;$d' >"$name.log"
	rm -f "$name.out"
	# a log of a million instructions is cut to its head and tail
	lines=$(wc -l <"$name.log")
	if [ "$lines" -gt 2000 ]; then
		{ head -n 1000 "$name.log"; echo "[... $((lines - 1200)) lines omitted by regen.sh ...]"; tail -n 200 "$name.log"; } >"$name.cut"
		mv "$name.cut" "$name.log"
	fi
	if [ "$ok" = 1 ]; then
		echo accepted >"$name.expected"
	else
		# the line that rejects: the first line after the last instruction
		# trace line that is neither a state dump nor a statistics line
		awk '/^(verification time|processed |stack depth)/ { exit }
		     /^(cur state:|old state:)/ { next }
		     { last = $0 }
		     /infinite loop detected|back-edge from|unreachable insn|jump out of range/ { print; found = 1; exit }
		     END { if (!found) print last }' "$name.log" | head -1 | sed 's/^/rejected: /' >"$name.expected"
	fi
	printf '%-28s %s\n' "$name" "$(cat "$name.expected")"
done
