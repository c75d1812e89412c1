@testable import FileFormats

/// Writes hand-made DEFLATE streams bit by bit, to build inputs no real encoder produces (invalid
/// codes, far distances, decompression bombs).
struct DeflateWriter {
    private(set) var bytes: [UInt8] = []
    private var bitCount = 0

    /// Appends `count` bits of `value`, least significant first (header fields, extra bits).
    mutating func bits(_ value: Int, _ count: Int) {
        for i in 0..<count {
            if bitCount % 8 == 0 { bytes.append(0) }
            if (value >> i) & 1 == 1 { bytes[bytes.count - 1] |= UInt8(1 << (bitCount % 8)) }
            bitCount += 1
        }
    }

    /// Appends a Huffman code, most significant bit first as DEFLATE stores codes.
    mutating func code(_ code: Int, _ length: Int) {
        for i in (0..<length).reversed() { bits((code >> i) & 1, 1) }
    }

    /// A block header: BFINAL and BTYPE.
    mutating func header(final: Bool, type: Int) {
        bits(final ? 1 : 0, 1)
        bits(type, 2)
    }

    /// A literal/length symbol in the fixed code (RFC 1951, 3.2.6).
    mutating func fixedSymbol(_ symbol: Int) {
        switch symbol {
        case 0..<144: code(0x30 + symbol, 8)
        case 144..<256: code(0x190 + symbol - 144, 9)
        case 256..<280: code(symbol - 256, 7)
        default: code(0xC0 + symbol - 280, 8)
        }
    }

    /// A match in the fixed code; only lengths 3–10 and 258, distances 1–4 (no extra bits) are needed here.
    mutating func fixedMatch(length: Int, distance: Int) {
        precondition((3...10).contains(length) || length == 258)
        precondition((1...4).contains(distance))
        fixedSymbol(length == 258 ? 285 : 254 + length)
        code(distance - 1, 5)
    }
}

/// A gzip member around raw DEFLATE data, with a correct trailer for `content`.
func gzipMember(deflate: [UInt8], content: [UInt8]) -> [UInt8] {
    let crc = CRC32.checksum(content)
    let size = UInt32(truncatingIfNeeded: content.count)
    return [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3] + deflate
        + [UInt8(crc & 0xFF), UInt8((crc >> 8) & 0xFF), UInt8((crc >> 16) & 0xFF), UInt8(crc >> 24)]
        + [UInt8(size & 0xFF), UInt8((size >> 8) & 0xFF), UInt8((size >> 16) & 0xFF), UInt8(size >> 24)]
}
