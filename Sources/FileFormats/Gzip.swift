import Foundation

/// The gzip file format (RFC 1952): one or more members, each a header, a DEFLATE stream and a
/// trailer with the CRC-32 and the length (mod 2^32) of the member's data.
///
///     let bytes = try Gzip.decompress(Data(contentsOf: url))
public enum Gzip {
    /// The two bytes every gzip member starts with.
    public static let magic: [UInt8] = [0x1F, 0x8B]

    /// Whether `bytes` start with the gzip magic number (it does not check the rest of the stream).
    public static func hasMagic(_ bytes: some Collection<UInt8>) -> Bool {
        bytes.starts(with: magic)
    }

    /// Decompresses a gzip file: all of its members, concatenated, as `gzip -d` does.
    ///
    /// Each member's header is checked (method 8, no reserved flags, the optional FEXTRA, FNAME,
    /// FCOMMENT and FHCRC fields, the header CRC when present), and so are its CRC-32 and ISIZE.
    /// Zero bytes after the last member are ignored (tape padding, as gzip and Python allow); any other
    /// trailing data is an error.
    ///
    /// - Parameters:
    ///   - bytes: The whole gzip file.
    ///   - maximumOutputSize: The most bytes the output (all members) may have; a larger output throws
    ///     ``FileFormatError/outputTooLarge(offset:limit:)``.
    /// - Throws: ``FileFormatError`` naming the byte offset of the problem.
    public static func decompress(
        _ bytes: some ContiguousBytes,
        maximumOutputSize: Int = Inflate.defaultMaximumOutputSize
    ) throws(FileFormatError) -> [UInt8] {
        try withBytes(bytes) { input throws(FileFormatError) in
            let output = InflateOutput(initialCapacity: sizeHint(input), limit: maximumOutputSize)
            var offset = 0
            repeat {
                let start = try headerEnd(input, at: offset)
                let memberStart = output.count
                let end = try Inflate.inflate(input, from: start, into: output)
                guard end + 8 <= input.count else {
                    throw .truncated(
                        offset: input.count, expected: "the gzip trailer (CRC-32 and ISIZE) at byte \(end)")
                }
                let storedCRC = littleEndianUInt32(input, at: end)
                let crc = CRC32.checksum(output.bytes(from: memberStart))
                guard storedCRC == crc else {
                    throw .checksumMismatch(offset: end, checksum: "CRC-32", stored: storedCRC, computed: crc)
                }
                let storedSize = littleEndianUInt32(input, at: end + 4)
                let size = UInt32(truncatingIfNeeded: output.count - memberStart)
                guard storedSize == size else {
                    throw .checksumMismatch(
                        offset: end + 4, checksum: "ISIZE (length mod 2^32)", stored: storedSize, computed: size)
                }
                offset = end + 8
                if input[offset...].allSatisfy({ $0 == 0 }) { break }
            } while true
            return output.array()
        }
    }

    /// The offset of the DEFLATE data after the member header at `start`.
    static func headerEnd(_ input: UnsafeRawBufferPointer, at start: Int) throws(FileFormatError) -> Int {
        func need(_ count: Int, at offset: Int, for what: String) throws(FileFormatError) {
            if offset + count > input.count { throw .truncated(offset: input.count, expected: what) }
        }
        try need(10, at: start, for: "a 10-byte gzip header")
        guard input[start] == 0x1F, input[start + 1] == 0x8B else {
            throw .malformed(
                offset: start, expected: "the gzip magic number 0x1f 0x8b",
                found: hex(bytes: input[start..<start + 2]))
        }
        guard input[start + 2] == 8 else {
            throw .malformed(
                offset: start + 2, expected: "compression method 8 (deflate)", found: "\(input[start + 2])")
        }
        let flags = input[start + 3]
        guard flags & 0xE0 == 0 else {
            throw .malformed(
                offset: start + 3, expected: "flags with the reserved bits 5-7 clear", found: hex(bytes: [flags]))
        }
        var offset = start + 10
        if flags & 0x04 != 0 {  // FEXTRA: a length and that many bytes
            try need(2, at: offset, for: "the length of the gzip extra field")
            let length = Int(input[offset]) | Int(input[offset + 1]) << 8
            try need(2 + length, at: offset, for: "the \(length)-byte gzip extra field at byte \(offset)")
            offset += 2 + length
        }
        for (flag, name) in [(UInt8(0x08), "file name"), (0x10, "comment")] where flags & flag != 0 {
            // FNAME, FCOMMENT: zero-terminated ISO 8859-1 text.
            guard let zero = input[offset...].firstIndex(of: 0) else {
                throw .truncated(
                    offset: input.count, expected: "the zero byte ending the gzip \(name) at byte \(offset)")
            }
            offset = zero + 1
        }
        if flags & 0x02 != 0 {  // FHCRC: the low 16 bits of the header's CRC-32
            try need(2, at: offset, for: "the gzip header CRC")
            let stored = UInt32(input[offset]) | UInt32(input[offset + 1]) << 8
            let computed = CRC32.checksum(UnsafeRawBufferPointer(rebasing: input[start..<offset])) & 0xFFFF
            guard stored == computed else {
                throw .checksumMismatch(offset: offset, checksum: "header CRC-16", stored: stored, computed: computed)
            }
            offset += 2
        }
        return offset
    }

    /// A first guess at the output size: the last member's ISIZE, unless it is implausible for the input
    /// size (DEFLATE expands at most about 1032:1).
    private static func sizeHint(_ input: UnsafeRawBufferPointer) -> Int {
        guard input.count >= 18 else { return 0 }
        let size = Int(littleEndianUInt32(input, at: input.count - 4))
        return size <= input.count * 1032 ? size : input.count * 4
    }
}

/// The little-endian `UInt32` at `offset`.
func littleEndianUInt32(_ input: UnsafeRawBufferPointer, at offset: Int) -> UInt32 {
    UInt32(input[offset]) | UInt32(input[offset + 1]) << 8 | UInt32(input[offset + 2]) << 16 | UInt32(input[offset + 3])
        << 24
}

/// The big-endian `UInt32` at `offset`.
func bigEndianUInt32(_ input: UnsafeRawBufferPointer, at offset: Int) -> UInt32 {
    UInt32(input[offset]) << 24 | UInt32(input[offset + 1]) << 16 | UInt32(input[offset + 2]) << 8
        | UInt32(input[offset + 3])
}
