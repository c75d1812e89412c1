// Vectorized element-wise activations shared by the fused recurrent cells (lstm.c, gru.c): the
// scalar reference (per-array loops and the derivative macros), and per instruction set the exp
// (range reduction and a degree-7 polynomial, ~1 ulp), the activations, their derivatives from the
// output, and the tail helpers. Internal to Sources/CKernels (not in include/): every function is
// static inline, so each kernel file gets its own copy, inlined into its loops.
#ifndef REK_SIMD_ACTIVATIONS_H
#define REK_SIMD_ACTIVATIONS_H

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
static inline void act_array(int kind, float *x, long n) {
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
static inline void dact_array(int kind, const float *y, float *d, long n) {
    switch (kind) {
    case REK_RELU: for (long j = 0; j < n; j++) d[j] = DACT_RELU(y[j]); break;
    case REK_TANH: for (long j = 0; j < n; j++) d[j] = DACT_TANH(y[j]); break;
    case REK_SIGMOID: for (long j = 0; j < n; j++) d[j] = DACT_SIGMOID(y[j]); break;
    case REK_HARD_SIGMOID: for (long j = 0; j < n; j++) d[j] = DACT_HARD_SIGMOID(y[j]); break;
    default: for (long j = 0; j < n; j++) d[j] = 1.0f; break;
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

// ---- AVX2 + FMA --------------------------------------------------------------------------------
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
#endif

#endif
