extension Tensor {
    /// Joins tensors along an existing axis (NumPy's `np.concatenate(tensors, axis)`): every other axis
    /// must have the same size, and the result's `axis` is the sum of theirs.
    ///
    ///     let a = Tensor(zeros: [64, 5, 16]), b = Tensor(zeros: [64, 5, 8])
    ///     try Tensor(concatenating: [a, b], along: -1).shape   // [64, 5, 24]
    ///     try Tensor(concatenating: [a, a]).shape              // [128, 5, 16]: along the batch axis
    ///
    /// Each tensor's contiguous blocks are copied with one memory copy each.
    ///
    /// - Parameters:
    ///   - tensors: The tensors joined, in order; all of one rank (at least 1).
    ///   - axis: The axis joined along, in `-rank..<rank`; the first (batch) axis by default.
    /// - Throws: ``TensorError/noTensors(operation:)`` for an empty list,
    ///   ``TensorError/invalidAxis(operation:axis:rank:)`` for an axis the tensors do not have, and
    ///   ``TensorError/incompatibleShapes(operation:_:_:)`` (with the first shape and the first that
    ///   differs) when ranks or the sizes of other axes differ.
    public init(concatenating tensors: [Tensor], along axis: Int = 0) throws(TensorError) {
        guard let first = tensors.first else { throw .noTensors(operation: "concatenate") }
        let axis = try first.resolvedAxis(axis, operation: "concatenate")
        var shape = first.shape
        shape[axis] = 0
        for tensor in tensors {
            guard tensor.rank == first.rank,
                tensor.shape.indices.allSatisfy({ $0 == axis || tensor.shape[$0] == first.shape[$0] })
            else {
                throw .incompatibleShapes(operation: "concatenate", first.shape, tensor.shape)
            }
            shape[axis] += tensor.shape[axis]
        }
        let (outer, _, inner) = first.blocks(around: axis)
        self.init(
            shape: shape,
            unsafeUninitializedScalars: { out in
                guard let target = out.baseAddress, !out.isEmpty else { return }
                var offset = 0
                for block in 0..<outer {
                    for tensor in tensors {
                        let width = tensor.shape[axis] * inner
                        guard width > 0 else { continue }
                        tensor.withUnsafeBufferPointer { source in
                            (target + offset).initialize(from: source.baseAddress! + block * width, count: width)
                        }
                        offset += width
                    }
                }
            })
    }

    /// Joins tensors of one shape along a new axis (NumPy's `np.stack(tensors, axis)`): the result has
    /// one more axis, of size `tensors.count`, at position `axis`.
    ///
    ///     let steps = [Tensor(zeros: [64, 59]), Tensor(zeros: [64, 59]), Tensor(zeros: [64, 59])]
    ///     try Tensor(stacking: steps, along: 1).shape    // [64, 3, 59]
    ///     try Tensor(stacking: steps).shape              // [3, 64, 59]
    ///
    /// - Parameters:
    ///   - tensors: The tensors stacked, in order; all of one shape.
    ///   - axis: The new axis' position in the result, in `-(rank + 1)...rank` for tensors of rank `rank`
    ///     (`-1` makes it the last); the first by default.
    /// - Throws: ``TensorError/noTensors(operation:)`` for an empty list,
    ///   ``TensorError/invalidAxis(operation:axis:rank:)`` (with the result's rank) for an axis out of
    ///   range, and ``TensorError/incompatibleShapes(operation:_:_:)`` when the shapes differ.
    public init(stacking tensors: [Tensor], along axis: Int = 0) throws(TensorError) {
        guard let first = tensors.first else { throw .noTensors(operation: "stack") }
        let rank = first.rank + 1
        guard axis >= -rank, axis < rank else { throw .invalidAxis(operation: "stack", axis: axis, rank: rank) }
        let axis = axis < 0 ? axis + rank : axis
        if let other = tensors.first(where: { $0.shape != first.shape }) {
            throw .incompatibleShapes(operation: "stack", first.shape, other.shape)
        }
        var expanded = first.shape
        expanded.insert(1, at: axis)
        try self.init(concatenating: tensors.map { $0.reshaped(to: expanded) }, along: axis)
    }

    /// The tensors along an axis, with that axis removed (the inverse of ``init(stacking:along:)``;
    /// NumPy's `np.unstack(x, axis=axis)`).
    ///
    ///     let x = Tensor(zeros: [64, 5, 59])
    ///     try x.unstacked(along: 1).map(\.shape)   // five times [64, 59]: one tensor per time step
    ///
    /// - Parameter axis: The axis split, in `-rank..<rank`; the first by default.
    /// - Returns: `shape[axis]` tensors of shape `shape` without `axis`.
    /// - Throws: ``TensorError/invalidAxis(operation:axis:rank:)`` for an axis the tensor does not have.
    public func unstacked(along axis: Int = 0) throws(TensorError) -> [Tensor] {
        let axis = try resolvedAxis(axis, operation: "unstack")
        var itemShape = shape
        itemShape.remove(at: axis)
        return (0..<shape[axis]).map { slicing(checked: $0..<($0 + 1), along: axis).reshaped(to: itemShape) }
    }
}
