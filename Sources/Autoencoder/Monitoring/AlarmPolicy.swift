/// When a stream's alarm is raised and cleared, from the sequence of its windows above or below the
/// threshold.
///
/// - Raise: when at least `raiseCount` of the last `windowCount` scored windows are above the threshold
///   (k of n; `1 of 1` raises on the first window above).
/// - Clear: after `clearCount` consecutive windows below (or at) the threshold (hysteresis: a single
///   window below does not end an alarm unless `clearCount` is 1).
/// - Cooldown: after an alarm clears, the next `cooldown` scored windows cannot raise a new one.
///
/// ```swift
/// // Raise when 3 of the last 5 windows are above, clear after 10 below, then wait 30 windows.
/// let policy = try AlarmPolicy(raiseAfter: 3, of: 5, clearAfter: 10, cooldown: 30)
/// ```
public struct AlarmPolicy: Sendable, Equatable {
    /// The longest window of recent readings the policy can look at (`n`).
    public static let maximumWindowCount = 64

    /// Windows above the threshold needed to raise an alarm (`k`).
    public let raiseCount: Int
    /// How many of the latest windows are looked at when raising (`n`).
    public let windowCount: Int
    /// Consecutive windows below the threshold that clear an alarm (`m`).
    public let clearCount: Int
    /// Scored windows after an alarm clears during which no new alarm is raised.
    public let cooldown: Int

    /// Creates a policy: raise after `k` of the last `n` windows are above the threshold, clear after
    /// `m` consecutive windows below it, then wait `cooldown` windows before raising again.
    ///
    /// - Throws: ``MonitoringError/invalidPolicy(setting:value:expected:)`` unless
    ///   `1 ≤ k ≤ n ≤` ``maximumWindowCount``, `m ≥ 1` and `cooldown ≥ 0`.
    public init(raiseAfter k: Int = 1, of n: Int = 1, clearAfter m: Int = 1, cooldown: Int = 0) throws(MonitoringError)
    {
        guard (1...Self.maximumWindowCount).contains(n) else {
            throw .invalidPolicy(
                setting: "n (windows looked at)", value: n, expected: "1 to \(Self.maximumWindowCount)")
        }
        guard (1...n).contains(k) else {
            throw .invalidPolicy(setting: "k (windows above)", value: k, expected: "1 to n = \(n)")
        }
        guard m >= 1 else {
            throw .invalidPolicy(setting: "m (windows below to clear)", value: m, expected: "at least 1")
        }
        guard cooldown >= 0 else { throw .invalidPolicy(setting: "cooldown", value: cooldown, expected: "at least 0") }
        (raiseCount, windowCount, clearCount, self.cooldown) = (k, n, m, cooldown)
    }

    /// Raises on every window above the threshold and clears on the next one below.
    public static let immediate = try! AlarmPolicy()
}

/// A stream's alarm after a reading.
public enum AlarmState: String, Sendable, Equatable, CaseIterable {
    /// No alarm.
    case normal
    /// This window raised the alarm.
    case raised
    /// The alarm is on (raised earlier).
    case active
    /// This window cleared the alarm.
    case cleared

    /// Whether the alarm is on after this reading (``raised`` or ``active``).
    public var isOn: Bool { self == .raised || self == .active }
}

/// One stream's alarm state machine (no allocation: the recent windows are bits of one word).
struct AlarmTracker: Sendable {
    /// Bit `i` is whether the window `i` readings ago was above the threshold.
    private var recent: UInt64 = 0
    private(set) var isOn = false
    private var belowRun = 0
    private var cooldownLeft = 0

    /// The state before any reading, or between readings while a window fills.
    var current: AlarmState { isOn ? .active : .normal }

    /// Takes one scored window and returns the alarm state after it.
    mutating func update(above: Bool, policy: AlarmPolicy) -> AlarmState {
        let mask: UInt64 = policy.windowCount == 64 ? .max : (1 << UInt64(policy.windowCount)) - 1
        recent = ((recent << 1) | (above ? 1 : 0)) & mask
        if isOn {
            belowRun = above ? 0 : belowRun + 1
            guard belowRun >= policy.clearCount else { return .active }
            (isOn, belowRun, cooldownLeft) = (false, 0, policy.cooldown)
            return .cleared
        }
        if cooldownLeft > 0 {
            cooldownLeft -= 1
            return .normal
        }
        guard recent.nonzeroBitCount >= policy.raiseCount else { return .normal }
        (isOn, belowRun) = (true, 0)
        return .raised
    }
}
