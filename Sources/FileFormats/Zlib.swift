import Foundation

/// The zlib stream format (RFC 1950): a two-byte header, DEFLATE data and an Adler-32 trailer. PNG
/// image data is a zlib stream.
public enum Zlib {
    /// Decompresses a zlib stream that fills the whole input.
    ///
    /// Streams that need a preset dictionary (FDICT) are rejected.
    ///
    /// - Parameters:
    ///   - bytes: The zlib stream.
    ///   - maximumOutputSize: The most bytes the output may have; a larger output throws
    ///     ``FileFormatError/outputTooLarge(offset:limit:)``.
    /// - Throws: ``FileFormatError`` naming the byte offset of the problem.
    public static func decompress(
        _ bytes: some ContiguousBytes,
        maximumOutputSize: Int = Inflate.defaultMaximumOutputSize
    ) throws(FileFormatError) -> [UInt8] {
        try withBytes(bytes) { input throws(FileFormatError) in
            guard input.count >= 2 else { throw .truncated(offset: input.count, expected: "the 2-byte zlib header") }
            let method = input[0]
            let flags = input[1]
            guard method & 0x0F == 8, method >> 4 <= 7 else {
                throw .malformed(
                    offset: 0, expected: "method 8 (deflate) with a window of at most 32 KiB",
                    found: hex(bytes: [method]))
            }
            guard (Int(method) << 8 | Int(flags)) % 31 == 0 else {
                throw .malformed(
                    offset: 1, expected: "a header that is a multiple of 31", found: hex(bytes: [method, flags]))
            }
            guard flags & 0x20 == 0 else {
                throw .malformed(offset: 1, expected: "no preset dictionary", found: "the FDICT flag")
            }
            let output = InflateOutput(initialCapacity: input.count * 4, limit: maximumOutputSize)
            let end = try Inflate.inflate(input, from: 2, into: output)
            guard end + 4 <= input.count else {
                throw .truncated(offset: input.count, expected: "the Adler-32 trailer at byte \(end)")
            }
            let stored = bigEndianUInt32(input, at: end)
            let computed = Adler32.checksum(output.bytes(from: 0))
            guard stored == computed else {
                throw .checksumMismatch(offset: end, checksum: "Adler-32", stored: stored, computed: computed)
            }
            guard end + 4 == input.count else {
                throw .malformed(
                    offset: end + 4, expected: "the end of the zlib stream",
                    found: "\(input.count - end - 4) more bytes")
            }
            return output.array()
        }
    }

    /// A zlib stream holding `bytes` uncompressed, in stored DEFLATE blocks of at most 65,535 bytes.
    ///
    /// Any zlib decoder reads it; it is what ``PNG`` uses for image data.
    public static func storedStream(_ bytes: [UInt8]) -> [UInt8] {
        let blockSize = 65_535
        let blockCount = max(1, (bytes.count + blockSize - 1) / blockSize)
        var stream: [UInt8] = [0x78, 0x01]  // 32 KiB window, deflate, fastest; 0x7801 is a multiple of 31.
        stream.reserveCapacity(2 + bytes.count + 5 * blockCount + 4)
        for block in 0..<blockCount {
            let start = block * blockSize
            let length = min(blockSize, bytes.count - start)
            stream.append(block == blockCount - 1 ? 1 : 0)  // BFINAL, BTYPE 00, then padding to the byte.
            stream += [UInt8(length & 0xFF), UInt8(length >> 8), UInt8(~length & 0xFF), UInt8((~length >> 8) & 0xFF)]
            stream += bytes[start..<start + length]
        }
        let adler = Adler32.checksum(bytes)
        stream += [UInt8(adler >> 24), UInt8((adler >> 16) & 0xFF), UInt8((adler >> 8) & 0xFF), UInt8(adler & 0xFF)]
        return stream
    }
}
