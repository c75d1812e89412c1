// Fused GRU cell kernels (Keras gate order z, r, h): the gate activations, the candidate state, the
// state update and their derivatives of one time step in one pass over each row, for both of Keras'
// layouts (reset_after: the reset gate multiplies the recurrent product, which includes the recurrent
// bias; reset_before: it multiplies the previous state before its product, so a step has two halves
// around the caller's matrix product). The matrix products stay with the caller (MatrixKernels).
// The paths and their activations are lstm.c's (simd_activations.h): AVX-512 (16 lanes, masked
// tails), AVX2+FMA (8 lanes), NEON on aarch64 (4 lanes) and a portable scalar fallback, chosen by
// `rek_sgemm_kernel_width()` (REK_ISA=avx2|portable lowers it). Each SIMD path agrees with the
// portable one within a few ulp (scripts/ckernels_test.c); every path computes each row on its own,
// so results do not depend on how the caller splits the batch over threads.
#include "simd_activations.h"
#include <string.h>

// ---- portable ----------------------------------------------------------------------------------
enum { CHUNK = 64 };

// hNext = z·hPrev + (1 − z)·ĥ for one row of gates z, r, ĥ.
static inline void update_state_row(long u, const float *gr, const float *hp, float *hn) {
    for (long j = 0; j < u; j++) hn[j] = gr[j] * hp[j] + (1.0f - gr[j]) * gr[2 * u + j];
}

// Row by row: the gates as whole arrays (z and r are adjacent), then the candidate and the update.
static void cell_forward_portable(long batch, long u, int act, int rec, float *z, long ldz, const float *p, long ldp,
                                  float *pc, long ldpc, const float *hp, long ldhp, float *hn, long ldhn) {
    for (long b = 0; b < batch; b++) {
        float *zr = z + b * ldz;
        const float *pr = p + b * ldp;
        for (long j = 0; j < 2 * u; j++) zr[j] += pr[j];
        act_array(rec, zr, 2 * u);
        for (long j = 0; j < u; j++) zr[2 * u + j] += zr[u + j] * pr[2 * u + j];
        act_array(act, zr + 2 * u, u);
        if (pc) memcpy(pc + b * ldpc, pr + 2 * u, (size_t)u * sizeof(float));
        update_state_row(u, zr, hp + b * ldhp, hn + b * ldhn);
    }
}

static void reset_forward_portable(long batch, long u, int rec, float *z, long ldz, const float *hp, long ldhp,
                                   float *rs, long ldrs) {
    for (long b = 0; b < batch; b++) {
        float *zr = z + b * ldz, *rsr = rs + b * ldrs;
        const float *hpr = hp + b * ldhp;
        act_array(rec, zr, 2 * u);
        for (long j = 0; j < u; j++) rsr[j] = zr[u + j] * hpr[j];
    }
}

static void candidate_forward_portable(long batch, long u, int act, float *z, long ldz, const float *hp, long ldhp,
                                       float *hn, long ldhn) {
    for (long b = 0; b < batch; b++) {
        float *zr = z + b * ldz;
        act_array(act, zr + 2 * u, u);
        update_state_row(u, zr, hp + b * ldhp, hn + b * ldhn);
    }
}

// Row by row in chunks of up to 64 units: the derivatives into local arrays, then the products.
// `withReset` (reset_after) also writes the r block and dp; otherwise only the z and h blocks.
static void backward_portable(int withReset, long batch, long u, int act, int rec, const float *gates, long ldg,
                              const float *pc, long ldpc, const float *hp, long ldhp, const float *dhx, long lddhx,
                              float *dh, float *dz, long lddz, float *dp, long lddp) {
    float dzg[CHUNK], drg[CHUNK], dhh[CHUNK], dhj[CHUNK];
    for (long b = 0; b < batch; b++) {
        const float *gr = gates + b * ldg, *hpr = hp + b * ldhp;
        float *dhr = dh + b * u, *dzr = dz + b * lddz;
        for (long j0 = 0; j0 < u; j0 += CHUNK) {
            const long n = u - j0 < CHUNK ? u - j0 : CHUNK;
            dact_array(rec, gr + j0, dzg, n);
            dact_array(act, gr + 2 * u + j0, dhh, n);
            if (withReset) dact_array(rec, gr + u + j0, drg, n);
            if (dhx) for (long k = 0; k < n; k++) dhj[k] = dhr[j0 + k] + dhx[b * lddhx + j0 + k];
            else for (long k = 0; k < n; k++) dhj[k] = dhr[j0 + k];
            for (long k = 0; k < n; k++) {
                const long j = j0 + k;
                const float zg = gr[j], hh = gr[2 * u + j];
                const float dZ = dhj[k] * (hpr[j] - hh) * dzg[k], dH = dhj[k] * (1.0f - zg) * dhh[k];
                dzr[j] = dZ;
                dzr[2 * u + j] = dH;
                dhr[j] = dhj[k] * zg;
                if (withReset) {
                    const float dR = dH * pc[b * ldpc + j] * drg[k];
                    float *dpr = dp + b * lddp;
                    dzr[u + j] = dR;
                    dpr[j] = dZ;
                    dpr[u + j] = dR;
                    dpr[2 * u + j] = dH * gr[u + j];
                }
            }
        }
    }
}

static void reset_backward_portable(long batch, long u, int rec, const float *gates, long ldg, const float *hp,
                                    long ldhp, const float *drs, long lddrs, float *dh, float *dz, long lddz) {
    float drg[CHUNK];
    for (long b = 0; b < batch; b++) {
        const float *gr = gates + b * ldg, *hpr = hp + b * ldhp, *d = drs + b * lddrs;
        float *dhr = dh + b * u, *dzr = dz + b * lddz;
        for (long j0 = 0; j0 < u; j0 += CHUNK) {
            const long n = u - j0 < CHUNK ? u - j0 : CHUNK;
            dact_array(rec, gr + u + j0, drg, n);
            for (long k = 0; k < n; k++) {
                const long j = j0 + k;
                dzr[u + j] = d[j] * hpr[j] * drg[k];
                dhr[j] += d[j] * gr[u + j];
            }
        }
    }
}

#ifdef REK_X86
// ---- AVX-512 -----------------------------------------------------------------------------------
// Lanes below `n` of a block of 16 (all of them when n ≥ 16).
#define MASK16(n) ((n) >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (n)) - 1u))

// z·hPrev + (1 − z)·ĥ
T512 static inline __m512 update512(__m512 zg, __m512 hp, __m512 hh) {
    return _mm512_fmadd_ps(zg, hp, _mm512_mul_ps(_mm512_sub_ps(_mm512_set1_ps(1.0f), zg), hh));
}

T512 static void cell_forward_avx512(long batch, long u, int act, int rec, float *z, long ldz, const float *p, long ldp,
                                     float *pc, long ldpc, const float *hp, long ldhp, float *hn, long ldhn) {
    for (long b = 0; b < batch; b++) {
        float *zr = z + b * ldz, *hnr = hn + b * ldhn, *pcr = pc ? pc + b * ldpc : NULL;
        const float *pr = p + b * ldp, *hpr = hp + b * ldhp;
        for (long j = 0; j < u; j += 16) {
            const __mmask16 m = MASK16(u - j);
            const __m512 zg = act512(rec, _mm512_add_ps(_mm512_maskz_loadu_ps(m, zr + j), _mm512_maskz_loadu_ps(m, pr + j)));
            const __m512 rg = act512(rec, _mm512_add_ps(_mm512_maskz_loadu_ps(m, zr + u + j),
                                                        _mm512_maskz_loadu_ps(m, pr + u + j)));
            const __m512 ph = _mm512_maskz_loadu_ps(m, pr + 2 * u + j);
            const __m512 hh = act512(act, _mm512_fmadd_ps(rg, ph, _mm512_maskz_loadu_ps(m, zr + 2 * u + j)));
            _mm512_mask_storeu_ps(zr + j, m, zg);
            _mm512_mask_storeu_ps(zr + u + j, m, rg);
            _mm512_mask_storeu_ps(zr + 2 * u + j, m, hh);
            if (pcr) _mm512_mask_storeu_ps(pcr + j, m, ph);
            _mm512_mask_storeu_ps(hnr + j, m, update512(zg, _mm512_maskz_loadu_ps(m, hpr + j), hh));
        }
    }
}

T512 static void reset_forward_avx512(long batch, long u, int rec, float *z, long ldz, const float *hp, long ldhp,
                                      float *rs, long ldrs) {
    for (long b = 0; b < batch; b++) {
        float *zr = z + b * ldz;
        for (long j = 0; j < u; j += 16) {
            const __mmask16 m = MASK16(u - j);
            const __m512 zg = act512(rec, _mm512_maskz_loadu_ps(m, zr + j));
            const __m512 rg = act512(rec, _mm512_maskz_loadu_ps(m, zr + u + j));
            _mm512_mask_storeu_ps(zr + j, m, zg);
            _mm512_mask_storeu_ps(zr + u + j, m, rg);
            _mm512_mask_storeu_ps(rs + b * ldrs + j, m, _mm512_mul_ps(rg, _mm512_maskz_loadu_ps(m, hp + b * ldhp + j)));
        }
    }
}

T512 static void candidate_forward_avx512(long batch, long u, int act, float *z, long ldz, const float *hp, long ldhp,
                                          float *hn, long ldhn) {
    for (long b = 0; b < batch; b++) {
        float *zr = z + b * ldz;
        for (long j = 0; j < u; j += 16) {
            const __mmask16 m = MASK16(u - j);
            const __m512 hh = act512(act, _mm512_maskz_loadu_ps(m, zr + 2 * u + j));
            _mm512_mask_storeu_ps(zr + 2 * u + j, m, hh);
            const __m512 zg = _mm512_maskz_loadu_ps(m, zr + j);
            _mm512_mask_storeu_ps(hn + b * ldhn + j, m, update512(zg, _mm512_maskz_loadu_ps(m, hp + b * ldhp + j), hh));
        }
    }
}

T512 static void backward_avx512(int withReset, long batch, long u, int act, int rec, const float *gates, long ldg,
                                 const float *pc, long ldpc, const float *hp, long ldhp, const float *dhx, long lddhx,
                                 float *dh, float *dz, long lddz, float *dp, long lddp) {
    const __m512 one = _mm512_set1_ps(1.0f);
    for (long b = 0; b < batch; b++) {
        const float *gr = gates + b * ldg, *hpr = hp + b * ldhp;
        float *dhr = dh + b * u, *dzr = dz + b * lddz;
        for (long j = 0; j < u; j += 16) {
            const __mmask16 m = MASK16(u - j);
            __m512 dhj = _mm512_maskz_loadu_ps(m, dhr + j);
            if (dhx) dhj = _mm512_add_ps(dhj, _mm512_maskz_loadu_ps(m, dhx + b * lddhx + j));
            const __m512 zg = _mm512_maskz_loadu_ps(m, gr + j), hh = _mm512_maskz_loadu_ps(m, gr + 2 * u + j);
            const __m512 dZ = _mm512_mul_ps(_mm512_mul_ps(dhj, _mm512_sub_ps(_mm512_maskz_loadu_ps(m, hpr + j), hh)),
                                            dact512(rec, zg));
            const __m512 dH = _mm512_mul_ps(_mm512_mul_ps(dhj, _mm512_sub_ps(one, zg)), dact512(act, hh));
            _mm512_mask_storeu_ps(dzr + j, m, dZ);
            _mm512_mask_storeu_ps(dzr + 2 * u + j, m, dH);
            _mm512_mask_storeu_ps(dhr + j, m, _mm512_mul_ps(dhj, zg));
            if (withReset) {
                const __m512 rg = _mm512_maskz_loadu_ps(m, gr + u + j);
                const __m512 dR = _mm512_mul_ps(_mm512_mul_ps(dH, _mm512_maskz_loadu_ps(m, pc + b * ldpc + j)),
                                                dact512(rec, rg));
                float *dpr = dp + b * lddp;
                _mm512_mask_storeu_ps(dzr + u + j, m, dR);
                _mm512_mask_storeu_ps(dpr + j, m, dZ);
                _mm512_mask_storeu_ps(dpr + u + j, m, dR);
                _mm512_mask_storeu_ps(dpr + 2 * u + j, m, _mm512_mul_ps(dH, rg));
            }
        }
    }
}

T512 static void reset_backward_avx512(long batch, long u, int rec, const float *gates, long ldg, const float *hp,
                                       long ldhp, const float *drs, long lddrs, float *dh, float *dz, long lddz) {
    for (long b = 0; b < batch; b++) {
        const float *gr = gates + b * ldg, *hpr = hp + b * ldhp, *d = drs + b * lddrs;
        float *dhr = dh + b * u, *dzr = dz + b * lddz;
        for (long j = 0; j < u; j += 16) {
            const __mmask16 m = MASK16(u - j);
            const __m512 rg = _mm512_maskz_loadu_ps(m, gr + u + j), dj = _mm512_maskz_loadu_ps(m, d + j);
            _mm512_mask_storeu_ps(dzr + u + j, m,
                _mm512_mul_ps(_mm512_mul_ps(dj, _mm512_maskz_loadu_ps(m, hpr + j)), dact512(rec, rg)));
            _mm512_mask_storeu_ps(dhr + j, m, _mm512_fmadd_ps(dj, rg, _mm512_maskz_loadu_ps(m, dhr + j)));
        }
    }
}

// ---- AVX2 + FMA --------------------------------------------------------------------------------
// The AVX-512 algorithms 8 lanes at a time: each row is full blocks, then one masked tail; `full`
// is a constant at every call of the inlined block functions.
T256_INLINE static inline __m256 update256(__m256 zg, __m256 hp, __m256 hh) {
    return _mm256_fmadd_ps(zg, hp, _mm256_mul_ps(_mm256_sub_ps(_mm256_set1_ps(1.0f), zg), hh));
}

T256_INLINE static inline void cell_forward8(long u, int act, int rec, float *zr, const float *pr, float *pcr,
                                             const float *hpr, float *hnr, int full, __m256i m) {
    const __m256 zg = act256(rec, _mm256_add_ps(load8(zr, full, m), load8(pr, full, m)));
    const __m256 rg = act256(rec, _mm256_add_ps(load8(zr + u, full, m), load8(pr + u, full, m)));
    const __m256 ph = load8(pr + 2 * u, full, m);
    const __m256 hh = act256(act, _mm256_fmadd_ps(rg, ph, load8(zr + 2 * u, full, m)));
    store8(zr, zg, full, m);
    store8(zr + u, rg, full, m);
    store8(zr + 2 * u, hh, full, m);
    if (pcr) store8(pcr, ph, full, m);
    store8(hnr, update256(zg, load8(hpr, full, m), hh), full, m);
}

T256 static void cell_forward_avx2(long batch, long u, int act, int rec, float *z, long ldz, const float *p, long ldp,
                                   float *pc, long ldpc, const float *hp, long ldhp, float *hn, long ldhn) {
    const __m256i all = _mm256_set1_epi32(-1), m = tail_mask(u % 8);
    for (long b = 0; b < batch; b++) {
        float *zr = z + b * ldz, *hnr = hn + b * ldhn, *pcr = pc ? pc + b * ldpc : NULL;
        const float *pr = p + b * ldp, *hpr = hp + b * ldhp;
        long j = 0;
        for (; j + 8 <= u; j += 8)
            cell_forward8(u, act, rec, zr + j, pr + j, pcr ? pcr + j : NULL, hpr + j, hnr + j, 1, all);
        if (j < u) cell_forward8(u, act, rec, zr + j, pr + j, pcr ? pcr + j : NULL, hpr + j, hnr + j, 0, m);
    }
}

T256_INLINE static inline void reset_forward8(long u, int rec, float *zr, const float *hpr, float *rsr, int full,
                                              __m256i m) {
    const __m256 zg = act256(rec, load8(zr, full, m)), rg = act256(rec, load8(zr + u, full, m));
    store8(zr, zg, full, m);
    store8(zr + u, rg, full, m);
    store8(rsr, _mm256_mul_ps(rg, load8(hpr, full, m)), full, m);
}

T256 static void reset_forward_avx2(long batch, long u, int rec, float *z, long ldz, const float *hp, long ldhp,
                                    float *rs, long ldrs) {
    const __m256i all = _mm256_set1_epi32(-1), m = tail_mask(u % 8);
    for (long b = 0; b < batch; b++) {
        float *zr = z + b * ldz, *rsr = rs + b * ldrs;
        const float *hpr = hp + b * ldhp;
        long j = 0;
        for (; j + 8 <= u; j += 8) reset_forward8(u, rec, zr + j, hpr + j, rsr + j, 1, all);
        if (j < u) reset_forward8(u, rec, zr + j, hpr + j, rsr + j, 0, m);
    }
}

T256_INLINE static inline void candidate_forward8(long u, int act, float *zr, const float *hpr, float *hnr, int full,
                                                  __m256i m) {
    const __m256 hh = act256(act, load8(zr + 2 * u, full, m));
    store8(zr + 2 * u, hh, full, m);
    store8(hnr, update256(load8(zr, full, m), load8(hpr, full, m), hh), full, m);
}

T256 static void candidate_forward_avx2(long batch, long u, int act, float *z, long ldz, const float *hp, long ldhp,
                                        float *hn, long ldhn) {
    const __m256i all = _mm256_set1_epi32(-1), m = tail_mask(u % 8);
    for (long b = 0; b < batch; b++) {
        float *zr = z + b * ldz, *hnr = hn + b * ldhn;
        const float *hpr = hp + b * ldhp;
        long j = 0;
        for (; j + 8 <= u; j += 8) candidate_forward8(u, act, zr + j, hpr + j, hnr + j, 1, all);
        if (j < u) candidate_forward8(u, act, zr + j, hpr + j, hnr + j, 0, m);
    }
}

T256_INLINE static inline void backward8(int withReset, long u, int act, int rec, const float *gr, const float *pcr,
                                         const float *hpr, const float *dhxr, float *dhr, float *dzr, float *dpr,
                                         int full, __m256i m) {
    __m256 dhj = load8(dhr, full, m);
    if (dhxr) dhj = _mm256_add_ps(dhj, load8(dhxr, full, m));
    const __m256 zg = load8(gr, full, m), hh = load8(gr + 2 * u, full, m);
    const __m256 dZ = _mm256_mul_ps(_mm256_mul_ps(dhj, _mm256_sub_ps(load8(hpr, full, m), hh)), dact256(rec, zg));
    const __m256 dH = _mm256_mul_ps(_mm256_mul_ps(dhj, _mm256_sub_ps(_mm256_set1_ps(1.0f), zg)), dact256(act, hh));
    store8(dzr, dZ, full, m);
    store8(dzr + 2 * u, dH, full, m);
    store8(dhr, _mm256_mul_ps(dhj, zg), full, m);
    if (withReset) {
        const __m256 rg = load8(gr + u, full, m);
        const __m256 dR = _mm256_mul_ps(_mm256_mul_ps(dH, load8(pcr, full, m)), dact256(rec, rg));
        store8(dzr + u, dR, full, m);
        store8(dpr, dZ, full, m);
        store8(dpr + u, dR, full, m);
        store8(dpr + 2 * u, _mm256_mul_ps(dH, rg), full, m);
    }
}

T256 static void backward_avx2(int withReset, long batch, long u, int act, int rec, const float *gates, long ldg,
                               const float *pc, long ldpc, const float *hp, long ldhp, const float *dhx, long lddhx,
                               float *dh, float *dz, long lddz, float *dp, long lddp) {
    const __m256i all = _mm256_set1_epi32(-1), m = tail_mask(u % 8);
    for (long b = 0; b < batch; b++) {
        const float *gr = gates + b * ldg, *hpr = hp + b * ldhp, *pcr = withReset ? pc + b * ldpc : NULL;
        const float *dhxr = dhx ? dhx + b * lddhx : NULL;
        float *dhr = dh + b * u, *dzr = dz + b * lddz, *dpr = withReset ? dp + b * lddp : NULL;
        long j = 0;
        for (; j + 8 <= u; j += 8)
            backward8(withReset, u, act, rec, gr + j, pcr ? pcr + j : NULL, hpr + j, dhxr ? dhxr + j : NULL, dhr + j,
                      dzr + j, dpr ? dpr + j : NULL, 1, all);
        if (j < u)
            backward8(withReset, u, act, rec, gr + j, pcr ? pcr + j : NULL, hpr + j, dhxr ? dhxr + j : NULL, dhr + j,
                      dzr + j, dpr ? dpr + j : NULL, 0, m);
    }
}

T256_INLINE static inline void reset_backward8(long u, int rec, const float *gr, const float *hpr, const float *d,
                                               float *dhr, float *dzr, int full, __m256i m) {
    const __m256 rg = load8(gr + u, full, m), dj = load8(d, full, m);
    store8(dzr + u, _mm256_mul_ps(_mm256_mul_ps(dj, load8(hpr, full, m)), dact256(rec, rg)), full, m);
    store8(dhr, _mm256_fmadd_ps(dj, rg, load8(dhr, full, m)), full, m);
}

T256 static void reset_backward_avx2(long batch, long u, int rec, const float *gates, long ldg, const float *hp,
                                     long ldhp, const float *drs, long lddrs, float *dh, float *dz, long lddz) {
    const __m256i all = _mm256_set1_epi32(-1), m = tail_mask(u % 8);
    for (long b = 0; b < batch; b++) {
        const float *gr = gates + b * ldg, *hpr = hp + b * ldhp, *d = drs + b * lddrs;
        float *dhr = dh + b * u, *dzr = dz + b * lddz;
        long j = 0;
        for (; j + 8 <= u; j += 8) reset_backward8(u, rec, gr + j, hpr + j, d + j, dhr + j, dzr + j, 1, all);
        if (j < u) reset_backward8(u, rec, gr + j, hpr + j, d + j, dhr + j, dzr + j, 0, m);
    }
}
#endif

#ifdef REK_NEON
// ---- NEON (baseline on aarch64) -----------------------------------------------------------------
// The AVX2 algorithms 4 lanes at a time; a tail shorter than 4 goes through a zero-padded buffer.
static inline float32x4_t update_neon(float32x4_t zg, float32x4_t hp, float32x4_t hh) {
    return vfmaq_f32(vmulq_f32(vsubq_f32(vdupq_n_f32(1.0f), zg), hh), zg, hp);
}

static void cell_forward_neon(long batch, long u, int act, int rec, float *z, long ldz, const float *p, long ldp,
                              float *pc, long ldpc, const float *hp, long ldhp, float *hn, long ldhn) {
    for (long b = 0; b < batch; b++) {
        float *zr = z + b * ldz, *hnr = hn + b * ldhn, *pcr = pc ? pc + b * ldpc : NULL;
        const float *pr = p + b * ldp, *hpr = hp + b * ldhp;
        for (long j = 0; j < u; j += 4) {
            const long n = u - j;
            const float32x4_t zg = act_neon(rec, vaddq_f32(load_n(zr + j, n), load_n(pr + j, n)));
            const float32x4_t rg = act_neon(rec, vaddq_f32(load_n(zr + u + j, n), load_n(pr + u + j, n)));
            const float32x4_t ph = load_n(pr + 2 * u + j, n);
            const float32x4_t hh = act_neon(act, vfmaq_f32(load_n(zr + 2 * u + j, n), rg, ph));
            store_n(zr + j, zg, n);
            store_n(zr + u + j, rg, n);
            store_n(zr + 2 * u + j, hh, n);
            if (pcr) store_n(pcr + j, ph, n);
            store_n(hnr + j, update_neon(zg, load_n(hpr + j, n), hh), n);
        }
    }
}

static void reset_forward_neon(long batch, long u, int rec, float *z, long ldz, const float *hp, long ldhp,
                               float *rs, long ldrs) {
    for (long b = 0; b < batch; b++) {
        float *zr = z + b * ldz;
        for (long j = 0; j < u; j += 4) {
            const long n = u - j;
            const float32x4_t zg = act_neon(rec, load_n(zr + j, n)), rg = act_neon(rec, load_n(zr + u + j, n));
            store_n(zr + j, zg, n);
            store_n(zr + u + j, rg, n);
            store_n(rs + b * ldrs + j, vmulq_f32(rg, load_n(hp + b * ldhp + j, n)), n);
        }
    }
}

static void candidate_forward_neon(long batch, long u, int act, float *z, long ldz, const float *hp, long ldhp,
                                   float *hn, long ldhn) {
    for (long b = 0; b < batch; b++) {
        float *zr = z + b * ldz;
        for (long j = 0; j < u; j += 4) {
            const long n = u - j;
            const float32x4_t hh = act_neon(act, load_n(zr + 2 * u + j, n));
            store_n(zr + 2 * u + j, hh, n);
            store_n(hn + b * ldhn + j, update_neon(load_n(zr + j, n), load_n(hp + b * ldhp + j, n), hh), n);
        }
    }
}

static void backward_neon(int withReset, long batch, long u, int act, int rec, const float *gates, long ldg,
                          const float *pc, long ldpc, const float *hp, long ldhp, const float *dhx, long lddhx,
                          float *dh, float *dz, long lddz, float *dp, long lddp) {
    const float32x4_t one = vdupq_n_f32(1.0f);
    for (long b = 0; b < batch; b++) {
        const float *gr = gates + b * ldg, *hpr = hp + b * ldhp;
        float *dhr = dh + b * u, *dzr = dz + b * lddz;
        for (long j = 0; j < u; j += 4) {
            const long n = u - j;
            float32x4_t dhj = load_n(dhr + j, n);
            if (dhx) dhj = vaddq_f32(dhj, load_n(dhx + b * lddhx + j, n));
            const float32x4_t zg = load_n(gr + j, n), hh = load_n(gr + 2 * u + j, n);
            const float32x4_t dZ = vmulq_f32(vmulq_f32(dhj, vsubq_f32(load_n(hpr + j, n), hh)), dact_neon(rec, zg));
            const float32x4_t dH = vmulq_f32(vmulq_f32(dhj, vsubq_f32(one, zg)), dact_neon(act, hh));
            store_n(dzr + j, dZ, n);
            store_n(dzr + 2 * u + j, dH, n);
            store_n(dhr + j, vmulq_f32(dhj, zg), n);
            if (withReset) {
                const float32x4_t rg = load_n(gr + u + j, n);
                const float32x4_t dR = vmulq_f32(vmulq_f32(dH, load_n(pc + b * ldpc + j, n)), dact_neon(rec, rg));
                float *dpr = dp + b * lddp;
                store_n(dzr + u + j, dR, n);
                store_n(dpr + j, dZ, n);
                store_n(dpr + u + j, dR, n);
                store_n(dpr + 2 * u + j, vmulq_f32(dH, rg), n);
            }
        }
    }
}

static void reset_backward_neon(long batch, long u, int rec, const float *gates, long ldg, const float *hp,
                                long ldhp, const float *drs, long lddrs, float *dh, float *dz, long lddz) {
    for (long b = 0; b < batch; b++) {
        const float *gr = gates + b * ldg, *hpr = hp + b * ldhp, *d = drs + b * lddrs;
        float *dhr = dh + b * u, *dzr = dz + b * lddz;
        for (long j = 0; j < u; j += 4) {
            const long n = u - j;
            const float32x4_t rg = load_n(gr + u + j, n), dj = load_n(d + j, n);
            store_n(dzr + u + j, vmulq_f32(vmulq_f32(dj, load_n(hpr + j, n)), dact_neon(rec, rg)), n);
            store_n(dhr + j, vfmaq_f32(load_n(dhr + j, n), dj, rg), n);
        }
    }
}
#endif

// ---- dispatch ----------------------------------------------------------------------------------
// rek_sgemm_kernel_width(): 512, 256, 128 (NEON) or 0 for this CPU, lowered by REK_ISA=avx2|portable.
#if defined(REK_X86)
#define DISPATCH(name, ...)                                                                         \
    switch (rek_sgemm_kernel_width()) {                                                             \
    case 512: name##_avx512(__VA_ARGS__); return;                                                   \
    case 256: name##_avx2(__VA_ARGS__); return;                                                     \
    default: break;                                                                                 \
    }                                                                                               \
    name##_portable(__VA_ARGS__)
#elif defined(REK_NEON)
#define DISPATCH(name, ...)                                                                         \
    if (rek_sgemm_kernel_width() == 128) { name##_neon(__VA_ARGS__); return; }                      \
    name##_portable(__VA_ARGS__)
#else
#define DISPATCH(name, ...) name##_portable(__VA_ARGS__)
#endif

void rek_gru_cell_forward(long batch, long units, int activation, int recurrentActivation,
                          float *z, long ldz, const float *p, long ldp, float *pCandidate, long ldpCandidate,
                          const float *hPrev, long ldhPrev, float *hNext, long ldhNext) {
    DISPATCH(cell_forward, batch, units, activation, recurrentActivation, z, ldz, p, ldp, pCandidate, ldpCandidate,
             hPrev, ldhPrev, hNext, ldhNext);
}

void rek_gru_reset_forward(long batch, long units, int recurrentActivation, float *z, long ldz,
                           const float *hPrev, long ldhPrev, float *resetState, long ldResetState) {
    DISPATCH(reset_forward, batch, units, recurrentActivation, z, ldz, hPrev, ldhPrev, resetState, ldResetState);
}

void rek_gru_candidate_forward(long batch, long units, int activation, float *z, long ldz,
                               const float *hPrev, long ldhPrev, float *hNext, long ldhNext) {
    DISPATCH(candidate_forward, batch, units, activation, z, ldz, hPrev, ldhPrev, hNext, ldhNext);
}

void rek_gru_cell_backward(long batch, long units, int activation, int recurrentActivation,
                           const float *gates, long ldg, const float *pCandidate, long ldpCandidate,
                           const float *hPrev, long ldhPrev, const float *dhExternal, long lddhExternal,
                           float *dh, float *dz, long lddz, float *dp, long lddp) {
    DISPATCH(backward, 1, batch, units, activation, recurrentActivation, gates, ldg, pCandidate, ldpCandidate, hPrev,
             ldhPrev, dhExternal, lddhExternal, dh, dz, lddz, dp, lddp);
}

void rek_gru_update_backward(long batch, long units, int activation, int recurrentActivation,
                             const float *gates, long ldg, const float *hPrev, long ldhPrev,
                             const float *dhExternal, long lddhExternal, float *dh, float *dz, long lddz) {
    DISPATCH(backward, 0, batch, units, activation, recurrentActivation, gates, ldg, NULL, 0, hPrev, ldhPrev,
             dhExternal, lddhExternal, dh, dz, lddz, NULL, 0);
}

void rek_gru_reset_backward(long batch, long units, int recurrentActivation, const float *gates, long ldg,
                            const float *hPrev, long ldhPrev, const float *dResetState, long lddResetState,
                            float *dh, float *dz, long lddz) {
    DISPATCH(reset_backward, batch, units, recurrentActivation, gates, ldg, hPrev, ldhPrev, dResetState,
             lddResetState, dh, dz, lddz);
}
