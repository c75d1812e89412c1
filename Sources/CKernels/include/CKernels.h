#ifndef REK_CKERNELS_H
#define REK_CKERNELS_H

#include <stddef.h>
#include "lstm_kernels.h"
#include "gru_kernels.h"
#include "optimizer_kernels.h"
#include "convolution_kernels.h"

#ifdef __cplusplus
extern "C" {
#endif

/// C = op(A) · op(B) + beta · C + bias for row-major float32 matrices.
///
/// op(A) is M×K (A is K×M when transA != 0), op(B) is K×N (B is N×K when transB != 0); `bias`
/// (N floats, may be NULL) is added to every row. Dispatches at run time to an AVX-512 or AVX2/FMA
/// micro-kernel when the CPU has it (NEON on aarch64), and to a portable loop otherwise; large products are split
/// over the thread pool. beta == 0 ignores (and need not initialize) the previous contents of C.
void rek_sgemm(int transA, int transB, long M, long N, long K,
               const float *A, long lda, const float *B, long ldb,
               float beta, const float *bias, float *C, long ldc);

/// `rek_sgemm`, then an element-wise activation (`REK_RELU`, `REK_TANH`, …; `REK_LINEAR` for none) on
/// the result, applied to each thread's share of C as soon as it is computed (in parallel, and
/// while it is in that thread's cache) instead of in a second pass over C.
void rek_sgemm_activated(int transA, int transB, long M, long N, long K,
                         const float *A, long lda, const float *B, long ldb,
                         float beta, const float *bias, int activation, float *C, long ldc);

/// Same as `rek_sgemm` but always uses the portable loop (reference for tests).
void rek_sgemm_reference(int transA, int transB, long M, long N, long K,
                         const float *A, long lda, const float *B, long ldb,
                         float beta, float *C, long ldc);

/// Runs `iterations` rounds of 12 independent vector FMAs (no memory traffic) with the widest
/// instruction set `rek_sgemm` uses and returns the floating-point operations done (0 without
/// SIMD kernels): timing it measures one core's practical peak, for benchmarks.
double rek_fma_peak(long iterations);

/// Which kernel `rek_sgemm` uses on this CPU: 512 (AVX-512), 256 (AVX2/FMA), 128 (NEON on aarch64)
/// or 0 (portable, also forced by REK_ISA=portable).
int rek_sgemm_kernel_width(void);

/// c[row, j] += vector[j] for `rows` rows of `columns` contiguous floats (adding a bias).
void rek_add_row_vector(const float *vector, float *c, long rows, long columns);

/// sums[j] += Σ_row a[row·stride + j] (a bias gradient).
void rek_accumulate_column_sums(const float *a, long rows, long columns, long stride, float *sums);

/// Element-wise losses for `rek_loss`.
enum { REK_LOSS_MSE = 0, REK_LOSS_MAE = 1 };

/// Σ loss(predicted[i] − target[i]) over `count` elements; when `gradient` is not NULL, also
/// writes gradientScale · ∂loss/∂predicted[i] into it (the derivative of |d| at 0 is 0).
double rek_loss(int kind, const float *predicted, const float *target, long count,
                float *gradient, float gradientScale);

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
