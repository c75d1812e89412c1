// Single-precision matrix multiply: register-blocked SIMD micro-kernels with a portable fallback.
//
// The CPU is asked once per call (`__builtin_cpu_supports` reads a cached word), so the same binary
// runs everywhere; the vector code is compiled per function with `target` attributes, which keeps
// the package free of build flags.
#include "CKernels.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define REK_X86 1
#endif

#if defined(__aarch64__)
#include <arm_neon.h>   // NEON (Advanced SIMD) is baseline on aarch64: no target attribute needed
#define REK_NEON 1
#endif

#define KC 256

static inline long min_l(long a, long b) { return a < b ? a : b; }

// Transposed B is packed once into a contiguous K×N panel so every kernel reads B rows.
static _Thread_local float *pack_buffer = NULL;
static _Thread_local size_t pack_capacity = 0;

// dst[k·ldd + n] = src[n·lds + k] for n < rows, k < columns, in 16×16 tiles (the plain loop's writes,
// ldd floats apart, each touched a new cache line).
static void transpose_scalar(const float *restrict src, long lds, long rows, long columns, float *restrict dst,
                             long ldd) {
    for (long n0 = 0; n0 < rows; n0 += 16)
        for (long k0 = 0; k0 < columns; k0 += 16) {
            const long n1 = min_l(n0 + 16, rows), k1 = min_l(k0 + 16, columns);
            for (long n = n0; n < n1; n++)
                for (long k = k0; k < k1; k++) dst[k * ldd + n] = src[n * lds + k];
        }
}

#ifdef REK_X86
// The same with 8×8 register transposes: eight loads and eight stores per 64 floats instead of one
// store per float, which bounded the scalar loop (a tenth of a dense autoencoder's training step).
__attribute__((target("avx2"))) static void transpose_avx2(const float *restrict src, long lds, long rows,
                                                           long columns, float *restrict dst, long ldd) {
    const long rows8 = rows & ~7L, columns8 = columns & ~7L;
    for (long n = 0; n < rows8; n += 8)
        for (long k = 0; k < columns8; k += 8) {
            __m256 r[8], t[8];
            for (int i = 0; i < 8; i++) r[i] = _mm256_loadu_ps(src + (n + i) * lds + k);
            for (int i = 0; i < 8; i += 2) {
                t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
                t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
            }
            for (int i = 0; i < 8; i += 4) {
                r[i] = _mm256_shuffle_ps(t[i], t[i + 2], _MM_SHUFFLE(1, 0, 1, 0));
                r[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], _MM_SHUFFLE(3, 2, 3, 2));
                r[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], _MM_SHUFFLE(1, 0, 1, 0));
                r[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], _MM_SHUFFLE(3, 2, 3, 2));
            }
            for (int i = 0; i < 4; i++) {
                _mm256_storeu_ps(dst + (k + i) * ldd + n, _mm256_permute2f128_ps(r[i], r[i + 4], 0x20));
                _mm256_storeu_ps(dst + (k + i + 4) * ldd + n, _mm256_permute2f128_ps(r[i], r[i + 4], 0x31));
            }
        }
    if (columns8 < columns) transpose_scalar(src + columns8, lds, rows8, columns - columns8, dst + columns8 * ldd, ldd);
    if (rows8 < rows) transpose_scalar(src + rows8 * lds, lds, rows - rows8, columns, dst + rows8, ldd);
}
#endif

static const float *contiguous_b(int transB, long N, long K, const float *B, long ldb, long *outLdb) {
    if (!transB) { *outLdb = ldb; return B; }
    size_t need = (size_t)N * (size_t)K;
    if (need > pack_capacity) {
        free(pack_buffer);
        pack_buffer = (float *)malloc(need * sizeof(float));
        pack_capacity = pack_buffer ? need : 0;
        if (!pack_buffer) return NULL;
    }
#ifdef REK_X86
    if (rek_sgemm_kernel_width() >= 256) transpose_avx2(B, ldb, N, K, pack_buffer, N);
    else
#endif
        transpose_scalar(B, ldb, N, K, pack_buffer, N);
    *outLdb = N;
    return pack_buffer;
}

static void scale_c(long M, long N, float beta, float *C, long ldc) {
    if (beta == 1.0f) return;
    for (long i = 0; i < M; i++)
        for (long j = 0; j < N; j++) C[i * ldc + j] *= beta;
}

// Portable: C (+)= A·B (+ bias) with strides, i-k-j order so the inner loop streams rows of B and C.
// `store` overwrites C instead of adding to it; `bias` (may be NULL) is added then.
static void gemm_portable(long M, long N, long K, const float *A, long sai, long sak,
                          const float *B, long ldb, float *C, long ldc, int store, const float *bias) {
    for (long i = 0; i < M; i++) {
        float *c = C + i * ldc;
        if (store) for (long j = 0; j < N; j++) c[j] = bias ? bias[j] : 0.0f;
        for (long k = 0; k < K; k++) {
            const float a = A[i * sai + k * sak];
            const float *b = B + k * ldb;
            for (long j = 0; j < N; j++) c[j] += a * b[j];
        }
    }
}

#ifdef REK_X86
// ---- AVX-512: 8 rows × 32 columns of C in 16 zmm accumulators --------------------------------
#define DEFINE_K512(R)                                                                              \
__attribute__((target("avx512f,fma"))) static void k512_##R(                                        \
    long kc, const float *a, long sai, long sak, const float *b, long ldb, float *c, long ldc,       \
    __mmask16 m0, __mmask16 m1, int store, const float *bias) {                                     \
    __m512 c0[R], c1[R];                                                                            \
    for (int r = 0; r < R; r++) { c0[r] = _mm512_setzero_ps(); c1[r] = _mm512_setzero_ps(); }      \
    for (long k = 0; k < kc; k++) {                                                                 \
        const __m512 b0 = _mm512_maskz_loadu_ps(m0, b + k * ldb);                                   \
        const __m512 b1 = _mm512_maskz_loadu_ps(m1, b + k * ldb + 16);                              \
        for (int r = 0; r < R; r++) {                                                               \
            const __m512 av = _mm512_set1_ps(a[r * sai + k * sak]);                                 \
            c0[r] = _mm512_fmadd_ps(av, b0, c0[r]);                                                 \
            c1[r] = _mm512_fmadd_ps(av, b1, c1[r]);                                                 \
        }                                                                                           \
    }                                                                                               \
    if (store) {                                                                                    \
        const __m512 bias0 = bias ? _mm512_maskz_loadu_ps(m0, bias) : _mm512_setzero_ps();         \
        const __m512 bias1 = bias ? _mm512_maskz_loadu_ps(m1, bias + 16) : _mm512_setzero_ps();    \
        for (int r = 0; r < R; r++) {                                                               \
            _mm512_mask_storeu_ps(c + r * ldc, m0, _mm512_add_ps(c0[r], bias0));                   \
            _mm512_mask_storeu_ps(c + r * ldc + 16, m1, _mm512_add_ps(c1[r], bias1));              \
        }                                                                                           \
        return;                                                                                     \
    }                                                                                               \
    for (int r = 0; r < R; r++) {                                                                   \
        float *cr = c + r * ldc;                                                                    \
        _mm512_mask_storeu_ps(cr, m0, _mm512_add_ps(c0[r], _mm512_maskz_loadu_ps(m0, cr)));        \
        _mm512_mask_storeu_ps(cr + 16, m1, _mm512_add_ps(c1[r], _mm512_maskz_loadu_ps(m1, cr + 16))); \
    }                                                                                               \
}
DEFINE_K512(1) DEFINE_K512(2) DEFINE_K512(3) DEFINE_K512(4)
DEFINE_K512(5) DEFINE_K512(6) DEFINE_K512(7) DEFINE_K512(8)

typedef void (*k512_fn)(long, const float *, long, long, const float *, long, float *, long, __mmask16, __mmask16,
                        int, const float *);
static const k512_fn k512_table[9] = {NULL, k512_1, k512_2, k512_3, k512_4, k512_5, k512_6, k512_7, k512_8};

// The same for a tile of at most 16 columns (convolutions have 1, 8 or 16 filters or channels):
// 16 rows × 16 columns, so no half of the 32-column tile runs on masked-off lanes. Each element
// takes the same instructions as in k512, so results do not depend on which kernel computed them.
#define DEFINE_K512N(R)                                                                             \
__attribute__((target("avx512f,fma"))) static void k512n_##R(                                       \
    long kc, const float *a, long sai, long sak, const float *b, long ldb, float *c, long ldc,       \
    __mmask16 m0, int store, const float *bias) {                                                    \
    __m512 c0[R];                                                                                   \
    for (int r = 0; r < R; r++) c0[r] = _mm512_setzero_ps();                                        \
    for (long k = 0; k < kc; k++) {                                                                 \
        const __m512 b0 = _mm512_maskz_loadu_ps(m0, b + k * ldb);                                   \
        for (int r = 0; r < R; r++) c0[r] = _mm512_fmadd_ps(_mm512_set1_ps(a[r * sai + k * sak]), b0, c0[r]); \
    }                                                                                               \
    const __m512 bias0 = store && bias ? _mm512_maskz_loadu_ps(m0, bias) : _mm512_setzero_ps();    \
    for (int r = 0; r < R; r++) {                                                                   \
        float *cr = c + r * ldc;                                                                    \
        _mm512_mask_storeu_ps(cr, m0, _mm512_add_ps(c0[r], store ? bias0 : _mm512_maskz_loadu_ps(m0, cr))); \
    }                                                                                               \
}
DEFINE_K512N(1) DEFINE_K512N(2) DEFINE_K512N(3) DEFINE_K512N(4) DEFINE_K512N(5) DEFINE_K512N(6)
DEFINE_K512N(7) DEFINE_K512N(8) DEFINE_K512N(9) DEFINE_K512N(10) DEFINE_K512N(11) DEFINE_K512N(12)
DEFINE_K512N(13) DEFINE_K512N(14) DEFINE_K512N(15) DEFINE_K512N(16)

typedef void (*k512n_fn)(long, const float *, long, long, const float *, long, float *, long, __mmask16, int,
                         const float *);
static const k512n_fn k512n_table[17] = {NULL,      k512n_1,  k512n_2,  k512n_3,  k512n_4,  k512n_5,
                                         k512n_6,   k512n_7,  k512n_8,  k512n_9,  k512n_10, k512n_11,
                                         k512n_12,  k512n_13, k512n_14, k512n_15, k512n_16};

// ---- AVX2/FMA: 6 rows × 16 columns in 12 ymm accumulators; column tail handled portably -------
#define DEFINE_K256(R)                                                                              \
__attribute__((target("avx2,fma"))) static void k256_##R(                                           \
    long kc, const float *a, long sai, long sak, const float *b, long ldb, float *c, long ldc,       \
    int store, const float *bias) {                                                                  \
    __m256 c0[R], c1[R];                                                                            \
    for (int r = 0; r < R; r++) { c0[r] = _mm256_setzero_ps(); c1[r] = _mm256_setzero_ps(); }      \
    for (long k = 0; k < kc; k++) {                                                                 \
        const __m256 b0 = _mm256_loadu_ps(b + k * ldb);                                             \
        const __m256 b1 = _mm256_loadu_ps(b + k * ldb + 8);                                         \
        for (int r = 0; r < R; r++) {                                                               \
            const __m256 av = _mm256_broadcast_ss(a + r * sai + k * sak);                           \
            c0[r] = _mm256_fmadd_ps(av, b0, c0[r]);                                                 \
            c1[r] = _mm256_fmadd_ps(av, b1, c1[r]);                                                 \
        }                                                                                           \
    }                                                                                               \
    if (store) {                                                                                    \
        const __m256 bias0 = bias ? _mm256_loadu_ps(bias) : _mm256_setzero_ps();                   \
        const __m256 bias1 = bias ? _mm256_loadu_ps(bias + 8) : _mm256_setzero_ps();               \
        for (int r = 0; r < R; r++) {                                                               \
            _mm256_storeu_ps(c + r * ldc, _mm256_add_ps(c0[r], bias0));                            \
            _mm256_storeu_ps(c + r * ldc + 8, _mm256_add_ps(c1[r], bias1));                        \
        }                                                                                           \
        return;                                                                                     \
    }                                                                                               \
    for (int r = 0; r < R; r++) {                                                                   \
        float *cr = c + r * ldc;                                                                    \
        _mm256_storeu_ps(cr, _mm256_add_ps(c0[r], _mm256_loadu_ps(cr)));                           \
        _mm256_storeu_ps(cr + 8, _mm256_add_ps(c1[r], _mm256_loadu_ps(cr + 8)));                   \
    }                                                                                               \
}
DEFINE_K256(1) DEFINE_K256(2) DEFINE_K256(3) DEFINE_K256(4) DEFINE_K256(5) DEFINE_K256(6)

typedef void (*k256_fn)(long, const float *, long, long, const float *, long, float *, long, int, const float *);
static const k256_fn k256_table[7] = {NULL, k256_1, k256_2, k256_3, k256_4, k256_5, k256_6};

// The same tile for the last nr < 16 columns: masked loads and stores, so no column falls back to
// scalar code (convolutions have 1, 8 or 72 output columns).
#define DEFINE_K256M(R)                                                                             \
__attribute__((target("avx2,fma"))) static void k256m_##R(                                          \
    long kc, const float *a, long sai, long sak, const float *b, long ldb, float *c, long ldc,       \
    int store, const float *bias, __m256i m0, __m256i m1) {                                          \
    __m256 c0[R], c1[R];                                                                            \
    for (int r = 0; r < R; r++) { c0[r] = _mm256_setzero_ps(); c1[r] = _mm256_setzero_ps(); }      \
    for (long k = 0; k < kc; k++) {                                                                 \
        const __m256 b0 = _mm256_maskload_ps(b + k * ldb, m0);                                      \
        const __m256 b1 = _mm256_maskload_ps(b + k * ldb + 8, m1);                                  \
        for (int r = 0; r < R; r++) {                                                               \
            const __m256 av = _mm256_broadcast_ss(a + r * sai + k * sak);                           \
            c0[r] = _mm256_fmadd_ps(av, b0, c0[r]);                                                 \
            c1[r] = _mm256_fmadd_ps(av, b1, c1[r]);                                                 \
        }                                                                                           \
    }                                                                                               \
    const __m256 bias0 = store && bias ? _mm256_maskload_ps(bias, m0) : _mm256_setzero_ps();       \
    const __m256 bias1 = store && bias ? _mm256_maskload_ps(bias + 8, m1) : _mm256_setzero_ps();   \
    for (int r = 0; r < R; r++) {                                                                   \
        float *cr = c + r * ldc;                                                                    \
        const __m256 old0 = store ? bias0 : _mm256_maskload_ps(cr, m0);                            \
        const __m256 old1 = store ? bias1 : _mm256_maskload_ps(cr + 8, m1);                        \
        _mm256_maskstore_ps(cr, m0, _mm256_add_ps(c0[r], old0));                                   \
        _mm256_maskstore_ps(cr + 8, m1, _mm256_add_ps(c1[r], old1));                               \
    }                                                                                               \
}
DEFINE_K256M(1) DEFINE_K256M(2) DEFINE_K256M(3) DEFINE_K256M(4) DEFINE_K256M(5) DEFINE_K256M(6)

typedef void (*k256m_fn)(long, const float *, long, long, const float *, long, float *, long, int, const float *,
                         __m256i, __m256i);
static const k256m_fn k256m_table[7] = {NULL, k256m_1, k256m_2, k256m_3, k256m_4, k256m_5, k256m_6};

// The tail of at most 8 columns: 12 rows × 8 columns, one accumulator per row (the 16-column tile
// would run half its lanes masked off). The same instructions per element as k256/k256m.
#define DEFINE_K256N(R)                                                                             \
__attribute__((target("avx2,fma"))) static void k256n_##R(                                          \
    long kc, const float *a, long sai, long sak, const float *b, long ldb, float *c, long ldc,       \
    int store, const float *bias, __m256i m0) {                                                      \
    __m256 c0[R];                                                                                   \
    for (int r = 0; r < R; r++) c0[r] = _mm256_setzero_ps();                                        \
    for (long k = 0; k < kc; k++) {                                                                 \
        const __m256 b0 = _mm256_maskload_ps(b + k * ldb, m0);                                      \
        for (int r = 0; r < R; r++) c0[r] = _mm256_fmadd_ps(_mm256_broadcast_ss(a + r * sai + k * sak), b0, c0[r]); \
    }                                                                                               \
    const __m256 bias0 = store && bias ? _mm256_maskload_ps(bias, m0) : _mm256_setzero_ps();       \
    for (int r = 0; r < R; r++) {                                                                   \
        float *cr = c + r * ldc;                                                                    \
        _mm256_maskstore_ps(cr, m0, _mm256_add_ps(c0[r], store ? bias0 : _mm256_maskload_ps(cr, m0))); \
    }                                                                                               \
}
DEFINE_K256N(1) DEFINE_K256N(2) DEFINE_K256N(3) DEFINE_K256N(4) DEFINE_K256N(5) DEFINE_K256N(6)
DEFINE_K256N(7) DEFINE_K256N(8) DEFINE_K256N(9) DEFINE_K256N(10) DEFINE_K256N(11) DEFINE_K256N(12)

typedef void (*k256n_fn)(long, const float *, long, long, const float *, long, float *, long, int, const float *,
                         __m256i);
static const k256n_fn k256n_table[13] = {NULL,     k256n_1, k256n_2, k256n_3,  k256n_4,  k256n_5, k256n_6,
                                         k256n_7,  k256n_8, k256n_9, k256n_10, k256n_11, k256n_12};

// Lanes 0 ..< count set (count clamped to 0...8), as a maskload/maskstore mask.
__attribute__((target("avx2"))) static inline __m256i lane_mask(long count) {
    const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)(count < 0 ? 0 : count > 8 ? 8 : count)), lanes);
}

// AVX-512 drives the same tiles, and the AVX2 ones for at most 8 columns (defined above).
__attribute__((target("avx512f,fma")))
static void gemm_avx512(long M, long N, long K, const float *A, long sai, long sak,
                        const float *B, long ldb, float *C, long ldc, int store, const float *bias) {
    for (long k0 = 0; k0 < K; k0 += KC) {
        const long kc = min_l(KC, K - k0);
        for (long j0 = 0; j0 < N; j0 += 32) {
            const long nr = min_l(32, N - j0);
            if (nr <= 8) {   // 12 × 8 ymm tiles: a 16-lane tile would run half its lanes masked off
                const __m256i m0 = lane_mask(nr);
                for (long i0 = 0; i0 < M; i0 += 12) {
                    const long mr = min_l(12, M - i0);
                    k256n_table[mr](kc, A + i0 * sai + k0 * sak, sai, sak, B + k0 * ldb + j0, ldb,
                                    C + i0 * ldc + j0, ldc, store && k0 == 0, bias ? bias + j0 : NULL, m0);
                }
                continue;
            }
            if (nr <= 16) {
                const __mmask16 m0 = nr == 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << nr) - 1u);
                for (long i0 = 0; i0 < M; i0 += 16) {
                    const long mr = min_l(16, M - i0);
                    k512n_table[mr](kc, A + i0 * sai + k0 * sak, sai, sak, B + k0 * ldb + j0, ldb,
                                    C + i0 * ldc + j0, ldc, m0, store && k0 == 0, bias ? bias + j0 : NULL);
                }
                continue;
            }
            const __mmask16 m0 = nr >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << nr) - 1u);
            const __mmask16 m1 = nr >= 32 ? (__mmask16)0xFFFF : nr <= 16 ? (__mmask16)0 : (__mmask16)((1u << (nr - 16)) - 1u);
            for (long i0 = 0; i0 < M; i0 += 8) {
                const long mr = min_l(8, M - i0);
                k512_table[mr](kc, A + i0 * sai + k0 * sak, sai, sak, B + k0 * ldb + j0, ldb,
                               C + i0 * ldc + j0, ldc, m0, m1, store && k0 == 0, bias ? bias + j0 : NULL);
            }
        }
    }
}

__attribute__((target("avx2,fma")))
static void gemm_avx2(long M, long N, long K, const float *A, long sai, long sak,
                      const float *B, long ldb, float *C, long ldc, int store, const float *bias) {
    const long n16 = N - N % 16;
    const __m256i m0 = lane_mask(N - n16), m1 = lane_mask(N - n16 - 8);
    for (long k0 = 0; k0 < K; k0 += KC) {
        const long kc = min_l(KC, K - k0);
        const int first = store && k0 == 0;
        for (long j0 = 0; j0 < n16; j0 += 16)
            for (long i0 = 0; i0 < M; i0 += 6) {
                const long mr = min_l(6, M - i0);
                k256_table[mr](kc, A + i0 * sai + k0 * sak, sai, sak, B + k0 * ldb + j0, ldb,
                               C + i0 * ldc + j0, ldc, first, bias ? bias + j0 : NULL);
            }
        if (n16 < N && N - n16 <= 8)
            for (long i0 = 0; i0 < M; i0 += 12) {
                const long mr = min_l(12, M - i0);
                k256n_table[mr](kc, A + i0 * sai + k0 * sak, sai, sak, B + k0 * ldb + n16, ldb,
                                C + i0 * ldc + n16, ldc, first, bias ? bias + n16 : NULL, m0);
            }
        else if (n16 < N)
            for (long i0 = 0; i0 < M; i0 += 6) {
                const long mr = min_l(6, M - i0);
                k256m_table[mr](kc, A + i0 * sai + k0 * sak, sai, sak, B + k0 * ldb + n16, ldb,
                                C + i0 * ldc + n16, ldc, first, bias ? bias + n16 : NULL, m0, m1);
            }
    }
}

// One output column with A's rows contiguous (a matrix-vector product, e.g. a one-filter
// convolution): each row's dot product in eight lanes, folded in a fixed order.
__attribute__((target("avx2,fma")))
static void gemv_avx2(long M, long N, long K, const float *A, long sai, long sak,
                      const float *B, long ldb, float *C, long ldc, int store, const float *bias) {
    (void)N; (void)sak;
    const long k8 = K - K % 8;
    const __m256i tail = lane_mask(K - k8);
    for (long i = 0; i < M; i++) {
        const float *a = A + i * sai;
        if (ldb != 1) {   // a strided column of B: plain loop
            float value = 0;
            for (long k = 0; k < K; k++) value += a[k] * B[k * ldb];
            C[i * ldc] = store ? value + (bias ? bias[0] : 0.0f) : C[i * ldc] + value;
            continue;
        }
        __m256 acc = _mm256_setzero_ps();
        long k = 0;
        for (; k < k8; k += 8) acc = _mm256_fmadd_ps(_mm256_loadu_ps(a + k), _mm256_loadu_ps(B + k), acc);
        if (k < K) acc = _mm256_fmadd_ps(_mm256_maskload_ps(a + k, tail), _mm256_maskload_ps(B + k, tail), acc);
        __m128 sum = _mm_add_ps(_mm256_castps256_ps128(acc), _mm256_extractf128_ps(acc, 1));
        sum = _mm_add_ps(sum, _mm_movehl_ps(sum, sum));
        sum = _mm_add_ss(sum, _mm_shuffle_ps(sum, sum, 1));
        const float value = _mm_cvtss_f32(sum);
        C[i * ldc] = store ? value + (bias ? bias[0] : 0.0f) : C[i * ldc] + value;
    }
}
#endif

#ifdef REK_NEON
// ---- NEON: 6 rows × 16 columns of C in 24 q-register accumulators -----------------------------
// The same per-element computation as the x86 kernels: for each KC block an accumulator starts at
// zero, takes one fused multiply-add per k in order, and is then added to C (or to the bias), so a
// value never depends on which tile, band or thread computed it. `mode`: 0 adds to C, 1 stores
// acc + bias (bias may be NULL: + 0), 2 stores the raw accumulators (a column-tail scratch tile).
#define NEON_MR 6
#define DEFINE_KNEON(R)                                                                             \
static void kneon_##R(long kc, const float *a, long sai, long sak, const float *b, long ldb,        \
                      float *c, long ldc, int mode, const float *bias) {                            \
    float32x4_t acc[R][4];                                                                          \
    for (int r = 0; r < R; r++)                                                                     \
        for (int v = 0; v < 4; v++) acc[r][v] = vdupq_n_f32(0.0f);                                  \
    for (long k = 0; k < kc; k++) {                                                                 \
        const float *bk = b + k * ldb;                                                              \
        const float32x4_t b0 = vld1q_f32(bk), b1 = vld1q_f32(bk + 4);                               \
        const float32x4_t b2 = vld1q_f32(bk + 8), b3 = vld1q_f32(bk + 12);                          \
        for (int r = 0; r < R; r++) {                                                               \
            const float av = a[r * sai + k * sak];                                                  \
            acc[r][0] = vfmaq_n_f32(acc[r][0], b0, av);                                             \
            acc[r][1] = vfmaq_n_f32(acc[r][1], b1, av);                                             \
            acc[r][2] = vfmaq_n_f32(acc[r][2], b2, av);                                             \
            acc[r][3] = vfmaq_n_f32(acc[r][3], b3, av);                                             \
        }                                                                                           \
    }                                                                                               \
    if (mode == 2) {                                                                                \
        for (int r = 0; r < R; r++)                                                                 \
            for (int v = 0; v < 4; v++) vst1q_f32(c + r * ldc + 4 * v, acc[r][v]);                  \
        return;                                                                                     \
    }                                                                                               \
    if (mode == 1) {                                                                                \
        float32x4_t bv[4];                                                                          \
        for (int v = 0; v < 4; v++) bv[v] = bias ? vld1q_f32(bias + 4 * v) : vdupq_n_f32(0.0f);    \
        for (int r = 0; r < R; r++)                                                                 \
            for (int v = 0; v < 4; v++) vst1q_f32(c + r * ldc + 4 * v, vaddq_f32(acc[r][v], bv[v])); \
        return;                                                                                     \
    }                                                                                               \
    for (int r = 0; r < R; r++)                                                                     \
        for (int v = 0; v < 4; v++) {                                                               \
            float *cr = c + r * ldc + 4 * v;                                                        \
            vst1q_f32(cr, vaddq_f32(acc[r][v], vld1q_f32(cr)));                                     \
        }                                                                                           \
}
DEFINE_KNEON(1) DEFINE_KNEON(2) DEFINE_KNEON(3) DEFINE_KNEON(4) DEFINE_KNEON(5) DEFINE_KNEON(6)

typedef void (*kneon_fn)(long, const float *, long, long, const float *, long, float *, long, int, const float *);
static const kneon_fn kneon_table[NEON_MR + 1] = {NULL, kneon_1, kneon_2, kneon_3, kneon_4, kneon_5, kneon_6};

// The last N % 16 columns: B's block is copied into a zero-padded 16-wide panel, the kernel writes
// its raw accumulators to a scratch tile, and only the real columns are folded into C, with the same
// additions the full tiles do.
static _Thread_local float *neon_panel = NULL;
static _Thread_local size_t neon_panel_capacity = 0;

static void gemm_neon(long M, long N, long K, const float *A, long sai, long sak,
                      const float *B, long ldb, float *C, long ldc, int store, const float *bias) {
    const long n16 = N - N % 16, tail = N - n16;
    float *panel = NULL;
    if (tail) {
        const size_t need = (size_t)min_l(KC, K) * 16;
        if (need > neon_panel_capacity) {
            free(neon_panel);
            neon_panel = (float *)malloc(need * sizeof(float));
            neon_panel_capacity = neon_panel ? need : 0;
        }
        panel = neon_panel;
        if (!panel) {   // no memory for the panel: the portable loop does the tail columns
            if (n16) gemm_neon(M, n16, K, A, sai, sak, B, ldb, C, ldc, store, bias);
            gemm_portable(M, tail, K, A, sai, sak, B + n16, ldb, C + n16, ldc, store, bias ? bias + n16 : NULL);
            return;
        }
    }
    float tile[NEON_MR * 16];
    for (long k0 = 0; k0 < K; k0 += KC) {
        const long kc = min_l(KC, K - k0);
        const int first = store && k0 == 0;
        for (long j0 = 0; j0 < n16; j0 += 16)
            for (long i0 = 0; i0 < M; i0 += NEON_MR) {
                const long mr = min_l(NEON_MR, M - i0);
                kneon_table[mr](kc, A + i0 * sai + k0 * sak, sai, sak, B + k0 * ldb + j0, ldb,
                                C + i0 * ldc + j0, ldc, first, bias ? bias + j0 : NULL);
            }
        if (!tail) continue;
        for (long k = 0; k < kc; k++) {
            const float *source = B + (k0 + k) * ldb + n16;
            float *target = panel + k * 16;
            for (long j = 0; j < 16; j++) target[j] = j < tail ? source[j] : 0.0f;
        }
        for (long i0 = 0; i0 < M; i0 += NEON_MR) {
            const long mr = min_l(NEON_MR, M - i0);
            kneon_table[mr](kc, A + i0 * sai + k0 * sak, sai, sak, panel, 16, tile, 16, 2, NULL);
            for (long r = 0; r < mr; r++) {
                float *cr = C + (i0 + r) * ldc + n16;
                const float *acc = tile + r * 16;
                if (first) for (long j = 0; j < tail; j++) cr[j] = acc[j] + (bias ? bias[n16 + j] : 0.0f);
                else for (long j = 0; j < tail; j++) cr[j] += acc[j];
            }
        }
    }
}

// One output column with A's rows contiguous (a matrix-vector product, e.g. a one-filter
// convolution): each row's dot product in 4 × 4 lanes, folded in a fixed order.
static void gemv_neon(long M, long N, long K, const float *A, long sai, long sak,
                      const float *B, long ldb, float *C, long ldc, int store, const float *bias) {
    (void)N; (void)sak;
    const long k16 = K - K % 16;
    for (long i = 0; i < M; i++) {
        const float *a = A + i * sai;
        float value = 0;
        if (ldb != 1) {   // a strided column of B: plain loop
            for (long k = 0; k < K; k++) value += a[k] * B[k * ldb];
        } else {
            float32x4_t s0 = vdupq_n_f32(0.0f), s1 = s0, s2 = s0, s3 = s0;
            long k = 0;
            for (; k < k16; k += 16) {
                s0 = vfmaq_f32(s0, vld1q_f32(a + k), vld1q_f32(B + k));
                s1 = vfmaq_f32(s1, vld1q_f32(a + k + 4), vld1q_f32(B + k + 4));
                s2 = vfmaq_f32(s2, vld1q_f32(a + k + 8), vld1q_f32(B + k + 8));
                s3 = vfmaq_f32(s3, vld1q_f32(a + k + 12), vld1q_f32(B + k + 12));
            }
            value = vaddvq_f32(vaddq_f32(vaddq_f32(s0, s1), vaddq_f32(s2, s3)));
            for (; k < K; k++) value = fmaf(a[k], B[k], value);
        }
        C[i * ldc] = store ? value + (bias ? bias[0] : 0.0f) : C[i * ldc] + value;
    }
}
#endif

// The widest kernel the CPU runs, lowered by REK_ISA=avx2|portable (to measure the other paths):
// 512 (AVX-512), 256 (AVX2/FMA), 128 (NEON, every aarch64 CPU) or 0 (portable).
static int detect_kernel_width(void) {
    int width = 0;
#ifdef REK_NEON
    width = 128;
#endif
#ifdef REK_X86
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("fma")) width = 512;
    else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) width = 256;
#endif
    const char *forced = getenv("REK_ISA");
    if (forced && strcmp(forced, "avx2") == 0 && width > 256) width = 256;
    if (forced && (strcmp(forced, "portable") == 0 || strcmp(forced, "scalar") == 0)) width = 0;
    return width;
}

int rek_sgemm_kernel_width(void) {
    static int width = -1;
    if (width < 0) width = detect_kernel_width();
    return width;
}

typedef void (*gemm_fn)(long M, long N, long K, const float *A, long sai, long sak,
                        const float *B, long ldb, float *C, long ldc, int store, const float *bias);

// Work below this many multiply-adds stays on the calling thread (handing it over costs more).
#define PARALLEL_MIN_MULTIPLY_ADDS (1L << 17)

// One share of a product: a band of rows or of columns of C. Every element of C is computed by
// exactly the same instructions whichever band holds it (rows are independent; column bands start
// at multiples of 32, the SIMD tile width), so the result is identical for every thread count.
typedef struct {
    gemm_fn fn;
    long M, N, K, sai, sak, ldb, ldc, step;
    int byRows, store, activation;
    const float *A, *B, *bias;
    float *C;
} gemm_share;

// The epilogue: an element-wise activation (REK_RELU …; REK_LINEAR does nothing) on rows × columns
// of C, applied by the thread that just computed them, while they are in its cache.
static void activate(int activation, float *C, long rows, long columns, long ldc) {
    if (activation == REK_LINEAR || rows <= 0 || columns <= 0) return;
    if (ldc == columns) { rek_activation_forward(activation, C, rows * columns); return; }
    for (long i = 0; i < rows; i++) rek_activation_forward(activation, C + i * ldc, columns);
}

static void run_share(void *context, long index) {
    const gemm_share *g = (const gemm_share *)context;
    const long start = index * g->step;
    if (g->byRows) {
        const long rows = min_l(g->step, g->M - start);
        if (rows <= 0) return;
        g->fn(rows, g->N, g->K, g->A + start * g->sai, g->sai, g->sak, g->B, g->ldb, g->C + start * g->ldc, g->ldc,
              g->store, g->bias);
        activate(g->activation, g->C + start * g->ldc, rows, g->N, g->ldc);
    } else {
        const long columns = min_l(g->step, g->N - start);
        if (columns <= 0) return;
        g->fn(g->M, columns, g->K, g->A, g->sai, g->sak, g->B + start, g->ldb, g->C + start, g->ldc,
              g->store, g->bias ? g->bias + start : NULL);
        activate(g->activation, g->C + start, g->M, columns, g->ldc);
    }
}

static long round_up(long value, long multiple) { return (value + multiple - 1) / multiple * multiple; }

static void run_gemm(gemm_fn fn, long M, long N, long K, const float *A, long sai, long sak,
                     const float *B, long ldb, float *C, long ldc, int store, const float *bias, int activation) {
    const long threads = M * N * K >= PARALLEL_MIN_MULTIPLY_ADDS ? rek_parallel_available() : 1;
    gemm_share share = {fn, M, N, K, sai, sak, ldb, ldc, 0, 1, store, activation, A, B, bias, C};
    long shares = 1;
    if (threads > 1 && M >= 16) {
        share.step = round_up((M + threads - 1) / threads, 8);
        shares = (M + share.step - 1) / share.step;
    } else if (threads > 1 && N >= 64) {
        share.byRows = 0;
        share.step = round_up((N + threads - 1) / threads, 32);
        shares = (N + share.step - 1) / share.step;
    }
    if (shares <= 1) {
        fn(M, N, K, A, sai, sak, B, ldb, C, ldc, store, bias);
        activate(activation, C, M, N, ldc);
        return;
    }
    rek_parallel_for(shares, run_share, &share);
}

static void sgemm(int allowSIMD, int transA, int transB, long M, long N, long K,
                  const float *A, long lda, const float *B, long ldb,
                  float beta, const float *bias, int activation, float *C, long ldc) {
    if (M <= 0 || N <= 0) return;
    // beta == 0: the kernels overwrite C (plus bias) on their first pass; no clearing pass.
    const int store = beta == 0.0f;
    if (!store) {
        scale_c(M, N, beta, C, ldc);
        if (bias) for (long i = 0; i < M; i++) rek_add_row_vector(bias, C + i * ldc, 1, N);   // strided C: one row at a time
        bias = NULL;
    }
    if (N == 1 && transA && M > 1 && ldc == 1 && allowSIMD) {
        // One output column from a transposed A (a one-filter weight gradient): compute the row
        // Cᵀ = op(B)ᵀ·A instead, which reads A's rows contiguously and is the same memory as C.
        const float *biasValue = bias;
        sgemm(1, !transB, 0, 1, M, K, B, ldb, A, lda, store ? 0.0f : 1.0f, NULL, REK_LINEAR, C, M);
        if (store && biasValue) for (long i = 0; i < M; i++) C[i] += biasValue[0];
        activate(activation, C, 1, M, M);
        return;
    }
    const long sai = transA ? 1 : lda, sak = transA ? lda : 1;
    long ldbc = ldb;
    const float *Bc = K > 0 ? contiguous_b(transB, N, K, B, ldb, &ldbc) : B;
    if (K <= 0 || !Bc) {
        // Nothing to multiply, or no memory for the packed panel: plain loops, slower but correct.
        for (long i = 0; i < M; i++)
            for (long j = 0; j < N; j++) {
                float sum = 0;
                for (long k = 0; k < K; k++) sum += A[i * sai + k * sak] * B[j * ldb + k];
                C[i * ldc + j] = (store ? (bias ? bias[j] : 0.0f) : C[i * ldc + j]) + sum;
            }
        activate(activation, C, M, N, ldc);
        return;
    }
    if (!allowSIMD) {
        gemm_portable(M, N, K, A, sai, sak, Bc, ldbc, C, ldc, store, bias);
        activate(activation, C, M, N, ldc);
        return;
    }
    const int width = rek_sgemm_kernel_width();
    gemm_fn fn = gemm_portable;
#ifdef REK_X86
    if (width == 512) fn = gemm_avx512;
    else if (width == 256) fn = gemm_avx2;
    if (width >= 256 && N == 1 && !transA) fn = gemv_avx2;
#endif
#ifdef REK_NEON
    if (width == 128) fn = N == 1 && !transA ? gemv_neon : gemm_neon;
#endif
    (void)width;
    run_gemm(fn, M, N, K, A, sai, sak, Bc, ldbc, C, ldc, store, bias, activation);
}

void rek_sgemm(int transA, int transB, long M, long N, long K, const float *A, long lda,
               const float *B, long ldb, float beta, const float *bias, float *C, long ldc) {
    sgemm(1, transA, transB, M, N, K, A, lda, B, ldb, beta, bias, REK_LINEAR, C, ldc);
}

void rek_sgemm_activated(int transA, int transB, long M, long N, long K, const float *A, long lda,
                         const float *B, long ldb, float beta, const float *bias, int activation, float *C,
                         long ldc) {
    sgemm(1, transA, transB, M, N, K, A, lda, B, ldb, beta, bias, activation, C, ldc);
}

void rek_sgemm_reference(int transA, int transB, long M, long N, long K, const float *A, long lda,
                         const float *B, long ldb, float beta, float *C, long ldc) {
    sgemm(0, transA, transB, M, N, K, A, lda, B, ldb, beta, NULL, REK_LINEAR, C, ldc);
}

#ifdef REK_X86
__attribute__((target("avx512f,fma"))) static double fma_peak_avx512(long iterations) {
    __m512 acc[12];
    for (int r = 0; r < 12; r++) acc[r] = _mm512_set1_ps((float)r);
    const __m512 x = _mm512_set1_ps(0.999999f), y = _mm512_set1_ps(1e-7f);
    for (long i = 0; i < iterations; i++)
        for (int r = 0; r < 12; r++) acc[r] = _mm512_fmadd_ps(acc[r], x, y);
    float sink = 0;
    for (int r = 0; r < 12; r++) sink += _mm512_reduce_add_ps(acc[r]);
    return sink == 12345.0f ? 0 : (double)iterations * 12 * 16 * 2;
}

__attribute__((target("avx2,fma"))) static double fma_peak_avx2(long iterations) {
    __m256 acc[12];
    for (int r = 0; r < 12; r++) acc[r] = _mm256_set1_ps((float)r);
    const __m256 x = _mm256_set1_ps(0.999999f), y = _mm256_set1_ps(1e-7f);
    for (long i = 0; i < iterations; i++)
        for (int r = 0; r < 12; r++) acc[r] = _mm256_fmadd_ps(acc[r], x, y);
    float lanes[8], sink = 0;
    for (int r = 0; r < 12; r++) { _mm256_storeu_ps(lanes, acc[r]); for (int l = 0; l < 8; l++) sink += lanes[l]; }
    return sink == 12345.0f ? 0 : (double)iterations * 12 * 8 * 2;
}
#endif

#ifdef REK_NEON
static double fma_peak_neon(long iterations) {
    // 24 independent chains: enough to cover 4 FMA pipes × 4 cycles of latency (Apple M1, Neoverse).
    float32x4_t acc[24];
    for (int r = 0; r < 24; r++) acc[r] = vdupq_n_f32((float)r);
    const float32x4_t x = vdupq_n_f32(0.999999f), y = vdupq_n_f32(1e-7f);
    for (long i = 0; i < iterations; i++)
        for (int r = 0; r < 24; r++) acc[r] = vfmaq_f32(y, acc[r], x);
    float sink = 0;
    for (int r = 0; r < 24; r++) sink += vaddvq_f32(acc[r]);
    return sink == 12345.0f ? 0 : (double)iterations * 24 * 4 * 2;
}
#endif

double rek_fma_peak(long iterations) {
#ifdef REK_NEON
    if (rek_sgemm_kernel_width() == 128) return fma_peak_neon(iterations);
#endif
#ifdef REK_X86
    const int width = rek_sgemm_kernel_width();
    if (width == 512) return fma_peak_avx512(iterations);
    if (width == 256) return fma_peak_avx2(iterations);
#endif
    (void)iterations;
    return 0;
}
