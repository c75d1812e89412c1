// A small persistent thread pool for data-parallel loops.
//
// Callers split their work into chunks whose results do not depend on which thread runs them
// (disjoint rows of an output, never a shared sum), so results are identical for every thread
// count. Workers spin briefly after a job before sleeping: training issues many small jobs in a
// row, and waking a sleeping thread costs more than most of them.
#include "CKernels.h"
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#define cpu_relax() __builtin_ia32_pause()
#else
#define cpu_relax() atomic_signal_fence(memory_order_seq_cst)
#endif

#define MAX_THREADS 64
#define SPINS_BEFORE_SLEEP 20000

typedef struct {
    rek_task_fn fn;
    void *context;
    long count;
    atomic_long next;
    atomic_long remaining;
} job_t;

static job_t job;                                    // the one job in flight, guarded by pool_lock
static job_t *_Atomic current_job = NULL;
static atomic_ulong generation = 0;                  // bumped for every job
static atomic_int busy_workers = 0;                  // workers that may be reading `job`
static atomic_int sleepers = 0;
static atomic_int thread_count = 0;                  // 0 until first asked
static int started_workers = 0;                      // guarded by pool_lock
static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t sleep_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static _Thread_local int inside_job = 0;

static void run_chunks(job_t *j) {
    inside_job = 1;
    for (;;) {
        const long index = atomic_fetch_add(&j->next, 1);
        if (index >= j->count) break;
        j->fn(j->context, index);
        atomic_fetch_sub(&j->remaining, 1);
    }
    inside_job = 0;
}

static void *worker_main(void *argument) {
    const long index = (long)(intptr_t)argument;   // workers beyond the thread count stay out
    unsigned long seen = atomic_load(&generation);
    for (;;) {
        for (int spins = 0; atomic_load(&generation) == seen; spins++) {
            if (spins < SPINS_BEFORE_SLEEP) { cpu_relax(); continue; }
            pthread_mutex_lock(&sleep_lock);
            atomic_fetch_add(&sleepers, 1);
            while (atomic_load(&generation) == seen) pthread_cond_wait(&wake, &sleep_lock);
            atomic_fetch_sub(&sleepers, 1);
            pthread_mutex_unlock(&sleep_lock);
        }
        seen = atomic_load(&generation);
        if (index >= rek_thread_count() - 1) continue;
        atomic_fetch_add(&busy_workers, 1);
        job_t *j = atomic_load(&current_job);
        if (j) run_chunks(j);
        atomic_fetch_sub(&busy_workers, 1);
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
    // Serial when there is nothing to share, when nested, or when another thread holds the pool.
    if (count <= 1 || threads <= 1 || pthread_mutex_trylock(&pool_lock) != 0) {
        for (long index = 0; index < count; index++) fn(context, index);
        return;
    }
    while (started_workers < threads - 1) {
        pthread_t thread;
        if (pthread_create(&thread, NULL, worker_main, (void *)(intptr_t)started_workers) != 0) break;
        pthread_detach(thread);
        started_workers++;
    }
    job.fn = fn;
    job.context = context;
    job.count = count;
    atomic_store(&job.next, 0);
    atomic_store(&job.remaining, count);
    atomic_store(&current_job, &job);
    atomic_fetch_add(&generation, 1);
    if (atomic_load(&sleepers) > 0) {
        pthread_mutex_lock(&sleep_lock);
        pthread_cond_broadcast(&wake);
        pthread_mutex_unlock(&sleep_lock);
    }
    run_chunks(&job);
    while (atomic_load(&job.remaining) > 0) cpu_relax();
    atomic_store(&current_job, NULL);
    while (atomic_load(&busy_workers) > 0) cpu_relax();
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
