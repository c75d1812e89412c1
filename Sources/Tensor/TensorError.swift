/// Errors thrown by tensor operations whose sizes come from outside the program.
public enum TensorError: Error, Equatable, Sendable, CustomStringConvertible {
    /// `count` elements cannot fill a tensor of shape `shape`.
    case elementCountMismatch(shape: [Int], count: Int)
    /// Two shapes that must agree do not; `operation` names what was attempted.
    case incompatibleShapes(operation: String, [Int], [Int])

    public var description: String {
        switch self {
        case let .elementCountMismatch(shape, count):
            "shape \(shape) needs \(shape.reduce(1, *)) elements, got \(count)"
        case let .incompatibleShapes(operation, lhs, rhs):
            "\(operation): incompatible shapes \(lhs) and \(rhs)"
        }
    }
}
