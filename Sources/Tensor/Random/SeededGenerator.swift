/// A small, fast random number generator whose sequence depends only on its seed.
///
/// Xoshiro256** seeded through SplitMix64: the same seed gives the same numbers on every platform
/// and every run, which is what makes weight initialization and shuffling reproducible.
///
///     var generator = SeededGenerator(seed: 42)
///     let x = Float.random(in: 0..<1, using: &generator)
public struct SeededGenerator: RandomNumberGenerator, Sendable, Hashable {
    private var state: (UInt64, UInt64, UInt64, UInt64)

    /// Creates a generator from a seed.
    public init(seed: UInt64) {
        var splitMix = seed
        func next() -> UInt64 {
            splitMix &+= 0x9E37_79B9_7F4A_7C15
            var z = splitMix
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = (next(), next(), next(), next())
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        let result = rotate(state.1 &* 5, 7) &* 9
        let t = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= t
        state.3 = rotate(state.3, 45)
        return result
    }

    private func rotate(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    public static func == (lhs: SeededGenerator, rhs: SeededGenerator) -> Bool {
        lhs.state == rhs.state
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(state.0)
        hasher.combine(state.1)
        hasher.combine(state.2)
        hasher.combine(state.3)
    }
}

// log and cos in plain IEEE arithmetic: libm implementations may differ in the last bit between
// platforms, and the same seed must give the same weights everywhere.
func portableLog(_ x: Double) -> Double {
    // ln(x) = 2·atanh((x−1)/(x+1)) after scaling x into [1, 2) by its exponent.
    let exponent = Double(x.exponent)
    let m = x.significand
    let s = (m - 1) / (m + 1)
    let s2 = s * s
    var term = s
    var sum = 0.0
    var n = 1.0
    for _ in 0..<30 {
        sum += term / n
        term *= s2
        n += 2
    }
    return 2 * sum + exponent * 0.693_147_180_559_945_3
}

func portableCos(_ x: Double) -> Double {
    // Reduce to [−π, π], then a Taylor series that is exact to double round-off there.
    var r = x.truncatingRemainder(dividingBy: 2 * .pi)
    if r > .pi { r -= 2 * .pi } else if r < -.pi { r += 2 * .pi }
    let r2 = r * r
    var term = 1.0
    var sum = 1.0
    for n in stride(from: 2.0, through: 40, by: 2) {
        term *= -r2 / (n * (n - 1))
        sum += term
    }
    return sum
}
