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

#ifdef __cplusplus
}
#endif

#endif
