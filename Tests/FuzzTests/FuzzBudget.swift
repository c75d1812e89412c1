import Foundation
import Tensor

/// How many inputs each fuzz test tries, and how long one input may take.
///
/// `swift test` runs a quick, seeded pass (a few thousand inputs in all). Set `REK_FUZZ_SCALE` to run
/// more: `REK_FUZZ_SCALE=10 swift test -c release --filter FuzzTests` tries ten times as many inputs.
/// `REK_FUZZ_SEED` changes the seed (the default is fixed, so a failure reproduces).
enum FuzzBudget {
    /// The multiplier from `REK_FUZZ_SCALE` (default 1).
    static let scale: Int = {
        guard let text = ProcessInfo.processInfo.environment["REK_FUZZ_SCALE"], let value = Int(text), value > 0
        else { return 1 }
        return value
    }()

    /// The seed from `REK_FUZZ_SEED` (default 20261125).
    static let seed: UInt64 = {
        guard let text = ProcessInfo.processInfo.environment["REK_FUZZ_SEED"], let value = UInt64(text)
        else { return 20_261_125 }
        return value
    }()

    /// `quick` inputs times the scale.
    static func count(_ quick: Int) -> Int { quick * scale }

    /// A generator for one fuzz test, seeded from the budget's seed and the test's own salt.
    static func generator(_ salt: UInt64) -> SeededGenerator {
        SeededGenerator(seed: seed &+ salt &* 0x9E37_79B9_7F4A_7C15)
    }
}

/// The outcome of running one fuzz input under a time limit.
struct TimedRun {
    /// Seconds the input took.
    let seconds: Double
}

/// Runs `body` and measures it; the caller compares `seconds` with its limit (an input slower than the
/// limit is a hang for the fuzz tests' purposes).
func timed(_ body: () throws -> Void) rethrows -> TimedRun {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return TimedRun(seconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
}
