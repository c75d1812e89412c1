// im2col / col2im for channels-last convolutions. Within one window row of an undilated kernel the
// (kx, c) entries are contiguous in the image, so each in-bounds run is one copy (or one vector add);
// a dilated row is one run of `channels` floats per tap.
#include "CKernels.h"
#include <string.h>

#if defined(__x86_64__) && defined(__linux__) && defined(__clang__)
#define MULTIVERSION __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define MULTIVERSION
#endif

// The in-bounds taps [kxBegin, kxEnd) of a window row starting at column x0, its taps dilationX
// columns apart: kx is in bounds when 0 <= x0 + kx·dilationX < width.
static inline void window_columns(const rek_conv_geometry *g, long x0, long *kxBegin, long *kxEnd) {
    const long d = g->dilationX;
    long begin = x0 < 0 ? (-x0 + d - 1) / d : 0;
    long end = x0 < g->width ? (g->width - 1 - x0) / d + 1 : 0;
    if (end > g->kernelWidth) end = g->kernelWidth;
    if (end < begin) end = begin;
    *kxBegin = begin;
    *kxEnd = end;
}

// Window rows are short (kernelWidth·channels floats, often 3 to 48). Compilers turn plain copy
// loops back into memcpy/memset calls, whose call overhead then dominates, so the AVX2 version
// copies with 8-float vectors and one masked tail.
static inline void copy_floats(float *restrict target, const float *restrict source, long count) {
    memcpy(target, source, (size_t)count * sizeof(float));
}

static inline void zero_floats(float *restrict target, long count) {
    memset(target, 0, (size_t)count * sizeof(float));
}

#if defined(__x86_64__)
#include <immintrin.h>
#define AVX2 __attribute__((target("avx2,fma")))

AVX2 static inline __m256i tail_mask(long count) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)count), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

AVX2 static inline void copy_floats_avx2(float *restrict target, const float *restrict source, long count) {
    long i = 0;
    // The empty asm hides the induction variable, so the loop is not rewritten into a memcpy call.
    for (; i + 8 <= count; i += 8) { __asm__("" : "+r"(i)); _mm256_storeu_ps(target + i, _mm256_loadu_ps(source + i)); }
    if (i < count) {
        const __m256i mask = tail_mask(count - i);
        _mm256_maskstore_ps(target + i, mask, _mm256_maskload_ps(source + i, mask));
    }
}

AVX2 static inline void zero_floats_avx2(float *restrict target, long count) {
    long i = 0;
    for (; i + 8 <= count; i += 8) { __asm__("" : "+r"(i)); _mm256_storeu_ps(target + i, _mm256_setzero_ps()); }
    if (i < count) _mm256_maskstore_ps(target + i, tail_mask(count - i), _mm256_setzero_ps());
}
#endif

// One body, compiled with each pair of copy/zero helpers.
#define DEFINE_IM2COL(NAME, ATTRIBUTES, COPY, ZERO)                                                    \
ATTRIBUTES static void NAME(const rek_conv_geometry *g, const float *images, long first, long last,     \
                            float *columns) {                                                           \
    const long C = g->channels, K = g->kernelHeight * g->kernelWidth * C, rowWidth = g->kernelWidth * C; \
    const long imageSize = g->height * g->width * C, windows = g->outHeight * g->outWidth;              \
    const long dx = g->dilationX;                                                                       \
    for (long n = first; n < last; n++) {                                                               \
        const float *image = images + n * imageSize;                                                    \
        float *row = columns + n * windows * K;                                                         \
        for (long oy = 0; oy < g->outHeight; oy++) {                                                    \
            const long y0 = oy * g->strideY - g->padTop;                                                \
            for (long ox = 0; ox < g->outWidth; ox++, row += K) {                                       \
                const long x0 = ox * g->strideX - g->padLeft;                                           \
                long kxBegin, kxEnd;                                                                    \
                window_columns(g, x0, &kxBegin, &kxEnd);                                                \
                for (long ky = 0; ky < g->kernelHeight; ky++) {                                         \
                    float *target = row + ky * rowWidth;                                                \
                    const long y = y0 + ky * g->dilationY;                                              \
                    if (y < 0 || y >= g->height || kxEnd == kxBegin) { ZERO(target, rowWidth); continue; } \
                    if (kxBegin > 0) ZERO(target, kxBegin * C);                                         \
                    /* Offsets, not pointers, until in bounds: x0 may lie left of the image. */         \
                    const long pixels = (y * g->width + x0) * C;                                        \
                    if (dx == 1) {                                                                      \
                        COPY(target + kxBegin * C, image + (pixels + kxBegin * C), (kxEnd - kxBegin) * C); \
                    } else {                                                                            \
                        for (long kx = kxBegin; kx < kxEnd; kx++)                                       \
                            COPY(target + kx * C, image + (pixels + kx * dx * C), C);                   \
                    }                                                                                   \
                    if (kxEnd < g->kernelWidth) ZERO(target + kxEnd * C, (g->kernelWidth - kxEnd) * C); \
                }                                                                                       \
            }                                                                                           \
        }                                                                                               \
    }                                                                                                   \
}

DEFINE_IM2COL(im2col_portable, , copy_floats, zero_floats)
#if defined(__x86_64__)
DEFINE_IM2COL(im2col_avx2, AVX2, copy_floats_avx2, zero_floats_avx2)
#endif

void rek_im2col(const rek_conv_geometry *g, const float *images, long first, long last, float *columns) {
#if defined(__x86_64__)
    if (rek_sgemm_kernel_width() >= 256) { im2col_avx2(g, images, first, last, columns); return; }
#endif
    im2col_portable(g, images, first, last, columns);
}

MULTIVERSION
void rek_col2im(const rek_conv_geometry *g, const float *columns, long first, long last, float *images) {
    const long C = g->channels, K = g->kernelHeight * g->kernelWidth * C, rowWidth = g->kernelWidth * C;
    const long imageSize = g->height * g->width * C, windows = g->outHeight * g->outWidth;
    const long dx = g->dilationX;
    for (long n = first; n < last; n++) {
        float *image = images + n * imageSize;
        const float *row = columns + n * windows * K;
        memset(image, 0, (size_t)imageSize * sizeof(float));
        for (long oy = 0; oy < g->outHeight; oy++) {
            const long y0 = oy * g->strideY - g->padTop;
            for (long ox = 0; ox < g->outWidth; ox++, row += K) {
                const long x0 = ox * g->strideX - g->padLeft;
                long kxBegin, kxEnd;
                window_columns(g, x0, &kxBegin, &kxEnd);
                for (long ky = 0; ky < g->kernelHeight; ky++) {
                    const long y = y0 + ky * g->dilationY;
                    if (y < 0 || y >= g->height) continue;
                    const float *taps = row + ky * rowWidth;
                    const long pixels = (y * g->width + x0) * C;  // x0 may lie left of the image
                    if (dx == 1) {
                        const float *restrict source = taps + kxBegin * C;
                        float *restrict target = image + (pixels + kxBegin * C);
                        const long count = (kxEnd - kxBegin) * C;
                        for (long i = 0; i < count; i++) target[i] += source[i];
                    } else {
                        for (long kx = kxBegin; kx < kxEnd; kx++) {
                            const float *restrict source = taps + kx * C;
                            float *restrict target = image + (pixels + kx * dx * C);
                            for (long i = 0; i < C; i++) target[i] += source[i];
                        }
                    }
                }
            }
        }
    }
}

// ---- one filter, without unfolding ---------------------------------------------------------------
// A convolution with a single filter (an autoencoder's last layer back to one grayscale channel)
// is a matrix-vector product over the unfolded patch rows: unfolding writes and reads
// windows·kh·kw·channels floats per image (113k for 28×28 with 16 channels, 3×3), far more than
// the arithmetic, so these kernels read each window's in-bounds runs straight from the image.
// Within a window row of an undilated kernel the (kx, c) taps are one contiguous run in the image
// and in the kernel, so every run is one dot product (forward) or one scaled add (backward).

// Calls RUN for each in-bounds run of the window at (y0, x0), with `imageOffset` (from the image's
// first float), `kernelOffset` (into the kh·kw·C kernel) and `length` in floats.
#define FOR_EACH_RUN(...)                                                                              \
    for (long ky = 0; ky < g->kernelHeight; ky++) {                                                    \
        const long y = y0 + ky * g->dilationY;                                                         \
        if (y < 0 || y >= g->height || kxEnd == kxBegin) continue;                                     \
        const long pixels = (y * g->width + x0) * C;                                                   \
        if (g->dilationX == 1) {                                                                       \
            const long imageOffset = pixels + kxBegin * C;                                             \
            const long kernelOffset = (ky * g->kernelWidth + kxBegin) * C, length = (kxEnd - kxBegin) * C; \
            __VA_ARGS__                                                                                \
        } else {                                                                                       \
            for (long kx = kxBegin; kx < kxEnd; kx++) {                                                \
                const long imageOffset = pixels + kx * g->dilationX * C;                               \
                const long kernelOffset = (ky * g->kernelWidth + kx) * C, length = C;                  \
                __VA_ARGS__                                                                            \
            }                                                                                          \
        }                                                                                              \
    }

// Every window of images first ..< last, with y0, x0, kxBegin, kxEnd and the window's index p.
#define FOR_EACH_WINDOW(...)                                                                          \
    for (long oy = 0; oy < g->outHeight; oy++) {                                                       \
        const long y0 = oy * g->strideY - g->padTop;                                                   \
        for (long ox = 0; ox < g->outWidth; ox++) {                                                    \
            const long x0 = ox * g->strideX - g->padLeft, p = oy * g->outWidth + ox;                   \
            long kxBegin, kxEnd;                                                                       \
            window_columns(g, x0, &kxBegin, &kxEnd);                                                   \
            __VA_ARGS__                                                                                \
        }                                                                                              \
    }

// acc (+ tail) += a·b over n floats; y += alpha·x over n floats.
static inline void dot_portable(float *acc, float *tail, const float *a, const float *b, long n) {
    (void)tail;
    for (long i = 0; i < n; i++) *acc += a[i] * b[i];
}
static inline void dot4_portable(float *acc, float *tail, const float *a, long stride, const float *b, long n) {
    for (int w = 0; w < 4; w++) dot_portable(acc + w, tail + w, a + w * stride, b, n);
}
static inline void axpy_portable(float *restrict y, float alpha, const float *restrict x, long n) {
    for (long i = 0; i < n; i++) y[i] += alpha * x[i];
}
static inline void axpy4_portable(float *restrict y, const float *alpha, const float *restrict x, long stride,
                                  long n) {
    for (int w = 0; w < 4; w++) axpy_portable(y, alpha[w], x + w * stride, n);
}
#define HSUM_PORTABLE(acc) (acc)

#if defined(__x86_64__)
#define AVX512 __attribute__((target("avx512f,fma")))
AVX512 static inline void dot_avx512(__m512 *acc, float *tail, const float *a, const float *b, long n) {
    (void)tail;
    long i = 0;
    for (; i + 16 <= n; i += 16) *acc = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), *acc);
    if (i < n) {
        const __mmask16 mask = (__mmask16)((1u << (n - i)) - 1);
        *acc = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(mask, a + i), _mm512_maskz_loadu_ps(mask, b + i), *acc);
    }
}
// Four windows `stride` floats apart against the same kernel run: four independent chains, each
// the same instructions as dot_avx512 (so each window's value does not depend on its group).
AVX512 static inline void dot4_avx512(__m512 *acc, float *tail, const float *a, long stride, const float *b, long n) {
    (void)tail;
    long i = 0;
    for (; i + 16 <= n; i += 16) {
        const __m512 k = _mm512_loadu_ps(b + i);
        for (int w = 0; w < 4; w++) acc[w] = _mm512_fmadd_ps(_mm512_loadu_ps(a + w * stride + i), k, acc[w]);
    }
    if (i < n) {
        const __mmask16 mask = (__mmask16)((1u << (n - i)) - 1);
        const __m512 k = _mm512_maskz_loadu_ps(mask, b + i);
        for (int w = 0; w < 4; w++)
            acc[w] = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(mask, a + w * stride + i), k, acc[w]);
    }
}
AVX512 static inline void axpy_avx512(float *restrict y, float alpha, const float *restrict x, long n) {
    const __m512 scale = _mm512_set1_ps(alpha);
    long i = 0;
    for (; i + 16 <= n; i += 16)
        _mm512_storeu_ps(y + i, _mm512_fmadd_ps(scale, _mm512_loadu_ps(x + i), _mm512_loadu_ps(y + i)));
    if (i < n) {
        const __mmask16 mask = (__mmask16)((1u << (n - i)) - 1);
        _mm512_mask_storeu_ps(
            y + i, mask, _mm512_fmadd_ps(scale, _mm512_maskz_loadu_ps(mask, x + i), _mm512_maskz_loadu_ps(mask, y + i)));
    }
}
// y += alpha[w]·x[w·stride …] for w = 0 … 3 in that order, y loaded and stored once: the same
// fused multiply-adds per element as four axpy_avx512 calls, without the chain through memory.
AVX512 static inline void axpy4_avx512(float *restrict y, const float *alpha, const float *restrict x, long stride,
                                       long n) {
    const __m512 s0 = _mm512_set1_ps(alpha[0]), s1 = _mm512_set1_ps(alpha[1]);
    const __m512 s2 = _mm512_set1_ps(alpha[2]), s3 = _mm512_set1_ps(alpha[3]);
    for (long i = 0; i < n; i += 16) {
        const __mmask16 mask = n - i >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (n - i)) - 1);
        __m512 v = _mm512_maskz_loadu_ps(mask, y + i);
        v = _mm512_fmadd_ps(s0, _mm512_maskz_loadu_ps(mask, x + i), v);
        v = _mm512_fmadd_ps(s1, _mm512_maskz_loadu_ps(mask, x + stride + i), v);
        v = _mm512_fmadd_ps(s2, _mm512_maskz_loadu_ps(mask, x + 2 * stride + i), v);
        v = _mm512_fmadd_ps(s3, _mm512_maskz_loadu_ps(mask, x + 3 * stride + i), v);
        _mm512_mask_storeu_ps(y + i, mask, v);
    }
}
#define HSUM_AVX512(acc) _mm512_reduce_add_ps(acc)

AVX2 static inline void dot_avx2(__m256 *acc, float *tail, const float *a, const float *b, long n) {
    (void)tail;
    long i = 0;
    for (; i + 8 <= n; i += 8) *acc = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), *acc);
    if (i < n) {
        const __m256i mask = tail_mask(n - i);
        *acc = _mm256_fmadd_ps(_mm256_maskload_ps(a + i, mask), _mm256_maskload_ps(b + i, mask), *acc);
    }
}
AVX2 static inline void dot4_avx2(__m256 *acc, float *tail, const float *a, long stride, const float *b, long n) {
    (void)tail;
    long i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256 k = _mm256_loadu_ps(b + i);
        for (int w = 0; w < 4; w++) acc[w] = _mm256_fmadd_ps(_mm256_loadu_ps(a + w * stride + i), k, acc[w]);
    }
    if (i < n) {
        const __m256i mask = tail_mask(n - i);
        const __m256 k = _mm256_maskload_ps(b + i, mask);
        for (int w = 0; w < 4; w++)
            acc[w] = _mm256_fmadd_ps(_mm256_maskload_ps(a + w * stride + i, mask), k, acc[w]);
    }
}
AVX2 static inline void axpy_avx2(float *restrict y, float alpha, const float *restrict x, long n) {
    const __m256 scale = _mm256_set1_ps(alpha);
    long i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(y + i, _mm256_fmadd_ps(scale, _mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i)));
    if (i < n) {
        const __m256i mask = tail_mask(n - i);
        _mm256_maskstore_ps(
            y + i, mask, _mm256_fmadd_ps(scale, _mm256_maskload_ps(x + i, mask), _mm256_maskload_ps(y + i, mask)));
    }
}
AVX2 static inline void axpy4_avx2(float *restrict y, const float *alpha, const float *restrict x, long stride,
                                   long n) {
    const __m256 s0 = _mm256_set1_ps(alpha[0]), s1 = _mm256_set1_ps(alpha[1]);
    const __m256 s2 = _mm256_set1_ps(alpha[2]), s3 = _mm256_set1_ps(alpha[3]);
    long i = 0;
    for (; i + 8 <= n; i += 8) {   // unmasked: AMD's masked stores are slow
        __m256 v = _mm256_loadu_ps(y + i);
        v = _mm256_fmadd_ps(s0, _mm256_loadu_ps(x + i), v);
        v = _mm256_fmadd_ps(s1, _mm256_loadu_ps(x + stride + i), v);
        v = _mm256_fmadd_ps(s2, _mm256_loadu_ps(x + 2 * stride + i), v);
        v = _mm256_fmadd_ps(s3, _mm256_loadu_ps(x + 3 * stride + i), v);
        _mm256_storeu_ps(y + i, v);
    }
    if (i < n) {
        const __m256i mask = tail_mask(n - i);
        __m256 v = _mm256_maskload_ps(y + i, mask);
        v = _mm256_fmadd_ps(s0, _mm256_maskload_ps(x + i, mask), v);
        v = _mm256_fmadd_ps(s1, _mm256_maskload_ps(x + stride + i, mask), v);
        v = _mm256_fmadd_ps(s2, _mm256_maskload_ps(x + 2 * stride + i, mask), v);
        v = _mm256_fmadd_ps(s3, _mm256_maskload_ps(x + 3 * stride + i, mask), v);
        _mm256_maskstore_ps(y + i, mask, v);
    }
}
AVX2 static inline float hsum_avx2(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}
#define HSUM_AVX2(acc) hsum_avx2(acc)
#endif

#if defined(__aarch64__)
#include <arm_neon.h>
static inline void dot_neon(float32x4_t *acc, float *tail, const float *a, const float *b, long n) {
    long i = 0;
    for (; i + 4 <= n; i += 4) *acc = vfmaq_f32(*acc, vld1q_f32(a + i), vld1q_f32(b + i));
    for (; i < n; i++) *tail += a[i] * b[i];
}
static inline void dot4_neon(float32x4_t *acc, float *tail, const float *a, long stride, const float *b, long n) {
    long i = 0;
    for (; i + 4 <= n; i += 4) {
        const float32x4_t k = vld1q_f32(b + i);
        for (int w = 0; w < 4; w++) acc[w] = vfmaq_f32(acc[w], vld1q_f32(a + w * stride + i), k);
    }
    for (; i < n; i++)
        for (int w = 0; w < 4; w++) tail[w] += a[w * stride + i] * b[i];
}
static inline void axpy_neon(float *restrict y, float alpha, const float *restrict x, long n) {
    long i = 0;
    for (; i + 4 <= n; i += 4) vst1q_f32(y + i, vfmaq_n_f32(vld1q_f32(y + i), vld1q_f32(x + i), alpha));
    for (; i < n; i++) y[i] += alpha * x[i];
}
static inline void axpy4_neon(float *restrict y, const float *alpha, const float *restrict x, long stride, long n) {
    long i = 0;
    for (; i + 4 <= n; i += 4) {
        float32x4_t v = vld1q_f32(y + i);
        for (int w = 0; w < 4; w++) v = vfmaq_n_f32(v, vld1q_f32(x + w * stride + i), alpha[w]);
        vst1q_f32(y + i, v);
    }
    for (; i < n; i++)
        for (int w = 0; w < 4; w++) y[i] += alpha[w] * x[w * stride + i];
}
#define HSUM_NEON(acc) vaddvq_f32(acc)
#endif

// Every window as FOR_EACH_WINDOW, but where four neighbours in a row have the same taps in bounds
// (inside the image, all of them) the body sees them at once: `grouped` is set and p is the first
// one's index. Their independent accumulator chains (forward), or one load and store of the kernel
// gradient per four windows (backward), keep the FMA units busy, with the same operations per value
// as one window at a time, so a value does not depend on its group.
#define FOR_EACH_WINDOW_GROUP(...)                                                                    \
    for (long oy = 0; oy < g->outHeight; oy++) {                                                       \
        const long y0 = oy * g->strideY - g->padTop;                                                   \
        for (long ox = 0; ox < g->outWidth;) {                                                         \
            const long x0 = ox * g->strideX - g->padLeft, p = oy * g->outWidth + ox;                   \
            long kxBegin, kxEnd;                                                                       \
            window_columns(g, x0, &kxBegin, &kxEnd);                                                   \
            int group = 1;                                                                             \
            while (group < 4 && ox + group < g->outWidth) {                                            \
                long begin, end;                                                                       \
                window_columns(g, x0 + group * g->strideX, &begin, &end);                              \
                if (begin != kxBegin || end != kxEnd) break;                                           \
                group++;                                                                               \
            }                                                                                          \
            const int grouped = group == 4;                                                            \
            __VA_ARGS__                                                                                \
            ox += grouped ? 4 : 1;                                                                     \
        }                                                                                              \
    }

// The input gradient gathered rather than scattered: each pixel's C channels (at most 4 vectors)
// sum g[window]·kernel[tap] over the windows that read it, in registers, in the order the scatter
// adds them (windows in ascending order: ky, then kx, descending), starting from zero as the
// scatter's cleared image does; so the same fused multiply-adds per value, without the scatter's
// chain through memory (each window's stores were the next window's loads). Four neighbouring
// pixels with every tap in bounds (stride 1) go together. Returns 0, having done nothing, for
// channel counts it does not cover (not a multiple of the vector width, or over 4 vectors).
#define DEFINE_GATHERED_INPUT_GRADIENT(SUFFIX, ATTRIBUTES, VECTOR, VL, ZERO, LOAD, STORE, SET1, FMA)    \
/* PIXELS (1 or 4) pixels from (y, x) of CV vectors each: constants once inlined, so acc stays in registers. */ \
ATTRIBUTES static inline __attribute__((always_inline)) void gathered_pixels_##SUFFIX(                \
        const rek_conv_geometry *g, const float *outputGradient, const float *kernel, float *inputGradient, \
        long y, long x, const int PIXELS, const long CV) {                                             \
    const long C = g->channels, kw = g->kernelWidth, nx = x + g->padLeft;                             \
    VECTOR acc[4][4];                                                                                  \
    for (int w = 0; w < PIXELS; w++)                                                                   \
        for (int v = 0; v < CV; v++) acc[w][v] = ZERO;                                                 \
    for (long ky = g->kernelHeight - 1; ky >= 0; ky--) {                                               \
        const long ny = y + g->padTop - ky * g->dilationY;                                             \
        if (ny < 0 || ny % g->strideY != 0 || ny / g->strideY >= g->outHeight) continue;               \
        const float *row = outputGradient + ny / g->strideY * g->outWidth;                             \
        for (long kx = kw - 1; kx >= 0; kx--) {                                                        \
            const long wx = nx - kx * g->dilationX;                                                    \
            if (PIXELS == 1 && (wx < 0 || wx % g->strideX != 0 || wx / g->strideX >= g->outWidth)) continue; \
            const float *taps = kernel + (ky * kw + kx) * C, *gradients = row + wx / g->strideX;      \
            for (int v = 0; v < CV; v++) {                                                             \
                const VECTOR k = LOAD(taps + v * VL);                                                  \
                for (int w = 0; w < PIXELS; w++) acc[w][v] = FMA(SET1(gradients[w]), k, acc[w][v]);    \
            }                                                                                          \
        }                                                                                              \
    }                                                                                                  \
    for (int w = 0; w < PIXELS; w++)                                                                   \
        for (int v = 0; v < CV; v++) STORE(inputGradient + ((y * g->width + x + w) * C + v * VL), acc[w][v]); \
}                                                                                                      \
ATTRIBUTES static inline __attribute__((always_inline)) void gathered_image_##SUFFIX(                 \
        const rek_conv_geometry *g, const float *outputGradient, const float *kernel, float *inputGradient, \
        const long CV) {                                                                               \
    const long W = g->width, reach = (g->kernelWidth - 1) * g->dilationX;                              \
    for (long y = 0; y < g->height; y++)                                                               \
        for (long x = 0; x < W;) {                                                                     \
            const long nx = x + g->padLeft;                                                            \
            if (g->strideX == 1 && x + 3 < W && nx - reach >= 0 && nx + 3 < g->outWidth) {             \
                gathered_pixels_##SUFFIX(g, outputGradient, kernel, inputGradient, y, x, 4, CV);       \
                x += 4;                                                                                \
            } else {                                                                                   \
                gathered_pixels_##SUFFIX(g, outputGradient, kernel, inputGradient, y, x, 1, CV);       \
                x += 1;                                                                                \
            }                                                                                          \
        }                                                                                              \
}                                                                                                      \
ATTRIBUTES static int gathered_input_gradient_##SUFFIX(const rek_conv_geometry *g,                    \
        const float *outputGradients, long first, long last, const float *kernel, float *inputGradients) { \
    const long C = g->channels, CV = C / VL;                                                           \
    if (C % VL != 0 || CV < 1 || CV > 4) return 0;                                                     \
    const long imageSize = g->height * g->width * C, windows = g->outHeight * g->outWidth;            \
    for (long n = first; n < last; n++) {                                                              \
        const float *outputGradient = outputGradients + n * windows;                                   \
        float *inputGradient = inputGradients + n * imageSize;                                         \
        switch (CV) {                                                                                  \
        case 1: gathered_image_##SUFFIX(g, outputGradient, kernel, inputGradient, 1); break;          \
        case 2: gathered_image_##SUFFIX(g, outputGradient, kernel, inputGradient, 2); break;          \
        case 3: gathered_image_##SUFFIX(g, outputGradient, kernel, inputGradient, 3); break;          \
        default: gathered_image_##SUFFIX(g, outputGradient, kernel, inputGradient, 4); break;         \
        }                                                                                              \
    }                                                                                                  \
    return 1;                                                                                          \
}

#if defined(__x86_64__)
DEFINE_GATHERED_INPUT_GRADIENT(avx512, AVX512, __m512, 16, _mm512_setzero_ps(), _mm512_loadu_ps, _mm512_storeu_ps,
                               _mm512_set1_ps, _mm512_fmadd_ps)
DEFINE_GATHERED_INPUT_GRADIENT(avx2, AVX2, __m256, 8, _mm256_setzero_ps(), _mm256_loadu_ps, _mm256_storeu_ps,
                               _mm256_set1_ps, _mm256_fmadd_ps)
#endif
#if defined(__aarch64__)
#define NEON_FMA(s, k, acc) vfmaq_f32(acc, k, s)
DEFINE_GATHERED_INPUT_GRADIENT(neon, , float32x4_t, 4, vdupq_n_f32(0), vld1q_f32, vst1q_f32, vdupq_n_f32, NEON_FMA)
#endif
static inline int gathered_input_gradient_portable(const rek_conv_geometry *g, const float *outputGradients,
                                                   long first, long last, const float *kernel,
                                                   float *inputGradients) {
    (void)g; (void)outputGradients; (void)first; (void)last; (void)kernel; (void)inputGradients;
    return 0;   // the portable path is the reference: it keeps the scatter
}

// One body per instruction set: forward, the input gradient and the kernel gradient.
#define DEFINE_SINGLE_FILTER(SUFFIX, ATTRIBUTES, VECTOR, ZERO, DOT, DOT4, HSUM, AXPY, AXPY4)                        \
ATTRIBUTES static void single_filter_forward_##SUFFIX(const rek_conv_geometry *g, const float *images, \
        long first, long last, const float *kernel, float bias, float *outputs) {                     \
    const long C = g->channels, imageSize = g->height * g->width * C, windows = g->outHeight * g->outWidth; \
    const long step = g->strideX * C;                                                                  \
    for (long n = first; n < last; n++) {                                                              \
        const float *image = images + n * imageSize;                                                   \
        float *output = outputs + n * windows;                                                         \
        FOR_EACH_WINDOW_GROUP(                                                                         \
            VECTOR acc[4] = {ZERO, ZERO, ZERO, ZERO};                                                  \
            float tail[4] = {0, 0, 0, 0};                                                              \
            if (grouped) {                                                                             \
                FOR_EACH_RUN(DOT4(acc, tail, image + imageOffset, step, kernel + kernelOffset, length);) \
                for (int w = 0; w < 4; w++) output[p + w] = bias + (HSUM(acc[w]) + tail[w]);          \
            } else {                                                                                   \
                FOR_EACH_RUN(DOT(acc, tail, image + imageOffset, kernel + kernelOffset, length);)      \
                output[p] = bias + (HSUM(acc[0]) + tail[0]);                                           \
            })                                                                                         \
    }                                                                                                  \
}                                                                                                      \
ATTRIBUTES static void single_filter_input_gradient_##SUFFIX(const rek_conv_geometry *g,              \
        const float *outputGradients, long first, long last, const float *kernel, float *inputGradients) { \
    if (gathered_input_gradient_##SUFFIX(g, outputGradients, first, last, kernel, inputGradients)) return; \
    const long C = g->channels, imageSize = g->height * g->width * C, windows = g->outHeight * g->outWidth; \
    for (long n = first; n < last; n++) {                                                              \
        float *inputGradient = inputGradients + n * imageSize;                                         \
        const float *outputGradient = outputGradients + n * windows;                                   \
        memset(inputGradient, 0, (size_t)imageSize * sizeof(float));                                   \
        FOR_EACH_WINDOW({                                                                              \
            const float gradient = outputGradient[p];                                                  \
            FOR_EACH_RUN(AXPY(inputGradient + imageOffset, gradient, kernel + kernelOffset, length);)  \
        })                                                                                             \
    }                                                                                                  \
}                                                                                                      \
ATTRIBUTES static void single_filter_kernel_gradient_##SUFFIX(const rek_conv_geometry *g,             \
        const float *images, const float *outputGradients, long first, long last, float *kernelGradient) { \
    const long C = g->channels, imageSize = g->height * g->width * C, windows = g->outHeight * g->outWidth; \
    const long step = g->strideX * C;                                                                  \
    for (long n = first; n < last; n++) {                                                              \
        const float *image = images + n * imageSize;                                                   \
        const float *outputGradient = outputGradients + n * windows;                                   \
        FOR_EACH_WINDOW_GROUP(                                                                         \
            if (grouped) {                                                                             \
                FOR_EACH_RUN(AXPY4(kernelGradient + kernelOffset, outputGradient + p, image + imageOffset, step, length);) \
            } else {                                                                                   \
                FOR_EACH_RUN(AXPY(kernelGradient + kernelOffset, outputGradient[p], image + imageOffset, length);) \
            })                                                                                         \
    }                                                                                                  \
}

DEFINE_SINGLE_FILTER(portable, , float, 0.0f, dot_portable, dot4_portable, HSUM_PORTABLE, axpy_portable, axpy4_portable)
#if defined(__x86_64__)
DEFINE_SINGLE_FILTER(avx512, AVX512, __m512, _mm512_setzero_ps(), dot_avx512, dot4_avx512, HSUM_AVX512, axpy_avx512, axpy4_avx512)
DEFINE_SINGLE_FILTER(avx2, AVX2, __m256, _mm256_setzero_ps(), dot_avx2, dot4_avx2, HSUM_AVX2, axpy_avx2, axpy4_avx2)
#endif
#if defined(__aarch64__)
DEFINE_SINGLE_FILTER(neon, , float32x4_t, vdupq_n_f32(0), dot_neon, dot4_neon, HSUM_NEON, axpy_neon, axpy4_neon)
#endif

// The widest path this CPU (or REK_ISA) allows: 512, 256, 128 (NEON) or 0 (portable).
#define DISPATCH(NAME, ...)                                                                            \
    do {                                                                                               \
        const int width = rek_sgemm_kernel_width();                                                    \
        (void)width;                                                                                   \
        DISPATCH_X86(NAME, __VA_ARGS__)                                                                \
        DISPATCH_NEON(NAME, __VA_ARGS__)                                                               \
        NAME##_portable(__VA_ARGS__);                                                                  \
    } while (0)
#if defined(__x86_64__)
#define DISPATCH_X86(NAME, ...)                                                                        \
    if (width == 512) { NAME##_avx512(__VA_ARGS__); return; }                                          \
    if (width == 256) { NAME##_avx2(__VA_ARGS__); return; }
#else
#define DISPATCH_X86(NAME, ...)
#endif
#if defined(__aarch64__)
#define DISPATCH_NEON(NAME, ...) if (width == 128) { NAME##_neon(__VA_ARGS__); return; }
#else
#define DISPATCH_NEON(NAME, ...)
#endif

void rek_conv_single_filter_forward(const rek_conv_geometry *g, const float *images, long first, long last,
                                    const float *kernel, float bias, float *outputs) {
    DISPATCH(single_filter_forward, g, images, first, last, kernel, bias, outputs);
}

void rek_conv_single_filter_input_gradient(const rek_conv_geometry *g, const float *outputGradients, long first,
                                           long last, const float *kernel, float *inputGradients) {
    DISPATCH(single_filter_input_gradient, g, outputGradients, first, last, kernel, inputGradients);
}

void rek_conv_single_filter_kernel_gradient(const rek_conv_geometry *g, const float *images,
                                            const float *outputGradients, long first, long last,
                                            float *kernelGradient) {
    DISPATCH(single_filter_kernel_gradient, g, images, outputGradients, first, last, kernelGradient);
}

// ---- a transposed convolution's forward pass, fused ----------------------------------------------
// rek_col2im(inputs · kernelᵀ) without the patch rows (kh·kw·channels floats per window, written and
// read back: most of the time of a stride-2 transposed convolution). Window by window, as col2im
// goes, each in-bounds tap's patch entry is computed as the matrix kernels compute it (fused
// multiply-adds over the input channels from zero, plus a zero bias) and added at its pixel of the
// cleared image: the same operations per value as any SIMD path's product followed by col2im. The
// taps' chains are independent, so they overlap. F (the output channels) in at most 4 vectors.
#define DEFINE_FUSED_FOLD(SUFFIX, ATTRIBUTES, VECTOR, VL, REGISTERS, ZERO, LOAD, STORE, SET1, FMA, ADD) \
/* The entries of WINDOWS (1, 2 or 4) neighbouring windows, taps (ky, kxBegin ..< kxEnd), added \
   at their pixels window after window, so each pixel's sum keeps col2im's order. */                 \
ATTRIBUTES static inline __attribute__((always_inline)) void fused_fold_row_##SUFFIX(                 \
        const rek_conv_geometry *g, long inChannels, const float *in, const float *kernel, float *pixels, \
        long ky, long kxBegin, long kxEnd, const int WINDOWS, const long FV) {                        \
    const long F = g->channels, kw = g->kernelWidth, pixelStep = g->strideX * F;                      \
    for (long kx = kxBegin; kx < kxEnd; kx += 4) {                                                     \
        const long taps = kxEnd - kx < 4 ? kxEnd - kx : 4;                                             \
        VECTOR entry[4][4][4];                                                                         \
        for (int w = 0; w < WINDOWS; w++)                                                              \
            for (int t = 0; t < 4; t++)                                                                \
                for (int v = 0; v < FV; v++) entry[w][t][v] = ZERO;                                   \
        for (long c = 0; c < inChannels; c++) {                                                        \
            VECTOR value[4];                                                                           \
            for (int w = 0; w < WINDOWS; w++) value[w] = SET1(in[w * inChannels + c]);                 \
            for (int t = 0; t < 4; t++) {                                                              \
                if (t >= taps) break;                                                                  \
                const float *k = kernel + ((ky * kw + kx + t) * inChannels + c) * F;                   \
                for (int v = 0; v < FV; v++) {                                                         \
                    const VECTOR kv = LOAD(k + v * VL);                                                \
                    for (int w = 0; w < WINDOWS; w++) entry[w][t][v] = FMA(value[w], kv, entry[w][t][v]); \
                }                                                                                      \
            }                                                                                          \
        }                                                                                              \
        for (int w = 0; w < WINDOWS; w++)                                                              \
            for (int t = 0; t < 4; t++) {                                                              \
                if (t >= taps) break;                                                                  \
                float *pixel = pixels + w * pixelStep + (kx + t) * g->dilationX * F;                   \
                for (int v = 0; v < FV; v++)                                                           \
                    STORE(pixel + v * VL, ADD(LOAD(pixel + v * VL), ADD(entry[w][t][v], ZERO)));      \
            }                                                                                          \
    }                                                                                                  \
}                                                                                                      \
ATTRIBUTES static inline __attribute__((always_inline)) void fused_fold_##SUFFIX(                     \
        const rek_conv_geometry *g, long inChannels, const float *input, const float *kernel, float *image, \
        const long FV) {                                                                               \
    const long F = g->channels;                                                                       \
    memset(image, 0, (size_t)(g->height * g->width * F) * sizeof(float));                             \
    FOR_EACH_WINDOW_GROUP({                                                                            \
        for (long ky = 0; ky < g->kernelHeight; ky++) {                                                \
            const long y = y0 + ky * g->dilationY;                                                     \
            if (y < 0 || y >= g->height) continue;                                                     \
            float *pixels = image + (y * g->width + x0) * F;                                           \
            /* Four windows' entries in registers; and every tap at once, else a later chunk of taps \
               of one window would follow the next window's first. */                                 \
            const long entries = (kxEnd - kxBegin) * FV;                                               \
            if (grouped && kxEnd - kxBegin <= 4 && 4 * entries <= REGISTERS)                           \
                fused_fold_row_##SUFFIX(g, inChannels, input + p * inChannels, kernel, pixels, ky, kxBegin, kxEnd, 4, FV); \
            else if (grouped && kxEnd - kxBegin <= 4 && 2 * entries <= REGISTERS)                      \
                for (int w = 0; w < 4; w += 2)                                                         \
                    fused_fold_row_##SUFFIX(g, inChannels, input + (p + w) * inChannels, kernel,         \
                                            pixels + w * g->strideX * F, ky, kxBegin, kxEnd, 2, FV);    \
            else                                                                                       \
                for (int w = 0; w < (grouped ? 4 : 1); w++)                                            \
                    fused_fold_row_##SUFFIX(g, inChannels, input + (p + w) * inChannels, kernel,         \
                                            pixels + w * g->strideX * F, ky, kxBegin, kxEnd, 1, FV);    \
        }                                                                                              \
    })                                                                                                 \
}                                                                                                      \
ATTRIBUTES static int fused_transpose_forward_##SUFFIX(const rek_conv_geometry *g, long inChannels, \
        const float *inputs, long first, long last, const float *kernel, float *images) {             \
    const long F = g->channels, FV = F / VL;                                                           \
    if (F % VL != 0 || FV < 1 || FV > 4) return 0;                                                     \
    const long imageSize = g->height * g->width * F, windows = g->outHeight * g->outWidth;            \
    for (long n = first; n < last; n++) {                                                              \
        const float *input = inputs + n * windows * inChannels;                                        \
        float *image = images + n * imageSize;                                                         \
        switch (FV) {                                                                                  \
        case 1: fused_fold_##SUFFIX(g, inChannels, input, kernel, image, 1); break;                    \
        case 2: fused_fold_##SUFFIX(g, inChannels, input, kernel, image, 2); break;                    \
        case 3: fused_fold_##SUFFIX(g, inChannels, input, kernel, image, 3); break;                    \
        default: fused_fold_##SUFFIX(g, inChannels, input, kernel, image, 4); break;                   \
        }                                                                                              \
    }                                                                                                  \
    return 1;                                                                                          \
}

#if defined(__x86_64__)
DEFINE_FUSED_FOLD(avx512, AVX512, __m512, 16, 24, _mm512_setzero_ps(), _mm512_loadu_ps, _mm512_storeu_ps,
                  _mm512_set1_ps, _mm512_fmadd_ps, _mm512_add_ps)
DEFINE_FUSED_FOLD(avx2, AVX2, __m256, 8, 12, _mm256_setzero_ps(), _mm256_loadu_ps, _mm256_storeu_ps, _mm256_set1_ps,
                  _mm256_fmadd_ps, _mm256_add_ps)
#endif
#if defined(__aarch64__)
#define NEON_FMA_ACC(s, k, acc) vfmaq_f32(acc, s, k)
DEFINE_FUSED_FOLD(neon, , float32x4_t, 4, 24, vdupq_n_f32(0), vld1q_f32, vst1q_f32, vdupq_n_f32, NEON_FMA_ACC,
                  vaddq_f32)
#endif

int rek_conv_transpose_forward(const rek_conv_geometry *g, long inChannels, const float *inputs, long first,
                               long last, const float *kernel, float *images) {
    // The matrix kernels start a new accumulator every 256 multiply-adds (KC): beyond, another order.
    if (inChannels < 1 || inChannels > 256) return 0;
    const int width = rek_sgemm_kernel_width();
    (void)width;
#if defined(__x86_64__)
    if (width == 512) return fused_transpose_forward_avx512(g, inChannels, inputs, first, last, kernel, images);
    if (width == 256) return fused_transpose_forward_avx2(g, inChannels, inputs, first, last, kernel, images);
#endif
#if defined(__aarch64__)
    if (width == 128) return fused_transpose_forward_neon(g, inChannels, inputs, first, last, kernel, images);
#endif
    (void)g; (void)inputs; (void)first; (void)last; (void)kernel; (void)images;
    return 0;   // the portable product is not fused: it keeps the patch rows
}
