/// A checksum computed over bytes that may arrive in pieces (``CRC32``, ``Adler32``): start from
/// `init()`, call `update(_:)` per piece, read `value`.
public protocol RunningChecksum: Sendable {
    /// A checksum of no bytes.
    init()
    /// The checksum of the bytes seen so far.
    var value: UInt32 { get }
    /// Continues the checksum with `bytes`.
    mutating func update(_ bytes: UnsafeRawBufferPointer)
}

extension RunningChecksum {
    /// Continues the checksum with `bytes`.
    public mutating func update(_ bytes: some Sequence<UInt8>) {
        if let done: Void = bytes.withContiguousStorageIfAvailable({ update(UnsafeRawBufferPointer($0)) }) {
            return done
        }
        let copy = Array(bytes)
        copy.withUnsafeBytes { update($0) }
    }

    /// The checksum of `bytes`.
    public static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var checksum = Self()
        checksum.update(bytes)
        return checksum.value
    }

    /// The checksum of `bytes`.
    public static func checksum(_ bytes: some Sequence<UInt8>) -> UInt32 {
        var checksum = Self()
        checksum.update(bytes)
        return checksum.value
    }
}
