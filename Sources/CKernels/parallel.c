// A small persistent thread pool for data-parallel loops.
//
// Callers split their work into chunks whose results do not depend on which thread runs them
// (disjoint rows of an output, never a shared sum), so results are identical for every thread
// count. Chunks are claimed one at a time, so whichever thread is running takes the next one: a
// worker that is slow to wake, or descheduled, leaves its work to the caller instead of holding
// it up.
//
// Waiting (a worker for the next job, the caller for the last chunk) is bounded: spin for a short
// time (training issues many small jobs in a row, and waking a sleeping thread costs more than
// most of them), then yield the CPU a few times, then sleep on a futex (Linux) or a condition
// variable. A waiter that notices it was descheduled while spinning (the clock jumped: another
// process wants this core) skips straight to sleeping and spins less next time, so a busy
// neighbour does not have to share its core with an idle spinner.
#include "CKernels.h"
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#if defined(__linux__)
#include <linux/futex.h>
#include <sys/syscall.h>
#endif

#if defined(__x86_64__) || defined(__i386__)
#define cpu_relax() __builtin_ia32_pause()
#elif defined(__aarch64__)
#define cpu_relax() __asm__ __volatile__("yield" ::: "memory")
#else
#define cpu_relax() atomic_signal_fence(memory_order_seq_cst)
#endif

#define MAX_THREADS 64
#define SPIN_NS_MAX 100000L        // the longest spin before yielding (grows back to this when uncontended)
#define SPIN_NS_MIN 2000L          // the shortest, after being descheduled while spinning
#define PREEMPTED_GAP_NS 30000L    // a jump this long between two clock reads of a spin: descheduled
#define YIELDS 4                   // sched_yield calls between spinning and sleeping
#define HELD_UP_NS 200000LL        // a caller's wait this much longer than its own chunks: a worker was held up
#define SERIAL_NS_MIN 1000000LL    // how long jobs run serially after a held-up one: 1 ms at first,
#define SERIAL_NS_MAX 128000000LL  // doubling up to 128 ms

// ---- waiting on a 32-bit word -----------------------------------------------------------------
#if defined(__linux__)
static void word_wait(atomic_uint *word, unsigned value) {
    syscall(SYS_futex, (unsigned *)word, FUTEX_WAIT_PRIVATE, value, NULL, NULL, 0);
}
static void word_wake(atomic_uint *word) {
    syscall(SYS_futex, (unsigned *)word, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
}
#else
static pthread_mutex_t word_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t word_changed = PTHREAD_COND_INITIALIZER;
static void word_wait(atomic_uint *word, unsigned value) {
    pthread_mutex_lock(&word_lock);
    while (atomic_load(word) == value) pthread_cond_wait(&word_changed, &word_lock);
    pthread_mutex_unlock(&word_lock);
}
static void word_wake(atomic_uint *word) {
    (void)word;
    pthread_mutex_lock(&word_lock);
    pthread_cond_broadcast(&word_changed);
    pthread_mutex_unlock(&word_lock);
}
#endif

static inline long long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

// Until this time (CLOCK_MONOTONIC ns) the process counts as contended: a thread of it was
// descheduled recently, so waiters spin only SPIN_NS_MIN before sleeping.
#define CONTENDED_NS 20000000LL
static atomic_llong contended_until = 0;

static void note_contention(long long t) { atomic_store_explicit(&contended_until, t + CONTENDED_NS, memory_order_relaxed); }

// This thread's spin budget: halved (down to SPIN_NS_MIN) whenever it was descheduled while
// spinning, doubled back (up to SPIN_NS_MAX) after every wait that ended while spinning undisturbed.
static _Thread_local long spin_budget_ns = SPIN_NS_MAX;

// Waits until *word != value: spin, yield, then sleep; `waiters` (may be NULL) counts the sleepers.
static void wait_for_change(atomic_uint *word, unsigned value, atomic_int *waiters) {
    long long start = now_ns(), last = start;
    const int contended = start < atomic_load_explicit(&contended_until, memory_order_relaxed);
    const long budget = contended ? SPIN_NS_MIN : spin_budget_ns;
    int preempted = 0;
    for (int spins = 0; atomic_load_explicit(word, memory_order_acquire) == value; spins++) {
        cpu_relax();
        if ((spins & 31) != 31) continue;
        const long long t = now_ns();
        if (t - last > PREEMPTED_GAP_NS) { preempted = 1; note_contention(t); break; }
        last = t;
        if (t - start > budget) break;
    }
    if (atomic_load(word) != value) {
        if (!contended && spin_budget_ns < SPIN_NS_MAX) spin_budget_ns *= 2;
        return;
    }
    if (preempted) {
        spin_budget_ns = spin_budget_ns / 2 < SPIN_NS_MIN ? SPIN_NS_MIN : spin_budget_ns / 2;
    } else {
        for (int i = 0; i < YIELDS && atomic_load(word) == value; i++) sched_yield();
    }
    while (atomic_load(word) == value) {
        if (waiters) atomic_fetch_add(waiters, 1);   // seq_cst, paired with the waker's store then load
        if (atomic_load(word) == value) word_wait(word, value);
        if (waiters) atomic_fetch_sub(waiters, 1);
    }
}

// ---- the pool ---------------------------------------------------------------------------------
// The job in flight. `state` holds its number (high 32 bits) and the next unclaimed chunk (low 32
// bits, CLOSED while the fields are being written). A thread claims chunk i by moving state from
// (job, i) to (job, i + 1) with a compare-and-swap, and only then reads fn and context: a claimed
// chunk keeps its job from finishing, so those fields cannot change under it, and a thread that
// arrives after the job finished fails its claim. So the caller never waits for a worker that
// is merely late.
#define CLOSED 0xFFFFFFFFu
static _Atomic uint64_t state = CLOSED;
static _Atomic(rek_task_fn) job_fn = NULL;
static _Atomic(void *) job_context = NULL;
static atomic_long job_count = 0;
static atomic_long remaining = 0;                    // chunks not yet finished
static atomic_uint finished = 0;                     // 1 once `remaining` reached 0
static atomic_int caller_waiting = 0;
static atomic_uint generation = 0;                   // bumped for every job: what workers wait on
static atomic_int sleeping_workers = 0;
static atomic_long worker_claims = 0;                // chunks of the current job run by workers
static atomic_int thread_count = 0;                  // 0 until first asked
static int started_workers = 0;                      // guarded by pool_lock
static int wake_backoff = 0, wake_skips = 0;         // guarded by pool_lock
static long long serial_period_ns = 0, serial_until_ns = 0;   // guarded by pool_lock
static unsigned long jobs_posted = 0;                // guarded by pool_lock
static long last_involuntary_switches = -1;          // guarded by pool_lock
static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static _Thread_local int inside_job = 0;

// Claims and runs chunks of the current job until none is left.
static void run_chunks(int worker) {
    inside_job = 1;
    for (;;) {
        uint64_t s = atomic_load(&state);
        const uint32_t next = (uint32_t)s;
        if (next == CLOSED || (long)next >= atomic_load(&job_count)) break;
        if (!atomic_compare_exchange_weak(&state, &s, s + 1)) continue;
        const rek_task_fn fn = atomic_load_explicit(&job_fn, memory_order_relaxed);
        void *context = atomic_load_explicit(&job_context, memory_order_relaxed);
        if (worker) atomic_fetch_add_explicit(&worker_claims, 1, memory_order_relaxed);
        fn(context, (long)next);
        if (atomic_fetch_sub(&remaining, 1) == 1) {
            atomic_store(&finished, 1);
            if (atomic_load(&caller_waiting)) word_wake(&finished);
        }
    }
    inside_job = 0;
}

static void *worker_main(void *argument) {
    const long index = (long)(intptr_t)argument;   // workers beyond the thread count stay out
    unsigned seen = atomic_load(&generation);
    for (;;) {
        wait_for_change(&generation, seen, &sleeping_workers);
        seen = atomic_load(&generation);
        if (index >= rek_thread_count() - 1) continue;
        run_chunks(1);
    }
    return NULL;
}

static int default_thread_count(void) {
    const char *variable = getenv("REK_NUM_THREADS");
    long n = variable ? strtol(variable, NULL, 10) : sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1) n = 1;
    return n > MAX_THREADS ? MAX_THREADS : (int)n;
}

int rek_thread_count(void) {
    int n = atomic_load(&thread_count);
    if (n == 0) {
        int expected = 0;
        atomic_compare_exchange_strong(&thread_count, &expected, default_thread_count());
        n = atomic_load(&thread_count);
    }
    return n;
}

void rek_set_thread_count(int count) {
    atomic_store(&thread_count, count < 1 ? 1 : (count > MAX_THREADS ? MAX_THREADS : count));
}

int rek_parallel_available(void) {
    return inside_job ? 1 : rek_thread_count();
}

void rek_parallel_for(long count, rek_task_fn fn, void *context) {
    const int threads = rek_parallel_available();
    // Serial when there is nothing to share, when nested, or when another thread holds the pool
    // (and for more chunks than a claim can count).
    if (count <= 1 || threads <= 1 || count >= (long)CLOSED || pthread_mutex_trylock(&pool_lock) != 0) {
        for (long index = 0; index < count; index++) fn(context, index);
        return;
    }
    // For a while after a worker held up a job (see below), jobs run here alone, as with one thread.
    if (serial_until_ns > 0 && now_ns() < serial_until_ns) {
        pthread_mutex_unlock(&pool_lock);
        inside_job = 1;   // as in a chunk run by the pool: nested loops run serially
        for (long index = 0; index < count; index++) fn(context, index);
        inside_job = 0;
        return;
    }
    while (started_workers < threads - 1) {
        pthread_t thread;
        if (pthread_create(&thread, NULL, worker_main, (void *)(intptr_t)started_workers) != 0) break;
        pthread_detach(thread);
        started_workers++;
    }
    // The previous job is finished (every chunk claimed and done), so no thread reads these now.
    const uint64_t job = (atomic_load(&state) >> 32) + 1;
    atomic_store(&state, job << 32 | CLOSED);
    atomic_store_explicit(&job_fn, fn, memory_order_relaxed);
    atomic_store_explicit(&job_context, context, memory_order_relaxed);
    atomic_store(&job_count, count);
    atomic_store(&remaining, count);
    atomic_store(&finished, 0);
    atomic_store_explicit(&worker_claims, 0, memory_order_relaxed);
    atomic_store(&state, job << 32);
    atomic_fetch_add(&generation, 1);
    // Waking a sleeping worker is a system call on this thread. When the last wake did not get a
    // worker to take any chunk before this thread had taken them all (jobs too small for the
    // wake-up latency, or the worker's core busy with another process), the next 1, 3, 7 … 63 jobs
    // skip it and run here alone, as with one thread.
    int woke = 0;
    if (atomic_load(&sleeping_workers) > 0) {
        if (wake_skips > 0) wake_skips--;
        else { word_wake(&generation); woke = 1; }
    }
    const long long started = now_ns();
    run_chunks(0);
    const long long ran = now_ns() - started;
    long long waited = 0;
    if (!atomic_load(&finished)) {
        atomic_store(&caller_waiting, 1);
        wait_for_change(&finished, 0, NULL);
        atomic_store(&caller_waiting, 0);
        waited = now_ns() - started - ran;
    }
    // A worker that claimed a chunk and then lost its core (another process wants it) holds the
    // job up for a scheduler time slice, far longer than the chunks this thread ran meanwhile. Then
    // jobs run on this thread alone (never slower than one thread) for 1 ms, doubled up to 128 ms
    // each time another job is held up within four such periods after one ended. The chunks, and so
    // the results, stay the same.
    if (waited > ran + HELD_UP_NS) {
        const long long t = now_ns();
        const int recent = serial_period_ns > 0 && t - serial_until_ns < 4 * serial_period_ns;
        serial_period_ns = !recent ? SERIAL_NS_MIN
                           : (serial_period_ns * 2 > SERIAL_NS_MAX ? SERIAL_NS_MAX : serial_period_ns * 2);
        serial_until_ns = t + serial_period_ns;
    }
    if (atomic_load_explicit(&worker_claims, memory_order_relaxed) > 0) wake_backoff = 0;
    else if (woke) { wake_backoff = wake_backoff * 2 + 1 > 63 ? 63 : wake_backoff * 2 + 1; wake_skips = wake_backoff; }
    // Every 64 jobs: were this process's threads preempted more than once (another process wants a core)?
    if ((++jobs_posted & 63) == 0) {
        struct rusage usage;
        if (getrusage(RUSAGE_SELF, &usage) == 0) {
            if (last_involuntary_switches >= 0 && usage.ru_nivcsw - last_involuntary_switches >= 2) note_contention(now_ns());
            last_involuntary_switches = usage.ru_nivcsw;
        }
    }
    pthread_mutex_unlock(&pool_lock);
}

#if defined(__GLIBC__)
#include <malloc.h>
#endif

void rek_retain_freed_memory(void) {
#if defined(__GLIBC__)
    // glibc returns freed memory at the top of the heap to the system as soon as more than 128 kB
    // is free, so every batch's new tensors fault their pages in again (over 100 faults per
    // 1,024-sample LSTM forward pass here). Keeping 64 MB of headroom makes those allocations reuse
    // memory, as TensorFlow's and PyTorch's caching allocators do. Peak memory is unchanged.
    // Any mallopt call also freezes the mmap threshold at 128 kB (glibc stops raising it), which
    // would map, fault and unmap every tensor above 128 kB in every batch (a convolution's
    // activations): serve blocks up to 32 MB (glibc's maximum threshold) from the heap too.
    static atomic_int done = 0;
    if (atomic_exchange(&done, 1) == 0) {
        mallopt(M_MMAP_THRESHOLD, 32 << 20);
        mallopt(M_TOP_PAD, 64 << 20);
    }
#endif
}
