extension Tensor {
    /// The same elements viewed with another shape.
    ///
    /// - Precondition: the new shape has the same element count. Use `-1` for one axis to infer it.
    public func reshaped(to newShape: [Int]) -> Tensor {
        var result = self
        result.reshape(to: newShape)
        return result
    }

    /// Changes the shape in place, keeping the elements.
    public mutating func reshape(to newShape: [Int]) {
        var resolved = newShape
        if let inferred = newShape.firstIndex(of: -1) {
            let known = newShape.enumerated().filter { $0.offset != inferred }.map(\.element).reduce(1, *)
            precondition(known > 0 && count % known == 0, "cannot reshape \(shape) to \(newShape)")
            resolved[inferred] = count / known
        }
        precondition(resolved.reduce(1, *) == count, "cannot reshape \(shape) to \(newShape)")
        shape = resolved
    }

    /// The transpose of a rank-2 tensor.
    public func transposed() -> Tensor {
        precondition(rank == 2, "transposed() needs a rank-2 tensor, got shape \(shape)")
        return permuted(axes: [1, 0])
    }

    /// The tensor with its axes reordered: axis `i` of the result is axis `axes[i]` of `self`.
    ///
    ///     Tensor(zeros: [64, 5, 59]).permuted(axes: [1, 0, 2]).shape   // [5, 64, 59]
    public func permuted(axes: [Int]) -> Tensor {
        precondition(axes.sorted() == Array(0..<rank), "permutation \(axes) for rank \(rank)")
        let newShape = axes.map { shape[$0] }
        var sourceStrides = [Int](repeating: 1, count: rank)
        for axis in stride(from: rank - 2, through: 0, by: -1) {
            sourceStrides[axis] = sourceStrides[axis + 1] * shape[axis + 1]
        }
        let strides = axes.map { sourceStrides[$0] }
        guard rank > 0, count > 0 else { return Tensor(shape: newShape, scalars: scalars) }
        // The result's last axis is copied in a tight strided loop; an odometer walks the others.
        let inner = newShape[rank - 1]
        let innerStride = strides[rank - 1]
        return withUnsafeBufferPointer { source in
            Tensor(
                shape: newShape,
                unsafeUninitializedScalars: { out in
                    var index = [Int](repeating: 0, count: rank)
                    var offset = 0
                    var position = 0
                    while position < out.count {
                        let row = source.baseAddress! + offset
                        let target = out.baseAddress! + position
                        for j in 0..<inner { target[j] = row[j * innerStride] }
                        position += inner
                        var axis = rank - 2
                        while axis >= 0 {
                            index[axis] += 1
                            offset += strides[axis]
                            if index[axis] < newShape[axis] { break }
                            offset -= strides[axis] * newShape[axis]
                            index[axis] = 0
                            axis -= 1
                        }
                    }
                })
        }
    }

    /// The number of elements in one item along the first (batch) axis.
    public var itemCount: Int { rank == 0 ? 1 : shape.dropFirst().reduce(1, *) }

    /// Items `range` along the first axis: ``slicing(_:along:)`` along axis 0 for ranges known to be valid.
    ///
    ///     Tensor(zeros: [100, 5, 59]).slicingBatch(0..<64).shape   // [64, 5, 59]
    ///
    /// - Precondition: `range` is within `0..<batchSize`.
    public func slicingBatch(_ range: Range<Int>) -> Tensor {
        precondition(
            range.lowerBound >= 0 && range.upperBound <= batchSize, "batch slice \(range) of \(batchSize) items")
        return range == 0..<batchSize ? self : slicing(checked: range, along: 0)
    }

    /// The items at `indices` along the first axis, in that order (a shuffled batch, a split).
    public func gatheringBatch<Indices: Collection>(_ indices: Indices) -> Tensor where Indices.Element == Int {
        let width = itemCount
        var newShape = shape
        newShape[0] = indices.count
        let indices = Array(indices)
        for index in indices {
            precondition(index >= 0 && index < batchSize, "batch index \(index) of \(batchSize) items")
        }
        // Large gathers copy bands of rows concurrently (each band its own rows: same result).
        let bands = Parallel.partition(
            indices.count, into: indices.count * width >= 1 << 15 ? Parallel.availableThreads : 1)
        return Tensor(
            shape: newShape,
            unsafeUninitializedScalars: { out in
                withUnsafeBufferPointer { source in
                    let (target, source) = (out.baseAddress!, source.baseAddress!)
                    Parallel.forEach(bands.count) { band in
                        for row in bands[band] {
                            (target + row * width).initialize(from: source + indices[row] * width, count: width)
                        }
                    }
                }
            })
    }
}
