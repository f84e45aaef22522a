/* csv.c — RFC 4180 rows, one write(2) each (see csv.h). */
#include "csv.h"

#include "threadlab/common.h"

#include <errno.h>
#include <stdbool.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

const char *const tlb_csv_columns[TLB_CSV_NCOLS] = {
	"run_id", "timestamp", "host", "cpu_model", "packages", "cores", "pus", "allowed_pus",
	"git_commit", "build_type", "mode", "peer", "name", "primitive", "variant", "params",
	"baseline", "row_type", "aggregate", "repetition", "threads", "pin_policy", "cpus_used",
	"oversubscribed", "iterations", "real_ns", "cpu_ns", "items_per_second",
	"bytes_per_second", "counters", "error", "label", "waits", "resumed", "load",
};

int tlb_csv_field(char *buf, size_t cap, size_t *pos, const char *s)
{
	size_t p = *pos;
	if (!s)
		s = "";
	bool quote = s[0] == ' ' || (s[0] && s[strlen(s) - 1] == ' ') || strpbrk(s, ",\"\r\n") != NULL;
	if (quote) {
		if (p >= cap)
			return TL_EOVERFLOW;
		buf[p++] = '"';
	}
	for (const char *c = s; *c; c++) {
		if (p + 2 >= cap)
			return TL_EOVERFLOW;
		if (*c == '"')
			buf[p++] = '"';
		buf[p++] = *c;
	}
	if (quote) {
		if (p >= cap)
			return TL_EOVERFLOW;
		buf[p++] = '"';
	}
	*pos = p;
	return 0;
}

static int format_fields(char *buf, size_t cap, const char *const *f)
{
	size_t pos = 0;
	for (int i = 0; i < TLB_CSV_NCOLS; i++) {
		if (i) {
			if (pos >= cap)
				return TL_EOVERFLOW;
			buf[pos++] = ',';
		}
		if (tlb_csv_field(buf, cap, &pos, f[i]) != 0)
			return TL_EOVERFLOW;
	}
	if (pos + 2 > cap)
		return TL_EOVERFLOW;
	buf[pos++] = '\n';
	buf[pos] = 0;
	return (int)pos;
}

int tlb_csv_format_row(char *buf, size_t cap, const struct tlb_csv_row *row)
{
	return format_fields(buf, cap, row->f);
}

static int write_all(int fd, const char *buf, size_t len)
{
	/* O_APPEND + one write: a short write only happens on a full disk or
	 * a signal; finish it, and if the rest cannot be written either, cut
	 * the row's first part back out (one writer per file: the suite
	 * child), so the file never ends in half a row. */
	off_t start = lseek(fd, 0, SEEK_END);
	while (len) {
		ssize_t w = write(fd, buf, len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			if (start >= 0 && ftruncate(fd, start) != 0) {
				/* nothing left to try; e is what the caller needs */
			}
			return -e;
		}
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

static int write_fields(int fd, const char *const *f)
{
	size_t cap = 4096;
	for (;;) {
		char *buf = malloc(cap);
		if (!buf)
			return TL_ENOMEM;
		int n = format_fields(buf, cap, f);
		if (n >= 0) {
			int rc = write_all(fd, buf, (size_t)n);
			free(buf);
			return rc;
		}
		free(buf);
		if (cap > (64u << 20))
			return TL_EOVERFLOW;
		cap *= 4;
	}
}

int tlb_csv_write_header(int fd)
{
	return write_fields(fd, tlb_csv_columns);
}

int tlb_csv_write_row(int fd, const struct tlb_csv_row *row)
{
	return write_fields(fd, row->f);
}

const char *tlb_csv_fmt_double(char *buf, double v)
{
	if (isnan(v) || isinf(v))
		buf[0] = 0;
	else
		snprintf(buf, 32, "%.10g", v);
	return buf;
}

const char *tlb_csv_fmt_int(char *buf, int64_t v)
{
	snprintf(buf, 32, "%" PRId64, v);
	return buf;
}
