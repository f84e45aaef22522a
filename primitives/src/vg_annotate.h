/* Internal: Helgrind and DRD client requests (valgrind/helgrind.h; DRD
 * understands Helgrind's requests, which is how valgrind/drd.h itself is
 * meant to be combined with it), compiled in only with -DTL_VALGRIND=ON and
 * never together with TSan. Without TL_VALGRIND every macro is a no-op and
 * valgrind's headers are not needed.
 *
 * Valgrind's race detectors see pthread calls, not futexes or C11 atomics,
 * so our primitives look unsynchronised to them. tsan.h maps each TSan
 * annotation onto these (see there), so Lock and RLock are visible to
 * Helgrind and DRD as mutexes: happens-before edges for their users' data,
 * Helgrind's lock-order graph for deadlocks. A Lock released by another
 * thread is handled by lock_tsan.c's holder registry, as for TSan.
 *
 * The other primitives use these directly (TSan needs nothing there: it
 * sees the atomics): TL__VG_HB_BEFORE just before the release operation
 * that publishes (a set, a put, a completion, a thread's end) and
 * TL__VG_HB_AFTER after the acquire that saw it, on the same address; and
 * TL__VG_IGNORE on words only ever accessed atomically (C11 atomics cannot
 * race; Helgrind reads an atomic store as a plain write, DRD also an atomic
 * read-modify-write), at init. Never on a word that is also accessed
 * plainly, and never for user data. scripts/tlrace/README.md lists them.
 */
#ifndef TL_VG_ANNOTATE_H
#define TL_VG_ANNOTATE_H

#ifdef TL_VALGRIND
#include <valgrind/helgrind.h>
#include <valgrind/drd.h> /* after helgrind.h: only DRD's own extras */
#define TL__VG_HB_BEFORE(a) ANNOTATE_HAPPENS_BEFORE((void *)(a))
#define TL__VG_HB_AFTER(a) ANNOTATE_HAPPENS_AFTER((void *)(a))
#define TL__VG_MUTEX_INIT(a, recursive) VALGRIND_HG_MUTEX_INIT_POST((void *)(a), (long)(recursive))
#define TL__VG_MUTEX_DESTROY(a) VALGRIND_HG_MUTEX_DESTROY_PRE((void *)(a))
#define TL__VG_MUTEX_LOCK_PRE(a, is_try) VALGRIND_HG_MUTEX_LOCK_PRE((void *)(a), (long)(is_try))
#define TL__VG_MUTEX_LOCK_POST(a) VALGRIND_HG_MUTEX_LOCK_POST((void *)(a))
#define TL__VG_MUTEX_UNLOCK_PRE(a) VALGRIND_HG_MUTEX_UNLOCK_PRE((void *)(a))
#define TL__VG_MUTEX_UNLOCK_POST(a) VALGRIND_HG_MUTEX_UNLOCK_POST((void *)(a))
/* Memory both tools must not check (the holder registry's own state,
 * guarded by a spinlock they are deliberately not told about, so that it
 * adds no happens-before edge between the program's threads). */
#define TL__VG_IGNORE(a, n) do { VALGRIND_HG_DISABLE_CHECKING((a), (n)); \
	VALGRIND_DO_CLIENT_REQUEST_STMT(VG_USERREQ__DRD_START_SUPPRESSION, (a), (n), 0, 0, 0); \
} while (0)
/* A FUTEX_WAKE reads and writes nothing (the kernel only hashes the
 * address), but valgrind's syscall wrapper declares a 4-byte read of the
 * word before it and a 4-byte write after it, and DRD records both as the
 * waker's accesses. A wake comes after the release it announces, so the
 * woken thread may already have returned, freed the object and reused the
 * memory (a joiner freeing the tl_thread_t it joined, then re-initialising
 * a new one there): DRD then saw the waker's phantom write race with the
 * new owner's plain stores (the lockjoin FP). These bracket only the
 * syscall: DRD records no access of the waking thread in between (DRD's
 * per-thread switch, not a counter: a caller's own ANNOTATE_IGNORE_* block
 * would end here, which can only add reports, never hide one). Helgrind
 * has no such switch and ignores the request. */
#define TL__VG_NO_ACCESS_BEGIN() ANNOTATE_IGNORE_READS_AND_WRITES_BEGIN()
#define TL__VG_NO_ACCESS_END() ANNOTATE_IGNORE_READS_AND_WRITES_END()
#else
#define TL__VG_HB_BEFORE(a) ((void)(a))
#define TL__VG_HB_AFTER(a) ((void)(a))
#define TL__VG_MUTEX_INIT(a, recursive) ((void)(a))
#define TL__VG_MUTEX_DESTROY(a) ((void)(a))
#define TL__VG_MUTEX_LOCK_PRE(a, is_try) ((void)(a))
#define TL__VG_MUTEX_LOCK_POST(a) ((void)(a))
#define TL__VG_MUTEX_UNLOCK_PRE(a) ((void)(a))
#define TL__VG_MUTEX_UNLOCK_POST(a) ((void)(a))
#define TL__VG_IGNORE(a, n) ((void)(a), (void)(n))
#define TL__VG_NO_ACCESS_BEGIN() ((void)0)
#define TL__VG_NO_ACCESS_END() ((void)0)
#endif

#endif
