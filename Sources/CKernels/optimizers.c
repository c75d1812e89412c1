// Fused optimizer updates: one pass over the weights, vectorized with AVX-512 or AVX2 where available
// (the same operations in the same order on both). Each pass also ORs together a finiteness test of
// every value it writes, so the caller learns at no extra pass whether the step produced NaN or ∞.
#include "CKernels.h"
#include <stdatomic.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

// x − x is +0 for every finite x and NaN for ±∞ and NaN: OR-ing those bit patterns stays all-zero
// exactly when every value was finite. Testing w' and v' covers m' too: when m' is NaN or ±∞ and v'
// is finite, stepSize · m' / (√v' + ε) is NaN or ±∞ (the divisor is finite and > 0), and so is w'.

__attribute__((target("avx512f,fma")))
static int adam_avx512(long count, const float *w, const float *g, const float *m, const float *v,
                       float *nw, float *nm, float *nv, float stepSize, float b1, float b2, float epsilon) {
    const __m512 vb1 = _mm512_set1_ps(b1), vb2 = _mm512_set1_ps(b2);
    const __m512 vstep = _mm512_set1_ps(stepSize), veps = _mm512_set1_ps(epsilon);
    __m512i bad = _mm512_setzero_si512();
    for (long i = 0; i < count; i += 16) {
        const __mmask16 k = (count - i) >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (count - i)) - 1u);
        const __m512 gi = _mm512_maskz_loadu_ps(k, g + i);
        __m512 mi = _mm512_maskz_loadu_ps(k, m + i), vi = _mm512_maskz_loadu_ps(k, v + i);
        mi = _mm512_fmadd_ps(_mm512_sub_ps(gi, mi), vb1, mi);
        vi = _mm512_fmadd_ps(_mm512_fmsub_ps(gi, gi, vi), vb2, vi);
        const __m512 update = _mm512_div_ps(_mm512_mul_ps(vstep, mi), _mm512_add_ps(_mm512_sqrt_ps(vi), veps));
        const __m512 wi = _mm512_sub_ps(_mm512_maskz_loadu_ps(k, w + i), update);
        _mm512_mask_storeu_ps(nm + i, k, mi);
        _mm512_mask_storeu_ps(nv + i, k, vi);
        _mm512_mask_storeu_ps(nw + i, k, wi);
        // Lanes outside the mask are zeroed, so a tail's padding (0/ε, or 0/0 when ε = 0) never counts.
        const __m512i checkW = _mm512_castps_si512(_mm512_maskz_sub_ps(k, wi, wi));
        const __m512i checkV = _mm512_castps_si512(_mm512_maskz_sub_ps(k, vi, vi));
        bad = _mm512_or_si512(bad, _mm512_or_si512(checkW, checkV));
    }
    return _mm512_test_epi32_mask(bad, bad) != 0;
}

__attribute__((target("avx2,fma")))
static int adam_avx2(long count, const float *w, const float *g, const float *m, const float *v,
                     float *nw, float *nm, float *nv, float stepSize, float b1, float b2, float epsilon) {
    const __m256 vb1 = _mm256_set1_ps(b1), vb2 = _mm256_set1_ps(b2);
    const __m256 vstep = _mm256_set1_ps(stepSize), veps = _mm256_set1_ps(epsilon);
    const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    __m256 bad = _mm256_setzero_ps();
    for (long i = 0; i < count; i += 8) {
        const long left = count - i;
        const __m256i k = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)(left < 8 ? left : 8)), lanes);
        const int full = left >= 8;
        const __m256 gi = full ? _mm256_loadu_ps(g + i) : _mm256_maskload_ps(g + i, k);
        __m256 mi = full ? _mm256_loadu_ps(m + i) : _mm256_maskload_ps(m + i, k);
        __m256 vi = full ? _mm256_loadu_ps(v + i) : _mm256_maskload_ps(v + i, k);
        __m256 wi = full ? _mm256_loadu_ps(w + i) : _mm256_maskload_ps(w + i, k);
        mi = _mm256_fmadd_ps(_mm256_sub_ps(gi, mi), vb1, mi);
        vi = _mm256_fmadd_ps(_mm256_fmsub_ps(gi, gi, vi), vb2, vi);
        const __m256 update = _mm256_div_ps(_mm256_mul_ps(vstep, mi), _mm256_add_ps(_mm256_sqrt_ps(vi), veps));
        wi = _mm256_sub_ps(wi, update);
        __m256 check = _mm256_or_ps(_mm256_sub_ps(wi, wi), _mm256_sub_ps(vi, vi));
        if (full) {
            _mm256_storeu_ps(nm + i, mi);
            _mm256_storeu_ps(nv + i, vi);
            _mm256_storeu_ps(nw + i, wi);
        } else {
            _mm256_maskstore_ps(nm + i, k, mi);
            _mm256_maskstore_ps(nv + i, k, vi);
            _mm256_maskstore_ps(nw + i, k, wi);
            // A tail's padding lanes (0/ε, or 0/0 when ε = 0) must not count.
            check = _mm256_and_ps(check, _mm256_castsi256_ps(k));
        }
        bad = _mm256_or_ps(bad, check);
    }
    const __m256i bits = _mm256_castps_si256(bad);
    return !_mm256_testz_si256(bits, bits);
}
#endif

static inline uint32_t nonfinite_bits(float x) {
    float d = x - x;   // +0 when finite, NaN otherwise
    uint32_t bits;
    memcpy(&bits, &d, sizeof bits);
    return bits;
}

static int adam_portable(long count, const float *w, const float *g, const float *m, const float *v,
                         float *nw, float *nm, float *nv, float stepSize, float b1, float b2, float epsilon) {
    uint32_t bad = 0;
    for (long i = 0; i < count; i++) {
        const float mi = m[i] + (g[i] - m[i]) * b1;
        const float vi = v[i] + (g[i] * g[i] - v[i]) * b2;
        const float wi = w[i] - stepSize * mi / (sqrtf(vi) + epsilon);
        nm[i] = mi;
        nv[i] = vi;
        nw[i] = wi;
        bad |= nonfinite_bits(wi) | nonfinite_bits(vi);
    }
    return bad != 0;
}

int rek_adam_update_on_path(int path, long count, const float *w, const float *g, const float *m, const float *v,
                            float *newW, float *newM, float *newV,
                            float stepSize, float b1, float b2, float epsilon) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    if (path == 512) {
        if (!(__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("fma"))) return -1;
        return adam_avx512(count, w, g, m, v, newW, newM, newV, stepSize, b1, b2, epsilon);
    }
    if (path == 256) {
        if (!(__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))) return -1;
        return adam_avx2(count, w, g, m, v, newW, newM, newV, stepSize, b1, b2, epsilon);
    }
#endif
    if (path != 0) return -1;
    return adam_portable(count, w, g, m, v, newW, newM, newV, stepSize, b1, b2, epsilon);
}

static int adam_on_widest_path(long count, const float *w, const float *g, const float *m, const float *v,
                               float *newW, float *newM, float *newV, float stepSize, float b1, float b2,
                               float epsilon) {
#if defined(__x86_64__) || defined(__i386__)
    const int width = rek_sgemm_kernel_width();   // honours REK_ISA
    if (width == 512) return adam_avx512(count, w, g, m, v, newW, newM, newV, stepSize, b1, b2, epsilon);
    if (width == 256) return adam_avx2(count, w, g, m, v, newW, newM, newV, stepSize, b1, b2, epsilon);
#endif
    return adam_portable(count, w, g, m, v, newW, newM, newV, stepSize, b1, b2, epsilon);
}

// Chunks of the threaded update (elements are independent, so the results do not depend on them).
#define ADAM_CHUNK 16384L

typedef struct {
    const float *w, *g, *m, *v;
    float *newW, *newM, *newV;
    float stepSize, b1, b2, epsilon;
    long count;
    atomic_int bad;
} adam_job;

static void adam_chunk(void *context, long index) {
    adam_job *job = context;
    const long start = index * ADAM_CHUNK, n = job->count - start < ADAM_CHUNK ? job->count - start : ADAM_CHUNK;
    if (adam_on_widest_path(n, job->w + start, job->g + start, job->m + start, job->v + start, job->newW + start,
                            job->newM + start, job->newV + start, job->stepSize, job->b1, job->b2, job->epsilon))
        atomic_store_explicit(&job->bad, 1, memory_order_relaxed);
}

int rek_adam_update(long count, const float *w, const float *g, const float *m, const float *v,
                    float *newW, float *newM, float *newV,
                    float stepSize, float b1, float b2, float epsilon) {
    // A large parameter's update (a 784×64 kernel: 7 streams of 200 kB) is shared by the pool.
    if (count >= 2 * ADAM_CHUNK && rek_parallel_available() > 1) {
        adam_job job = {w, g, m, v, newW, newM, newV, stepSize, b1, b2, epsilon, count, 0};
        rek_parallel_for((count + ADAM_CHUNK - 1) / ADAM_CHUNK, adam_chunk, &job);
        return atomic_load_explicit(&job.bad, memory_order_relaxed);
    }
    return adam_on_widest_path(count, w, g, m, v, newW, newM, newV, stepSize, b1, b2, epsilon);
}

long rek_first_nonfinite(long count, const float *x) {
    // Blocks of 64 are tested branch-free (vectorizable); only a block holding a bad value is searched.
    long i = 0;
    for (; i + 64 <= count; i += 64) {
        uint32_t bad = 0;
        for (long j = 0; j < 64; j++) {
            uint32_t bits;
            memcpy(&bits, &x[i + j], sizeof bits);
            bad |= (bits & 0x7F800000u) == 0x7F800000u;
        }
        if (bad) break;
    }
    for (; i < count; i++) {
        uint32_t bits;
        memcpy(&bits, &x[i], sizeof bits);
        if ((bits & 0x7F800000u) == 0x7F800000u) return i;
    }
    return -1;
}
