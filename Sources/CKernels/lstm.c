// Fused LSTM cell kernels: gate activations, state update and their derivatives in one pass over
// each row, and element-wise activation kernels. Vectorized with AVX-512 (16 lanes) and with
// AVX2+FMA (8 lanes), both computing exp by range reduction and a degree-7 polynomial (~1 ulp), with
// masked tails, and on aarch64 with NEON (4 lanes, the same algorithms); a portable scalar fallback
// otherwise. The path follows `rek_sgemm_kernel_width()`, so REK_ISA=avx2|portable selects the AVX2
// or scalar kernels here as in the matrix multiply.
// The activations, their derivatives and the tail helpers are simd_activations.h's, shared with gru.c.
#include "simd_activations.h"

// ---- portable ----------------------------------------------------------------------------------
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
// The AVX2 algorithms 4 lanes at a time; a tail shorter than 4 goes through a zero-padded buffer.
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

static void activation_forward_serial(int activation, float *x, long count) {
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

static void activation_backward_serial(int activation, const float *gradient, const float *output, float *result,
                                       long count) {
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

// Large arrays (a convolution's whole batch of outputs) are shared by the pool in fixed chunks.
// Every element's value is the same whichever chunk or thread computes it.
#define ACTIVATION_CHUNK 32768L

typedef struct {
    int activation;
    const float *gradient, *output;
    float *x;
    long count;
} activation_job;

static void activation_forward_chunk(void *context, long index) {
    const activation_job *job = context;
    const long start = index * ACTIVATION_CHUNK;
    const long n = job->count - start < ACTIVATION_CHUNK ? job->count - start : ACTIVATION_CHUNK;
    activation_forward_serial(job->activation, job->x + start, n);
}

static void activation_backward_chunk(void *context, long index) {
    const activation_job *job = context;
    const long start = index * ACTIVATION_CHUNK;
    const long n = job->count - start < ACTIVATION_CHUNK ? job->count - start : ACTIVATION_CHUNK;
    activation_backward_serial(job->activation, job->gradient + start, job->output + start, job->x + start, n);
}

void rek_activation_forward(int activation, float *x, long count) {
    if (activation == REK_LINEAR) return;
    if (count >= 2 * ACTIVATION_CHUNK && rek_parallel_available() > 1) {
        activation_job job = {activation, NULL, NULL, x, count};
        rek_parallel_for((count + ACTIVATION_CHUNK - 1) / ACTIVATION_CHUNK, activation_forward_chunk, &job);
        return;
    }
    activation_forward_serial(activation, x, count);
}

void rek_activation_backward(int activation, const float *gradient, const float *output, float *result, long count) {
    if (count >= 2 * ACTIVATION_CHUNK && rek_parallel_available() > 1) {
        activation_job job = {activation, gradient, output, result, count};
        rek_parallel_for((count + ACTIVATION_CHUNK - 1) / ACTIVATION_CHUNK, activation_backward_chunk, &job);
        return;
    }
    activation_backward_serial(activation, gradient, output, result, count);
}
