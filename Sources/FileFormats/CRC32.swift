/// The CRC-32 checksum of gzip, PNG and zip (IEEE 802.3 polynomial, reflected, 0x04C11DB7), computed
/// eight bytes at a time with eight lookup tables ("slicing by 8").
///
///     CRC32.checksum(Array("123456789".utf8))  // 0xCBF43926
///
/// For data that arrives in pieces, start from `CRC32()` and call ``update(_:)`` per piece.
public struct CRC32: RunningChecksum, Equatable {
    /// The checksum of the bytes seen so far.
    public var value: UInt32 { ~state }

    private var state: UInt32 = 0xFFFF_FFFF

    /// A checksum of no bytes (`value` is 0).
    public init() {}

    /// Continues the checksum with `bytes`.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        state = crc32Tables.update(state, with: bytes)
    }
}

/// The CRC-32 of gzip, reversed polynomial 0xEDB88320.
private let crc32Tables = SlicingBy8Tables(reversedPolynomial: 0xEDB8_8320)

/// Eight 256-entry tables of a reflected 32-bit CRC: table 0 is the classic byte-at-a-time table,
/// table k advances a byte through k further zero bytes. Shared by ``CRC32`` and ``CRC32C``, which
/// differ only in the polynomial.
struct SlicingBy8Tables: Sendable {
    private let tables: [UInt32]

    /// The tables of the reflected CRC with `reversedPolynomial` (0xEDB88320 for CRC-32).
    init(reversedPolynomial: UInt32) {
        var tables = [UInt32](repeating: 0, count: 8 * 256)
        for byte in 0..<256 {
            var crc = UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ reversedPolynomial : crc >> 1 }
            tables[byte] = crc
        }
        for byte in 0..<256 {
            for k in 1..<8 {
                let previous = tables[(k - 1) * 256 + byte]
                tables[k * 256 + byte] = tables[Int(previous & 0xFF)] ^ (previous >> 8)
            }
        }
        self.tables = tables
    }

    /// The register `state` (before the final inversion) advanced over `bytes`.
    func update(_ state: UInt32, with bytes: UnsafeRawBufferPointer) -> UInt32 {
        guard var pointer = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return state }
        var remaining = bytes.count
        var crc = state
        tables.withUnsafeBufferPointer { tables in
            let t = tables.baseAddress!
            while remaining >= 8 {
                let low = crc ^ UInt32(littleEndian: UnsafeRawPointer(pointer).loadUnaligned(as: UInt32.self))
                let high = UInt32(littleEndian: UnsafeRawPointer(pointer + 4).loadUnaligned(as: UInt32.self))
                crc =
                    t[7 * 256 + Int(low & 0xFF)] ^ t[6 * 256 + Int((low >> 8) & 0xFF)]
                    ^ t[5 * 256 + Int((low >> 16) & 0xFF)] ^ t[4 * 256 + Int(low >> 24)]
                    ^ t[3 * 256 + Int(high & 0xFF)] ^ t[2 * 256 + Int((high >> 8) & 0xFF)]
                    ^ t[1 * 256 + Int((high >> 16) & 0xFF)] ^ t[Int(high >> 24)]
                pointer += 8
                remaining -= 8
            }
            while remaining > 0 {
                crc = t[Int((crc ^ UInt32(pointer.pointee)) & 0xFF)] ^ (crc >> 8)
                pointer += 1
                remaining -= 1
            }
        }
        return crc
    }
}
