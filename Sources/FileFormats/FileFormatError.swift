/// Why a compressed stream or binary file could not be decoded.
///
/// Every case names the byte offset in the input where the problem was found (for bit-level
/// formats such as DEFLATE, the byte holding the first bit of the offending code), so a damaged file
/// can be inspected with a hex viewer.
public enum FileFormatError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The input ends at `offset`, before `expected` (for example "the gzip trailer").
    case truncated(offset: Int, expected: String)
    /// The data at `offset` is not allowed by the format: `expected` says what was, `found` what is there.
    case malformed(offset: Int, expected: String, found: String)
    /// A checksum or length check failed: `checksum` names it ("CRC-32", "Adler-32", ...), `stored` is
    /// the value in the file at `offset`, `computed` the value of the decoded data.
    case checksumMismatch(offset: Int, checksum: String, stored: UInt32, computed: UInt32)
    /// A DEFLATE back-reference at `offset` reaches `distance` bytes back, but only `available` bytes
    /// have been decoded so far.
    case distanceTooFar(offset: Int, distance: Int, available: Int)
    /// The decoded output would exceed `limit` bytes, the caller's maximum (a guard against
    /// decompression bombs); `offset` is where decoding stopped.
    case outputTooLarge(offset: Int, limit: Int)
    /// The file uses a valid feature of its format at `offset` that this reader does not implement:
    /// `feature` names it (for example "ZIP64 archives" or "the chunked dataset /dense/kernel").
    case unsupported(offset: Int, feature: String)
    /// A ZIP member, HDF5 group, dataset or attribute named `name` does not exist; `offset` is where the
    /// search ended (the directory or object header that was searched).
    case notFound(offset: Int, name: String)

    /// The byte offset in the input where the problem was found.
    public var offset: Int {
        switch self {
        case let .truncated(offset, _), let .malformed(offset, _, _), let .checksumMismatch(offset, _, _, _),
            let .distanceTooFar(offset, _, _), let .outputTooLarge(offset, _), let .unsupported(offset, _),
            let .notFound(offset, _):
            offset
        }
    }

    /// A one-line message naming the offset and the problem.
    public var description: String {
        switch self {
        case let .truncated(offset, expected):
            "the input ends at byte \(offset), before \(expected)"
        case let .malformed(offset, expected, found):
            "byte \(offset): expected \(expected), found \(found)"
        case let .checksumMismatch(offset, checksum, stored, computed):
            "byte \(offset): the stored \(checksum) is \(hex(stored)) but the data gives \(hex(computed))"
        case let .distanceTooFar(offset, distance, available):
            "byte \(offset): a back-reference reaches \(distance) bytes back, but only \(available) bytes precede it"
        case let .outputTooLarge(offset, limit):
            "byte \(offset): the decompressed data exceeds the limit of \(limit) bytes"
        case let .unsupported(offset, feature):
            "byte \(offset): unsupported: \(feature)"
        case let .notFound(offset, name):
            "byte \(offset): there is no \(name)"
        }
    }
}

/// `0x` and eight hexadecimal digits.
func hex(_ value: UInt32) -> String {
    let digits = String(value, radix: 16)
    return "0x" + String(repeating: "0", count: 8 - digits.count) + digits
}

/// `0x` and two hexadecimal digits per byte, separated by spaces.
func hex(bytes: some Sequence<UInt8>) -> String {
    bytes.map { byte in
        let digits = String(byte, radix: 16)
        return "0x" + (digits.count == 1 ? "0" : "") + digits
    }.joined(separator: " ")
}
