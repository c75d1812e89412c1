// im2col / col2im for channels-last convolutions. Within one window row the kernel's (kx, c)
// entries are contiguous in the image, so each in-bounds run is one copy (or one vector add).
#include "CKernels.h"
#include <string.h>

#if defined(__x86_64__) && defined(__linux__) && defined(__clang__)
#define MULTIVERSION __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define MULTIVERSION
#endif

// The in-bounds part [kxBegin, kxEnd) of a window row starting at column x0.
static inline void window_columns(const rek_conv_geometry *g, long x0, long *kxBegin, long *kxEnd) {
    long begin = x0 < 0 ? -x0 : 0;
    long end = g->width - x0;
    if (end > g->kernelWidth) end = g->kernelWidth;
    if (end < begin) end = begin;
    *kxBegin = begin;
    *kxEnd = end;
}

void rek_im2col(const rek_conv_geometry *g, const float *images, long first, long last, float *columns) {
    const long C = g->channels, K = g->kernelHeight * g->kernelWidth * C, rowWidth = g->kernelWidth * C;
    const long imageSize = g->height * g->width * C, windows = g->outHeight * g->outWidth;
    for (long n = first; n < last; n++) {
        const float *image = images + n * imageSize;
        float *row = columns + n * windows * K;
        for (long oy = 0; oy < g->outHeight; oy++) {
            const long y0 = oy * g->strideY - g->padTop;
            for (long ox = 0; ox < g->outWidth; ox++, row += K) {
                const long x0 = ox * g->strideX - g->padLeft;
                long kxBegin, kxEnd;
                window_columns(g, x0, &kxBegin, &kxEnd);
                for (long ky = 0; ky < g->kernelHeight; ky++) {
                    float *target = row + ky * rowWidth;
                    const long y = y0 + ky;
                    if (y < 0 || y >= g->height || kxEnd == kxBegin) {
                        memset(target, 0, (size_t)rowWidth * sizeof(float));
                        continue;
                    }
                    if (kxBegin > 0) memset(target, 0, (size_t)(kxBegin * C) * sizeof(float));
                    memcpy(target + kxBegin * C, image + (y * g->width + x0 + kxBegin) * C,
                           (size_t)((kxEnd - kxBegin) * C) * sizeof(float));
                    if (kxEnd < g->kernelWidth)
                        memset(target + kxEnd * C, 0, (size_t)((g->kernelWidth - kxEnd) * C) * sizeof(float));
                }
            }
        }
    }
}

MULTIVERSION
void rek_col2im(const rek_conv_geometry *g, const float *columns, long first, long last, float *images) {
    const long C = g->channels, K = g->kernelHeight * g->kernelWidth * C, rowWidth = g->kernelWidth * C;
    const long imageSize = g->height * g->width * C, windows = g->outHeight * g->outWidth;
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
                    const long y = y0 + ky;
                    if (y < 0 || y >= g->height) continue;
                    const float *restrict source = row + ky * rowWidth + kxBegin * C;
                    float *restrict target = image + (y * g->width + x0 + kxBegin) * C;
                    const long count = (kxEnd - kxBegin) * C;
                    for (long i = 0; i < count; i++) target[i] += source[i];
                }
            }
        }
    }
}
