import Tensor
import Testing

@Suite struct ParallelTests {
    @Test func everyChunkRunsExactlyOnce() {
        for count in [0, 1, 2, 3, 17, 1000] {
            let runs = UnsafeMutableBufferPointer<Int>.allocate(capacity: Swift.max(1, count))
            defer { runs.deallocate() }
            runs.initialize(repeating: 0)
            Parallel.forEach(count) { chunk in runs[chunk] += 1 }  // each chunk owns its slot
            #expect(Array(runs.prefix(count)) == Array(repeating: 1, count: count))
        }
    }

    @Test func nestedLoopsRunSerially() {
        let inner = UnsafeMutableBufferPointer<Int>.allocate(capacity: 4)
        defer { inner.deallocate() }
        inner.initialize(repeating: 0)
        Parallel.forEach(4) { outer in
            Parallel.forEach(3) { _ in inner[outer] += 1 }
        }
        #expect(Array(inner) == [3, 3, 3, 3])
    }

    /// Small copies stay on the caller; large ones go in bands, whose edges must not lose or repeat a float.
    @Test(arguments: [1, 17, 1 << 15, (1 << 15) + 13, 100_003])
    func copyCopiesEveryFloat(count: Int) {
        let source = (0..<count).map { Float($0) + 0.5 }
        let target = UnsafeMutableBufferPointer<Float>.allocate(capacity: count + 1)
        defer { target.deallocate() }
        target.initialize(repeating: -1)
        source.withUnsafeBufferPointer { source in
            Parallel.copy(from: source.baseAddress!, to: target.baseAddress!, count: count)
        }
        #expect(Array(target.prefix(count)) == source)
        #expect(target[count] == -1)  // nothing written past the end
    }

    @Test func partitionCoversTheRangeInAlignedBands() {
        #expect(Parallel.partition(64, into: 2, multipleOf: 8) == [0..<32, 32..<64])
        #expect(Parallel.partition(59, into: 2, multipleOf: 8) == [0..<32, 32..<59])
        #expect(Parallel.partition(1024, into: 16, multipleOf: 8).count == 16)
        #expect(Parallel.partition(5, into: 4, multipleOf: 8) == [0..<5])
        #expect(Parallel.partition(0, into: 2).isEmpty)
        #expect(Parallel.partition(10, into: 3) == [0..<4, 4..<8, 8..<10])
    }

    /// Threads split a product into bands of rows, or of columns at multiples of 32: each band must
    /// reproduce its part of the whole product bit for bit, or results would depend on the thread count.
    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func bandsOfAProductAreBitIdentical(transposeA: Bool, transposeB: Bool) {
        var generator = SeededGenerator(seed: 11)
        let (m, k, n) = (77, 150, 100)
        let a = Tensor.normal(shape: transposeA ? [k, m] : [m, k], using: &generator)
        let b = Tensor.normal(shape: transposeB ? [n, k] : [k, n], using: &generator)
        let whole = a.matmul(b, transposeSelf: transposeA, transposeOther: transposeB)
        var banded = Tensor(zeros: [m, n])
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                banded.withUnsafeMutableBufferPointer { c in
                    for rows in [0..<13, 13..<77] {  // a band of rows
                        MatrixKernels.multiply(
                            transposeA: transposeA, transposeB: transposeB, m: rows.count, n: n, k: k,
                            a: a.baseAddress! + rows.lowerBound * (transposeA ? 1 : k), lda: transposeA ? m : k,
                            b: b.baseAddress!, ldb: transposeB ? k : n,
                            c: c.baseAddress! + rows.lowerBound * n, ldc: n)
                    }
                }
            }
        }
        #expect(banded == whole)
        banded = Tensor(zeros: [m, n])
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                banded.withUnsafeMutableBufferPointer { c in
                    for columns in [0..<32, 32..<64, 64..<100] {  // bands of columns
                        MatrixKernels.multiply(
                            transposeA: transposeA, transposeB: transposeB, m: m, n: columns.count, k: k,
                            a: a.baseAddress!, lda: transposeA ? m : k,
                            b: b.baseAddress! + columns.lowerBound * (transposeB ? k : 1), ldb: transposeB ? k : n,
                            c: c.baseAddress! + columns.lowerBound, ldc: n)
                    }
                }
            }
        }
        #expect(banded == whole)
    }

    @Test func productsAreIdenticalForEveryThreadCount() {
        var generator = SeededGenerator(seed: 5)
        let a = Tensor.normal(shape: [300, 120], using: &generator)
        let b = Tensor.normal(shape: [120, 96], using: &generator)
        let saved = Parallel.threadCount
        defer { Parallel.threadCount = saved }
        var results: [Tensor] = []
        for threads in [1, 2, 3] {
            Parallel.threadCount = threads
            results.append(a.matmul(b))
            results.append(a.matmul(b, transposeSelf: false, transposeOther: false).matmul(b, transposeOther: true))
        }
        #expect(results[0] == results[2] && results[2] == results[4])
        #expect(results[1] == results[3] && results[3] == results[5])
    }
}
