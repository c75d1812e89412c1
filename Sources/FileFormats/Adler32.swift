/// The Adler-32 checksum that ends a zlib stream (RFC 1950, section 8.2).
///
///     Adler32.checksum(Array("Wikipedia".utf8))  // 0x11E60398
///
/// For data that arrives in pieces, start from `Adler32()` and call ``update(_:)`` per piece.
public struct Adler32: RunningChecksum, Equatable {
    /// The checksum of the bytes seen so far (1 for no bytes).
    public var value: UInt32 { b << 16 | a }

    private var a: UInt32 = 1
    private var b: UInt32 = 0

    /// A checksum of no bytes (`value` is 1).
    public init() {}

    /// Continues the checksum with `bytes`.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard var pointer = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
        var remaining = bytes.count
        var a = self.a
        var b = self.b
        while remaining > 0 {
            // 5552 is the most bytes whose sums cannot overflow 32 bits before the modulo (zlib's NMAX).
            let chunk = Swift.min(remaining, 5552)
            for i in 0..<chunk {
                a &+= UInt32(pointer[i])
                b &+= a
            }
            a %= 65521
            b %= 65521
            pointer += chunk
            remaining -= chunk
        }
        self.a = a
        self.b = b
    }
}
