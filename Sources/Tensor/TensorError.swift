/// Errors thrown by tensor operations whose sizes come from outside the program.
public enum TensorError: Error, Equatable, Sendable, CustomStringConvertible {
    /// `count` elements cannot fill a tensor of shape `shape`.
    case elementCountMismatch(shape: [Int], count: Int)
    /// Two shapes that must agree do not; `operation` names what was attempted.
    case incompatibleShapes(operation: String, [Int], [Int])
    /// `axis` is not an axis of a tensor of rank `rank` (valid axes are `-rank..<rank`, counting
    /// from the end when negative, as in NumPy); `operation` names what was attempted.
    case invalidAxis(operation: String, axis: Int, rank: Int)
    /// `range` is not within `0..<size`, the size of the axis `axis` it was applied to.
    case rangeOutOfBounds(operation: String, range: Range<Int>, axis: Int, size: Int)
    /// The operation needs at least one tensor and was given none.
    case noTensors(operation: String)

    public var description: String {
        switch self {
        case let .elementCountMismatch(shape, count):
            "shape \(shape) needs \(shape.reduce(1, *)) elements, got \(count)"
        case let .incompatibleShapes(operation, lhs, rhs):
            "\(operation): incompatible shapes \(lhs) and \(rhs)"
        case let .invalidAxis(operation, axis, rank):
            "\(operation): axis \(axis) is out of bounds for rank \(rank) (valid axes are \(-rank)..<\(rank))"
        case let .rangeOutOfBounds(operation, range, axis, size):
            "\(operation): range \(range) is out of bounds for axis \(axis) of size \(size)"
        case let .noTensors(operation):
            "\(operation): needs at least one tensor"
        }
    }
}
