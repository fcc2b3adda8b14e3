#!/bin/sh
# valgrind-errors.sh LOG...: names the memcheck logs that report an error,
# one a line (nothing when there is none).  A log counts when its process
# ended with a non-zero ERROR SUMMARY, and also when it has an error of its
# own without one: a worker killed for overrunning -a (SIGKILL) writes no
# summary, but memcheck has already written each error it met.
for log in "$@"; do
  if grep -q -E '^==[0-9]+== ERROR SUMMARY: [1-9]' "$log" ||
    grep -q -E '^==[0-9]+== (Invalid (read|write|free)|Mismatched free|Conditional jump|Use of uninitialised|Syscall param|Source and destination overlap|Argument .* fishy|Jump to the invalid address|.* definitely lost in loss record)' "$log"; then
    echo "$log"
  fi
done
