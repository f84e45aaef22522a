"""tlrace: the race-detection harness behind scripts/tsan-run and scripts/tsan-suite.

One module per job:
  model.py    reports, stack frames, kind -> category, "top frame in our code"
  tsan.py     parser for ThreadSanitizer logs (gcc and clang runtimes)
  valgrind.py parser for Helgrind and DRD XML output
  supp.py     the suppressions policy (none may hide a report in our code)
  runner.py   runs one case K times under different schedules (tsan-run)
  report.py   dedup, per-case verdicts, precision/recall, summary.csv/.md
  suite.py    builds threadlab and runs every case (tsan-suite)
  ci.py       SARIF 2.1.0 and JUnit XML of a run (CI formats)
  chaos.c     the schedule-perturbation shim tsan-run LD_PRELOADs (C, built on use)
  catchrate.py  measures tsan-run's catch rate on tests/tlrace/progs/rare.c

Standard library only (python3 >= 3.8).
"""
