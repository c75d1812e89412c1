import Foundation
import Layers
import Metrics
import Preprocessing

extension DeployedDetector {
    /// The detector's own file inside a saved detector folder, beside the model's `config.json` and
    /// `model.safetensors`.
    public static let fileName = "detector.json"

    /// Saves the detector into one folder: `detector.json` (columns, scaler, lookback, error measure,
    /// window scoring, threshold and its rule) beside the model's `config.json` and `model.safetensors`,
    /// so the folder is also a model folder that ``Layers/Sequential/load(from:)`` reads.
    ///
    /// The three files are written in one atomic step, exactly like ``Layers/Sequential/save(to:)``: a
    /// reader or a killed process sees the complete previous folder or the complete new one.
    ///
    /// ```swift
    /// try deployed.save(to: URL(fileURLWithPath: "runs/detector"))
    /// let again = try DeployedDetector(contentsOf: URL(fileURLWithPath: "runs/detector"))
    /// ```
    /// - Throws: ``Layers/SavingError/unwritable(path:reason:)``, or ``Layers/SavingError/nonFiniteWeight(path:tensor:index:)``.
    public func save(to folder: URL) throws(SavingError) {
        let file = DetectorFile(self)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        guard let json = try? encoder.encode(file) else {
            throw .unwritable(
                path: folder.appendingPathComponent(Self.fileName).path, reason: "the detector could not be encoded")
        }
        try model.save(to: folder, adding: [(Self.fileName, json)])
    }

    /// The deepest JSON nesting accepted in `detector.json`.
    static let maximumFileDepth = 8

    /// Reads a detector saved by ``save(to:)`` and checks everything before use: `detector.json` is read
    /// strictly (no duplicate key, bounded nesting), every key must be present with the right type,
    /// the scaler's statistics finite with non-zero scales, the threshold finite, and the parts must
    /// fit together (see ``init(_:columns:scaling:lookback:thresholdRule:)``); the model is loaded with
    /// all of ``Layers/Sequential/load(from:)``'s checks. A save running at the same moment is detected (the
    /// folder is replaced whole) and the folder read again, so all three files come from one save.
    ///
    /// - Throws: ``Layers/SavingError``: ``Layers/SavingError/invalidConfiguration(path:key:reason:)`` names
    ///   `detector.json`, the key at fault (`scaler.fitted.map.scale`, `lookback`) and what was
    ///   expected; model problems name `config.json` or `model.safetensors`.
    public init(contentsOf folder: URL) throws(SavingError) {
        let url = folder.appendingPathComponent(Self.fileName)
        func identity() -> [Int]? {
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: folder.path),
                let inode = attributes[.systemFileNumber] as? Int, let device = attributes[.systemNumber] as? Int
            else { return nil }
            return [device, inode]
        }
        var attempt = 0
        while true {
            attempt += 1
            let before = identity()
            let result: Result<DeployedDetector, SavingError> = Result { () throws(SavingError) in
                let file = try Self.decode(try Self.read(url), path: url.path)
                return try file.detector(model: try Sequential.load(from: folder), path: url.path)
            }
            if attempt < 5, identity() != before { continue }
            self = try result.get()
            return
        }
    }

    /// The bytes of `url`.
    private static func read(_ url: URL) throws(SavingError) -> Data {
        do {
            return try Data(contentsOf: url)
        } catch {
            throw .unreadable(path: url.path, reason: reason(error))
        }
    }

    /// Parses `detector.json` strictly, then decodes it, mapping failures to the key at fault.
    private static func decode(_ data: Data, path: String) throws(SavingError) -> DetectorFile {
        do {
            _ = try StrictJSON.parse(data, maximumDepth: maximumFileDepth)
        } catch {
            if error.isDuplicateKey { throw .duplicateKey(path: path, key: error.path + ": " + error.reason) }
            throw .corrupt(path: path, reason: "not valid JSON \(error.description)")
        }
        do {
            return try JSONDecoder().decode(DetectorFile.self, from: data)
        } catch let error as DecodingError {
            throw Self.failure(error, path: path)
        } catch {
            throw .corrupt(path: path, reason: "\(error)")
        }
    }

    /// A decoding error as the key at fault and what was expected.
    private static func failure(_ error: DecodingError, path: String) -> SavingError {
        func key(_ codingPath: [any CodingKey]) -> String {
            let text = codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return text.hasPrefix(".") ? String(text.dropFirst()) : (text.isEmpty ? "$" : text)
        }
        switch error {
        case let .keyNotFound(missing, context):
            return .invalidConfiguration(
                path: path, key: key(context.codingPath + [missing]), reason: "missing; expected it to be present")
        case let .typeMismatch(type, context):
            return .invalidConfiguration(
                path: path, key: key(context.codingPath), reason: "expected \(Self.typeName(type))")
        case let .valueNotFound(type, context):
            return .invalidConfiguration(
                path: path, key: key(context.codingPath), reason: "null; expected \(Self.typeName(type))")
        case let .dataCorrupted(context):
            return .invalidConfiguration(path: path, key: key(context.codingPath), reason: context.debugDescription)
        @unknown default:
            return .corrupt(path: path, reason: "\(error)")
        }
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type: "an integer"
        case is Float.Type, is Double.Type: "a number"
        case is [String].Type: "a list of strings"
        case is [Double].Type: "a list of numbers"
        default: "a value of type \(type)"
        }
    }

    private static func reason(_ error: any Error) -> String {
        let text = (error as NSError).localizedDescription
        return text.split(separator: "\n").first.map(String.init) ?? text
    }
}

/// The contents of `detector.json`.
private struct DetectorFile: Codable {
    static let formatName = "RareEventKit.Detector"

    var format: String
    var version: Int
    var columns: [String]
    var lookback: Int
    var scaler: ScalerEntry
    var error: ReconstructionError
    var windowScoring: RareEventDetector.WindowScoring
    var threshold: Float
    var thresholdRule: RuleEntry?

    struct ScalerEntry: Codable {
        var type: String
        var standard: StandardScaler?
        var minMax: MinMaxScaler?
        var globalMinMax: GlobalMinMaxScaler?

        init(_ scaling: DeployedDetector.Scaling) {
            type = scaling.typeName
            switch scaling {
            case .none: break
            case let .standard(scaler): standard = scaler
            case let .minMax(scaler): minMax = scaler
            case let .globalMinMax(scaler): globalMinMax = scaler
            }
        }

        private enum CodingKeys: String, CodingKey { case type, fitted }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            type = try container.decode(String.self, forKey: .type)
            switch type {
            case "none": break
            case "StandardScaler": standard = try container.decode(StandardScaler.self, forKey: .fitted)
            case "MinMaxScaler": minMax = try container.decode(MinMaxScaler.self, forKey: .fitted)
            case "GlobalMinMaxScaler": globalMinMax = try container.decode(GlobalMinMaxScaler.self, forKey: .fitted)
            default:
                throw DecodingError.dataCorruptedError(
                    forKey: .type, in: container,
                    debugDescription:
                        "unknown scaler '\(type)'; expected none, StandardScaler, MinMaxScaler or GlobalMinMaxScaler")
            }
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(type, forKey: .type)
            try container.encodeIfPresent(standard, forKey: .fitted)
            try container.encodeIfPresent(minMax, forKey: .fitted)
            try container.encodeIfPresent(globalMinMax, forKey: .fitted)
        }

        var scaling: DeployedDetector.Scaling {
            if let standard { return .standard(standard) }
            if let minMax { return .minMax(minMax) }
            if let globalMinMax { return .globalMinMax(globalMinMax) }
            return .none
        }
    }

    struct RuleEntry: Codable {
        var type: String
        var value: Double?

        init(_ rule: ThresholdRule) {
            switch rule {
            case let .fixed(threshold): (type, value) = ("fixed", Double(threshold))
            case .precisionEqualsRecall: type = "precisionEqualsRecall"
            case .maxF1: type = "maxF1"
            case let .meanPlusStandardDeviations(k): (type, value) = ("meanPlusStandardDeviations", k)
            }
        }

        var rule: ThresholdRule? {
            switch type {
            case "fixed": value.map { .fixed(Float($0)) }
            case "precisionEqualsRecall": .precisionEqualsRecall
            case "maxF1": .maxF1
            case "meanPlusStandardDeviations": value.map { .meanPlusStandardDeviations($0) }
            default: nil
            }
        }
    }

    init(_ detector: DeployedDetector) {
        format = Self.formatName
        version = 1
        columns = detector.columns
        lookback = detector.lookback
        scaler = ScalerEntry(detector.scaling)
        error = detector.detector.error
        windowScoring = detector.detector.windowScoring
        threshold = detector.threshold
        thresholdRule = detector.thresholdRule.map(RuleEntry.init)
    }

    /// The detector this file describes, with `model`, after checking every value.
    func detector(model: Sequential, path: String) throws(SavingError) -> DeployedDetector {
        func fail(_ key: String, _ reason: String) -> SavingError {
            .invalidConfiguration(path: path, key: key, reason: reason)
        }
        guard format == Self.formatName, version == 1 else {
            throw fail(
                "format", "unsupported format \(format) version \(version); expected \(Self.formatName) version 1")
        }
        guard lookback >= 1 else { throw fail("lookback", "expected an integer ≥ 1, found \(lookback)") }
        guard threshold.isFinite else { throw fail("threshold", "expected a finite number, found \(threshold)") }
        var rule: ThresholdRule?
        if let thresholdRule {
            guard let known = thresholdRule.rule, thresholdRule.value?.isFinite ?? true else {
                throw fail(
                    "thresholdRule",
                    "expected {type: fixed|precisionEqualsRecall|maxF1|meanPlusStandardDeviations, "
                        + "value: a finite number for fixed and meanPlusStandardDeviations}")
            }
            rule = known
        }
        let core = RareEventDetector(model: model, error: error, windowScoring: windowScoring, threshold: threshold)
        if let (key, reason) = DeployedDetector.problem(
            core, columns: columns, scaling: scaler.scaling, lookback: lookback)
        {
            throw fail(key, reason)
        }
        do {
            return try DeployedDetector(
                core, columns: columns, scaling: scaler.scaling, lookback: lookback, thresholdRule: rule)
        } catch {
            throw fail("$", "\(error)")
        }
    }
}
