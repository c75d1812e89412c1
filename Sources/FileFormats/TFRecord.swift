/// TensorFlow's record framing (TFRecord files, TensorBoard event files): each record is its length as
/// a little-endian `UInt64`, the masked CRC-32C of those 8 bytes, the data, and the masked CRC-32C of
/// the data (``CRC32C/maskedValue``), both CRCs little-endian `UInt32`.
///
///     var file = TFRecord.framed(firstRecord)
///     file += TFRecord.framed(secondRecord)
///     try TFRecord.records(in: file)  // [firstRecord, secondRecord]
public enum TFRecord {
    /// `data` framed as one record (16 bytes longer).
    public static func framed(_ data: [UInt8]) -> [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(data.count + 16)
        let length = littleEndianBytes(UInt64(data.count))
        result += length
        result += littleEndianBytes(masked(length))
        result += data
        result += littleEndianBytes(masked(data))
        return result
    }

    /// The records of a file of framed records, with both checksums of each checked.
    ///
    /// - Throws: ``FileFormatError/truncated(offset:expected:)`` when the bytes end inside a record,
    ///   ``FileFormatError/checksumMismatch(offset:checksum:stored:computed:)`` when a CRC does not match.
    public static func records(in bytes: [UInt8]) throws(FileFormatError) -> [[UInt8]] {
        var records: [[UInt8]] = []
        var offset = 0
        while offset < bytes.count {
            guard bytes.count - offset >= 12 else {
                throw .truncated(
                    offset: bytes.count, expected: "the length and its CRC of the record at byte \(offset)")
            }
            let lengthBytes = Array(bytes[offset..<offset + 8])
            let length = lengthBytes.reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            try check(stored: readUInt32(bytes, at: offset + 8), computed: masked(lengthBytes), at: offset + 8)
            guard length <= UInt64(bytes.count - offset - 12), bytes.count - offset - 12 - Int(length) >= 4 else {
                throw .truncated(
                    offset: bytes.count, expected: "the \(length) bytes and CRC of the record at byte \(offset)")
            }
            let data = Array(bytes[offset + 12..<offset + 12 + Int(length)])
            let crcOffset = offset + 12 + Int(length)
            try check(stored: readUInt32(bytes, at: crcOffset), computed: masked(data), at: crcOffset)
            records.append(data)
            offset = crcOffset + 4
        }
        return records
    }

    private static func masked(_ bytes: [UInt8]) -> UInt32 {
        var crc = CRC32C()
        crc.update(bytes)
        return crc.maskedValue
    }

    private static func check(stored: UInt32, computed: UInt32, at offset: Int) throws(FileFormatError) {
        guard stored == computed else {
            throw .checksumMismatch(offset: offset, checksum: "masked CRC-32C", stored: stored, computed: computed)
        }
    }

    private static func readUInt32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        bytes[offset..<offset + 4].reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
    }

    private static func littleEndianBytes<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        (0..<T.bitWidth / 8).map { UInt8(truncatingIfNeeded: value >> ($0 * 8)) }
    }
}
