import Tensor
import Testing

@Suite struct MatrixMultiplyTests {
    // Column counts of every remainder (1 → matrix-vector, 8, 9 and 72 → masked tiles), as convolutions have.
    @Test(arguments: [
        (1, 1, 1), (3, 5, 7), (8, 32, 16), (13, 59, 128), (64, 33, 17), (9, 300, 40), (70, 20, 260),
        (50, 144, 1), (7, 300, 1), (1, 9, 1), (49, 144, 8), (33, 8, 72), (20, 16, 9), (144, 49, 1),
    ])
    func simdKernelMatchesPortableLoop(m: Int, k: Int, n: Int) {
        var generator = SeededGenerator(seed: 7)
        let a = Tensor.normal(shape: [m, k], using: &generator)
        let b = Tensor.normal(shape: [k, n], using: &generator)
        let expected = MatrixKernels.referenceMatmul(a, b)
        #expect(a.matmul(b).isApproximatelyEqual(to: expected, absoluteTolerance: 1e-4))
        // Transposed operands give the same product.
        let at = a.transposed()
        let bt = b.transposed()
        #expect(at.matmul(b, transposeSelf: true).isApproximatelyEqual(to: expected, absoluteTolerance: 1e-4))
        #expect(a.matmul(bt, transposeOther: true).isApproximatelyEqual(to: expected, absoluteTolerance: 1e-4))
        #expect(
            at.matmul(bt, transposeSelf: true, transposeOther: true).isApproximatelyEqual(
                to: expected, absoluteTolerance: 1e-4))
    }

    @Test func smallProductIsExact() {
        let a = Tensor(rows: [[1, 2], [3, 4]])
        #expect(a.matmul(a).scalars == [7, 10, 15, 22])
        #expect(a.matmul(a, transposeSelf: true).scalars == [10, 14, 14, 20])
    }

    @Test func accumulatesWithBeta() {
        let a = Tensor(rows: [[1, 2], [3, 4]])
        var c = Tensor(repeating: 1, shape: [2, 2])
        c.addMatmul(a, a)
        #expect(c.scalars == [8, 11, 16, 23])
    }

    @Test func sequenceInputKeepsLeadingAxes() {
        let x = Tensor(repeating: 1, shape: [2, 3, 4])
        let w = Tensor(repeating: 0.5, shape: [4, 5])
        let y = x.matmul(w)
        #expect(y.shape == [2, 3, 5])
        #expect(y.scalars.allSatisfy { $0 == 2 })
    }

    /// With beta = 0 the kernels overwrite C (never read it) and add the bias in the same pass.
    @Test(arguments: [(5, 3, 7), (64, 59, 128), (9, 40, 70), (300, 64, 100), (70, 144, 1), (30, 9, 8), (25, 8, 72)])
    func biasIsAddedAndPreviousContentsIgnored(m: Int, k: Int, n: Int) {
        var generator = SeededGenerator(seed: 3)
        let a = Tensor.normal(shape: [m, k], using: &generator)
        let b = Tensor.normal(shape: [k, n], using: &generator)
        let bias = Tensor.normal(shape: [n], using: &generator)
        var expected = MatrixKernels.referenceMatmul(a, b)
        expected.addRowVector(bias)
        var c = Tensor(repeating: .nan, shape: [m, n])
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                bias.withUnsafeBufferPointer { bias in
                    c.withUnsafeMutableBufferPointer { c in
                        MatrixKernels.multiply(
                            m: m, n: n, k: k, a: a.baseAddress!, lda: k, b: b.baseAddress!, ldb: n,
                            bias: bias.baseAddress!, c: c.baseAddress!, ldc: n)
                    }
                }
            }
        }
        #expect(c.isApproximatelyEqual(to: expected, absoluteTolerance: 1e-4))
        #expect(a.matmul(b, addingRowVector: bias) == c)
        // Accumulating (beta = 1) adds the bias once more.
        var twice = c
        twice.addMatmul(a, b, addingRowVector: bias)
        #expect(twice.isApproximatelyEqual(to: expected * 2, absoluteTolerance: 1e-3))
    }
}
