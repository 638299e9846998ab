#!/bin/sh
# Every integer flag of `wattle sim` goes through the one strict parser
# (src/cli/strict_int.h): hex, out-of-range and negative values exit 1 with a
# message naming the flag, never run with a converted or clamped value. And
# --out refuses a non-empty directory unless --force. Usage: sim_cli_flags.sh WATTLE
set -u
W="$1"
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sched="$tmp/s.csv"
printf 'market,side,unit_values_per_trader\n1,buy,100\n1,sell,50\n' > "$sched"
run="sim --preset brooklyn --days 1 --households 2"
# "prefix|flag": the command line the flag is appended to.
for spec in \
  "$run|--days" "$run|--households" "$run|--seed" "$run|--threads" \
  "sim profile load|--year" "sim profile pv|--year" "sim profile pv|--seed" \
  "sim auction --schedule $sched|--traders-per-side" "sim auction --schedule $sched|--periods" \
  "sim auction --schedule $sched|--sessions" "sim auction --schedule $sched|--steps" \
  "sim auction --schedule $sched|--seed"; do
  prefix=${spec%|*}
  flag=${spec#*|}
  for bad in 0x10 99999999999999999999 -1 1e3 " 7"; do
    # shellcheck disable=SC2086
    "$W" $prefix "$flag" "$bad" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    if [ $rc -ne 1 ] || ! grep -q -- "$flag" "$tmp/err"; then
      echo "FAIL: $prefix $flag '$bad' exited $rc: $(head -c 300 "$tmp/err")"
      fail=1
    fi
  done
done
# A good value still works (leading zeros are decimal, not octal).
if ! "$W" sim auction --schedule "$sched" --sessions 010 --periods 1 >"$tmp/out" 2>&1; then
  echo "FAIL: --sessions 010 refused: $(cat "$tmp/out")"
  fail=1
fi
# --out: a non-empty directory is refused (nothing written), --force writes.
mkdir "$tmp/run"
echo keep > "$tmp/run/mine.txt"
"$W" $run --out "$tmp/run" >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ $rc -ne 1 ] || ! grep -q "not empty" "$tmp/err" || [ -e "$tmp/run/summary.json" ]; then
  echo "FAIL: --out into a non-empty directory exited $rc: $(cat "$tmp/err")"
  fail=1
fi
if ! "$W" $run --out "$tmp/run" --force >"$tmp/out" 2>&1 || [ ! -e "$tmp/run/summary.json" ]; then
  echo "FAIL: --force did not write: $(cat "$tmp/out")"
  fail=1
fi
if ! "$W" $run --out "$tmp/fresh" >"$tmp/out" 2>&1 || [ ! -e "$tmp/fresh/report.html" ]; then
  echo "FAIL: --out into a new directory: $(cat "$tmp/out")"
  fail=1
fi
[ $fail -eq 0 ] && echo "all integer flags strict; --out guarded"
exit $fail
