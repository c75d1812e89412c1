// Elementwise arithmetic. Loops run over unsafe buffers so release builds vectorize them.

extension Tensor {
    /// Applies `transform` to every element.
    @inlinable
    public func map(_ transform: (Float) -> Float) -> Tensor {
        var result = self
        result.withUnsafeMutableBufferPointer { buffer in
            for i in buffer.indices { buffer[i] = transform(buffer[i]) }
        }
        return result
    }

    /// Combines two tensors of the same shape element by element.
    ///
    /// - Precondition: `self.shape == other.shape`.
    @inlinable
    public func zipWith(_ other: Tensor, _ combine: (Float, Float) -> Float) -> Tensor {
        precondition(shape == other.shape, "elementwise operation on shapes \(shape) and \(other.shape)")
        var result = self
        result.withUnsafeMutableBufferPointer { out in
            other.withUnsafeBufferPointer { rhs in
                for i in out.indices { out[i] = combine(out[i], rhs[i]) }
            }
        }
        return result
    }

    /// Combines `other` into `self` element by element, in place.
    @inlinable
    public mutating func formZipWith(_ other: Tensor, _ combine: (Float, Float) -> Float) {
        precondition(shape == other.shape, "elementwise operation on shapes \(shape) and \(other.shape)")
        withUnsafeMutableBufferPointer { out in
            other.withUnsafeBufferPointer { rhs in
                for i in out.indices { out[i] = combine(out[i], rhs[i]) }
            }
        }
    }

    /// Adds two tensors of the same shape, element by element.
    public static func + (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.zipWith(rhs, +) }
    /// Subtracts `rhs` from `lhs`, element by element; both have the same shape.
    public static func - (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.zipWith(rhs, -) }
    /// Multiplies two tensors of the same shape, element by element (not a matrix product).
    public static func * (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.zipWith(rhs, *) }
    /// Divides `lhs` by `rhs`, element by element; both have the same shape.
    public static func / (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.zipWith(rhs, /) }
    /// Adds a scalar to every element.
    public static func + (lhs: Tensor, rhs: Float) -> Tensor { lhs.map { $0 + rhs } }
    /// Subtracts a scalar from every element.
    public static func - (lhs: Tensor, rhs: Float) -> Tensor { lhs.map { $0 - rhs } }
    /// Multiplies every element by a scalar.
    public static func * (lhs: Tensor, rhs: Float) -> Tensor { lhs.map { $0 * rhs } }
    /// Divides every element by a scalar.
    public static func / (lhs: Tensor, rhs: Float) -> Tensor { lhs.map { $0 / rhs } }
    /// Multiplies every element by a scalar: `0.5 * x`.
    public static func * (lhs: Float, rhs: Tensor) -> Tensor { rhs.map { lhs * $0 } }
    /// Negates every element.
    public static prefix func - (operand: Tensor) -> Tensor { operand.map { -$0 } }
    /// Adds `rhs` to `lhs` in place, element by element; both have the same shape.
    public static func += (lhs: inout Tensor, rhs: Tensor) { lhs.formZipWith(rhs, +) }
    /// Subtracts `rhs` from `lhs` in place, element by element; both have the same shape.
    public static func -= (lhs: inout Tensor, rhs: Tensor) { lhs.formZipWith(rhs, -) }
    /// Multiplies `lhs` by `rhs` in place, element by element; both have the same shape.
    public static func *= (lhs: inout Tensor, rhs: Tensor) { lhs.formZipWith(rhs, *) }
    /// Multiplies every element of `lhs` by a scalar, in place.
    public static func *= (lhs: inout Tensor, rhs: Float) {
        lhs.withUnsafeMutableBufferPointer { buffer in for i in buffer.indices { buffer[i] *= rhs } }
    }

    /// Adds a vector along the last axis to every row (Keras/NumPy broadcasting of a bias).
    ///
    ///     Tensor(rows: [[1, 2], [3, 4]]).addingRowVector(Tensor([10, 20]))  // [[11, 22], [13, 24]]
    ///
    /// - Precondition: `vector` is rank 1 with `shape.last` elements.
    public func addingRowVector(_ vector: Tensor) -> Tensor {
        var result = self
        result.addRowVector(vector)
        return result
    }

    /// Adds a vector along the last axis to every row, in place.
    public mutating func addRowVector(_ vector: Tensor) {
        let width = shape.last ?? 1
        precondition(vector.count == width, "row vector of \(vector.count) elements for shape \(shape)")
        guard count > 0 else { return }
        withUnsafeMutableBufferPointer { out in
            vector.withUnsafeBufferPointer { v in
                MatrixKernels.addRowVector(
                    v.baseAddress!, to: out.baseAddress!, rows: out.count / width, columns: width)
            }
        }
    }

    /// Multiplies every row by a vector along the last axis.
    public func multiplyingRowVector(_ vector: Tensor) -> Tensor {
        let width = shape.last ?? 1
        precondition(vector.count == width, "row vector of \(vector.count) elements for shape \(shape)")
        var result = self
        result.withUnsafeMutableBufferPointer { out in
            vector.withUnsafeBufferPointer { v in
                var offset = 0
                while offset < out.count {
                    for j in 0..<width { out[offset + j] *= v[j] }
                    offset += width
                }
            }
        }
        return result
    }

    /// The element-wise square root.
    public func squareRoot() -> Tensor { map { $0.squareRoot() } }

    /// The element-wise absolute value.
    public func magnitude() -> Tensor { map { Swift.abs($0) } }
}
