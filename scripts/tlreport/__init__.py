"""tlreport: threadlab's report tooling (plots, run-to-run comparison, report page).

The executables scripts/plot, scripts/compare and scripts/report-page are thin
wrappers around the modules here:

  results   read and validate a runner CSV (reports/README.md schema), medians
  families  which rows belong to which plot family (naming rules live here)
  ratios    ours/baseline and ours/CPython pairing, shared by plots and page
  utest     Mann-Whitney U test (stdlib only)
  gbjson    Google Benchmark JSON as rows of the CSV schema (compare, fleet)
  compare   `scripts/compare A B` (CSVs, run directories or Google Benchmark JSON)
  plots     `scripts/plot REPORT.csv` (matplotlib, Agg)
  page      `scripts/report-page RUN_DIR`
  fleet     `scripts/report-page A B C...`: several machines on one page
  pagecheck the page in headless Chromium (images, layout)

Everything except `plots` uses the Python standard library only.
"""
