/// NumPy's legacy `numpy.random.RandomState`: the MT19937 generator with its integer seeding and the
/// `permutation` that scikit-learn's `train_test_split` draws from.
///
/// It exists so that a Swift run can split data into the very same rows as a Python run with the same
/// `random_state`. For new randomness use `SeededGenerator` from the Tensor module.
///
/// ```swift
/// var state = LegacyRandomState(seed: 123)
/// state.permutation(6)   // [1, 3, 4, 0, 2, 5], as numpy.random.RandomState(123).permutation(6)
/// ```
public struct LegacyRandomState: Sendable {
    private var mt = [UInt32](repeating: 0, count: 624)
    private var index = 624

    /// Seeds like `RandomState(seed)` with an integer seed (MT19937 `init_genrand`).
    public init(seed: UInt32) {
        mt[0] = seed
        for i in 1..<624 {
            mt[i] = 1_812_433_253 &* (mt[i - 1] ^ (mt[i - 1] >> 30)) &+ UInt32(i)
        }
    }

    /// The next 32-bit output of MT19937.
    public mutating func nextUInt32() -> UInt32 {
        if index >= 624 { twist() }
        var y = mt[index]
        index += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9D2C_5680
        y ^= (y << 15) & 0xEFC6_0000
        y ^= y >> 18
        return y
    }

    /// A 64-bit output made of two 32-bit ones, high word first (NumPy's `mt19937_next64`).
    public mutating func nextUInt64() -> UInt64 {
        let high = UInt64(nextUInt32())
        return high << 32 | UInt64(nextUInt32())
    }

    private mutating func twist() {
        for i in 0..<624 {
            let y = (mt[i] & 0x8000_0000) | (mt[(i + 1) % 624] & 0x7FFF_FFFF)
            mt[i] = mt[(i + 397) % 624] ^ (y >> 1) ^ (y & 1 == 0 ? 0 : 0x9908_B0DF)
        }
        index = 0
    }

    /// A uniform integer in `0...bound` by masked rejection sampling (NumPy's `random_interval`).
    public mutating func integer(upTo bound: Int) -> Int {
        guard bound > 0 else { return 0 }
        var mask = UInt64(bound)
        for shift in [1, 2, 4, 8, 16, 32] { mask |= mask >> UInt64(shift) }
        if bound <= Int(UInt32.max) {
            while true {
                let value = UInt64(nextUInt32()) & mask
                if value <= UInt64(bound) { return Int(value) }
            }
        }
        while true {
            let value = nextUInt64() & mask
            if value <= UInt64(bound) { return Int(value) }
        }
    }

    /// A random permutation of `0 ..< count`, identical to `RandomState(seed).permutation(count)`:
    /// a Fisher–Yates shuffle from the last index down.
    public mutating func permutation(_ count: Int) -> [Int] {
        var result = Array(0..<Swift.max(count, 0))
        var i = result.count - 1
        while i > 0 {
            let j = integer(upTo: i)
            result.swapAt(i, j)
            i -= 1
        }
        return result
    }
}
