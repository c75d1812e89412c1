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
