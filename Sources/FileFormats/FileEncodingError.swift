/// Why a file writer (``ZIPWriter``, ``HDF5Writer``) refused its input.
///
/// Writers check names, shapes and sizes before producing any bytes, so a refused input never yields a
/// partial or invalid file.
public enum FileEncodingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// `name` cannot be used: `reason` says why (empty, a `/` inside a member name, a NUL byte, ...).
    case invalidName(String, reason: String)
    /// `name` was added twice.
    case duplicateName(String)
    /// `what` needs `size` bytes (or entries), more than the format's `limit`.
    case tooLarge(String, size: Int, limit: Int)
    /// The value of `what` is not allowed: `reason` says why (a shape that does not match the value
    /// count, a string with a NUL byte, ...).
    case invalidValue(String, reason: String)
    /// `path` cannot be used as asked: `reason` says why (a dataset where a group is needed, a missing
    /// object).
    case conflict(String, reason: String)

    /// A one-line message naming the offending name or path.
    public var description: String {
        switch self {
        case let .invalidName(name, reason): "invalid name '\(name)': \(reason)"
        case let .duplicateName(name): "'\(name)' is added twice"
        case let .tooLarge(what, size, limit): "\(what) needs \(size), more than the limit of \(limit)"
        case let .invalidValue(what, reason): "invalid value of \(what): \(reason)"
        case let .conflict(path, reason): "'\(path)': \(reason)"
        }
    }
}
