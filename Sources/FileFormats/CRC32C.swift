/// The CRC-32C (Castagnoli) checksum of iSCSI, ext4 and TensorFlow's TFRecord files (polynomial
/// 0x1EDC6F41, reflected), computed like ``CRC32`` with eight lookup tables.
///
///     CRC32C.checksum(Array("123456789".utf8))  // 0xE3069283
///
/// For data that arrives in pieces, start from `CRC32C()` and call ``update(_:)`` per piece.
public struct CRC32C: RunningChecksum, Equatable {
    /// The checksum of the bytes seen so far.
    public var value: UInt32 { ~state }

    private var state: UInt32 = 0xFFFF_FFFF

    /// A checksum of no bytes (`value` is 0).
    public init() {}

    /// Continues the checksum with `bytes`.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        state = crc32cTables.update(state, with: bytes)
    }

    /// The checksum as TFRecord files store it, "masked" so that a CRC of data holding CRCs is not
    /// degenerate: rotated right by 15 bits plus 0xA282EAD8 (TensorFlow's `crc32c::Mask`).
    public var maskedValue: UInt32 {
        let crc = value
        return ((crc >> 15) | (crc << 17)) &+ 0xA282_EAD8
    }
}

/// The CRC-32C, reversed Castagnoli polynomial 0x82F63B78.
private let crc32cTables = SlicingBy8Tables(reversedPolynomial: 0x82F6_3B78)
