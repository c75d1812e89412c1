import Tensor
import Testing

/// `slicing(_:along:)`, `reversed(along:)`, `Tensor(concatenating:along:)`, `Tensor(stacking:along:)` and
/// `unstacked(along:)` against NumPy: the literal expectations below are NumPy 2's output for the same
/// calls (in comments), and random shapes are compared with an element-by-element reference.
@Suite struct SlicingAndStackingTests {
    /// `np.arange(24).reshape(2, 3, 4)`.
    let x = Tensor(shape: [2, 3, 4], scalars: (0..<24).map(Float.init))

    @Test func slicingMatchesNumPy() throws {
        // x[:, 1:3].ravel()
        let middle = try x.slicing(1..<3, along: 1)
        #expect(middle.shape == [2, 2, 4])
        #expect(middle.scalars == [4, 5, 6, 7, 8, 9, 10, 11, 16, 17, 18, 19, 20, 21, 22, 23])
        // x[..., :2].ravel()
        let firstTwo = try x.slicing(..<2, along: -1)
        #expect(firstTwo.shape == [2, 3, 2])
        #expect(firstTwo.scalars == [0, 1, 4, 5, 8, 9, 12, 13, 16, 17, 20, 21])
        #expect(try x.slicing(1..., along: 0) == x.slicingBatch(1..<2))
        #expect(try x.slicing(0...2, along: -2) == x)
        #expect(try x.slicing(2..<2, along: 2).shape == [2, 3, 0])
    }

    @Test func reversingMatchesNumPy() throws {
        // np.flip(x, 1).ravel()
        #expect(
            try x.reversed(along: 1).scalars == [
                8, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3, 20, 21, 22, 23, 16, 17, 18, 19, 12, 13, 14, 15,
            ])
        // np.flip(x, -1)[0].ravel()
        #expect(try x.reversed(along: -1).slicingBatch(0..<1).scalars == [3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8])
        for axis in -3..<3 { #expect(try x.reversed(along: axis).reversed(along: axis) == x) }
        #expect(try Tensor(zeros: [2, 0, 3]).reversed(along: 1).shape == [2, 0, 3])
    }

    @Test func concatenatingMatchesNumPy() throws {
        let a = Tensor(shape: [2, 3], scalars: (0..<6).map(Float.init))
        let b = Tensor(shape: [2, 2], scalars: (6..<10).map(Float.init))
        // np.concatenate([a, b], axis=1).ravel()
        let joined = try Tensor(concatenating: [a, b], along: 1)
        #expect(joined.shape == [2, 5])
        #expect(joined.scalars == [0, 1, 2, 6, 7, 3, 4, 5, 8, 9])
        #expect(try Tensor(concatenating: [a, b], along: -1) == joined)
        #expect(try Tensor(concatenating: [a, Tensor(zeros: [2, 0]), b], along: 1) == joined)
        #expect(try Tensor(concatenating: [a, a]).shape == [4, 3])
    }

    @Test func stackingAndUnstackingMatchNumPy() throws {
        let a = Tensor(shape: [2, 3], scalars: (0..<6).map(Float.init))
        let b = a + 10
        // np.stack([a, a + 10], axis=1).ravel()
        let middle = try Tensor(stacking: [a, b], along: 1)
        #expect(middle.shape == [2, 2, 3])
        #expect(middle.scalars == [0, 1, 2, 10, 11, 12, 3, 4, 5, 13, 14, 15])
        // np.stack([a, a + 10], axis=2).ravel(), the same as axis=-1
        let last = try Tensor(stacking: [a, b], along: -1)
        #expect(last.shape == [2, 3, 2])
        #expect(last.scalars == [0, 10, 1, 11, 2, 12, 3, 13, 4, 14, 5, 15])
        #expect(try Tensor(stacking: [a, b]).scalars == a.scalars + b.scalars)
        #expect(try middle.unstacked(along: 1) == [a, b])
        #expect(try last.unstacked(along: -1) == [a, b])
        // np.unstack(x[:, :, :2], axis=1)
        let steps = try x.slicing(0..<2, along: 2).unstacked(along: 1)
        #expect(steps.map(\.shape) == [[2, 2], [2, 2], [2, 2]])
        #expect(steps.map(\.scalars) == [[0, 1, 12, 13], [4, 5, 16, 17], [8, 9, 20, 21]])
    }

    @Test func badAxesRangesAndShapesThrowTypedErrors() {
        #expect(throws: TensorError.invalidAxis(operation: "slice", axis: 3, rank: 3)) {
            try x.slicing(0..<1, along: 3)
        }
        #expect(throws: TensorError.invalidAxis(operation: "reverse", axis: -4, rank: 3)) {
            try x.reversed(along: -4)
        }
        #expect(throws: TensorError.invalidAxis(operation: "reverse", axis: 0, rank: 0)) {
            try Tensor(shape: [], scalars: [1]).reversed(along: 0)
        }
        #expect(throws: TensorError.rangeOutOfBounds(operation: "slice", range: 2..<5, axis: 2, size: 4)) {
            try x.slicing(2..<5, along: -1)
        }
        #expect(throws: TensorError.rangeOutOfBounds(operation: "slice", range: -1..<2, axis: 1, size: 3)) {
            try x.slicing(-1..<2, along: 1)
        }
        // np.stack([a, a], axis=3): "axis 3 is out of bounds for array of dimension 3"
        #expect(throws: TensorError.invalidAxis(operation: "stack", axis: 3, rank: 3)) {
            try Tensor(stacking: [Tensor(zeros: [2, 3]), Tensor(zeros: [2, 3])], along: 3)
        }
        #expect(throws: TensorError.incompatibleShapes(operation: "stack", [2, 3], [3, 2])) {
            try Tensor(stacking: [Tensor(zeros: [2, 3]), Tensor(zeros: [3, 2])])
        }
        #expect(throws: TensorError.incompatibleShapes(operation: "concatenate", [2, 3], [3, 2])) {
            try Tensor(concatenating: [Tensor(zeros: [2, 3]), Tensor(zeros: [3, 2])], along: 1)
        }
        #expect(throws: TensorError.incompatibleShapes(operation: "concatenate", [2, 3], [2, 3, 1])) {
            try Tensor(concatenating: [Tensor(zeros: [2, 3]), Tensor(zeros: [2, 3, 1])], along: 1)
        }
        // np.concatenate([]): "need at least one array to concatenate"
        #expect(throws: TensorError.noTensors(operation: "concatenate")) { try Tensor(concatenating: []) }
        #expect(throws: TensorError.noTensors(operation: "stack")) { try Tensor(stacking: [], along: 1) }
        #expect(throws: TensorError.invalidAxis(operation: "unstack", axis: 2, rank: 2)) {
            try Tensor(zeros: [2, 3]).unstacked(along: 2)
        }
    }

    /// Every axis of random shapes (sizes 0 to 3, ranks 1 to 4) against an element-by-element reference.
    @Test func randomShapesMatchTheElementwiseReference() throws {
        var generator = SeededGenerator(seed: 7)
        for _ in 0..<60 {
            let shape = (0..<Int.random(in: 1...4, using: &generator)).map { _ in
                Int.random(in: 0...3, using: &generator)
            }
            let t = Tensor.normal(shape: shape, using: &generator)
            for axis in 0..<shape.count {
                let size = shape[axis]
                let lower = Int.random(in: 0...size, using: &generator)
                let upper = Int.random(in: lower...size, using: &generator)
                let slice = try t.slicing(lower..<upper, along: axis - shape.count)
                #expect(slice == reference(shape: shape, sizeAlong: axis, upper - lower, t) { $0 + lower })
                let reversed = try t.reversed(along: axis)
                #expect(reversed == reference(shape: shape, sizeAlong: axis, size, t) { size - 1 - $0 })
                let parts = try t.unstacked(along: axis)
                #expect(parts.count == size)
                if size > 0 {
                    #expect(try Tensor(stacking: parts, along: axis) == t)
                    let split = Int.random(in: 0...size, using: &generator)
                    let halves = [try t.slicing(..<split, along: axis), try t.slicing(split..., along: axis)]
                    #expect(try Tensor(concatenating: halves, along: axis) == t)
                }
            }
        }
    }

    /// The tensor of `shape` with `axis` resized to `size` whose element at position `p` of `axis`
    /// is `source`'s at position `position(p)`, every other index the same.
    private func reference(
        shape: [Int], sizeAlong axis: Int, _ size: Int, _ source: Tensor, position: (Int) -> Int
    ) -> Tensor {
        var newShape = shape
        newShape[axis] = size
        var result = Tensor(zeros: newShape)
        let count = newShape.reduce(1, *)
        for flat in 0..<count {
            var index = [Int](repeating: 0, count: shape.count)
            var rest = flat
            for a in stride(from: shape.count - 1, through: 0, by: -1) {
                index[a] = rest % newShape[a]
                rest /= newShape[a]
            }
            var sourceIndex = index
            sourceIndex[axis] = position(index[axis])
            var sourceFlat = 0
            for a in 0..<shape.count { sourceFlat = sourceFlat * shape[a] + sourceIndex[a] }
            result[flat: flat] = source[flat: sourceFlat]
        }
        return result
    }
}
