// Reductions. Sums accumulate in Double so long reductions keep float32 accuracy.

extension Tensor {
    /// The sum of all elements.
    public func sum() -> Float {
        withUnsafeBufferPointer { buffer in
            var total = 0.0
            for value in buffer { total += Double(value) }
            return Float(total)
        }
    }

    /// The mean of all elements (0 for an empty tensor).
    public func mean() -> Float {
        count == 0 ? 0 : Float(Double(sum()) / Double(count))
    }

    /// The largest element, or `nil` for an empty tensor.
    public func max() -> Float? { scalars.max() }

    /// The smallest element, or `nil` for an empty tensor.
    public func min() -> Float? { scalars.min() }

    /// Sums over every axis but the last: `[…, n]` → `[n]` (the gradient of a broadcast bias).
    public func sumOverRows() -> Tensor {
        let width = shape.last ?? 1
        var result = [Float](repeating: 0, count: width)
        guard count > 0 else { return Tensor(shape: [width], scalars: result) }
        withUnsafeBufferPointer { buffer in
            result.withUnsafeMutableBufferPointer { out in
                MatrixKernels.accumulateColumnSums(
                    of: buffer.baseAddress!, rows: buffer.count / width, columns: width,
                    into: out.baseAddress!)
            }
        }
        return Tensor(shape: [width], scalars: result)
    }

    /// The mean of each row over its last axis: `[…, n]` → `[…]`.
    public func meanOfLastAxis() -> Tensor {
        let width = Swift.max(shape.last ?? 1, 1)
        let rows = count / width
        var result = [Float](repeating: 0, count: rows)
        withUnsafeBufferPointer { buffer in
            for row in 0..<rows {
                var total: Float = 0
                for j in 0..<width { total += buffer[row * width + j] }
                result[row] = total / Float(width)
            }
        }
        return Tensor(shape: Array(shape.dropLast()), scalars: result)
    }

    /// Whether every element is finite (no NaN or infinity).
    public var isFinite: Bool { scalars.allSatisfy(\.isFinite) }
}
