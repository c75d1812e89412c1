import Foundation

/// A NAB application profile: the weights of a true positive, a false positive and a false negative
/// (NAB's `config/profiles.json`; the true-negative weight there is unused by the scorer).
///
/// ```swift
/// for profile in NABProfile.all { print(profile.name, profile.falsePositiveWeight) }
/// // standard 0.11 · reward_low_FP_rate 0.22 · reward_low_FN_rate 0.11
/// ```
public struct NABProfile: Sendable, Hashable, CustomStringConvertible {
    /// NAB's name for the profile, such as `"standard"`.
    public var name: String
    /// `tpWeight`: the score of a detection at the very start of a window.
    public var truePositiveWeight: Double
    /// `fpWeight`: the most a false positive costs.
    public var falsePositiveWeight: Double
    /// `fnWeight`: the cost of a window with no detection.
    public var falseNegativeWeight: Double

    /// A profile with the given weights (each finite and at least 0).
    public init(
        name: String, truePositiveWeight: Double, falsePositiveWeight: Double,
        falseNegativeWeight: Double
    ) throws(NABError) {
        for weight in [truePositiveWeight, falsePositiveWeight, falseNegativeWeight]
        where !(weight.isFinite && weight >= 0) {
            throw .invalidParameter("profile \(name): weight \(weight) must be finite and at least 0")
        }
        self.name = name
        self.truePositiveWeight = truePositiveWeight
        self.falsePositiveWeight = falsePositiveWeight
        self.falseNegativeWeight = falseNegativeWeight
    }

    private init(_ name: String, _ tp: Double, _ fp: Double, _ fn: Double) {
        (self.name, truePositiveWeight, falsePositiveWeight, falseNegativeWeight) = (name, tp, fp, fn)
    }

    /// `standard`: tp 1, fp 0.11, fn 1.
    public static let standard = NABProfile("standard", 1.0, 0.11, 1.0)
    /// `reward_low_FP_rate`: tp 1, fp 0.22, fn 1.
    public static let rewardLowFalsePositiveRate = NABProfile("reward_low_FP_rate", 1.0, 0.22, 1.0)
    /// `reward_low_FN_rate`: tp 1, fp 0.11, fn 2.
    public static let rewardLowFalseNegativeRate = NABProfile("reward_low_FN_rate", 1.0, 0.11, 2.0)
    /// The three profiles of NAB v1.1, in the order of its scoreboard.
    public static let all = [standard, rewardLowFalsePositiveRate, rewardLowFalseNegativeRate]

    /// Reads NAB's `profiles.json` (`{"standard": {"CostMatrix": {"tpWeight": 1.0, ...}}, ...}`); the
    /// profiles come back sorted by name.
    ///
    /// - Throws: ``NABError/unreadable(file:reason:)`` naming the file and what is wrong.
    public static func load(contentsOf url: URL) throws(NABError) -> [NABProfile] {
        struct Entry: Decodable {
            struct Costs: Decodable { var tpWeight, fpWeight, fnWeight: Double }
            var costMatrix: Costs
            enum CodingKeys: String, CodingKey { case costMatrix = "CostMatrix" }
        }
        let entries: [String: Entry]
        do { entries = try JSONDecoder().decode([String: Entry].self, from: Data(contentsOf: url)) } catch {
            throw .unreadable(
                file: url.path,
                reason: "expected {name: {\"CostMatrix\": {\"tpWeight\", \"fpWeight\", "
                    + "\"fnWeight\"}}}: \(error)")
        }
        var profiles: [NABProfile] = []
        for (name, entry) in entries.sorted(by: { $0.key < $1.key }) {
            do {
                profiles.append(
                    try NABProfile(
                        name: name, truePositiveWeight: entry.costMatrix.tpWeight,
                        falsePositiveWeight: entry.costMatrix.fpWeight,
                        falseNegativeWeight: entry.costMatrix.fnWeight))
            } catch { throw .unreadable(file: url.path, reason: error.description) }
        }
        return profiles
    }

    public var description: String {
        "\(name) (tp \(truePositiveWeight), fp \(falsePositiveWeight), fn \(falseNegativeWeight))"
    }
}
