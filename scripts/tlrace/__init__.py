"""tlrace: the race-detection harness behind scripts/tsan-run and scripts/tsan-suite.

One module per job:
  model.py    reports, stack frames, kind -> category, "top frame in our code"
  tsan.py     parser for ThreadSanitizer logs (gcc and clang runtimes)
  valgrind.py parser for Helgrind and DRD XML output
  supp.py     the suppressions policy (none may hide a report in our code)
  runner.py   runs one case K times under different schedules (tsan-run)
  report.py   dedup, per-case verdicts, precision/recall, summary.csv/.md
  suite.py    builds threadlab and runs every case (tsan-suite)

Standard library only (python3 >= 3.8).
"""
