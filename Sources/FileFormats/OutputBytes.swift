/// A growing byte buffer for the file writers: little-endian integers, padding, and patching of fields
/// whose value is known only later (an address of something written after it).
struct OutputBytes {
    /// The bytes written so far.
    private(set) var bytes: [UInt8] = []

    /// The number of bytes written so far, the offset of the next byte.
    var count: Int { bytes.count }

    /// Appends `value` in little-endian byte order.
    mutating func append<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// Appends raw bytes.
    mutating func append(contentsOf other: some Collection<UInt8>) {
        bytes.append(contentsOf: other)
    }

    /// Appends `count` zero bytes.
    mutating func appendZeros(_ count: Int) {
        bytes.append(contentsOf: repeatElement(0, count: count))
    }

    /// Appends zero bytes until the count is a multiple of `alignment`.
    mutating func pad(toMultipleOf alignment: Int) {
        appendZeros((alignment - count % alignment) % alignment)
    }

    /// Overwrites the bytes at `offset` with `value` in little-endian byte order.
    mutating func set<T: FixedWidthInteger>(_ value: T, at offset: Int) {
        withUnsafeBytes(of: value.littleEndian) { raw in
            for (index, byte) in raw.enumerated() { bytes[offset + index] = byte }
        }
    }

    /// Reserves room for `capacity` bytes in total.
    mutating func reserveCapacity(_ capacity: Int) {
        bytes.reserveCapacity(capacity)
    }
}
