/* vgatomics: C11 atomics made visible to Helgrind and DRD.
 *
 * Valgrind's race detectors see a C11 atomic as the plain load, store or
 * locked instruction it compiles to: a relaxed counter or a polled flag
 * "races", and what a release/acquire pair orders is invisible to them.
 * This runtime lets them see atomics as C11 defines them, for any C
 * program, without editing it: compile the program with the compiler's
 * ThreadSanitizer instrumentation (`-fsanitize=thread`, compile step only:
 * every atomic operation becomes a call __tsan_atomic<N>_<op>(addr, ...,
 * memory_order), every plain access a call __tsan_read<N>/__tsan_write<N>)
 * and link WITHOUT libtsan (no -fsanitize=thread at the link), against this
 * file compiled plainly. scripts/tsan-suite does that for the plain-C race
 * fixtures under helgrind and drd; scripts/tlrace/README.md ("C11 atomics
 * under Helgrind and DRD") has the recipe.
 *
 * What each call does (and nothing more):
 * - plain accesses, function entry/exit, __tsan_init: nothing. Valgrind
 *   sees the program's own loads and stores; the calls are only there
 *   because the instrumentation emits them.
 * - every atomic operation: the real operation (the __atomic builtin with
 *   the same memory order), and
 *   (a) the atomic object's bytes are excluded from race checking
 *       (VALGRIND_HG_DISABLE_CHECKING, DRD's suppression range, as
 *       threadlab's TL__VG_IGNORE): in C11 every access to an _Atomic
 *       object is atomic, so it is never a race candidate. Done before the
 *       access, on every call (idempotent, cheap next to valgrind);
 *   (b) happens-before edges only where C11 gives them, keyed by the
 *       object's address: ANNOTATE_HAPPENS_BEFORE(addr) before a release,
 *       acq_rel or seq_cst store or read-modify-write,
 *       ANNOTATE_HAPPENS_AFTER(addr) after an acquire, consume, acq_rel or
 *       seq_cst load or read-modify-write (a compare-exchange: its success
 *       order before, and after it the order of the outcome it had).
 *       Relaxed operations get no edge.
 * - fences (__tsan_atomic_thread_fence): the real fence, and C11's fence
 *   rules kept per thread: after a release (or stronger) fence every later
 *   relaxed store/RMW of the thread also sends (HAPPENS_BEFORE); an
 *   acquire (or stronger) fence receives (HAPPENS_AFTER) on the addresses
 *   of the relaxed loads/RMWs the thread made since its last acquire fence
 *   (the last VGA_LOADS distinct ones). Signal fences: compiler only, no
 *   edge.
 *
 * Limits, all in the direction of hiding a race, never inventing one:
 * valgrind's HAPPENS_BEFORE joins into one clock per address, so an
 * acquire picks up every earlier release on that address, not only the one
 * whose value it read (C11: the release sequence it read from); a
 * compare-exchange with a release order sends before it runs, also when it
 * then fails (a failed one is only a load: no release); a release fence
 * makes all later relaxed stores of its thread release ones. The one way
 * to miss an edge (and so report a race C11 orders): more than VGA_LOADS
 * distinct relaxed-load addresses between a relaxed load and the acquire
 * fence meant to order it. Excluding an atomic's bytes lasts until the
 * memory is freed (a new allocation is checked again); a plain access to
 * an atomic object's bytes (memcpy of a struct holding it, a union) is
 * then unchecked too. 128-bit atomics are not provided (link error:
 * __tsan_atomic128_*).
 *
 * Built by scripts/tsan-suite with the program's compiler, no
 * instrumentation, against valgrind's headers (valgrind/helgrind.h,
 * valgrind/drd.h). Natively (not under valgrind) every client request is a
 * few no-op instructions: the program runs as it would uninstrumented.
 */
#include <stdint.h>
#include <stddef.h>

#include <valgrind/helgrind.h>
#include <valgrind/drd.h>

/* How scripts/tsan-run tells this build from a real TSan one (both define
 * __tsan_init): these bytes in the executable (tlrace/runner.py). */
__attribute__((used)) const char tl_vgatomics_marker[] = "threadlab-vgatomics-runtime-1";

/* tsan's memory orders (tsan_interface_atomic.h), the same numbers as
 * gcc's and clang's __ATOMIC_* (0..5); gcc may set HLE bits above them. */
enum { MO_RELAXED, MO_CONSUME, MO_ACQUIRE, MO_RELEASE, MO_ACQ_REL, MO_SEQ_CST };
#define MO(mo) ((mo) & 0x7)

static inline int vga_acquires(int mo)
{
	mo = MO(mo);
	return mo == MO_CONSUME || mo == MO_ACQUIRE || mo == MO_ACQ_REL || mo == MO_SEQ_CST;
}

static inline int vga_releases(int mo)
{
	mo = MO(mo);
	return mo == MO_RELEASE || mo == MO_ACQ_REL || mo == MO_SEQ_CST;
}

/* Per thread: a release fence seen (later relaxed stores send too), and
 * the distinct addresses of relaxed loads since the last acquire fence. */
#define VGA_LOADS 64
static __thread int vga_rel_fenced;
static __thread const volatile void *vga_loads[VGA_LOADS];
static __thread unsigned vga_nloads, vga_next;

static void vga_note_relaxed_load(const volatile void *a)
{
	for (unsigned i = 0; i < vga_nloads; i++)
		if (vga_loads[i] == a)
			return;
	vga_loads[vga_next] = a; /* full: the oldest makes room (see Limits) */
	vga_next = (vga_next + 1) % VGA_LOADS;
	if (vga_nloads < VGA_LOADS)
		vga_nloads++;
}

static inline void vga_object(const volatile void *a, size_t n)
{
	VALGRIND_HG_DISABLE_CHECKING((void *)a, n);
	VALGRIND_DO_CLIENT_REQUEST_STMT(VG_USERREQ__DRD_START_SUPPRESSION, (void *)a, n, 0, 0, 0);
}

/* before the operation: the release half */
static inline void vga_pre(const volatile void *a, size_t n, int mo, int stores)
{
	vga_object(a, n);
	if (stores && (vga_releases(mo) || vga_rel_fenced))
		ANNOTATE_HAPPENS_BEFORE((void *)a);
}

/* after it: the acquire half (mo: the order of what actually happened) */
static inline void vga_post(const volatile void *a, int mo)
{
	if (vga_acquires(mo))
		ANNOTATE_HAPPENS_AFTER((void *)a);
	else
		vga_note_relaxed_load(a);
}

#define VGA_DEFS(N, T)                                                                      \
	T __tsan_atomic##N##_load(const volatile T *a, int mo);                             \
	T __tsan_atomic##N##_load(const volatile T *a, int mo)                              \
	{                                                                                   \
		vga_pre(a, sizeof(T), mo, 0);                                               \
		T v = __atomic_load_n(a, __ATOMIC_SEQ_CST);                                 \
		vga_post(a, mo);                                                            \
		return v;                                                                   \
	}                                                                                   \
	void __tsan_atomic##N##_store(volatile T *a, T v, int mo);                          \
	void __tsan_atomic##N##_store(volatile T *a, T v, int mo)                           \
	{                                                                                   \
		vga_pre(a, sizeof(T), mo, 1);                                               \
		__atomic_store_n(a, v, __ATOMIC_SEQ_CST);                                   \
	}                                                                                   \
	VGA_RMW(N, T, exchange, __atomic_exchange_n(a, v, __ATOMIC_SEQ_CST))                \
	VGA_RMW(N, T, fetch_add, __atomic_fetch_add(a, v, __ATOMIC_SEQ_CST))                \
	VGA_RMW(N, T, fetch_sub, __atomic_fetch_sub(a, v, __ATOMIC_SEQ_CST))                \
	VGA_RMW(N, T, fetch_and, __atomic_fetch_and(a, v, __ATOMIC_SEQ_CST))                \
	VGA_RMW(N, T, fetch_or, __atomic_fetch_or(a, v, __ATOMIC_SEQ_CST))                  \
	VGA_RMW(N, T, fetch_xor, __atomic_fetch_xor(a, v, __ATOMIC_SEQ_CST))                \
	VGA_RMW(N, T, fetch_nand, __atomic_fetch_nand(a, v, __ATOMIC_SEQ_CST))              \
	int __tsan_atomic##N##_compare_exchange_strong(volatile T *a, T *c, T v, int mo,    \
						       int fmo);                            \
	int __tsan_atomic##N##_compare_exchange_strong(volatile T *a, T *c, T v, int mo,    \
						       int fmo)                             \
	{                                                                                   \
		vga_pre(a, sizeof(T), mo, 1);                                               \
		int ok = __atomic_compare_exchange_n(a, c, v, 0, __ATOMIC_SEQ_CST,          \
						     __ATOMIC_SEQ_CST);                     \
		vga_post(a, ok ? mo : fmo);                                                 \
		return ok;                                                                  \
	}                                                                                   \
	int __tsan_atomic##N##_compare_exchange_weak(volatile T *a, T *c, T v, int mo,      \
						     int fmo);                              \
	int __tsan_atomic##N##_compare_exchange_weak(volatile T *a, T *c, T v, int mo,      \
						     int fmo)                               \
	{                                                                                   \
		return __tsan_atomic##N##_compare_exchange_strong(a, c, v, mo, fmo);        \
	}                                                                                   \
	T __tsan_atomic##N##_compare_exchange_val(volatile T *a, T c, T v, int mo, int fmo); \
	T __tsan_atomic##N##_compare_exchange_val(volatile T *a, T c, T v, int mo, int fmo) \
	{                                                                                   \
		__tsan_atomic##N##_compare_exchange_strong(a, &c, v, mo, fmo);              \
		return c;                                                                   \
	}

/* The operation runs seq_cst whatever the order asked: at least as strong
 * on the machine, and the edges valgrind sees are the annotations, which
 * follow the order asked, not the instruction. */
#define VGA_RMW(N, T, op, expr)                                                             \
	T __tsan_atomic##N##_##op(volatile T *a, T v, int mo);                              \
	T __tsan_atomic##N##_##op(volatile T *a, T v, int mo)                               \
	{                                                                                   \
		vga_pre(a, sizeof(T), mo, 1);                                               \
		T old = expr;                                                               \
		vga_post(a, mo);                                                            \
		return old;                                                                 \
	}

VGA_DEFS(8, int8_t)
VGA_DEFS(16, int16_t)
VGA_DEFS(32, int32_t)
VGA_DEFS(64, int64_t)

void __tsan_atomic_thread_fence(int mo);
void __tsan_atomic_thread_fence(int mo)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (vga_acquires(mo)) {
		for (unsigned i = 0; i < vga_nloads; i++)
			ANNOTATE_HAPPENS_AFTER((void *)vga_loads[i]);
		vga_nloads = vga_next = 0;
	}
	if (vga_releases(mo))
		vga_rel_fenced = 1;
}

void __tsan_atomic_signal_fence(int mo);
void __tsan_atomic_signal_fence(int mo)
{
	(void)mo;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
}

/* Plain accesses and the rest of the instrumentation: nothing to do. */
#define VGA_NOP1(name) void name(void *p); void name(void *p) { (void)p; }
#define VGA_NOP2(name) void name(void *p, void *q); void name(void *p, void *q) { (void)p; (void)q; }
#define VGA_SIZES(prefix, suffix, X)                                                        \
	X(prefix##1##suffix) X(prefix##2##suffix) X(prefix##4##suffix) X(prefix##8##suffix)  \
	X(prefix##16##suffix)

VGA_SIZES(__tsan_read, , VGA_NOP1)
VGA_SIZES(__tsan_write, , VGA_NOP1)
VGA_SIZES(__tsan_read, _pc, VGA_NOP2)
VGA_SIZES(__tsan_write, _pc, VGA_NOP2)
VGA_SIZES(__tsan_unaligned_read, , VGA_NOP1)
VGA_SIZES(__tsan_unaligned_write, , VGA_NOP1)
VGA_SIZES(__tsan_volatile_read, , VGA_NOP1)
VGA_SIZES(__tsan_volatile_write, , VGA_NOP1)
VGA_NOP2(__tsan_read_range)
VGA_NOP2(__tsan_write_range)
VGA_NOP2(__tsan_vptr_update)
VGA_NOP1(__tsan_vptr_read)
VGA_NOP1(__tsan_func_entry)

void __tsan_func_exit(void);
void __tsan_func_exit(void) {}
void __tsan_init(void);
void __tsan_init(void) {}
