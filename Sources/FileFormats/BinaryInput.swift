/// A bounds-checked view of bytes for the readers of binary containers (``ZIPArchive``, ``HDF5File``).
///
/// Every read checks its range and throws ``FileFormatError/truncated(offset:expected:)`` instead of
/// trapping; offsets are relative to `start`, the first byte of the file inside `bytes`, so a file stored
/// inside another one (an HDF5 file inside a ZIP archive) is read in place without a copy.
struct BinaryInput: Sendable {
    /// The storage; only `start..<start + count` belongs to the file.
    let bytes: [UInt8]
    /// Where the file starts inside `bytes`.
    let start: Int
    /// The file's size.
    let count: Int

    /// The whole of `bytes`.
    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        start = 0
        count = bytes.count
    }

    /// `range` of `bytes` (clamped to `bytes`).
    init(_ bytes: [UInt8], range: Range<Int>) {
        self.bytes = bytes
        let lower = min(max(range.lowerBound, 0), bytes.count)
        start = lower
        count = min(max(range.upperBound, lower), bytes.count) - lower
    }

    /// Throws unless `length` bytes at `offset` lie inside the file.
    func check(_ offset: Int, _ length: Int, _ what: @autoclosure () -> String) throws(FileFormatError) {
        guard offset >= 0, length >= 0, offset <= count, length <= count - offset else {
            throw .truncated(offset: min(max(offset, 0), count), expected: what())
        }
    }

    /// The byte at `offset`.
    func uint8(_ offset: Int, _ what: @autoclosure () -> String) throws(FileFormatError) -> UInt8 {
        try check(offset, 1, what())
        return bytes[start + offset]
    }

    /// The little-endian unsigned integer of `size` (1...8) bytes at `offset`.
    func uint(_ offset: Int, size: Int, _ what: @autoclosure () -> String) throws(FileFormatError) -> UInt64 {
        try check(offset, size, what())
        // A plain loop: iterators are slow in debug builds, and this is the readers' innermost call.
        var value: UInt64 = 0
        var i = start + offset + min(size, 8)
        while i > start + offset {
            i -= 1
            value = value << 8 | UInt64(bytes[i])
        }
        return value
    }

    /// The little-endian `UInt16` at `offset`.
    func uint16(_ offset: Int, _ what: @autoclosure () -> String) throws(FileFormatError) -> Int {
        Int(try uint(offset, size: 2, what()))
    }

    /// The little-endian `UInt32` at `offset`.
    func uint32(_ offset: Int, _ what: @autoclosure () -> String) throws(FileFormatError) -> UInt32 {
        UInt32(try uint(offset, size: 4, what()))
    }

    /// A copy of `length` bytes at `offset`.
    func slice(_ offset: Int, _ length: Int, _ what: @autoclosure () -> String) throws(FileFormatError) -> [UInt8] {
        try check(offset, length, what())
        return Array(bytes[start + offset..<start + offset + length])
    }

    /// Whether the bytes at `offset` are `signature` (false when they are out of bounds).
    func matches(_ signature: [UInt8], at offset: Int) -> Bool {
        guard offset >= 0, offset <= count, signature.count <= count - offset else { return false }
        var i = 0
        while i < signature.count {
            if bytes[start + offset + i] != signature[i] { return false }
            i += 1
        }
        return true
    }

    /// Throws ``FileFormatError/malformed(offset:expected:found:)`` unless `signature` is at `offset`.
    func expect(_ signature: [UInt8], at offset: Int, _ what: String) throws(FileFormatError) {
        try check(offset, signature.count, what)
        guard matches(signature, at: offset) else {
            throw .malformed(
                offset: offset, expected: what,
                found: hex(bytes: bytes[start + offset..<start + offset + signature.count]))
        }
    }

    /// Calls `body` with the raw bytes `offset..<offset + length` (checked).
    func withBytes<R>(
        _ offset: Int, _ length: Int, _ what: @autoclosure () -> String,
        _ body: (UnsafeRawBufferPointer) throws(FileFormatError) -> R
    ) throws(FileFormatError) -> R {
        try check(offset, length, what())
        let result: Result<R, FileFormatError> = bytes.withUnsafeBytes { buffer in
            let part = UnsafeRawBufferPointer(rebasing: buffer[start + offset..<start + offset + length])
            return Result { () throws(FileFormatError) in try body(part) }
        }
        return try result.get()
    }

    /// The text of `length` bytes at `offset`, as UTF-8 (invalid sequences become U+FFFD).
    func string(_ offset: Int, _ length: Int, _ what: @autoclosure () -> String) throws(FileFormatError) -> String {
        try check(offset, length, what())
        return String(decoding: bytes[start + offset..<start + offset + length], as: UTF8.self)
    }
}
