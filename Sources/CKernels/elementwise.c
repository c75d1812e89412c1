// Row-vector broadcasts, column sums and element-wise losses: simple loops compiled once per
// instruction set (function multi-versioning where the platform supports it), the vector width
// chosen when the program loads.
#include "CKernels.h"
#include <math.h>

#if defined(__x86_64__) && defined(__linux__) && defined(__clang__)
#define MULTIVERSION __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define MULTIVERSION
#endif

MULTIVERSION
void rek_add_row_vector(const float *restrict vector, float *restrict c, long rows, long columns) {
    for (long row = 0; row < rows; row++) {
        float *restrict target = c + row * columns;
        for (long j = 0; j < columns; j++) target[j] += vector[j];
    }
}

// Column sums of narrow matrices (a convolution's bias gradient: 25,088 rows of 1 or 16 columns per
// batch) were one long chain of dependent additions per column. Rows now go round PARTIAL_ROWS
// partial sums (independent chains, vectorized along the columns), combined in a fixed order. A
// column's sum depends only on its own values and the row count, never on how many columns one
// call covers (callers split columns between threads), so results are the same on every thread count.
#define PARTIAL_ROWS 8
#define COLUMN_BLOCK 64

MULTIVERSION
void rek_accumulate_column_sums(const float *restrict a, long rows, long columns, long stride, float *restrict sums) {
    const long blocked = rows >= 2 * PARTIAL_ROWS ? rows - rows % PARTIAL_ROWS : 0;
    for (long j0 = 0; j0 < columns && blocked > 0; j0 += COLUMN_BLOCK) {
        const long width = columns - j0 < COLUMN_BLOCK ? columns - j0 : COLUMN_BLOCK;
        float partial[PARTIAL_ROWS][COLUMN_BLOCK] = {{0}};
        for (long row = 0; row < blocked; row += PARTIAL_ROWS)
            for (int p = 0; p < PARTIAL_ROWS; p++) {
                const float *restrict source = a + (row + p) * stride + j0;
                for (long j = 0; j < width; j++) partial[p][j] += source[j];
            }
        for (long j = 0; j < width; j++) {
            float total = 0;
            for (int p = 0; p < PARTIAL_ROWS; p++) total += partial[p][j];
            sums[j0 + j] += total;
        }
    }
    for (long row = blocked; row < rows; row++) {
        const float *restrict source = a + row * stride;
        for (long j = 0; j < columns; j++) sums[j] += source[j];
    }
}

// Sums run in 16 independent float lanes (which vectorize without reordering any one sum) and are
// folded into a double every block, so long inputs keep full float accuracy.
#define LANES 16
#define BLOCK (LANES * 256)

// The loss of one difference d = predicted − target, and its derivative.
static inline float element_loss(int kind, float d) { return kind == REK_LOSS_MSE ? d * d : fabsf(d); }
static inline float element_derivative(int kind, float d) {
    return kind == REK_LOSS_MSE ? 2 * d : (d > 0 ? 1.0f : (d < 0 ? -1.0f : 0.0f));
}

MULTIVERSION
double rek_loss(int kind, const float *restrict predicted, const float *restrict target, long count,
                float *restrict gradient, float gradientScale) {
    double total = 0;
    for (long start = 0; start < count; start += BLOCK) {
        const long end = start + BLOCK < count ? start + BLOCK : count;
        float lanes[LANES] = {0};
        // Whole groups of LANES (a fixed trip count the compiler vectorizes), then the tail.
        long i = start;
        for (; i + LANES <= end; i += LANES)
            for (int l = 0; l < LANES; l++) {
                const float d = predicted[i + l] - target[i + l];
                lanes[l] += element_loss(kind, d);
                if (gradient) gradient[i + l] = gradientScale * element_derivative(kind, d);
            }
        for (int l = 0; i < end; i++, l++) {
            const float d = predicted[i] - target[i];
            lanes[l] += element_loss(kind, d);
            if (gradient) gradient[i] = gradientScale * element_derivative(kind, d);
        }
        for (int l = 0; l < LANES; l++) total += lanes[l];
    }
    return total;
}
