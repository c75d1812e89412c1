/// Why an IDX file (the MNIST format) could not be read into an ``IDXFile``.
///
/// Offsets count bytes from the start of the IDX data: for a gzip-compressed file, of the
/// decompressed data, except in ``corruptCompression(path:offset:reason:)``, which points into the
/// compressed file.
public enum IDXError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file could not be opened or read.
    case unreadableFile(path: String, reason: String)
    /// The file starts with the gzip magic number, but its compressed data is damaged, truncated, or
    /// larger than the allowed size; `offset` is in the compressed file and `reason` says what is wrong.
    case corruptCompression(path: String, offset: Int, reason: String)
    /// The data ends at `offset`, inside the header, before `expected`.
    case truncatedHeader(path: String, offset: Int, expected: String)
    /// A header field at `offset` holds a value the format does not allow.
    case invalidHeader(path: String, offset: Int, expected: String, found: String)
    /// The element type code at `offset` is a valid IDX type other than unsigned bytes (0x08), the
    /// only one supported.
    case unsupportedElementType(path: String, offset: Int, code: UInt8)
    /// The product of the dimensions overflows `Int`; `offset` is the dimension where it does.
    case sizeOverflow(path: String, offset: Int, dimensions: [Int])
    /// The data after the header (which ends at `offset`) has `found` bytes, but the dimensions need `expected`.
    case payloadSizeMismatch(path: String, offset: Int, expected: Int, found: Int)

    /// A one-line message naming the file, the offset and the problem.
    public var description: String {
        switch self {
        case let .unreadableFile(path, reason): "cannot read \(path): \(reason)"
        case let .corruptCompression(path, offset, reason):
            "\(path): damaged gzip data at byte \(offset) of the compressed file: \(reason)"
        case let .truncatedHeader(path, offset, expected):
            "\(path): the IDX data ends at byte \(offset), before \(expected)"
        case let .invalidHeader(path, offset, expected, found):
            "\(path): IDX byte \(offset): expected \(expected), found \(found)"
        case let .unsupportedElementType(path, offset, code):
            "\(path): IDX byte \(offset): element type 0x\(String(code, radix: 16)) (\(IDXError.typeName(code))) "
                + "is not supported, only 0x08 (unsigned byte)"
        case let .sizeOverflow(path, offset, dimensions):
            "\(path): IDX byte \(offset): the dimensions \(dimensions) hold more elements than Int can count"
        case let .payloadSizeMismatch(path, offset, expected, found):
            "\(path): the dimensions need \(expected) bytes after the \(offset)-byte header, found \(found)"
        }
    }

    /// The element type an IDX type code stands for.
    static func typeName(_ code: UInt8) -> String {
        switch code {
        case 0x08: "unsigned byte"
        case 0x09: "signed byte"
        case 0x0B: "16-bit integer"
        case 0x0C: "32-bit integer"
        case 0x0D: "32-bit float"
        case 0x0E: "64-bit float"
        default: "unknown"
        }
    }
}
