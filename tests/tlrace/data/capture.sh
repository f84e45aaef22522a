#!/bin/sh
# Regenerates the parser's sample logs in this directory from real runs:
#   tsan-gcc/*.log, tsan-clang/*.log  TSan logs of the race fixtures
#                                     (tests/tsan) and of src/kinds.c
#   helgrind/*.xml, drd/*.xml         valgrind XML of some fixtures
# The logs hold absolute paths under the checkout they were captured in;
# tests/tlrace/test_tlrace.py reads that root from ROOT below. Run from
# anywhere: tests/tlrace/data/capture.sh (needs gcc, clang, valgrind).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
opts="halt_on_error=0 second_deadlock_stack=1 history_size=7 exitcode=66 verbosity=1"
fixtures="race_counter race_busywait race_free race_loop deadlock_order clean_mutex"
kinds="race_with_mutex thread_leak signal_unsafe spoil_errno unlock_unlocked double_lock destroy_locked race_in_libc segv"
for cc in gcc clang; do
	out="$here/tsan-$cc"
	mkdir -p "$out"
	for f in $fixtures; do
		$cc -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=thread "$root/tests/tsan/$f.c" -o "$tmp/$f" -lpthread
		rm -f "$tmp/log".*
		TSAN_OPTIONS="$opts log_path=$tmp/log" "$tmp/$f" >/dev/null 2>&1 || true
		cat "$tmp/log".* > "$out/$f.log"
	done
	$cc -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=thread "$here/src/kinds.c" -o "$tmp/kinds" -lpthread
	for k in $kinds; do
		rm -f "$tmp/log".*
		TSAN_OPTIONS="$opts log_path=$tmp/log" "$tmp/kinds" "$k" >/dev/null 2>&1 || true
		cat "$tmp/log".* > "$out/$k.log"
	done
done
for tool in helgrind drd; do
	mkdir -p "$here/$tool"
	for f in race_counter deadlock_order clean_mutex; do
		gcc -std=c11 -D_GNU_SOURCE -g -O1 "$root/tests/tsan/$f.c" -o "$tmp/$f.plain" -lpthread
		rm -f "$tmp/vg".*
		valgrind --tool=$tool --xml=yes --xml-file="$tmp/vg.%p.xml" --error-limit=no \
			"$tmp/$f.plain" >/dev/null 2>&1 || true
		cat "$tmp/vg".*.xml > "$here/$tool/$f.xml"
	done
done
echo "$root" > "$here/ROOT"
echo "captured into $here (root $root)"
