/* Runs tl-workload (path TLW_EXE, from CMake) and reads its key=value output. */
#ifndef TLW_TEST_RUN_H
#define TLW_TEST_RUN_H

#include <stdbool.h>

struct wl_out {
	int status;      /* exit status, or 128 + signal */
	char out[65536]; /* stdout */
	char err[16384]; /* stderr */
};

/* wl(&o, "lockjoin/lock", "--quick", NULL): runs and waits; returns status. */
int wl(struct wl_out *o, ...) __attribute__((sentinel));
/* Value of `key=` in stdout as a double; aborts the test if missing. */
double wl_num(const struct wl_out *o, const char *key);
bool wl_has(const struct wl_out *o, const char *key);
/* Copies the text value of key into buf (empty if missing). */
const char *wl_str(const struct wl_out *o, const char *key, char *buf, int len);

#endif
