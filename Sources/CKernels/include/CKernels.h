#ifndef REK_CKERNELS_H
#define REK_CKERNELS_H

#include <stddef.h>
#include "lstm_kernels.h"
#include "optimizer_kernels.h"

#ifdef __cplusplus
extern "C" {
#endif

/// C = op(A) · op(B) + beta · C for row-major float32 matrices.
///
/// op(A) is M×K (A is K×M when transA != 0), op(B) is K×N (B is N×K when transB != 0).
/// Dispatches at run time to an AVX-512 or AVX2/FMA micro-kernel when the CPU has it,
/// and to a portable loop otherwise. beta == 0 ignores the previous contents of C.
void rek_sgemm(int transA, int transB, long M, long N, long K,
               const float *A, long lda, const float *B, long ldb,
               float beta, float *C, long ldc);

/// Same as `rek_sgemm` but always uses the portable loop (reference for tests).
void rek_sgemm_reference(int transA, int transB, long M, long N, long K,
                         const float *A, long lda, const float *B, long ldb,
                         float beta, float *C, long ldc);

/// Which kernel `rek_sgemm` uses on this CPU: 512 (AVX-512), 256 (AVX2/FMA) or 0 (portable).
int rek_sgemm_kernel_width(void);

/// A chunk of a data-parallel loop: called once for each index in `0 ..< count`.
typedef void (*rek_task_fn)(void *context, long index);

/// Runs `fn(context, i)` for every `i` in `0 ..< count`, spread over the pool's threads (the caller
/// included), and returns when all have finished. Chunks must not depend on one another or on the
/// thread that runs them. Nested calls, and calls while another thread uses the pool, run serially.
void rek_parallel_for(long count, rek_task_fn fn, void *context);

/// The threads `rek_parallel_for` uses: `REK_NUM_THREADS`, else the online CPUs (at most 64).
int rek_thread_count(void);

/// Sets the thread count (1 disables threading).
void rek_set_thread_count(int count);

/// The threads a `rek_parallel_for` started here would use: 1 inside a chunk, else the thread count.
int rek_parallel_available(void);

/// On glibc, keeps up to 64 MB of freed heap memory for reuse instead of returning it to the
/// system after every large free (which makes each batch's tensors page-fault again). Idempotent.
void rek_retain_freed_memory(void);

#ifdef __cplusplus
}
#endif

#endif
