extension Tensor {
    /// A contiguous part along one axis: the elements at positions `range` of axis `axis`, every other
    /// axis whole (NumPy's `x[:, range]` for `axis` 1, `np.take(x, range, axis)`).
    ///
    ///     let x = Tensor(shape: [2, 3, 4], scalars: (0..<24).map(Float.init))
    ///     try x.slicing(1..<3, along: 1).shape     // [2, 2, 4]
    ///     try x.slicing(..<2, along: -1).shape     // [2, 3, 2]: the first two of the last axis
    ///
    /// Each run of the result that is contiguous in `self` is copied with one memory copy.
    ///
    /// - Parameters:
    ///   - range: The positions kept along `axis`, within `0..<shape[axis]` (partial ranges such as
    ///     `2...` or `..<3` are taken relative to the axis). An empty range gives an empty axis.
    ///   - axis: The axis sliced, in `-rank..<rank`; a negative axis counts from the end.
    /// - Throws: ``TensorError/invalidAxis(operation:axis:rank:)`` for an axis the tensor does not have,
    ///   ``TensorError/rangeOutOfBounds(operation:range:axis:size:)`` for a range outside the axis.
    public func slicing<R: RangeExpression<Int>>(_ range: R, along axis: Int) throws(TensorError) -> Tensor {
        let axis = try resolvedAxis(axis, operation: "slice")
        let range = range.relative(to: 0..<shape[axis])
        guard range.lowerBound >= 0, range.upperBound <= shape[axis] else {
            throw .rangeOutOfBounds(operation: "slice", range: range, axis: axis, size: shape[axis])
        }
        return slicing(checked: range, along: axis)
    }

    /// The tensor with the order of the positions along `axis` reversed (NumPy's `np.flip(x, axis)`):
    /// a sequence `[batch, steps, features]` reversed along axis 1 runs backwards in time.
    ///
    ///     try Tensor(rows: [[1, 2, 3], [4, 5, 6]]).reversed(along: -1).scalars   // [3, 2, 1, 6, 5, 4]
    ///
    /// - Parameter axis: The axis reversed, in `-rank..<rank`; a negative axis counts from the end.
    /// - Throws: ``TensorError/invalidAxis(operation:axis:rank:)`` for an axis the tensor does not have.
    public func reversed(along axis: Int) throws(TensorError) -> Tensor {
        let axis = try resolvedAxis(axis, operation: "reverse")
        let (outer, size, inner) = blocks(around: axis)
        guard count > 0, size > 1 else { return self }
        return Tensor(
            shape: shape,
            unsafeUninitializedScalars: { out in
                withUnsafeBufferPointer { source in
                    let (target, source) = (out.baseAddress!, source.baseAddress!)
                    for block in 0..<outer {
                        let (target, source) = (target + block * size * inner, source + block * size * inner)
                        if inner == 1 {
                            for position in 0..<size { target[position] = source[size - 1 - position] }
                        } else {
                            for position in 0..<size {
                                (target + position * inner).initialize(
                                    from: source + (size - 1 - position) * inner, count: inner)
                            }
                        }
                    }
                }
            })
    }

    /// `axis` as an index into ``shape``: a negative axis counts from the end, as in NumPy.
    /// - Throws: ``TensorError/invalidAxis(operation:axis:rank:)`` unless `axis` is in `-rank..<rank`.
    func resolvedAxis(_ axis: Int, operation: String) throws(TensorError) -> Int {
        guard axis >= -rank, axis < rank else { throw .invalidAxis(operation: operation, axis: axis, rank: rank) }
        return axis < 0 ? axis + rank : axis
    }

    /// The tensor seen as `[outer, size, inner]` around `axis` (which must be valid): `outer` is the
    /// product of the sizes before it, `inner` of those after, so that one position along `axis` is a
    /// contiguous run of `inner` elements and `outer` such blocks of `size` runs follow each other.
    func blocks(around axis: Int) -> (outer: Int, size: Int, inner: Int) {
        (shape[..<axis].reduce(1, *), shape[axis], shape[(axis + 1)...].reduce(1, *))
    }

    /// Positions `range` along `axis`, both already checked: one copy per contiguous block.
    func slicing(checked range: Range<Int>, along axis: Int) -> Tensor {
        let (outer, size, inner) = blocks(around: axis)
        var newShape = shape
        newShape[axis] = range.count
        let width = range.count * inner
        guard outer * width > 0 else { return Tensor(zeros: newShape) }
        guard outer > 1 else {
            return Tensor(
                shape: newShape,
                unsafeUninitializedScalars: { out in
                    withUnsafeBufferPointer { source in
                        Parallel.copy(
                            from: source.baseAddress! + range.lowerBound * inner, to: out.baseAddress!, count: width)
                    }
                })
        }
        return Tensor(
            shape: newShape,
            unsafeUninitializedScalars: { out in
                withUnsafeBufferPointer { source in
                    let (target, source) = (out.baseAddress!, source.baseAddress! + range.lowerBound * inner)
                    for block in 0..<outer {
                        (target + block * width).initialize(from: source + block * size * inner, count: width)
                    }
                }
            })
    }
}
