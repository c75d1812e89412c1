// Fused LSTM cell kernels: gate activations, state update and their derivatives in one pass over
// each row, vectorized with AVX-512 (exp by range reduction and a degree-7 polynomial, ~1 ulp)
// and with a portable scalar fallback.
#include "CKernels.h"
#include <math.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define REK_X86 1
#endif

// ---- scalar reference --------------------------------------------------------------------------
static inline float act_scalar(int kind, float x) {
    switch (kind) {
    case REK_RELU: return x > 0 ? x : 0;
    case REK_TANH: return tanhf(x);
    case REK_SIGMOID: return x >= 0 ? 1.0f / (1.0f + expf(-x)) : expf(x) / (1.0f + expf(x));
    case REK_HARD_SIGMOID: { float y = 0.2f * x + 0.5f; return y < 0 ? 0 : (y > 1 ? 1 : y); }
    default: return x;
    }
}

// Derivative from the activation's output y.
static inline float dact_scalar(int kind, float y) {
    switch (kind) {
    case REK_RELU: return y > 0 ? 1.0f : 0.0f;
    case REK_TANH: return 1.0f - y * y;
    case REK_SIGMOID: return y * (1.0f - y);
    case REK_HARD_SIGMOID: return (y > 0 && y < 1) ? 0.2f : 0.0f;
    default: return 1.0f;
    }
}

static void forward_portable(long batch, long u, int act, int rec, float *z, long ldz, const float *cp, long ldcp,
                             float *cn, long ldcn, float *ca, long lda, float *h, long ldh) {
    for (long b = 0; b < batch; b++) {
        float *zr = z + b * ldz;
        for (long j = 0; j < u; j++) {
            const float i = act_scalar(rec, zr[j]), f = act_scalar(rec, zr[u + j]);
            const float g = act_scalar(act, zr[2 * u + j]), o = act_scalar(rec, zr[3 * u + j]);
            zr[j] = i; zr[u + j] = f; zr[2 * u + j] = g; zr[3 * u + j] = o;
            const float c = f * cp[b * ldcp + j] + i * g;
            const float a = act_scalar(act, c);
            cn[b * ldcn + j] = c;
            ca[b * lda + j] = a;
            h[b * ldh + j] = o * a;
        }
    }
}

static void backward_portable(long batch, long u, int act, int rec, const float *gates, long ldg, const float *cp,
                              long ldcp, const float *ca, long lda, const float *dhx, long lddhx, const float *dh,
                              float *dc, float *dz, long lddz) {
    for (long b = 0; b < batch; b++) {
        const float *gr = gates + b * ldg;
        float *dzr = dz + b * lddz;
        for (long j = 0; j < u; j++) {
            const float dhj = dh[b * u + j] + (dhx ? dhx[b * lddhx + j] : 0.0f);
            const float i = gr[j], f = gr[u + j], g = gr[2 * u + j], o = gr[3 * u + j];
            const float a = ca[b * lda + j];
            const float ds = dc[b * u + j] + dhj * o * dact_scalar(act, a);
            dzr[j] = ds * g * dact_scalar(rec, i);
            dzr[u + j] = ds * cp[b * ldcp + j] * dact_scalar(rec, f);
            dzr[2 * u + j] = ds * i * dact_scalar(act, g);
            dzr[3 * u + j] = dhj * a * dact_scalar(rec, o);
            dc[b * u + j] = ds * f;
        }
    }
}

#ifdef REK_X86
// ---- AVX-512 -----------------------------------------------------------------------------------
#define T512 __attribute__((target("avx512f,fma")))

T512 static inline __m512 exp512(__m512 x) {
    x = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(-87.3f)), _mm512_set1_ps(88.7f));
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

static int has_avx512(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f");
}
#else
static int has_avx512(void) { return 0; }
#endif

void rek_lstm_cell_forward(long batch, long units, int activation, int recurrentActivation,
                           float *z, long ldz, const float *cPrev, long ldcPrev,
                           float *cNext, long ldcNext, float *cellAct, long ldAct, float *h, long ldh) {
#ifdef REK_X86
    if (has_avx512()) {
        forward_avx512(batch, units, activation, recurrentActivation, z, ldz, cPrev, ldcPrev, cNext, ldcNext,
                       cellAct, ldAct, h, ldh);
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
    if (has_avx512()) {
        backward_avx512(batch, units, activation, recurrentActivation, gates, ldg, cPrev, ldcPrev, cellAct, ldAct,
                        dhExternal, lddhExternal, dh, dc, dz, lddz);
        return;
    }
#endif
    backward_portable(batch, units, activation, recurrentActivation, gates, ldg, cPrev, ldcPrev, cellAct, ldAct,
                      dhExternal, lddhExternal, dh, dc, dz, lddz);
}

void rek_activation_forward(int activation, float *x, long count) {
#ifdef REK_X86
    if (has_avx512()) { activation_avx512(activation, x, count); return; }
#endif
    for (long j = 0; j < count; j++) x[j] = act_scalar(activation, x[j]);
}

void rek_activation_backward(int activation, const float *gradient, const float *output, float *result, long count) {
#ifdef REK_X86
    if (has_avx512()) { activation_backward_avx512(activation, gradient, output, result, count); return; }
#endif
    for (long j = 0; j < count; j++) result[j] = gradient[j] * dact_scalar(activation, output[j]);
}
