import CKernels

extension Tensor {
    /// The matrix product of two rank-2 tensors, optionally transposing either operand first and
    /// adding a row vector to every row of the result (a layer's bias, at no extra pass).
    ///
    ///     let a = Tensor(rows: [[1, 2], [3, 4]])
    ///     a.matmul(a).scalars                                  // [7, 10, 15, 22]
    ///     a.matmul(a, transposeSelf: true)                     // aᵀ·a
    ///     a.matmul(a, addingRowVector: Tensor([1, 1])).scalars // [8, 11, 16, 23]
    ///
    /// A rank-3 or higher `self` is treated as a matrix of its leading axes by its last axis
    /// (Keras' Dense on a sequence), and the result keeps those leading axes.
    ///
    /// - Precondition: the inner dimensions agree; `rowVector` has one element per result column.
    /// - Complexity: O(m·n·k); runs a register-blocked AVX-512 or AVX2 kernel when the CPU has one,
    ///   on several threads when the product is large enough (see ``Parallel``).
    public func matmul(
        _ other: Tensor, transposeSelf: Bool = false, transposeOther: Bool = false,
        addingRowVector rowVector: Tensor? = nil
    ) -> Tensor {
        matmul(
            other, transposeSelf: transposeSelf, transposeOther: transposeOther, addingRowVector: rowVector,
            activationKernel: Int32(REK_LINEAR))
    }

    /// ``matmul(_:transposeSelf:transposeOther:addingRowVector:)`` followed by an element-wise
    /// activation, `activationKernel` being one of the C kernels' codes (`REK_RELU`, …), applied by
    /// each thread to its share of the result as soon as it is computed (for layers in this package).
    package func matmul(
        _ other: Tensor, transposeSelf: Bool = false, transposeOther: Bool = false,
        addingRowVector rowVector: Tensor? = nil, activationKernel: Int32
    ) -> Tensor {
        let (m, k) = matrixDimensions(transposed: transposeSelf)
        let (k2, n) = other.matrixDimensions(transposed: transposeOther)
        precondition(
            k == k2,
            "matmul: inner dimensions differ (\(shape)\(transposeSelf ? "ᵀ" : "") · \(other.shape)\(transposeOther ? "ᵀ" : ""))"
        )
        var outShape = transposeSelf || rank <= 2 ? [m] : Array(shape.dropLast())
        outShape.append(n)
        // beta = 0: the kernel writes every element, so the result needs no clearing first.
        var result = Tensor(shape: outShape, unsafeUninitializedScalars: { _ in })
        result.addMatmul(
            self, other, transposeLeft: transposeSelf, transposeRight: transposeOther, beta: 0,
            addingRowVector: rowVector, activationKernel: activationKernel)
        return result
    }

    /// Accumulates `left · right` into `self`: `self = left·right + beta·self`.
    ///
    /// This is the in-place form used by backward passes to add into a gradient without allocating.
    /// `rowVector`, when given, is added to every row as well.
    /// - Precondition: `self` has `m·n` elements for the `m×k · k×n` product.
    public mutating func addMatmul(
        _ left: Tensor, _ right: Tensor, transposeLeft: Bool = false,
        transposeRight: Bool = false, beta: Float = 1, addingRowVector rowVector: Tensor? = nil
    ) {
        addMatmul(
            left, right, transposeLeft: transposeLeft, transposeRight: transposeRight, beta: beta,
            addingRowVector: rowVector, activationKernel: Int32(REK_LINEAR))
    }

    mutating func addMatmul(
        _ left: Tensor, _ right: Tensor, transposeLeft: Bool, transposeRight: Bool, beta: Float,
        addingRowVector rowVector: Tensor?, activationKernel: Int32
    ) {
        let (m, k) = left.matrixDimensions(transposed: transposeLeft)
        let (k2, n) = right.matrixDimensions(transposed: transposeRight)
        precondition(k == k2, "matmul: inner dimensions differ (\(left.shape) · \(right.shape))")
        precondition(count == m * n, "matmul: result of \(m)×\(n) does not fit shape \(shape)")
        precondition(
            rowVector.map { $0.count == n } ?? true,
            "matmul: row vector of \(rowVector?.count ?? 0) elements for \(n) columns")
        let lda = left.shape.last ?? 1
        let ldb = right.shape.last ?? 1
        withUnsafeMutableBufferPointer { c in
            left.withUnsafeBufferPointer { a in
                right.withUnsafeBufferPointer { b in
                    func multiply(bias: UnsafePointer<Float>?) {
                        rek_sgemm_activated(
                            transposeLeft ? 1 : 0, transposeRight ? 1 : 0, m, n, k,
                            a.baseAddress, lda, b.baseAddress, ldb, beta, bias, activationKernel, c.baseAddress, n)
                    }
                    if let rowVector {
                        rowVector.withUnsafeBufferPointer { multiply(bias: $0.baseAddress) }
                    } else {
                        multiply(bias: nil)
                    }
                }
            }
        }
    }

    /// Rows and columns when the tensor is viewed as a matrix (leading axes folded into rows).
    func matrixDimensions(transposed: Bool) -> (rows: Int, columns: Int) {
        let columns = shape.last ?? 1
        let rows = columns == 0 ? 0 : count / columns
        return transposed ? (columns, rows) : (rows, columns)
    }
}

/// Low-level matrix kernels, exposed for benchmarks and tests.
public enum MatrixKernels {
    /// The SIMD width in bits of the matrix kernel this CPU runs: 512 (AVX-512), 256 (AVX2/FMA), 128 (NEON
    /// on ARM), or 0 for the portable loop.
    public static var simdWidth: Int { Int(rek_sgemm_kernel_width()) }

    /// One core's practical peak in GFLOP/s for the matrix kernel's instruction set, measured now by
    /// timing independent vector FMAs for about `seconds` (0 when the portable loop is used).
    public static func measurePeakGFLOPS(seconds: Double = 0.2) -> Double {
        let iterations = 1_000_000
        var best = 0.0
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        repeat {
            let start = ContinuousClock.now
            let flops = rek_fma_peak(iterations)
            let elapsed = ContinuousClock.now - start
            let time = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
            best = Swift.max(best, flops / time / 1e9)
        } while ContinuousClock.now < deadline
        return best
    }

    /// `C = op(A)·op(B) + beta·C (+ bias)` on raw row-major buffers with leading dimensions (BLAS
    /// `sgemm`, with an optional row vector `bias` added to every row of C at no extra pass).
    ///
    /// `op(A)` is `m×k` (A is stored `k×m` when `transposeA`), `op(B)` is `k×n`. Leading dimensions
    /// let the operands be strided views, e.g. one time step of a `[batch, time, features]` sequence
    /// has `ld = time · features`. This is the building block for custom layers that need to avoid
    /// intermediate tensors.
    public static func multiply(
        transposeA: Bool = false, transposeB: Bool = false, m: Int, n: Int, k: Int,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, bias: UnsafePointer<Float>? = nil, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        rek_sgemm(transposeA ? 1 : 0, transposeB ? 1 : 0, m, n, k, a, lda, b, ldb, beta, bias, c, ldc)
    }

    /// `c[row, j] += vector[j]` for `rows` rows of `columns` contiguous elements (broadcasting a bias).
    public static func addRowVector(
        _ vector: UnsafePointer<Float>, to c: UnsafeMutablePointer<Float>, rows: Int, columns: Int
    ) {
        rek_add_row_vector(vector, c, rows, columns)
    }

    /// `sums[j] += Σ_row a[row, j]` for `rows` rows of `columns` elements, consecutive rows `stride`
    /// apart (`columns` by default): a bias gradient.
    public static func accumulateColumnSums(
        of a: UnsafePointer<Float>, rows: Int, columns: Int, stride: Int? = nil,
        into sums: UnsafeMutablePointer<Float>
    ) {
        rek_accumulate_column_sums(a, rows, columns, stride ?? columns, sums)
    }

    /// The product computed by the portable loop only (a reference for the SIMD kernels).
    public static func referenceMatmul(
        _ a: Tensor, _ b: Tensor, transposeLeft: Bool = false,
        transposeRight: Bool = false
    ) -> Tensor {
        let (m, k) = a.matrixDimensions(transposed: transposeLeft)
        let (_, n) = b.matrixDimensions(transposed: transposeRight)
        var result = Tensor(zeros: [m, n])
        let lda = a.shape.last ?? 1
        let ldb = b.shape.last ?? 1
        result.withUnsafeMutableBufferPointer { c in
            a.withUnsafeBufferPointer { ap in
                b.withUnsafeBufferPointer { bp in
                    rek_sgemm_reference(
                        transposeLeft ? 1 : 0, transposeRight ? 1 : 0, m, n, k,
                        ap.baseAddress, lda, bp.baseAddress, ldb, 0, c.baseAddress, n)
                }
            }
        }
        return result
    }
}
