// A stand-alone test of the C kernels (Sources/CKernels): every SIMD path this CPU runs against the
// portable path, on many shapes. Built and run by scripts/check-c-kernels.sh, natively and, cross-
// compiled for aarch64, under qemu-user. It lives outside Sources/ and Tests/ so SwiftPM ignores it.
//
// The path is chosen once per process (REK_ISA is read on the first kernel call), so the program
// forks one child per path: REK_ISA=portable first (the reference), then the others (native, and
// avx2 on AVX-512 machines). Each child runs every case with 1, 2 and 3 threads, requires bit-
// identical results for all three, checks the SIMD matrix multiply bit for bit against a model of
// its summation order (per KC block a fused multiply-add chain from zero, then added to C), and
// sends its results to the parent, which compares them with the portable ones within tolerances.
//
//   cc -O2 -ISources/CKernels/include scripts/ckernels_test.c Sources/CKernels/*.c -lm -lpthread
//   ./a.out            # exit status 0 when every check passes
#include "CKernels.h"
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define KC 256   // the matrix multiply's K block (sgemm.c)

// ---- deterministic random numbers ----------------------------------------------------------------
static uint64_t rng_state;
static uint32_t next_u32(void) {
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)(rng_state >> 33);
}
static float uniform(float lo, float hi) { return lo + (hi - lo) * (float)(next_u32() & 0xFFFFFF) / 16777216.0f; }
static long below(long n) { return (long)(next_u32() % (uint32_t)n); }
static float *random_floats(long n, float lo, float hi) {
    float *x = malloc((size_t)(n > 0 ? n : 1) * sizeof(float));
    for (long i = 0; i < n; i++) x[i] = uniform(lo, hi);
    return x;
}

// ---- results of one run, sent from the child to the parent -------------------------------------
typedef struct {
    char name[96];
    int exact;              // 1: must match the portable result bit for bit
    float tolRel, tolAbs;   // else |x − ref| ≤ tolRel·scale + tolAbs, scale = the given bound or |ref|
    long count;
    float *values, *scale;  // scale may be NULL
} record;

static record *records = NULL;
static long record_count = 0, record_capacity = 0;
static int child_failures = 0;

static void add_record(const char *name, int exact, float tolRel, float tolAbs, const float *values, long count,
                       const float *scale) {
    if (record_count == record_capacity) {
        record_capacity = record_capacity ? 2 * record_capacity : 256;
        records = realloc(records, (size_t)record_capacity * sizeof(record));
    }
    record *r = &records[record_count++];
    memset(r, 0, sizeof *r);
    snprintf(r->name, sizeof r->name, "%s", name);
    r->exact = exact;
    r->tolRel = tolRel;
    r->tolAbs = tolAbs;
    r->count = count;
    r->values = malloc((size_t)(count ? count : 1) * sizeof(float));
    memcpy(r->values, values, (size_t)count * sizeof(float));
    if (scale) {
        r->scale = malloc((size_t)(count ? count : 1) * sizeof(float));
        memcpy(r->scale, scale, (size_t)count * sizeof(float));
    }
}

static void free_records(void) {
    for (long i = 0; i < record_count; i++) { free(records[i].values); free(records[i].scale); }
    record_count = 0;
}

// ---- matrix multiply ---------------------------------------------------------------------------
// The SIMD kernels' summation order, element by element.
static float model_element(int transA, int transB, long i, long j, long K, const float *A, long lda, const float *B,
                           long ldb, float beta, const float *bias, float c) {
    const int store = beta == 0.0f;
    if (!store) {
        if (beta != 1.0f) c *= beta;
        if (bias) c += bias[j];
    }
    for (long k0 = 0; k0 < K; k0 += KC) {
        float acc = 0.0f;
        for (long k = k0; k < K && k < k0 + KC; k++) {
            const float a = transA ? A[k * lda + i] : A[i * lda + k];
            const float b = transB ? B[j * ldb + k] : B[k * ldb + j];
            acc = fmaf(a, b, acc);
        }
        c = store && k0 == 0 ? acc + (bias ? bias[j] : 0.0f) : acc + c;
    }
    return c;
}

static void sgemm_case(int width, int transA, int transB, long M, long N, long K, long padA, long padB, long padC,
                       float beta, int withBias) {
    const long lda = (transA ? M : K) + padA, ldb = (transB ? K : N) + padB, ldc = N + padC;
    const long rowsA = transA ? K : M, rowsB = transB ? N : K;
    float *A = random_floats(rowsA * lda, -1, 1), *B = random_floats(rowsB * ldb, -1, 1);
    float *bias = withBias ? random_floats(N, -1, 1) : NULL;
    float *C0 = random_floats(M * ldc, -1, 1);
    // beta = 0 must ignore C: fill it with NaN (the padding between rows too, which must survive).
    if (beta == 0.0f) for (long i = 0; i < M * ldc; i++) if (i % ldc < N) C0[i] = NAN;
    float *C = malloc((size_t)(M * ldc) * sizeof(float));
    memcpy(C, C0, (size_t)(M * ldc) * sizeof(float));
    rek_sgemm(transA, transB, M, N, K, A, lda, B, ldb, beta, bias, C, ldc);

    float *scale = malloc((size_t)(M * ldc) * sizeof(float));
    long mismatches = 0;
    for (long i = 0; i < M; i++)
        for (long j = 0; j < ldc; j++) {
            float *s = &scale[i * ldc + j];
            if (j >= N) { *s = 0; continue; }   // padding: must equal C0 exactly
            double bound = (beta != 0.0f ? fabs((double)beta * C0[i * ldc + j]) : 0) + (bias ? fabs(bias[j]) : 0);
            for (long k = 0; k < K; k++)
                bound += fabs((double)(transA ? A[k * lda + i] : A[i * lda + k]) *
                              (transB ? B[j * ldb + k] : B[k * ldb + j]));
            *s = (float)bound;
            // N == 1 takes the matrix-vector kernels, which sum in lanes: not this model.
            if (width > 0 && N > 1) {
                const float model = model_element(transA, transB, i, j, K, A, lda, B, ldb, beta, bias, C0[i * ldc + j]);
                if (memcmp(&model, &C[i * ldc + j], sizeof model) != 0 && mismatches++ < 3)
                    fprintf(stderr, "  sgemm width %d tA%d tB%d %ldx%ldx%ld beta %g: C[%ld,%ld] = %.9g, model %.9g\n",
                            width, transA, transB, M, N, K, beta, i, j, C[i * ldc + j], model);
            }
        }
    for (long i = 0; i < M; i++)
        for (long j = N; j < ldc; j++)
            if (memcmp(&C[i * ldc + j], &C0[i * ldc + j], sizeof(float)) != 0 && mismatches++ < 3)
                fprintf(stderr, "  sgemm %ldx%ldx%ld wrote the padding at [%ld,%ld]\n", M, N, K, i, j);
    if (mismatches) child_failures++;
    char name[96];
    snprintf(name, sizeof name, "sgemm tA%d tB%d M%ld N%ld K%ld ld+%ld/%ld/%ld beta %g%s", transA, transB, M, N, K,
             padA, padB, padC, beta, withBias ? " bias" : "");
    // Each path's rounding error is at most ~√K·u·Σ|a·b| in practice (u = 2⁻²⁴); allow 4× that each.
    add_record(name, 0, (float)(8.0 * sqrt((double)K + 2) * 0x1p-24), 1e-30f, C, M * ldc, scale);
    free(A); free(B); free(bias); free(C0); free(C); free(scale);
}

// The activation epilogue equals the product followed by the activation, bit for bit, for row
// bands, column bands, one share, a strided C and the one-column path.
static void activated_sgemm_cases(void) {
    static const long shapes[][5] = {  // M, N, K, transA, padC
        {100, 70, 300, 0, 0}, {8, 200, 150, 0, 3}, {5, 7, 9, 0, 0}, {300, 1, 200, 1, 0}, {64, 33, 59, 1, 2},
        {20, 45, 30, 0, 1},   // a 13-column tail: AVX2's masked 16-column tile
    };
    static const int activations[] = {REK_RELU, REK_SIGMOID, REK_TANH, REK_HARD_SIGMOID, REK_LINEAR};
    for (int s = 0; s < (int)(sizeof shapes / sizeof shapes[0]); s++)
        for (int a = 0; a < 5; a++) {
            const long M = shapes[s][0], N = shapes[s][1], K = shapes[s][2], ldc = N + shapes[s][4];
            const int transA = (int)shapes[s][3];
            float *A = random_floats(M * K, -1, 1), *B = random_floats(K * N, -1, 1), *bias = random_floats(N, -1, 1);
            float *expected = random_floats(M * ldc, 5, 6), *got = malloc((size_t)(M * ldc) * sizeof(float));
            memcpy(got, expected, (size_t)(M * ldc) * sizeof(float));
            rek_sgemm(transA, 0, M, N, K, A, transA ? M : K, B, N, 0.0f, bias, expected, ldc);
            for (long i = 0; i < M; i++) rek_activation_forward(activations[a], expected + i * ldc, N);
            rek_sgemm_activated(transA, 0, M, N, K, A, transA ? M : K, B, N, 0.0f, bias, activations[a], got, ldc);
            if (memcmp(expected, got, (size_t)(M * ldc) * sizeof(float)) != 0) {
                fprintf(stderr, "  activated sgemm M%ld N%ld K%ld activation %d differs from sgemm + activation\n", M,
                        N, K, activations[a]);
                child_failures++;
            }
            char name[96];
            snprintf(name, sizeof name, "activated sgemm M%ld N%ld K%ld activation %d", M, N, K, activations[a]);
            add_record(name, 0, 2e-5f, 2e-5f, got, M * ldc, NULL);
            free(A); free(B); free(bias); free(expected); free(got);
        }
}

static void sgemm_cases(int width) {
    static const long ms[] = {1, 2, 5, 6, 7, 8, 13, 17, 33};
    static const long ns[] = {1, 2, 3, 4, 5, 15, 16, 17, 31, 32, 33, 47, 64, 72, 100};
    static const long ks[] = {1, 2, 7, 16, 100, 255, 256, 257, 300, 520};
    static const float betas[] = {0.0f, 1.0f, 0.5f};
    for (int t = 0; t < 160; t++) {
        const long M = ms[below(9)], N = ns[below(15)], K = ks[below(10)];
        sgemm_case(width, (int)below(2), (int)below(2), M, N, K, below(2) * below(4), below(2) * below(4),
                   below(2) * below(4), betas[below(3)], (int)below(2));
    }
    // Large enough for the thread pool (≥ 2¹⁷ multiply-adds): split by rows (M ≥ 16) and by columns.
    for (int tA = 0; tA < 2; tA++)
        for (int tB = 0; tB < 2; tB++) {
            sgemm_case(width, tA, tB, 100, 70, 300, 1, 2, 3, 0.0f, 1);
            sgemm_case(width, tA, tB, 8, 200, 150, 0, 0, 0, 1.0f, 0);
            sgemm_case(width, tA, tB, 9, 150, 130, 2, 1, 0, 0.0f, 1);
        }
    sgemm_case(width, 0, 0, 256, 256, 256, 0, 0, 0, 0.0f, 0);
    sgemm_case(width, 1, 0, 300, 1, 200, 0, 0, 0, 0.0f, 1);   // one column, transposed A (a row instead)
    sgemm_case(width, 0, 0, 300, 1, 500, 0, 0, 0, 1.0f, 0);   // a matrix-vector product
    activated_sgemm_cases();
}

// ---- element-wise activations and the LSTM and GRU cells ----------------------------------------
static const int kinds[] = {REK_LINEAR, REK_RELU, REK_TANH, REK_SIGMOID, REK_HARD_SIGMOID};
static const char *kind_names[] = {"linear", "relu", "tanh", "sigmoid", "hard_sigmoid"};

static float *activation_inputs(long n) {
    static const float edges[] = {0.0f, -0.0f, 0.0625f, -0.0625f, 0.06249999f, 2.5f, -2.5f, 87.3f, -87.3f, 88.7f,
                                  -88.7f, 100.0f, -100.0f, 1e-30f, -1e-30f, 1e-7f, INFINITY, -INFINITY, 1e6f, -1e6f};
    float *x = random_floats(n, -6, 6);
    for (long i = 0; i < n; i++) {
        const long r = below(10);
        if (r == 0) x[i] = edges[below(20)];
        else if (r == 1) x[i] = uniform(-100, 100);
        else if (r == 2) x[i] = uniform(-0.1f, 0.1f);
    }
    return x;
}

static void activation_cases(void) {
    // 100,003: shared by the pool in chunks (the harness compares 1, 2 and 3 threads bit for bit).
    static const long counts[] = {1, 2, 7, 8, 9, 15, 16, 17, 31, 33, 100, 1001, 100003};
    for (int a = 0; a < 5; a++)
        for (int c = 0; c < 13; c++) {
            const long n = counts[c];
            float *x = activation_inputs(n), *y = malloc((size_t)n * sizeof(float));
            memcpy(y, x, (size_t)n * sizeof(float));
            rek_activation_forward(kinds[a], y, n);
            char name[96];
            snprintf(name, sizeof name, "activation %s n%ld", kind_names[a], n);
            add_record(name, 0, 8e-7f, 2e-7f, y, n, NULL);
            // Backward: outputs in the activation's range, gradients around ±1.
            float *g = random_floats(n, -2, 2), *r = malloc((size_t)n * sizeof(float));
            for (long i = 0; i < n; i++)
                y[i] = kinds[a] == REK_TANH ? uniform(-1, 1) : kinds[a] == REK_RELU || kinds[a] == REK_LINEAR
                    ? uniform(-3, 3) : uniform(0, 1);
            if (n > 4) { y[0] = 0; y[1] = 1; }
            rek_activation_backward(kinds[a], g, y, r, n);
            snprintf(name, sizeof name, "activation backward %s n%ld", kind_names[a], n);
            add_record(name, 0, 1e-6f, 2e-7f, r, n, NULL);
            free(x); free(y); free(g); free(r);
        }
}

static void lstm_cases(void) {
    static const long units[] = {1, 3, 7, 8, 9, 16, 17, 33, 64, 65};
    static const int pairs[][2] = {{REK_TANH, REK_SIGMOID}, {REK_RELU, REK_SIGMOID}, {REK_TANH, REK_HARD_SIGMOID},
                                   {REK_LINEAR, REK_SIGMOID}};
    for (int p = 0; p < 4; p++)
        for (int ui = 0; ui < 10; ui++) {
            const long u = units[ui], batch = 1 + below(4), pad = below(3);
            const int act = pairs[p][0], rec = pairs[p][1];
            const long ldz = 4 * u + pad, ld = u + pad;
            float *z = random_floats(batch * ldz, -4, 4), *cp = random_floats(batch * ld, -2, 2);
            float *cn = calloc((size_t)(batch * ld), sizeof(float)), *ca = calloc((size_t)(batch * ld), sizeof(float));
            float *h = calloc((size_t)(batch * ld), sizeof(float));
            rek_lstm_cell_forward(batch, u, act, rec, z, ldz, cp, ld, cn, ld, ca, ld, h, ld);
            char name[96];
            snprintf(name, sizeof name, "lstm forward %s/%s u%ld b%ld gates", kind_names[act], kind_names[rec], u, batch);
            add_record(name, 0, 1e-6f, 2e-7f, z, batch * ldz, NULL);
            snprintf(name, sizeof name, "lstm forward %s/%s u%ld b%ld c", kind_names[act], kind_names[rec], u, batch);
            add_record(name, 0, 1e-6f, 4e-7f, cn, batch * ld, NULL);
            snprintf(name, sizeof name, "lstm forward %s/%s u%ld b%ld act(c)", kind_names[act], kind_names[rec], u, batch);
            add_record(name, 0, 2e-6f, 4e-7f, ca, batch * ld, NULL);
            snprintf(name, sizeof name, "lstm forward %s/%s u%ld b%ld h", kind_names[act], kind_names[rec], u, batch);
            add_record(name, 0, 2e-6f, 4e-7f, h, batch * ld, NULL);

            // Backward from independent inputs in the forward pass's ranges.
            float *gates = random_floats(batch * ldz, 0, 1);
            for (long b = 0; b < batch; b++)
                for (long j = 0; j < u; j++) gates[b * ldz + 2 * u + j] = act == REK_TANH ? uniform(-1, 1) : uniform(-3, 3);
            for (long i = 0; i < batch * ld; i++) ca[i] = act == REK_TANH ? uniform(-1, 1) : uniform(-3, 3);
            const int external = (int)below(2);
            float *dhx = external ? random_floats(batch * ld, -1, 1) : NULL, *dh = random_floats(batch * u, -1, 1);
            float *dc = random_floats(batch * u, -1, 1), *dz = calloc((size_t)(batch * ldz), sizeof(float));
            rek_lstm_cell_backward(batch, u, act, rec, gates, ldz, cp, ld, ca, ld, dhx, ld, dh, dc, dz, ldz);
            snprintf(name, sizeof name, "lstm backward %s/%s u%ld b%ld%s dz", kind_names[act], kind_names[rec], u, batch,
                     external ? " dhx" : "");
            add_record(name, 0, 2e-6f, 1e-6f, dz, batch * ldz, NULL);
            snprintf(name, sizeof name, "lstm backward %s/%s u%ld b%ld%s dc", kind_names[act], kind_names[rec], u, batch,
                     external ? " dhx" : "");
            add_record(name, 0, 2e-6f, 1e-6f, dc, batch * u, NULL);
            free(z); free(cp); free(cn); free(ca); free(h); free(gates); free(dhx); free(dh); free(dc); free(dz);
        }
}

// The GRU cell: every activation pair, both layouts, forward and backward. The inputs are in the
// forward pass's ranges; the candidate's pre-activation x_h + r·p_h may cancel (|x_h|, |p_h| ≤ 4),
// so its results get an absolute tolerance of a few ulp of 4.
static void gru_cases(void) {
    static const long units[] = {1, 3, 7, 8, 9, 16, 17, 33, 64, 65};
    for (int ai = 0; ai < 5; ai++)
        for (int ri = 0; ri < 5; ri++)
            for (int ui = 0; ui < 10; ui++) {
                const int act = kinds[ai], rec = kinds[ri];
                const long u = units[ui], batch = 1 + below(4), pad = below(3);
                const long ldz = 3 * u + pad, ld = u + pad;
                char label[64], name[96];
                snprintf(label, sizeof label, "%s/%s u%ld b%ld", kind_names[act], kind_names[rec], u, batch);
                float *hp = random_floats(batch * ld, -2, 2), *hn = calloc((size_t)(batch * ld), sizeof(float));

                // reset_after: one fused step.
                float *z = random_floats(batch * ldz, -4, 4), *p = random_floats(batch * ldz, -4, 4);
                const int keep = (int)below(2);
                float *pc = keep ? calloc((size_t)(batch * ld), sizeof(float)) : NULL;
                rek_gru_cell_forward(batch, u, act, rec, z, ldz, p, ldz, pc, ld, hp, ld, hn, ld);
                snprintf(name, sizeof name, "gru forward %s gates", label);
                add_record(name, 0, 2e-6f, 2e-6f, z, batch * ldz, NULL);
                snprintf(name, sizeof name, "gru forward %s h", label);
                add_record(name, 0, 2e-6f, 2e-6f, hn, batch * ld, NULL);
                if (pc) {
                    snprintf(name, sizeof name, "gru forward %s p_h", label);
                    add_record(name, 1, 0, 0, pc, batch * ld, NULL);
                }

                // reset_before: the gates and r·hPrev, then (after the caller's product) the candidate.
                float *z2 = random_floats(batch * ldz, -4, 4), *rs = calloc((size_t)(batch * ld), sizeof(float));
                rek_gru_reset_forward(batch, u, rec, z2, ldz, hp, ld, rs, ld);
                snprintf(name, sizeof name, "gru reset forward %s r*h", label);
                add_record(name, 0, 2e-6f, 2e-7f, rs, batch * ld, NULL);
                for (long b = 0; b < batch; b++)
                    for (long j = 0; j < u; j++) z2[b * ldz + 2 * u + j] = uniform(-4, 4);
                rek_gru_candidate_forward(batch, u, act, z2, ldz, hp, ld, hn, ld);
                snprintf(name, sizeof name, "gru reset-before forward %s gates", label);
                add_record(name, 0, 2e-6f, 2e-6f, z2, batch * ldz, NULL);
                snprintf(name, sizeof name, "gru reset-before forward %s h", label);
                add_record(name, 0, 2e-6f, 2e-6f, hn, batch * ld, NULL);

                // Backward from independent inputs: gates in their activations' ranges.
                float *gates = random_floats(batch * ldz, 0, 1);
                for (long b = 0; b < batch; b++)
                    for (long j = 0; j < 3 * u; j++) {
                        const int kind = j < 2 * u ? rec : act;
                        float *g = &gates[b * ldz + j];
                        if (kind == REK_TANH) *g = uniform(-1, 1);
                        else if (kind == REK_RELU || kind == REK_LINEAR) *g = uniform(-3, 3);
                        if (kind == REK_RELU && below(4) == 0) *g = 0;
                        if (kind == REK_HARD_SIGMOID && below(4) == 0) *g = below(2) ? 0.0f : 1.0f;
                    }
                float *ph = random_floats(batch * ld, -4, 4);
                const int external = (int)below(2);
                float *dhx = external ? random_floats(batch * ld, -1, 1) : NULL;
                float *dh0 = random_floats(batch * u, -1, 1), *dh = malloc((size_t)(batch * u) * sizeof(float));
                float *dz = calloc((size_t)(batch * ldz), sizeof(float)), *dp = calloc((size_t)(batch * ldz), sizeof(float));
                memcpy(dh, dh0, (size_t)(batch * u) * sizeof(float));
                rek_gru_cell_backward(batch, u, act, rec, gates, ldz, ph, ld, hp, ld, dhx, ld, dh, dz, ldz, dp, ldz);
                snprintf(name, sizeof name, "gru backward %s%s dz", label, external ? " dhx" : "");
                add_record(name, 0, 2e-6f, 1e-6f, dz, batch * ldz, NULL);
                snprintf(name, sizeof name, "gru backward %s%s dp", label, external ? " dhx" : "");
                add_record(name, 0, 2e-6f, 1e-6f, dp, batch * ldz, NULL);
                snprintf(name, sizeof name, "gru backward %s%s dh", label, external ? " dhx" : "");
                add_record(name, 0, 2e-6f, 1e-6f, dh, batch * u, NULL);

                memcpy(dh, dh0, (size_t)(batch * u) * sizeof(float));
                memset(dz, 0, (size_t)(batch * ldz) * sizeof(float));
                float *drs = random_floats(batch * ld, -1, 1);
                rek_gru_update_backward(batch, u, act, rec, gates, ldz, hp, ld, dhx, ld, dh, dz, ldz);
                rek_gru_reset_backward(batch, u, rec, gates, ldz, hp, ld, drs, ld, dh, dz, ldz);
                snprintf(name, sizeof name, "gru reset-before backward %s%s dz", label, external ? " dhx" : "");
                add_record(name, 0, 2e-6f, 1e-6f, dz, batch * ldz, NULL);
                snprintf(name, sizeof name, "gru reset-before backward %s%s dh", label, external ? " dhx" : "");
                add_record(name, 0, 2e-6f, 1e-6f, dh, batch * u, NULL);
                free(hp); free(hn); free(z); free(p); free(pc); free(z2); free(rs); free(gates); free(ph); free(dhx);
                free(dh0); free(dh); free(dz); free(dp); free(drs);
            }
}

// ---- convolution, optimizers, row/column helpers and losses --------------------------------------
// The one-filter kernels against their definition on the unfolded patch rows `columns` (checked in
// this path, in double), then recorded so the SIMD paths are compared with the portable one.
static void single_filter_case(const rek_conv_geometry *g, int s, const float *images, const float *columns,
                               long batch) {
    const long imageSize = g->height * g->width * g->channels, rows = g->outHeight * g->outWidth;
    const long K = g->kernelHeight * g->kernelWidth * g->channels;
    float *kernel = random_floats(K, -1, 1), *gradients = random_floats(batch * rows, -1, 1);
    float *outputs = random_floats(batch * rows, 5, 6), *inputGradients = random_floats(batch * imageSize, 5, 6);
    float *kernelGradient = random_floats(K, -1, 1), *patchGradients = malloc((size_t)(batch * rows * K) * sizeof(float));
    float *expectedInput = random_floats(batch * imageSize, 5, 6), *initialKernelGradient = malloc((size_t)K * sizeof(float));
    memcpy(initialKernelGradient, kernelGradient, (size_t)K * sizeof(float));
    const float bias = 0.25f;
    rek_conv_single_filter_forward(g, images, 0, 1, kernel, bias, outputs);
    rek_conv_single_filter_forward(g, images, 1, batch, kernel, bias, outputs);
    rek_conv_single_filter_input_gradient(g, gradients, 0, batch, kernel, inputGradients);
    rek_conv_single_filter_kernel_gradient(g, images, gradients, 0, 2, kernelGradient);
    rek_conv_single_filter_kernel_gradient(g, images, gradients, 2, batch, kernelGradient);
    for (long r = 0; r < batch * rows; r++)
        for (long k = 0; k < K; k++) patchGradients[r * K + k] = gradients[r] * kernel[k];
    rek_col2im(g, patchGradients, 0, batch, expectedInput);
    double worst = 0;
    for (long r = 0; r < batch * rows; r++) {
        double sum = bias;
        for (long k = 0; k < K; k++) sum += (double)columns[r * K + k] * kernel[k];
        worst = fmax(worst, fabs(sum - outputs[r]) / (1 + fabs(sum)));
    }
    for (long i = 0; i < batch * imageSize; i++)
        worst = fmax(worst, fabs((double)expectedInput[i] - inputGradients[i]) / (1 + fabs(expectedInput[i])));
    for (long k = 0; k < K; k++) {  // a long sum that cancels: its error grows with the terms' magnitude
        double sum = initialKernelGradient[k], magnitude = fabs(initialKernelGradient[k]);
        for (long r = 0; r < batch * rows; r++) {
            sum += (double)gradients[r] * columns[r * K + k];
            magnitude += fabs((double)gradients[r] * columns[r * K + k]);
        }
        worst = fmax(worst, fabs(sum - kernelGradient[k]) / (1 + magnitude));
    }
    if (worst > 1e-5) {
        fprintf(stderr, "  single filter shape %d: %.3g from the unfolded definition\n", s, worst);
        child_failures++;
    }
    char name[96];
    snprintf(name, sizeof name, "single filter forward shape %d", s);
    add_record(name, 0, 1e-5f, 1e-5f, outputs, batch * rows, NULL);
    snprintf(name, sizeof name, "single filter input gradient shape %d", s);
    add_record(name, 0, 1e-5f, 1e-5f, inputGradients, batch * imageSize, NULL);
    snprintf(name, sizeof name, "single filter kernel gradient shape %d", s);
    add_record(name, 0, 1e-5f, 1e-5f, kernelGradient, K, NULL);
    free(kernel); free(gradients); free(outputs); free(inputGradients); free(kernelGradient); free(patchGradients);
    free(expectedInput); free(initialKernelGradient);
}

// A transposed convolution's fused fold equals the product followed by col2im bit for bit (on the
// SIMD paths; elsewhere it declines, and the pair is used).
static void transpose_fold_cases(void) {
    // height, width, filters, kernel h, w, stride y, x, padding top, left, grid h, w, input channels
    static const long shapes[][12] = {
        {28, 28, 16, 3, 3, 2, 2, 0, 0, 14, 14, 8},   // the denoiser's 14×14×8 → 28×28×16
        {14, 14, 8, 3, 3, 2, 2, 0, 0, 7, 7, 8},      // and its 7×7×8 → 14×14×8 (one AVX-512 vector: declined)
        {9, 11, 32, 2, 5, 1, 2, 1, 2, 9, 5, 3},      // a kernel wider than one group's four taps
        {6, 7, 48, 3, 1, 3, 1, 0, 0, 2, 7, 20},
        {5, 5, 5, 3, 3, 1, 1, 1, 1, 5, 5, 4},        // 5 filters: not covered, the pair is used
    };
    for (int s = 0; s < (int)(sizeof shapes / sizeof shapes[0]); s++) {
        const long *d = shapes[s];
        rek_conv_geometry g = {d[0], d[1], d[2], d[3], d[4], d[5], d[6], 1, 1, d[7], d[8], d[9], d[10]};
        const long cin = d[11], F = g.channels, taps = g.kernelHeight * g.kernelWidth, batch = 3;
        const long windows = g.outHeight * g.outWidth, imageSize = g.height * g.width * F, patch = taps * F;
        float *x = random_floats(batch * windows * cin, -1, 1), *B = random_floats(cin * patch, -1, 1);
        float *tapKernel = malloc((size_t)(cin * patch) * sizeof(float));
        for (long c = 0; c < cin; c++)
            for (long t = 0; t < taps; t++)
                for (long f = 0; f < F; f++) tapKernel[(t * cin + c) * F + f] = B[c * patch + t * F + f];
        float *patches = malloc((size_t)(batch * windows * patch) * sizeof(float));
        float *expected = random_floats(batch * imageSize, 5, 6), *got = random_floats(batch * imageSize, 5, 6);
        rek_sgemm(0, 0, batch * windows, patch, cin, x, cin, B, patch, 0.0f, NULL, patches, patch);
        rek_col2im(&g, patches, 0, batch, expected);
        if (rek_conv_transpose_forward(&g, cin, x, 0, 1, tapKernel, got)
            && rek_conv_transpose_forward(&g, cin, x, 1, batch, tapKernel, got)) {
            if (memcmp(expected, got, (size_t)(batch * imageSize) * sizeof(float)) != 0) {
                fprintf(stderr, "  transposed convolution shape %d: the fused fold differs from product + col2im\n", s);
                child_failures++;
            }
        } else if (rek_sgemm_kernel_width() > 0 && F % (rek_sgemm_kernel_width() / 32) == 0
                   && F <= 4 * (rek_sgemm_kernel_width() / 32)) {   // whole vectors, at most 4
            fprintf(stderr, "  transposed convolution shape %d: the fused fold declined a covered shape\n", s);
            child_failures++;
        }
        char name[96];
        snprintf(name, sizeof name, "transposed convolution shape %d", s);
        add_record(name, 0, 1e-5f, 1e-5f, expected, batch * imageSize, NULL);
        free(x); free(B); free(tapKernel); free(patches); free(expected); free(got);
    }
}

static void convolution_cases(void) {
    // height, width, channels, kernel h, w, stride y, x, dilation y, x, padding top, left
    static const long shapes[][11] = {
        {5, 5, 1, 3, 3, 1, 1, 1, 1, 1, 1}, {8, 7, 3, 3, 3, 2, 2, 1, 1, 1, 1}, {6, 9, 4, 2, 3, 1, 2, 2, 1, 0, 2},
        {1, 40, 2, 1, 5, 1, 1, 1, 1, 0, 2}, {1, 33, 8, 1, 7, 1, 3, 1, 2, 0, 6}, {4, 4, 16, 3, 3, 1, 1, 1, 1, 2, 2},
        {10, 10, 3, 5, 5, 1, 1, 2, 2, 4, 4}, {3, 3, 5, 1, 1, 1, 1, 1, 1, 0, 0}, {7, 12, 1, 4, 2, 3, 1, 1, 3, 1, 0},
        // the denoiser's last layer, and channel counts of 2 to 4 vectors per pixel (grouped pixels,
        // dilated and strided windows) for the gathered input gradient
        {28, 28, 16, 3, 3, 1, 1, 1, 1, 1, 1}, {6, 11, 32, 3, 3, 1, 1, 1, 2, 1, 2}, {5, 9, 48, 2, 2, 2, 1, 1, 1, 0, 1},
    };
    for (int s = 0; s < (int)(sizeof shapes / sizeof shapes[0]); s++) {
        rek_conv_geometry g = {shapes[s][0], shapes[s][1], shapes[s][2], shapes[s][3], shapes[s][4], shapes[s][5],
                               shapes[s][6], shapes[s][7], shapes[s][8], shapes[s][9], shapes[s][10], 0, 0};
        const long spanY = (g.kernelHeight - 1) * g.dilationY + 1, spanX = (g.kernelWidth - 1) * g.dilationX + 1;
        g.outHeight = (g.height + 2 * g.padTop - spanY) / g.strideY + 1;
        g.outWidth = (g.width + 2 * g.padLeft - spanX) / g.strideX + 1;
        const long batch = 3, imageSize = g.height * g.width * g.channels;
        const long rows = g.outHeight * g.outWidth, K = g.kernelHeight * g.kernelWidth * g.channels;
        float *images = random_floats(batch * imageSize, -1, 1), *columns = random_floats(batch * rows * K, 5, 6);
        rek_im2col(&g, images, 0, 1, columns);
        rek_im2col(&g, images, 1, batch, columns);
        char name[96];
        snprintf(name, sizeof name, "im2col shape %d", s);
        add_record(name, 1, 0, 0, columns, batch * rows * K, NULL);
        float *back = random_floats(batch * imageSize, 5, 6);
        rek_col2im(&g, columns, 0, batch, back);
        snprintf(name, sizeof name, "col2im shape %d", s);
        add_record(name, 1, 0, 0, back, batch * imageSize, NULL);
        single_filter_case(&g, s, images, columns, batch);
        free(images); free(columns); free(back);
    }
}

static void optimizer_and_helper_cases(void) {
    static const long counts[] = {1, 7, 8, 9, 15, 16, 17, 100, 1001};
    for (int c = 0; c < 9; c++) {
        const long n = counts[c];
        for (int bad = 0; bad < 2; bad++) {
            float *w = random_floats(n, -1, 1), *g = random_floats(n, -0.1f, 0.1f), *m = random_floats(n, -0.01f, 0.01f);
            float *v = random_floats(n, 0, 1e-3f), *out = malloc((size_t)(3 * n + 1) * sizeof(float));
            if (bad) g[n / 2] = INFINITY;
            const int flag = rek_adam_update(n, w, g, m, v, out, out + n, out + 2 * n, 1e-3f, 0.1f, 0.001f, 1e-7f);
            out[3 * n] = (float)flag;
            if (flag != bad) { fprintf(stderr, "  adam n%ld: flag %d, expected %d\n", n, flag, bad); child_failures++; }
            char name[96];
            snprintf(name, sizeof name, "adam n%ld%s", n, bad ? " with inf" : "");
            add_record(name, 0, 1e-6f, 1e-9f, out, 3 * n + 1, NULL);
            free(w); free(g); free(m); free(v); free(out);
        }
        // Losses with gradients.
        for (int kind = 0; kind < 2; kind++) {
            const long count = n * 7;
            float *p = random_floats(count, -1, 1), *t = random_floats(count, -1, 1), *grad = malloc((size_t)(count + 1) * sizeof(float));
            if (count > 3) t[1] = p[1];   // a zero difference (MAE's derivative there is 0)
            grad[count] = (float)rek_loss(kind, p, t, count, grad, 0.5f);
            char name[96];
            snprintf(name, sizeof name, "loss %s n%ld", kind ? "mae" : "mse", count);
            add_record(name, 0, 1e-6f, 0, grad, count + 1, NULL);
            free(p); free(t); free(grad);
        }
        // Bias helpers: exact (one addition per element).
        const long rows = 1 + below(9);
        float *vector = random_floats(n, -1, 1), *cm = random_floats(rows * n, -1, 1), *sums = random_floats(n, -1, 1);
        rek_add_row_vector(vector, cm, rows, n);
        rek_accumulate_column_sums(cm, rows, n, n, sums);
        char name[96];
        snprintf(name, sizeof name, "add_row_vector n%ld", n);
        add_record(name, 1, 0, 0, cm, rows * n, NULL);
        snprintf(name, sizeof name, "column sums n%ld", n);
        add_record(name, 1, 0, 0, sums, n, NULL);
        free(vector); free(cm); free(sums);
    }
    // Column sums of tall matrices (the partial-row path): exact across paths, and the same whether
    // one call covers all columns or they are split between calls (threads split them).
    static const long sumColumns[] = {1, 16, 17, 100};
    for (int c = 0; c < 4; c++) {
        const long n = sumColumns[c], rows = 1003, stride = n + 3;
        float *m = random_floats(rows * stride, -1, 1), *whole = random_floats(n, -1, 1);
        float *split = malloc((size_t)n * sizeof(float));
        memcpy(split, whole, (size_t)n * sizeof(float));
        rek_accumulate_column_sums(m, rows, n, stride, whole);
        const long first = n / 3;
        rek_accumulate_column_sums(m, rows, first, stride, split);
        rek_accumulate_column_sums(m + first, rows, n - first, stride, split + first);
        if (memcmp(whole, split, (size_t)n * sizeof(float)) != 0) {
            fprintf(stderr, "  column sums of %ld columns depend on how the columns are split\n", n);
            child_failures++;
        }
        char name[96];
        snprintf(name, sizeof name, "column sums rows%ld n%ld", rows, n);
        add_record(name, 1, 0, 0, whole, n, NULL);
        free(m); free(whole); free(split);
    }
    // A long loss: the double fold of the 16 float lanes.
    const long count = 100003;
    float *p = random_floats(count, -1, 1), *t = random_floats(count, -1, 1);
    const float total = (float)rek_loss(REK_LOSS_MSE, p, t, count, NULL, 1);
    add_record("loss mse n100003 total", 0, 1e-6f, 0, &total, 1, NULL);
    free(p); free(t);
}

static void run_all(int width) {
    rng_state = 12345;
    sgemm_cases(width);
    activation_cases();
    lstm_cases();
    gru_cases();
    convolution_cases();
    transpose_fold_cases();
    optimizer_and_helper_cases();
}

// ---- child: one path ------------------------------------------------------------------------------
static void write_all(int fd, const void *data, size_t size) {
    const char *p = data;
    while (size > 0) {
        const ssize_t n = write(fd, p, size);
        if (n <= 0) _exit(3);
        p += n;
        size -= (size_t)n;
    }
}

static int read_all(int fd, void *data, size_t size) {
    char *p = data;
    while (size > 0) {
        const ssize_t n = read(fd, p, size);
        if (n <= 0) return -1;
        p += n;
        size -= (size_t)n;
    }
    return 0;
}

static void child(const char *isa, int fd) {
    if (isa) setenv("REK_ISA", isa, 1); else unsetenv("REK_ISA");
    const int width = rek_sgemm_kernel_width();
    // Every thread count gives the same bits (1 thread first: that run is sent to the parent).
    record *first = NULL;
    long firstCount = 0;
    static const int threadCounts[] = {1, 2, 3};
    for (int t = 0; t < 3; t++) {
        rek_set_thread_count(threadCounts[t]);
        run_all(width);
        if (t == 0) { first = records; firstCount = record_count; records = NULL; record_count = record_capacity = 0; continue; }
        for (long i = 0; i < record_count; i++)
            if (memcmp(records[i].values, first[i].values, (size_t)first[i].count * sizeof(float)) != 0) {
                fprintf(stderr, "  %s: %d threads differ from 1 thread\n", first[i].name, threadCounts[t]);
                child_failures++;
            }
        free_records();
    }
    const int32_t header[3] = {width, child_failures, (int32_t)firstCount};
    write_all(fd, header, sizeof header);
    for (long i = 0; i < firstCount; i++) {
        const record *r = &first[i];
        const int64_t count = r->count;
        const int32_t hasScale = r->scale != NULL;
        write_all(fd, r->name, sizeof r->name);
        write_all(fd, &r->exact, sizeof r->exact);
        write_all(fd, &r->tolRel, sizeof r->tolRel);
        write_all(fd, &r->tolAbs, sizeof r->tolAbs);
        write_all(fd, &count, sizeof count);
        write_all(fd, &hasScale, sizeof hasScale);
        write_all(fd, r->values, (size_t)count * sizeof(float));
        if (hasScale) write_all(fd, r->scale, (size_t)count * sizeof(float));
    }
    close(fd);
    _exit(0);
}

// Runs one path in a child; returns its records (NULL on failure) and its kernel width.
static record *run_path(const char *isa, int *width, long *count, int *failures) {
    int fds[2];
    if (pipe(fds) != 0) return NULL;
    fflush(stdout);
    fflush(stderr);
    const pid_t pid = fork();
    if (pid < 0) return NULL;
    if (pid == 0) { close(fds[0]); child(isa, fds[1]); }
    close(fds[1]);
    int32_t header[3];
    record *result = NULL;
    if (read_all(fds[0], header, sizeof header) == 0) {
        *width = header[0];
        *failures = header[1];
        *count = header[2];
        result = calloc((size_t)*count, sizeof(record));
        for (long i = 0; i < *count && result; i++) {
            record *r = &result[i];
            int64_t n;
            int32_t hasScale;
            if (read_all(fds[0], r->name, sizeof r->name) || read_all(fds[0], &r->exact, sizeof r->exact) ||
                read_all(fds[0], &r->tolRel, sizeof r->tolRel) || read_all(fds[0], &r->tolAbs, sizeof r->tolAbs) ||
                read_all(fds[0], &n, sizeof n) || read_all(fds[0], &hasScale, sizeof hasScale)) { result = NULL; break; }
            r->count = (long)n;
            r->values = malloc((size_t)(n ? n : 1) * sizeof(float));
            if (read_all(fds[0], r->values, (size_t)n * sizeof(float))) { result = NULL; break; }
            if (hasScale) {
                r->scale = malloc((size_t)(n ? n : 1) * sizeof(float));
                if (read_all(fds[0], r->scale, (size_t)n * sizeof(float))) { result = NULL; break; }
            }
        }
    }
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "  REK_ISA=%s: the child process failed (status %d)\n", isa ? isa : "(native)", status);
        return NULL;
    }
    return result;
}

static const char *path_name(int width) {
    switch (width) {
    case 512: return "AVX-512";
    case 256: return "AVX2+FMA";
    case 128: return "NEON";
    default: return "portable";
    }
}

// Compares one path's records with the portable ones; returns the failing records.
static long compare(const record *got, const record *ref, long count, const char *path) {
    long failures = 0;
    for (long i = 0; i < count; i++) {
        const record *g = &got[i], *r = &ref[i];
        if (strcmp(g->name, r->name) != 0 || g->count != r->count) {
            fprintf(stderr, "  %s: record %ld is %s, portable has %s\n", path, i, g->name, r->name);
            return failures + 1;
        }
        long bad = 0;
        for (long j = 0; j < g->count; j++) {
            const float x = g->values[j], y = r->values[j];
            int ok;
            if (g->exact) ok = memcmp(&x, &y, sizeof x) == 0;
            else if (isnan(x) || isnan(y) || isinf(x) || isinf(y)) ok = (isnan(x) && isnan(y)) || x == y;
            else {
                const double scale = g->scale ? g->scale[j] : fabs((double)y);
                const double error = fabs((double)x - y), bound = (double)g->tolRel * scale + g->tolAbs;
                ok = error <= bound;
            }
            if (!ok && bad++ < 2)
                fprintf(stderr, "  %s %s [%ld]: %.9g, portable %.9g\n", path, g->name, j, (double)x, (double)y);
        }
        if (bad) failures++;
    }
    return failures;
}

int main(void) {
    int refWidth = 0, refFailures = 0;
    long refCount = 0;
    record *reference = run_path("portable", &refWidth, &refCount, &refFailures);
    if (!reference || refWidth != 0) {
        fprintf(stderr, "FAIL: the portable path did not run (width %d)\n", refWidth);
        return 1;
    }
    int failed = refFailures > 0;
    printf("portable: %ld cases (1, 2, 3 threads bit-identical: %s)\n", refCount, refFailures ? "NO" : "yes");
    int tested[2] = {-1, -1};
    const char *isas[] = {NULL, "avx2"};
    for (int p = 0; p < 2; p++) {
        int width = 0, failures = 0;
        long count = 0;
        record *got = run_path(isas[p], &width, &count, &failures);
        if (!got) { failed = 1; continue; }
        if (width == 0 || width == tested[0]) continue;   // no SIMD path, or one already covered
        tested[p] = width;
        const long bad = count == refCount ? compare(got, reference, count, path_name(width)) : count + 1;
        printf("%s (REK_ISA=%s): %ld cases, %ld differ from portable beyond tolerance; threads and the matrix "
               "multiply's summation model: %s\n", path_name(width), isas[p] ? isas[p] : "unset", count, bad,
               failures ? "FAILED" : "bit-identical");
        if (bad || failures) failed = 1;
    }
    printf(failed ? "FAIL\n" : "OK: every SIMD path on this CPU agrees with the portable path\n");
    return failed;
}
