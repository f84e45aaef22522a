/* csv.h — the results.csv writer (schema: reports/README.md).
 *
 * One row is formatted into one buffer and written with a single write(2)
 * on a file opened O_APPEND, so a row is either wholly in the file or not at
 * all, even when the writer is a child process that crashes afterwards. A
 * write that fails part-way (disk full) is cut back out with ftruncate, which
 * assumes one writer per file (the suite child). Fields are quoted per RFC 4180
 * when they contain a comma, a double quote, CR or LF (quotes doubled).
 */
#ifndef TLB_CSV_H
#define TLB_CSV_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TLB_CSV_NCOLS 35
extern const char *const tlb_csv_columns[TLB_CSV_NCOLS];

/* Every column as text, in schema order; NULL is written as an empty field.
 * Numbers are formatted by the caller (tlb_csv_fmt_*). */
struct tlb_csv_row {
	const char *f[TLB_CSV_NCOLS];
};

enum tlb_csv_col {
	TLB_COL_RUN_ID, TLB_COL_TIMESTAMP, TLB_COL_HOST, TLB_COL_CPU_MODEL,
	TLB_COL_PACKAGES, TLB_COL_CORES, TLB_COL_PUS, TLB_COL_ALLOWED_PUS,
	TLB_COL_GIT_COMMIT, TLB_COL_BUILD_TYPE, TLB_COL_MODE, TLB_COL_PEER,
	TLB_COL_NAME, TLB_COL_PRIMITIVE, TLB_COL_VARIANT, TLB_COL_PARAMS,
	TLB_COL_BASELINE, TLB_COL_ROW_TYPE, TLB_COL_AGGREGATE, TLB_COL_REPETITION,
	TLB_COL_THREADS, TLB_COL_PIN_POLICY, TLB_COL_CPUS_USED, TLB_COL_OVERSUBSCRIBED,
	TLB_COL_ITERATIONS, TLB_COL_REAL_NS, TLB_COL_CPU_NS, TLB_COL_ITEMS_PER_SECOND,
	TLB_COL_BYTES_PER_SECOND, TLB_COL_COUNTERS, TLB_COL_ERROR, TLB_COL_LABEL,
	TLB_COL_WAITS,
	TLB_COL_RESUMED,
	TLB_COL_LOAD,
};

/* Append `s` to buf (at *pos, capacity cap) as one CSV field, quoted when
 * needed. Returns 0, or TL_EOVERFLOW when it does not fit. */
int tlb_csv_field(char *buf, size_t cap, size_t *pos, const char *s);

/* Format a whole row (ending in "\n") into buf; returns its length or a
 * negative code when cap is too small. */
int tlb_csv_format_row(char *buf, size_t cap, const struct tlb_csv_row *row);

/* Write the header / one row to fd (one write call each). 0 or -errno; on
 * an error nothing of the row stays in the file. */
int tlb_csv_write_header(int fd);
int tlb_csv_write_row(int fd, const struct tlb_csv_row *row);

/* Number formatting helpers: shortest round-trippable-enough text
 * ("%.10g"), "" for NaN. buf must hold 32 bytes. */
const char *tlb_csv_fmt_double(char *buf, double v);
const char *tlb_csv_fmt_int(char *buf, int64_t v);

#ifdef __cplusplus
}
#endif
#endif
