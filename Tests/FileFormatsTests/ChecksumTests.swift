import FileFormats
import Foundation
import Testing

@Suite struct ChecksumTests {
    @Test func crc32KnownValues() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(CRC32.checksum([UInt8]()) == 0)
        #expect(CRC32.checksum(Array("The quick brown fox jumps over the lazy dog".utf8)) == 0x414F_A339)
        #expect(CRC32.checksum([UInt8](repeating: 0, count: 32)) == 0x190A_55AD)
        #expect(CRC32.checksum([UInt8](repeating: 0xFF, count: 32)) == 0xFF6C_AB0B)
    }

    @Test func crc32InPiecesMatchesWhole() {
        var generator = SplitMix64(seed: 7)
        let bytes = (0..<1000).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        let whole = CRC32.checksum(bytes)
        for split in [0, 1, 7, 8, 9, 500, 999, 1000] {
            var crc = CRC32()
            crc.update(bytes[..<split])
            crc.update(bytes[split...])
            #expect(crc.value == whole, "split at \(split)")
        }
        // The byte-at-a-time tail and the 8-byte loop agree: check every length against a bitwise reference.
        for length in 0..<40 {
            #expect(CRC32.checksum(bytes[..<length]) == bitwiseCRC32(bytes[..<length]), "length \(length)")
        }
    }

    /// "123456789" is the catalogue check value; the 32-byte vectors are RFC 3720's (iSCSI), appendix B.4.
    @Test func crc32cKnownValues() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([UInt8]()) == 0)
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
        #expect(CRC32C.checksum((0..<32).map { UInt8($0) }) == 0x46DD_794E)
        #expect(CRC32C.checksum((0..<32).reversed().map { UInt8($0) }) == 0x113F_DB5C)
    }

    /// The masked CRCs of the first record of an event file Keras 3.15.1 (TensorFlow 2.21) wrote: of the
    /// length field (62 as a little-endian UInt64) and of the record's bytes.
    @Test func crc32cMaskedAsTFRecordsStoreIt() {
        var length = CRC32C()
        length.update(withUnsafeBytes(of: UInt64(62).littleEndian) { Array($0) })
        #expect(length.maskedValue == 0xE740_D2D9)
        let record =
            "09000080c1bfc4da411a0d627261696e2e4576656e743a3252240a2274656e736f72666c6f772e636f72652e7574696c2e6576656e74735f777269746572"
        let bytes = stride(from: 0, to: record.count, by: 2).map { i in
            UInt8(record.dropFirst(i).prefix(2), radix: 16)!
        }
        var data = CRC32C()
        data.update(bytes)
        #expect(data.maskedValue == 0x8A42_B35B)
    }

    @Test func crc32cInPiecesMatchesWholeAndABitwiseReference() {
        var generator = SplitMix64(seed: 11)
        let bytes = (0..<1000).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        let whole = CRC32C.checksum(bytes)
        for split in [0, 1, 7, 8, 9, 500, 999, 1000] {
            var crc = CRC32C()
            crc.update(bytes[..<split])
            crc.update(bytes[split...])
            #expect(crc.value == whole, "split at \(split)")
        }
        for length in 0..<40 {
            var crc: UInt32 = 0xFFFF_FFFF
            for byte in bytes[..<length] {
                crc ^= UInt32(byte)
                for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
            }
            #expect(CRC32C.checksum(bytes[..<length]) == ~crc, "length \(length)")
        }
    }

    @Test func adler32KnownValues() {
        #expect(Adler32.checksum([UInt8]()) == 1)
        #expect(Adler32.checksum(Array("Wikipedia".utf8)) == 0x11E6_0398)
        #expect(Adler32.checksum(Array("123456789".utf8)) == 0x091E_01DE)
        // Long runs of 0xFF exercise the modulo schedule (zlib's NMAX = 5552).
        let ones = [UInt8](repeating: 0xFF, count: 100_000)
        #expect(Adler32.checksum(ones) == referenceAdler32(ones))
    }
}

/// CRC-32 one bit at a time, straight from the definition.
func bitwiseCRC32(_ bytes: some Sequence<UInt8>) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in bytes {
        crc ^= UInt32(byte)
        for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
    }
    return ~crc
}

/// Adler-32 with a modulo after every byte.
func referenceAdler32(_ bytes: [UInt8]) -> UInt32 {
    var a: UInt32 = 1
    var b: UInt32 = 0
    for byte in bytes {
        a = (a + UInt32(byte)) % 65521
        b = (b + a) % 65521
    }
    return b << 16 | a
}

/// A small seeded generator for reproducible test data.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
