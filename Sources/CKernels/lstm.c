// Fused LSTM cell kernels: gate activations, state update and their derivatives in one pass over
// each row, and element-wise activation kernels. Vectorized with AVX-512 (16 lanes) and with
// AVX2+FMA (8 lanes), both computing exp by range reduction and a degree-7 polynomial (~1 ulp), with
// masked tails, and on aarch64 with NEON (4 lanes, the same algorithms); a portable scalar fallback
// otherwise. The path follows `rek_sgemm_kernel_width()`, so REK_ISA=avx2|portable selects the AVX2
// or scalar kernels here as in the matrix multiply.
#include "CKernels.h"
#include <math.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define REK_X86 1
#endif

// ---- scalar reference --------------------------------------------------------------------------
// The activation kind is switched on once per array (one loop per kind), never per element, so the
// simple kinds and the derivative products vectorize; tanh and the sigmoid call libm.
static inline float sigmoid_scalar(float x) {
    return x >= 0 ? 1.0f / (1.0f + expf(-x)) : expf(x) / (1.0f + expf(x));
}

// x[j] = act(x[j]) for n floats.
static void act_array(int kind, float *x, long n) {
    switch (kind) {
    case REK_RELU: for (long j = 0; j < n; j++) x[j] = x[j] > 0 ? x[j] : 0; break;
    case REK_TANH: for (long j = 0; j < n; j++) x[j] = tanhf(x[j]); break;
    case REK_SIGMOID: for (long j = 0; j < n; j++) x[j] = sigmoid_scalar(x[j]); break;
    case REK_HARD_SIGMOID:
        for (long j = 0; j < n; j++) { const float y = 0.2f * x[j] + 0.5f; x[j] = y < 0 ? 0 : (y > 1 ? 1 : y); }
        break;
    default: break;
    }
}

// The derivatives, from the activation's output y. tanh' is (1 − y)(1 + y): 1 − y·y would cancel
// near |y| = 1 without a fused multiply-add (the vector paths use one).
#define DACT_RELU(y) ((y) > 0 ? 1.0f : 0.0f)
#define DACT_TANH(y) ((1.0f - (y)) * (1.0f + (y)))
#define DACT_SIGMOID(y) ((y) * (1.0f - (y)))
#define DACT_HARD_SIGMOID(y) (((y) > 0 && (y) < 1) ? 0.2f : 0.0f)

// d[j] = act'(.) for n outputs y.
static void dact_array(int kind, const float *y, float *d, long n) {
    switch (kind) {
    case REK_RELU: for (long j = 0; j < n; j++) d[j] = DACT_RELU(y[j]); break;
    case REK_TANH: for (long j = 0; j < n; j++) d[j] = DACT_TANH(y[j]); break;
    case REK_SIGMOID: for (long j = 0; j < n; j++) d[j] = DACT_SIGMOID(y[j]); break;
    case REK_HARD_SIGMOID: for (long j = 0; j < n; j++) d[j] = DACT_HARD_SIGMOID(y[j]); break;
    default: for (long j = 0; j < n; j++) d[j] = 1.0f; break;
    }
}

// result[j] = gradient[j] · act'(.) (result may be gradient).
static void activation_backward_portable(int kind, const float *gradient, const float *y, float *result, long n) {
    switch (kind) {
    case REK_RELU: for (long j = 0; j < n; j++) result[j] = gradient[j] * DACT_RELU(y[j]); break;
    case REK_TANH: for (long j = 0; j < n; j++) result[j] = gradient[j] * DACT_TANH(y[j]); break;
    case REK_SIGMOID: for (long j = 0; j < n; j++) result[j] = gradient[j] * DACT_SIGMOID(y[j]); break;
    case REK_HARD_SIGMOID: for (long j = 0; j < n; j++) result[j] = gradient[j] * DACT_HARD_SIGMOID(y[j]); break;
    default: for (long j = 0; j < n; j++) result[j] = gradient[j]; break;
    }
}

// Row by row: the gate activations as whole arrays (i and f are adjacent), then the state update.
static void forward_portable(long batch, long u, int act, int rec, float *z, long ldz, const float *cp, long ldcp,
                             float *cn, long ldcn, float *ca, long lda, float *h, long ldh) {
    for (long b = 0; b < batch; b++) {
        float *zr = z + b * ldz;
        act_array(rec, zr, 2 * u);
        act_array(act, zr + 2 * u, u);
        act_array(rec, zr + 3 * u, u);
        const float *cpr = cp + b * ldcp;
        float *cnr = cn + b * ldcn, *car = ca + b * lda, *hr = h + b * ldh;
        for (long j = 0; j < u; j++) {
            const float c = zr[u + j] * cpr[j] + zr[j] * zr[2 * u + j];
            cnr[j] = c;
            car[j] = c;
        }
        act_array(act, car, u);
        for (long j = 0; j < u; j++) hr[j] = zr[3 * u + j] * car[j];
    }
}

// Row by row in chunks of up to 64 units: the five derivatives into local arrays, then the products.
static void backward_portable(long batch, long u, int act, int rec, const float *gates, long ldg, const float *cp,
                              long ldcp, const float *ca, long lda, const float *dhx, long lddhx, const float *dh,
                              float *dc, float *dz, long lddz) {
    enum { CHUNK = 64 };
    float di[CHUNK], df[CHUNK], dg[CHUNK], dout[CHUNK], da[CHUNK], dhj[CHUNK];
    for (long b = 0; b < batch; b++) {
        const float *gr = gates + b * ldg, *cpr = cp + b * ldcp, *car = ca + b * lda, *dhr = dh + b * u;
        float *dzr = dz + b * lddz, *dcr = dc + b * u;
        for (long j0 = 0; j0 < u; j0 += CHUNK) {
            const long n = u - j0 < CHUNK ? u - j0 : CHUNK;
            dact_array(rec, gr + j0, di, n);
            dact_array(rec, gr + u + j0, df, n);
            dact_array(act, gr + 2 * u + j0, dg, n);
            dact_array(rec, gr + 3 * u + j0, dout, n);
            dact_array(act, car + j0, da, n);
            if (dhx) for (long k = 0; k < n; k++) dhj[k] = dhr[j0 + k] + dhx[b * lddhx + j0 + k];
            else for (long k = 0; k < n; k++) dhj[k] = dhr[j0 + k];
            for (long k = 0; k < n; k++) {
                const long j = j0 + k;
                const float i = gr[j], f = gr[u + j], g = gr[2 * u + j], o = gr[3 * u + j];
                const float ds = dcr[j] + dhj[k] * o * da[k];
                dzr[j] = ds * g * di[k];
                dzr[u + j] = ds * cpr[j] * df[k];
                dzr[2 * u + j] = ds * i * dg[k];
                dzr[3 * u + j] = dhj[k] * car[j] * dout[k];
                dcr[j] = ds * f;
            }
        }
    }
}

#ifdef REK_X86
// ---- AVX-512 -----------------------------------------------------------------------------------
#define T512 __attribute__((target("avx512f,fma")))

T512 static inline __m512 exp512(__m512 x) {
    // Clamped so that n ∈ [−126, 128] below (a NaN stays NaN: the second operand is the one kept).
    x = _mm512_min_ps(_mm512_set1_ps(88.7f), _mm512_max_ps(_mm512_set1_ps(-87.3f), x));
    const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
                                          _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
    r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
    __m512 p = _mm512_set1_ps(1.0f / 5040);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 720));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 120));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 24));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 6));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(0.5f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    return _mm512_scalef_ps(p, n);
}

T512 static inline __m512 act512(int kind, __m512 x) {
    const __m512 one = _mm512_set1_ps(1.0f);
    switch (kind) {
    case REK_RELU: return _mm512_max_ps(x, _mm512_setzero_ps());
    case REK_TANH: {
        // tanh(x) = sign(x)·(1 − e)/(1 + e), e = exp(−2|x|): no overflow, no cancellation near ±1.
        const __m512 ax = _mm512_abs_ps(x);
        const __m512 e = exp512(_mm512_mul_ps(ax, _mm512_set1_ps(-2.0f)));
        __m512 t = _mm512_div_ps(_mm512_sub_ps(one, e), _mm512_add_ps(one, e));
        // Small |x|: the odd Taylor series is exact to float round-off where 1 − e cancels.
        const __m512 x2 = _mm512_mul_ps(x, x);
        __m512 s = _mm512_fmadd_ps(x2, _mm512_set1_ps(-17.0f / 315), _mm512_set1_ps(2.0f / 15));
        s = _mm512_fmadd_ps(s, x2, _mm512_set1_ps(-1.0f / 3));
        s = _mm512_fmadd_ps(_mm512_mul_ps(s, x2), ax, ax);
        t = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(ax, _mm512_set1_ps(0.0625f), _CMP_LT_OQ), t, s);
        return _mm512_castsi512_ps(_mm512_or_si512(_mm512_castps_si512(t),
            _mm512_and_si512(_mm512_castps_si512(x), _mm512_set1_epi32((int)0x80000000))));
    }
    case REK_SIGMOID:
        return _mm512_div_ps(one, _mm512_add_ps(one, exp512(_mm512_sub_ps(_mm512_setzero_ps(), x))));
    case REK_HARD_SIGMOID:
        return _mm512_min_ps(one, _mm512_max_ps(_mm512_setzero_ps(),
                                                _mm512_fmadd_ps(x, _mm512_set1_ps(0.2f), _mm512_set1_ps(0.5f))));
    default: return x;
    }
}

T512 static inline __m512 dact512(int kind, __m512 y) {
    const __m512 one = _mm512_set1_ps(1.0f), zero = _mm512_setzero_ps();
    switch (kind) {
    case REK_RELU: return _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(y, zero, _CMP_GT_OQ), one);
    case REK_TANH: return _mm512_fnmadd_ps(y, y, one);
    case REK_SIGMOID: return _mm512_mul_ps(y, _mm512_sub_ps(one, y));
    case REK_HARD_SIGMOID: {
        const __mmask16 inside = _mm512_cmp_ps_mask(y, zero, _CMP_GT_OQ) & _mm512_cmp_ps_mask(y, one, _CMP_LT_OQ);
        return _mm512_maskz_mov_ps(inside, _mm512_set1_ps(0.2f));
    }
    default: return one;
    }
}

T512 static void forward_avx512(long batch, long u, int act, int rec, float *z, long ldz, const float *cp, long ldcp,
                                float *cn, long ldcn, float *ca, long lda, float *h, long ldh) {
    for (long b = 0; b < batch; b++) {
        float *zr = z + b * ldz;
        for (long j = 0; j < u; j += 16) {
            const __mmask16 m = (u - j) >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (u - j)) - 1u);
            const __m512 i = act512(rec, _mm512_maskz_loadu_ps(m, zr + j));
            const __m512 f = act512(rec, _mm512_maskz_loadu_ps(m, zr + u + j));
            const __m512 g = act512(act, _mm512_maskz_loadu_ps(m, zr + 2 * u + j));
            const __m512 o = act512(rec, _mm512_maskz_loadu_ps(m, zr + 3 * u + j));
            _mm512_mask_storeu_ps(zr + j, m, i);
            _mm512_mask_storeu_ps(zr + u + j, m, f);
            _mm512_mask_storeu_ps(zr + 2 * u + j, m, g);
            _mm512_mask_storeu_ps(zr + 3 * u + j, m, o);
            const __m512 c = _mm512_fmadd_ps(f, _mm512_maskz_loadu_ps(m, cp + b * ldcp + j), _mm512_mul_ps(i, g));
            const __m512 a = act512(act, c);
            _mm512_mask_storeu_ps(cn + b * ldcn + j, m, c);
            _mm512_mask_storeu_ps(ca + b * lda + j, m, a);
            _mm512_mask_storeu_ps(h + b * ldh + j, m, _mm512_mul_ps(o, a));
        }
    }
}

T512 static void backward_avx512(long batch, long u, int act, int rec, const float *gates, long ldg, const float *cp,
                                 long ldcp, const float *ca, long lda, const float *dhx, long lddhx, const float *dh,
                                 float *dc, float *dz, long lddz) {
    for (long b = 0; b < batch; b++) {
        const float *gr = gates + b * ldg;
        float *dzr = dz + b * lddz;
        for (long j = 0; j < u; j += 16) {
            const __mmask16 m = (u - j) >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (u - j)) - 1u);
            __m512 dhj = _mm512_maskz_loadu_ps(m, dh + b * u + j);
            if (dhx) dhj = _mm512_add_ps(dhj, _mm512_maskz_loadu_ps(m, dhx + b * lddhx + j));
            const __m512 i = _mm512_maskz_loadu_ps(m, gr + j), f = _mm512_maskz_loadu_ps(m, gr + u + j);
            const __m512 g = _mm512_maskz_loadu_ps(m, gr + 2 * u + j), o = _mm512_maskz_loadu_ps(m, gr + 3 * u + j);
            const __m512 a = _mm512_maskz_loadu_ps(m, ca + b * lda + j);
            const __m512 ds = _mm512_fmadd_ps(_mm512_mul_ps(dhj, o), dact512(act, a), _mm512_maskz_loadu_ps(m, dc + b * u + j));
            _mm512_mask_storeu_ps(dzr + j, m, _mm512_mul_ps(_mm512_mul_ps(ds, g), dact512(rec, i)));
            _mm512_mask_storeu_ps(dzr + u + j, m,
                _mm512_mul_ps(_mm512_mul_ps(ds, _mm512_maskz_loadu_ps(m, cp + b * ldcp + j)), dact512(rec, f)));
            _mm512_mask_storeu_ps(dzr + 2 * u + j, m, _mm512_mul_ps(_mm512_mul_ps(ds, i), dact512(act, g)));
            _mm512_mask_storeu_ps(dzr + 3 * u + j, m, _mm512_mul_ps(_mm512_mul_ps(dhj, a), dact512(rec, o)));
            _mm512_mask_storeu_ps(dc + b * u + j, m, _mm512_mul_ps(ds, f));
        }
    }
}

T512 static void activation_avx512(int kind, float *x, long count) {
    for (long j = 0; j < count; j += 16) {
        const __mmask16 m = (count - j) >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (count - j)) - 1u);
        _mm512_mask_storeu_ps(x + j, m, act512(kind, _mm512_maskz_loadu_ps(m, x + j)));
    }
}

T512 static void activation_backward_avx512(int kind, const float *gradient, const float *y, float *result, long count) {
    for (long j = 0; j < count; j += 16) {
        const __mmask16 m = (count - j) >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (count - j)) - 1u);
        const __m512 d = dact512(kind, _mm512_maskz_loadu_ps(m, y + j));
        _mm512_mask_storeu_ps(result + j, m, _mm512_mul_ps(_mm512_maskz_loadu_ps(m, gradient + j), d));
    }
}

// ---- AVX2 + FMA --------------------------------------------------------------------------------
// The same algorithms as the AVX-512 kernels, 8 lanes at a time; tails are masked loads and stores.
#define T256 __attribute__((target("avx2,fma")))
#define T256_INLINE __attribute__((target("avx2,fma"), always_inline))

T256 static inline __m256 exp256(__m256 x) {
    // Clamped so that n ∈ [−126, 128] below (a NaN stays NaN: the second operand is the one kept).
    x = _mm256_min_ps(_mm256_set1_ps(88.7f), _mm256_max_ps(_mm256_set1_ps(-87.3f), x));
    const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                                     _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
    __m256 p = _mm256_set1_ps(1.0f / 5040);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 720));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 120));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 24));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 6));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(0.5f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
    // p·2ⁿ by adding n to p's exponent field, exactly what _mm512_scalef_ps gives here: p = e^r lies
    // in [0.70, 1.42] (exponent field 126 or 127), and p ≥ 1 whenever n = −126 (x ≥ −87.3), so the
    // sum stays a normal number, from 2⁻¹²⁶ up to 2¹²⁸·0.98 < FLT_MAX: no overflow, no denormals.
    const __m256i scale = _mm256_slli_epi32(_mm256_cvtps_epi32(n), 23);
    return _mm256_castsi256_ps(_mm256_add_epi32(_mm256_castps_si256(p), scale));
}

T256_INLINE static inline __m256 act256(int kind, __m256 x) {
    const __m256 one = _mm256_set1_ps(1.0f);
    switch (kind) {
    case REK_RELU: return _mm256_max_ps(x, _mm256_setzero_ps());
    case REK_TANH: {
        // tanh(x) = sign(x)·(1 − e)/(1 + e), e = exp(−2|x|): no overflow, no cancellation near ±1.
        const __m256 sign = _mm256_set1_ps(-0.0f);
        const __m256 ax = _mm256_andnot_ps(sign, x);
        const __m256 e = exp256(_mm256_mul_ps(ax, _mm256_set1_ps(-2.0f)));
        __m256 t = _mm256_div_ps(_mm256_sub_ps(one, e), _mm256_add_ps(one, e));
        // Small |x|: the odd Taylor series is exact to float round-off where 1 − e cancels.
        const __m256 x2 = _mm256_mul_ps(x, x);
        __m256 s = _mm256_fmadd_ps(x2, _mm256_set1_ps(-17.0f / 315), _mm256_set1_ps(2.0f / 15));
        s = _mm256_fmadd_ps(s, x2, _mm256_set1_ps(-1.0f / 3));
        s = _mm256_fmadd_ps(_mm256_mul_ps(s, x2), ax, ax);
        t = _mm256_blendv_ps(t, s, _mm256_cmp_ps(ax, _mm256_set1_ps(0.0625f), _CMP_LT_OQ));
        return _mm256_or_ps(t, _mm256_and_ps(x, sign));
    }
    case REK_SIGMOID:
        return _mm256_div_ps(one, _mm256_add_ps(one, exp256(_mm256_sub_ps(_mm256_setzero_ps(), x))));
    case REK_HARD_SIGMOID:
        return _mm256_min_ps(one, _mm256_max_ps(_mm256_setzero_ps(),
                                                _mm256_fmadd_ps(x, _mm256_set1_ps(0.2f), _mm256_set1_ps(0.5f))));
    default: return x;
    }
}

T256_INLINE static inline __m256 dact256(int kind, __m256 y) {
    const __m256 one = _mm256_set1_ps(1.0f), zero = _mm256_setzero_ps();
    switch (kind) {
    case REK_RELU: return _mm256_and_ps(_mm256_cmp_ps(y, zero, _CMP_GT_OQ), one);
    case REK_TANH: return _mm256_fnmadd_ps(y, y, one);
    case REK_SIGMOID: return _mm256_mul_ps(y, _mm256_sub_ps(one, y));
    case REK_HARD_SIGMOID: {
        const __m256 inside = _mm256_and_ps(_mm256_cmp_ps(y, zero, _CMP_GT_OQ), _mm256_cmp_ps(y, one, _CMP_LT_OQ));
        return _mm256_and_ps(inside, _mm256_set1_ps(0.2f));
    }
    default: return one;
    }
}

// Lanes below `count` (1…8) of a tail.
T256_INLINE static inline __m256i tail_mask(long count) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)count), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

// Full vectors use plain unaligned loads and stores; `full` is a constant at every call site.
T256_INLINE static inline __m256 load8(const float *p, int full, __m256i m) {
    return full ? _mm256_loadu_ps(p) : _mm256_maskload_ps(p, m);
}

T256_INLINE static inline void store8(float *p, __m256 v, int full, __m256i m) {
    if (full) _mm256_storeu_ps(p, v);
    else _mm256_maskstore_ps(p, m, v);
}

T256_INLINE static inline void forward8(long u, int act, int rec, float *zr, const float *cp, float *cn, float *ca,
                                         float *h, int full, __m256i m) {
    const __m256 i = act256(rec, load8(zr, full, m));
    const __m256 f = act256(rec, load8(zr + u, full, m));
    const __m256 g = act256(act, load8(zr + 2 * u, full, m));
    const __m256 o = act256(rec, load8(zr + 3 * u, full, m));
    store8(zr, i, full, m);
    store8(zr + u, f, full, m);
    store8(zr + 2 * u, g, full, m);
    store8(zr + 3 * u, o, full, m);
    const __m256 c = _mm256_fmadd_ps(f, load8(cp, full, m), _mm256_mul_ps(i, g));
    const __m256 a = act256(act, c);
    store8(cn, c, full, m);
    store8(ca, a, full, m);
    store8(h, _mm256_mul_ps(o, a), full, m);
}

T256 static void forward_avx2(long batch, long u, int act, int rec, float *z, long ldz, const float *cp, long ldcp,
                              float *cn, long ldcn, float *ca, long lda, float *h, long ldh) {
    const __m256i all = _mm256_set1_epi32(-1), m = tail_mask(u % 8);
    for (long b = 0; b < batch; b++) {
        float *zr = z + b * ldz;
        const float *cpr = cp + b * ldcp;
        float *cnr = cn + b * ldcn, *car = ca + b * lda, *hr = h + b * ldh;
        long j = 0;
        for (; j + 8 <= u; j += 8) forward8(u, act, rec, zr + j, cpr + j, cnr + j, car + j, hr + j, 1, all);
        if (j < u) forward8(u, act, rec, zr + j, cpr + j, cnr + j, car + j, hr + j, 0, m);
    }
}

T256_INLINE static inline void backward8(long u, int act, int rec, const float *gr, const float *cp, const float *ca,
                                          const float *dhx, const float *dh, float *dc, float *dzr, int full, __m256i m) {
    __m256 dhj = load8(dh, full, m);
    if (dhx) dhj = _mm256_add_ps(dhj, load8(dhx, full, m));
    const __m256 i = load8(gr, full, m), f = load8(gr + u, full, m);
    const __m256 g = load8(gr + 2 * u, full, m), o = load8(gr + 3 * u, full, m);
    const __m256 a = load8(ca, full, m);
    const __m256 ds = _mm256_fmadd_ps(_mm256_mul_ps(dhj, o), dact256(act, a), load8(dc, full, m));
    store8(dzr, _mm256_mul_ps(_mm256_mul_ps(ds, g), dact256(rec, i)), full, m);
    store8(dzr + u, _mm256_mul_ps(_mm256_mul_ps(ds, load8(cp, full, m)), dact256(rec, f)), full, m);
    store8(dzr + 2 * u, _mm256_mul_ps(_mm256_mul_ps(ds, i), dact256(act, g)), full, m);
    store8(dzr + 3 * u, _mm256_mul_ps(_mm256_mul_ps(dhj, a), dact256(rec, o)), full, m);
    store8(dc, _mm256_mul_ps(ds, f), full, m);
}

T256 static void backward_avx2(long batch, long u, int act, int rec, const float *gates, long ldg, const float *cp,
                               long ldcp, const float *ca, long lda, const float *dhx, long lddhx, const float *dh,
                               float *dc, float *dz, long lddz) {
    const __m256i all = _mm256_set1_epi32(-1), m = tail_mask(u % 8);
    for (long b = 0; b < batch; b++) {
        const float *gr = gates + b * ldg, *cpr = cp + b * ldcp, *car = ca + b * lda, *dhr = dh + b * u;
        const float *dhxr = dhx ? dhx + b * lddhx : NULL;
        float *dcr = dc + b * u, *dzr = dz + b * lddz;
        long j = 0;
        for (; j + 8 <= u; j += 8)
            backward8(u, act, rec, gr + j, cpr + j, car + j, dhxr ? dhxr + j : NULL, dhr + j, dcr + j, dzr + j, 1, all);
        if (j < u)
            backward8(u, act, rec, gr + j, cpr + j, car + j, dhxr ? dhxr + j : NULL, dhr + j, dcr + j, dzr + j, 0, m);
    }
}

T256 static void activation_avx2(int kind, float *x, long count) {
    long j = 0;
    for (; j + 8 <= count; j += 8) _mm256_storeu_ps(x + j, act256(kind, _mm256_loadu_ps(x + j)));
    if (j < count) {
        const __m256i m = tail_mask(count - j);
        _mm256_maskstore_ps(x + j, m, act256(kind, _mm256_maskload_ps(x + j, m)));
    }
}

T256 static void activation_backward_avx2(int kind, const float *gradient, const float *y, float *result, long count) {
    long j = 0;
    for (; j + 8 <= count; j += 8)
        _mm256_storeu_ps(result + j, _mm256_mul_ps(_mm256_loadu_ps(gradient + j), dact256(kind, _mm256_loadu_ps(y + j))));
    if (j < count) {
        const __m256i m = tail_mask(count - j);
        const __m256 d = dact256(kind, _mm256_maskload_ps(y + j, m));
        _mm256_maskstore_ps(result + j, m, _mm256_mul_ps(_mm256_maskload_ps(gradient + j, m), d));
    }
}
#endif

#if defined(__aarch64__)
// ---- NEON (baseline on aarch64) -----------------------------------------------------------------
// The AVX2 algorithms 4 lanes at a time (the same exp, tanh and derivative formulas, fused
// multiply-adds where they use them); a tail shorter than 4 goes through a zero-padded buffer.
#include <arm_neon.h>
#define REK_NEON 1

static inline float32x4_t exp_neon(float32x4_t x) {
    // Clamped so that n ∈ [−126, 128] below (vmaxq/vminq propagate a NaN).
    x = vminq_f32(vdupq_n_f32(88.7f), vmaxq_f32(vdupq_n_f32(-87.3f), x));
    const float32x4_t n = vrndnq_f32(vmulq_f32(x, vdupq_n_f32(1.44269504088896341f)));
    float32x4_t r = vfmsq_f32(x, n, vdupq_n_f32(0.693359375f));
    r = vfmsq_f32(r, n, vdupq_n_f32(-2.12194440e-4f));
    float32x4_t p = vdupq_n_f32(1.0f / 5040);
    p = vfmaq_f32(vdupq_n_f32(1.0f / 720), p, r);
    p = vfmaq_f32(vdupq_n_f32(1.0f / 120), p, r);
    p = vfmaq_f32(vdupq_n_f32(1.0f / 24), p, r);
    p = vfmaq_f32(vdupq_n_f32(1.0f / 6), p, r);
    p = vfmaq_f32(vdupq_n_f32(0.5f), p, r);
    p = vfmaq_f32(vdupq_n_f32(1.0f), p, r);
    p = vfmaq_f32(vdupq_n_f32(1.0f), p, r);
    // p·2ⁿ by adding n to the exponent field (see exp256).
    const int32x4_t scale = vshlq_n_s32(vcvtq_s32_f32(n), 23);
    return vreinterpretq_f32_s32(vaddq_s32(vreinterpretq_s32_f32(p), scale));
}

static inline float32x4_t act_neon(int kind, float32x4_t x) {
    const float32x4_t one = vdupq_n_f32(1.0f), zero = vdupq_n_f32(0.0f);
    switch (kind) {
    case REK_RELU: {
        // max(x, 0) that returns 0 for NaN, like the x86 kernels and the scalar `x > 0 ? x : 0`.
        return vbslq_f32(vcgtq_f32(x, zero), x, zero);
    }
    case REK_TANH: {
        const float32x4_t ax = vabsq_f32(x);
        const float32x4_t e = exp_neon(vmulq_f32(ax, vdupq_n_f32(-2.0f)));
        float32x4_t t = vdivq_f32(vsubq_f32(one, e), vaddq_f32(one, e));
        const float32x4_t x2 = vmulq_f32(x, x);
        float32x4_t s = vfmaq_f32(vdupq_n_f32(2.0f / 15), x2, vdupq_n_f32(-17.0f / 315));
        s = vfmaq_f32(vdupq_n_f32(-1.0f / 3), s, x2);
        s = vfmaq_f32(ax, vmulq_f32(s, x2), ax);
        t = vbslq_f32(vcltq_f32(ax, vdupq_n_f32(0.0625f)), s, t);
        const uint32x4_t sign = vandq_u32(vreinterpretq_u32_f32(x), vdupq_n_u32(0x80000000u));
        return vreinterpretq_f32_u32(vorrq_u32(vreinterpretq_u32_f32(t), sign));
    }
    case REK_SIGMOID: return vdivq_f32(one, vaddq_f32(one, exp_neon(vnegq_f32(x))));
    case REK_HARD_SIGMOID:
        return vminq_f32(one, vmaxq_f32(zero, vfmaq_f32(vdupq_n_f32(0.5f), x, vdupq_n_f32(0.2f))));
    default: return x;
    }
}

static inline float32x4_t dact_neon(int kind, float32x4_t y) {
    const float32x4_t one = vdupq_n_f32(1.0f), zero = vdupq_n_f32(0.0f);
    switch (kind) {
    case REK_RELU: return vbslq_f32(vcgtq_f32(y, zero), one, zero);
    case REK_TANH: return vfmsq_f32(one, y, y);
    case REK_SIGMOID: return vmulq_f32(y, vsubq_f32(one, y));
    case REK_HARD_SIGMOID:
        return vbslq_f32(vandq_u32(vcgtq_f32(y, zero), vcltq_f32(y, one)), vdupq_n_f32(0.2f), zero);
    default: return one;
    }
}

// n (1…4) floats into a vector, zero-padded, and back.
static inline float32x4_t load_n(const float *p, long n) {
    if (n >= 4) return vld1q_f32(p);
    float buffer[4] = {0, 0, 0, 0};
    for (long i = 0; i < n; i++) buffer[i] = p[i];
    return vld1q_f32(buffer);
}
static inline void store_n(float *p, float32x4_t v, long n) {
    if (n >= 4) { vst1q_f32(p, v); return; }
    float buffer[4];
    vst1q_f32(buffer, v);
    for (long i = 0; i < n; i++) p[i] = buffer[i];
}

static void forward_neon(long batch, long u, int act, int rec, float *z, long ldz, const float *cp, long ldcp,
                         float *cn, long ldcn, float *ca, long lda, float *h, long ldh) {
    for (long b = 0; b < batch; b++) {
        float *zr = z + b * ldz;
        const float *cpr = cp + b * ldcp;
        float *cnr = cn + b * ldcn, *car = ca + b * lda, *hr = h + b * ldh;
        for (long j = 0; j < u; j += 4) {
            const long n = u - j;
            const float32x4_t i = act_neon(rec, load_n(zr + j, n));
            const float32x4_t f = act_neon(rec, load_n(zr + u + j, n));
            const float32x4_t g = act_neon(act, load_n(zr + 2 * u + j, n));
            const float32x4_t o = act_neon(rec, load_n(zr + 3 * u + j, n));
            store_n(zr + j, i, n);
            store_n(zr + u + j, f, n);
            store_n(zr + 2 * u + j, g, n);
            store_n(zr + 3 * u + j, o, n);
            const float32x4_t c = vfmaq_f32(vmulq_f32(i, g), f, load_n(cpr + j, n));
            const float32x4_t a = act_neon(act, c);
            store_n(cnr + j, c, n);
            store_n(car + j, a, n);
            store_n(hr + j, vmulq_f32(o, a), n);
        }
    }
}

static void backward_neon(long batch, long u, int act, int rec, const float *gates, long ldg, const float *cp,
                          long ldcp, const float *ca, long lda, const float *dhx, long lddhx, const float *dh,
                          float *dc, float *dz, long lddz) {
    for (long b = 0; b < batch; b++) {
        const float *gr = gates + b * ldg, *cpr = cp + b * ldcp, *car = ca + b * lda, *dhr = dh + b * u;
        float *dcr = dc + b * u, *dzr = dz + b * lddz;
        for (long j = 0; j < u; j += 4) {
            const long n = u - j;
            float32x4_t dhj = load_n(dhr + j, n);
            if (dhx) dhj = vaddq_f32(dhj, load_n(dhx + b * lddhx + j, n));
            const float32x4_t i = load_n(gr + j, n), f = load_n(gr + u + j, n);
            const float32x4_t g = load_n(gr + 2 * u + j, n), o = load_n(gr + 3 * u + j, n);
            const float32x4_t a = load_n(car + j, n);
            const float32x4_t ds = vfmaq_f32(load_n(dcr + j, n), vmulq_f32(dhj, o), dact_neon(act, a));
            store_n(dzr + j, vmulq_f32(vmulq_f32(ds, g), dact_neon(rec, i)), n);
            store_n(dzr + u + j, vmulq_f32(vmulq_f32(ds, load_n(cpr + j, n)), dact_neon(rec, f)), n);
            store_n(dzr + 2 * u + j, vmulq_f32(vmulq_f32(ds, i), dact_neon(act, g)), n);
            store_n(dzr + 3 * u + j, vmulq_f32(vmulq_f32(dhj, a), dact_neon(rec, o)), n);
            store_n(dcr + j, vmulq_f32(ds, f), n);
        }
    }
}

static void activation_neon(int kind, float *x, long count) {
    for (long j = 0; j < count; j += 4) store_n(x + j, act_neon(kind, load_n(x + j, count - j)), count - j);
}

static void activation_backward_neon(int kind, const float *gradient, const float *y, float *result, long count) {
    for (long j = 0; j < count; j += 4) {
        const float32x4_t d = dact_neon(kind, load_n(y + j, count - j));
        store_n(result + j, vmulq_f32(load_n(gradient + j, count - j), d), count - j);
    }
}
#endif

// ---- dispatch ----------------------------------------------------------------------------------
// rek_sgemm_kernel_width(): 512, 256 or 0 for this CPU, lowered by REK_ISA=avx2|portable.

void rek_lstm_cell_forward(long batch, long units, int activation, int recurrentActivation,
                           float *z, long ldz, const float *cPrev, long ldcPrev,
                           float *cNext, long ldcNext, float *cellAct, long ldAct, float *h, long ldh) {
#ifdef REK_X86
    switch (rek_sgemm_kernel_width()) {
    case 512:
        forward_avx512(batch, units, activation, recurrentActivation, z, ldz, cPrev, ldcPrev, cNext, ldcNext,
                       cellAct, ldAct, h, ldh);
        return;
    case 256:
        forward_avx2(batch, units, activation, recurrentActivation, z, ldz, cPrev, ldcPrev, cNext, ldcNext,
                     cellAct, ldAct, h, ldh);
        return;
    default: break;
    }
#endif
#ifdef REK_NEON
    if (rek_sgemm_kernel_width() == 128) {
        forward_neon(batch, units, activation, recurrentActivation, z, ldz, cPrev, ldcPrev, cNext, ldcNext, cellAct,
                     ldAct, h, ldh);
        return;
    }
#endif
    forward_portable(batch, units, activation, recurrentActivation, z, ldz, cPrev, ldcPrev, cNext, ldcNext,
                     cellAct, ldAct, h, ldh);
}

void rek_lstm_cell_backward(long batch, long units, int activation, int recurrentActivation,
                            const float *gates, long ldg, const float *cPrev, long ldcPrev,
                            const float *cellAct, long ldAct, const float *dhExternal, long lddhExternal,
                            const float *dh, float *dc, float *dz, long lddz) {
#ifdef REK_X86
    switch (rek_sgemm_kernel_width()) {
    case 512:
        backward_avx512(batch, units, activation, recurrentActivation, gates, ldg, cPrev, ldcPrev, cellAct, ldAct,
                        dhExternal, lddhExternal, dh, dc, dz, lddz);
        return;
    case 256:
        backward_avx2(batch, units, activation, recurrentActivation, gates, ldg, cPrev, ldcPrev, cellAct, ldAct,
                      dhExternal, lddhExternal, dh, dc, dz, lddz);
        return;
    default: break;
    }
#endif
#ifdef REK_NEON
    if (rek_sgemm_kernel_width() == 128) {
        backward_neon(batch, units, activation, recurrentActivation, gates, ldg, cPrev, ldcPrev, cellAct, ldAct,
                      dhExternal, lddhExternal, dh, dc, dz, lddz);
        return;
    }
#endif
    backward_portable(batch, units, activation, recurrentActivation, gates, ldg, cPrev, ldcPrev, cellAct, ldAct,
                      dhExternal, lddhExternal, dh, dc, dz, lddz);
}

void rek_activation_forward(int activation, float *x, long count) {
#ifdef REK_X86
    switch (rek_sgemm_kernel_width()) {
    case 512: activation_avx512(activation, x, count); return;
    case 256: activation_avx2(activation, x, count); return;
    default: break;
    }
#endif
#ifdef REK_NEON
    if (rek_sgemm_kernel_width() == 128) { activation_neon(activation, x, count); return; }
#endif
    act_array(activation, x, count);
}

void rek_activation_backward(int activation, const float *gradient, const float *output, float *result, long count) {
#ifdef REK_X86
    switch (rek_sgemm_kernel_width()) {
    case 512: activation_backward_avx512(activation, gradient, output, result, count); return;
    case 256: activation_backward_avx2(activation, gradient, output, result, count); return;
    default: break;
    }
#endif
#ifdef REK_NEON
    if (rek_sgemm_kernel_width() == 128) { activation_backward_neon(activation, gradient, output, result, count); return; }
#endif
    activation_backward_portable(activation, gradient, output, result, count);
}
