// Fused optimizer updates: one pass over the weights, vectorized with AVX-512 or AVX2 where available
// (the same operations in the same order on both).
#include "CKernels.h"
#include <math.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

__attribute__((target("avx512f,fma")))
static void adam_avx512(long count, float *w, const float *g, float *m, float *v,
                        float stepSize, float b1, float b2, float epsilon) {
    const __m512 vb1 = _mm512_set1_ps(b1), vb2 = _mm512_set1_ps(b2);
    const __m512 vstep = _mm512_set1_ps(stepSize), veps = _mm512_set1_ps(epsilon);
    for (long i = 0; i < count; i += 16) {
        const __mmask16 k = (count - i) >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (count - i)) - 1u);
        const __m512 gi = _mm512_maskz_loadu_ps(k, g + i);
        __m512 mi = _mm512_maskz_loadu_ps(k, m + i), vi = _mm512_maskz_loadu_ps(k, v + i);
        mi = _mm512_fmadd_ps(_mm512_sub_ps(gi, mi), vb1, mi);
        vi = _mm512_fmadd_ps(_mm512_fmsub_ps(gi, gi, vi), vb2, vi);
        const __m512 update = _mm512_div_ps(_mm512_mul_ps(vstep, mi), _mm512_add_ps(_mm512_sqrt_ps(vi), veps));
        _mm512_mask_storeu_ps(m + i, k, mi);
        _mm512_mask_storeu_ps(v + i, k, vi);
        _mm512_mask_storeu_ps(w + i, k, _mm512_sub_ps(_mm512_maskz_loadu_ps(k, w + i), update));
    }
}

__attribute__((target("avx2,fma")))
static void adam_avx2(long count, float *w, const float *g, float *m, float *v,
                      float stepSize, float b1, float b2, float epsilon) {
    const __m256 vb1 = _mm256_set1_ps(b1), vb2 = _mm256_set1_ps(b2);
    const __m256 vstep = _mm256_set1_ps(stepSize), veps = _mm256_set1_ps(epsilon);
    const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    for (long i = 0; i < count; i += 8) {
        const long left = count - i;
        const __m256i k = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)(left < 8 ? left : 8)), lanes);
        const int full = left >= 8;
        const __m256 gi = full ? _mm256_loadu_ps(g + i) : _mm256_maskload_ps(g + i, k);
        __m256 mi = full ? _mm256_loadu_ps(m + i) : _mm256_maskload_ps(m + i, k);
        __m256 vi = full ? _mm256_loadu_ps(v + i) : _mm256_maskload_ps(v + i, k);
        const __m256 wi = full ? _mm256_loadu_ps(w + i) : _mm256_maskload_ps(w + i, k);
        mi = _mm256_fmadd_ps(_mm256_sub_ps(gi, mi), vb1, mi);
        vi = _mm256_fmadd_ps(_mm256_fmsub_ps(gi, gi, vi), vb2, vi);
        const __m256 update = _mm256_div_ps(_mm256_mul_ps(vstep, mi), _mm256_add_ps(_mm256_sqrt_ps(vi), veps));
        if (full) {
            _mm256_storeu_ps(m + i, mi);
            _mm256_storeu_ps(v + i, vi);
            _mm256_storeu_ps(w + i, _mm256_sub_ps(wi, update));
        } else {
            _mm256_maskstore_ps(m + i, k, mi);
            _mm256_maskstore_ps(v + i, k, vi);
            _mm256_maskstore_ps(w + i, k, _mm256_sub_ps(wi, update));
        }
    }
}
#endif

void rek_adam_update(long count, float *w, const float *g, float *m, float *v,
                     float stepSize, float b1, float b2, float epsilon) {
#if defined(__x86_64__) || defined(__i386__)
    const int width = rek_sgemm_kernel_width();   // honours REK_ISA
    if (width == 512) { adam_avx512(count, w, g, m, v, stepSize, b1, b2, epsilon); return; }
    if (width == 256) { adam_avx2(count, w, g, m, v, stepSize, b1, b2, epsilon); return; }
#endif
    for (long i = 0; i < count; i++) {
        m[i] += (g[i] - m[i]) * b1;
        v[i] += (g[i] * g[i] - v[i]) * b2;
        w[i] -= stepSize * m[i] / (sqrtf(v[i]) + epsilon);
    }
}
