/// Bob Jenkins' lookup3 hash (`hashlittle`), the checksum of HDF5's version-2 object headers,
/// continuation blocks and version-2/3 superblocks (`H5_checksum_lookup3` with an initial value of 0).
enum Lookup3 {
    /// The 32-bit hash of `bytes` with `initialValue`.
    static func hash(_ bytes: UnsafeRawBufferPointer, initialValue: UInt32 = 0) -> UInt32 {
        var length = bytes.count
        var a = 0xDEAD_BEEF &+ UInt32(truncatingIfNeeded: length) &+ initialValue
        var b = a
        var c = a
        var k = 0
        func word(_ at: Int) -> UInt32 {
            UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
        }
        func rot(_ x: UInt32, _ n: UInt32) -> UInt32 { x << n | x >> (32 - n) }
        while length > 12 {
            a &+= word(k)
            b &+= word(k + 4)
            c &+= word(k + 8)
            a &-= c
            a ^= rot(c, 4)
            c &+= b
            b &-= a
            b ^= rot(a, 6)
            a &+= c
            c &-= b
            c ^= rot(b, 8)
            b &+= a
            a &-= c
            a ^= rot(c, 16)
            c &+= b
            b &-= a
            b ^= rot(a, 19)
            a &+= c
            c &-= b
            c ^= rot(b, 4)
            b &+= a
            length -= 12
            k += 12
        }
        if length == 0 { return c }
        for i in stride(from: length - 1, through: 0, by: -1) {
            let byte = UInt32(bytes[k + i])
            switch i {
            case 8...11: c &+= byte << (8 * UInt32(i - 8))
            case 4...7: b &+= byte << (8 * UInt32(i - 4))
            default: a &+= byte << (8 * UInt32(i))
            }
        }
        c ^= b
        c &-= rot(b, 14)
        a ^= c
        a &-= rot(c, 11)
        b ^= a
        b &-= rot(a, 25)
        c ^= b
        c &-= rot(b, 16)
        a ^= c
        a &-= rot(c, 4)
        b ^= a
        b &-= rot(a, 14)
        c ^= b
        c &-= rot(b, 24)
        return c
    }
}
