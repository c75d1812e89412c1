import FileFormats
import Foundation
import Tensor
import TestSupport
import Testing

@testable import Layers

private let python = Python.interpreter(importing: ["tensorboard"])

/// Tests/LayersTests/Fixtures/tensorboard_keras.json, written by scripts/make_tensorboard_fixtures.py:
/// the event files of Keras 3's TensorBoard callback, as hex.
private struct KerasEventFiles: Decodable {
    struct Run: Decodable {
        var name: String
        var file: String
        var records: [String]
    }
    var runs: [String: Run]
}

private func bytes(hex: String) -> [UInt8] {
    let digits = Array(hex.utf8)
    return stride(from: 0, to: digits.count, by: 2).map {
        UInt8(String(decoding: digits[$0..<$0 + 2], as: UTF8.self), radix: 16)!
    }
}

/// A protocol buffer message decoded into its fields, without a schema (enough to read events back).
private struct ProtobufFields {
    enum Value: Equatable {
        case varint(UInt64)
        case fixed64(UInt64)
        case bytes([UInt8])
    }
    var fields: [(number: Int, value: Value)] = []

    init(_ data: [UInt8]) throws {
        var offset = 0
        func varint() throws -> UInt64 {
            var result: UInt64 = 0
            var shift: UInt64 = 0
            while true {
                guard offset < data.count, shift < 64 else { throw CocoaError(.coderReadCorrupt) }
                let byte = data[offset]
                offset += 1
                result |= UInt64(byte & 0x7F) << shift
                if byte < 0x80 { return result }
                shift += 7
            }
        }
        while offset < data.count {
            let key = try varint()
            switch key & 7 {
            case 0: fields.append((Int(key >> 3), .varint(try varint())))
            case 1:
                guard offset + 8 <= data.count else { throw CocoaError(.coderReadCorrupt) }
                let value = data[offset..<offset + 8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
                offset += 8
                fields.append((Int(key >> 3), .fixed64(value)))
            case 2:
                let length = Int(try varint())
                guard length >= 0, offset + length <= data.count else { throw CocoaError(.coderReadCorrupt) }
                fields.append((Int(key >> 3), .bytes(Array(data[offset..<offset + length]))))
                offset += length
            default: throw CocoaError(.coderReadCorrupt)
            }
        }
    }

    func bytes(_ number: Int) -> [UInt8]? {
        for field in fields where field.number == number { if case let .bytes(b) = field.value { return b } }
        return nil
    }
    func varint(_ number: Int) -> UInt64? {
        for field in fields where field.number == number { if case let .varint(v) = field.value { return v } }
        return nil
    }
    func double(_ number: Int) -> Double? {
        for field in fields where field.number == number {
            if case let .fixed64(v) = field.value { return Double(bitPattern: v) }
        }
        return nil
    }
    func string(_ number: Int) -> String? { bytes(number).map { String(decoding: $0, as: UTF8.self) } }
}

/// One event of a file: the header (`fileVersion` set) or a scalar.
private struct DecodedEvent: Equatable {
    var wallTime: Double
    var step: Int
    var fileVersion: String?
    var tag: String?
    var value: Float?
    var plugin: String?

    init(_ record: [UInt8]) throws {
        let event = try ProtobufFields(record)
        wallTime = try #require(event.double(1))
        step = Int(event.varint(2) ?? 0)
        fileVersion = event.string(3)
        if let summary = try event.bytes(5).map(ProtobufFields.init) {
            let value = try ProtobufFields(try #require(summary.bytes(1)))
            tag = value.string(1)
            let tensor = try ProtobufFields(try #require(value.bytes(8)))
            #expect(tensor.varint(1) == 1, "dtype DT_FLOAT")
            #expect(tensor.bytes(2) == [], "a scalar's empty shape")
            let content = try #require(tensor.bytes(4))
            self.value = Float(bitPattern: content.reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
            let metadata = try ProtobufFields(try #require(value.bytes(9)))
            plugin = try ProtobufFields(try #require(metadata.bytes(1))).string(1)
        }
    }
}

private func events(in file: URL) throws -> [DecodedEvent] {
    try TFRecord.records(in: Array(try Data(contentsOf: file))).map(DecodedEvent.init)
}

/// Trains 3 epochs of a linear model (32 training samples, batches of 16: 2 optimizer steps an epoch)
/// with validation and a TensorBoard callback; returns the callback and the history.
private func trainWithTensorBoard(_ folder: URL) throws -> (TensorBoard, History) {
    let model = try Sequential(inputShape: [3], seed: 1) { Dense(units: 1) }
    model.compile(optimizer: SGD(learningRate: 0.05), loss: .meanSquaredError)
    var generator = SeededGenerator(seed: 2)
    let x = Tensor.normal(shape: [40, 3], using: &generator)
    let y = x.matmul(Tensor(shape: [3, 1], scalars: [1, -2, 0.5]))
    let callback = TensorBoard(logDirectory: folder)
    let history = try model.fit(
        x, y, epochs: 3, batchSize: 16, validationSplit: 0.2, verbose: .silent, callbacks: [callback])
    return (callback, history)
}

@Suite struct TensorBoardTests {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rek-tensorboard-\(UUID().uuidString)")

    @Test func writesKerasLayoutAndTagsAndDecodesBack() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let (callback, history) = try trainWithTensorBoard(folder)
        let trainFile = try #require(callback.trainFile)
        let validationFile = try #require(callback.validationFile)
        #expect(trainFile.deletingLastPathComponent().lastPathComponent == "train")
        #expect(validationFile.deletingLastPathComponent().lastPathComponent == "validation")
        for file in [trainFile, validationFile] {
            let parts = file.lastPathComponent.split(separator: ".")
            #expect(file.lastPathComponent.hasPrefix("events.out.tfevents.") && parts.last == "v2")
            #expect(Int(parts[3]) != nil && parts[parts.count - 3] == "\(getpid())")
        }
        let train = try events(in: trainFile)
        let validation = try events(in: validationFile)
        for file in [train, validation] {
            #expect(file[0].fileVersion == "brain.Event:2" && file[0].wallTime == file[0].wallTime.rounded(.down))
            #expect(file.dropFirst().allSatisfy { $0.plugin == "scalars" && $0.wallTime >= file[0].wallTime })
        }
        let trainScalars = train.dropFirst().map { [$0.tag!: [Float($0.step), $0.value!]] }
        var expected: [[String: [Float]]] = []
        for epoch in 0..<3 {
            expected.append(["epoch_loss": [Float(epoch), history.loss[epoch]]])
            expected.append(["epoch_learning_rate": [Float(epoch), 0.05]])
        }
        #expect(trainScalars == expected)
        let validationLoss = history.validationLoss
        expected = []
        for epoch in 0..<3 {
            expected.append(["evaluation_loss_vs_iterations": [Float(2 * (epoch + 1)), validationLoss[epoch]]])
            expected.append(["epoch_loss": [Float(epoch), validationLoss[epoch]]])
        }
        #expect(validation.dropFirst().map { [$0.tag!: [Float($0.step), $0.value!]] } == expected)
    }

    @Test func withoutValidationThereIsNoValidationFolderAndEachFitOpensNewFiles() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = try Sequential(inputShape: [2], seed: 1) { Dense(units: 1) }
        model.compile(optimizer: Adam(), loss: .meanSquaredError)
        let x = Tensor(rows: [[1, 2], [3, 4], [5, 6]])
        let callback = TensorBoard(logDirectory: folder)
        try model.fit(
            x, x.slicingBatch(0..<3).matmul(Tensor(shape: [2, 1], scalars: [1, 1])), epochs: 2, verbose: .silent,
            callbacks: [callback])
        let first = try #require(callback.trainFile)
        #expect(callback.validationFile == nil)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["train"])
        try model.fit(
            x, x.matmul(Tensor(shape: [2, 1], scalars: [1, 1])), epochs: 1, verbose: .silent, callbacks: [callback])
        #expect(try #require(callback.trainFile) != first)
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("train").path).count == 2)
        #expect(
            try events(in: first).map(\.tag) == [
                nil, "epoch_loss", "epoch_learning_rate", "epoch_loss", "epoch_learning_rate",
            ])
    }

    /// Keras' own files: the TFRecord reader reads them, and the event encoder gives the very bytes of
    /// each of Keras' records from its decoded tag, step, wall time and value.
    @Test func theEncoderReproducesKerasRecordsByteForByte() throws {
        let keras = try loadFixture(KerasEventFiles.self, named: "tensorboard_keras", in: Bundle.module)
        #expect(keras.runs.keys.sorted() == ["train", "validation"])
        var tags: [String: [String]] = [:]
        for (run, files) in keras.runs {
            let records = try TFRecord.records(in: bytes(hex: files.file))
            #expect(records == files.records.map { bytes(hex: $0) })
            #expect(records.map(TFRecord.framed).flatMap { $0 } == bytes(hex: files.file))
            let decoded = try records.map(DecodedEvent.init)
            #expect(decoded[0].fileVersion == "brain.Event:2")
            for (event, record) in zip(decoded, records).dropFirst() {
                let encoded = TensorBoardEvent.scalar(
                    tag: event.tag!, value: event.value!, step: event.step, wallTime: event.wallTime)
                #expect(encoded == record, "\(run) \(event.tag!) step \(event.step)")
            }
            tags[run] = decoded.dropFirst().map(\.tag!)
        }
        #expect(tags["train"] == Array(repeating: ["epoch_loss", "epoch_learning_rate"], count: 3).flatMap { $0 })
        #expect(
            tags["validation"]
                == Array(repeating: ["evaluation_loss_vs_iterations", "epoch_loss"], count: 3).flatMap { $0 })
    }

    @Test(
        .enabled(
            if: python != nil, "python3 with tensorboard not installed (pip install -r scripts/requirements-ci.txt)"))
    func theTensorBoardPackageReadsTheFiles() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let (_, history) = try trainWithTensorBoard(folder)
        let process = Process()
        let output = Pipe()
        process.executableURL = URL(fileURLWithPath: python!)
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "../../scripts/read_tensorboard_events.py")
        process.arguments = [script.path, folder.path]
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        struct Run: Decodable {
            struct Scalar: Decodable {
                var plugin: String
                var points: [[Double]]
            }
            var files: [String]
            var fileVersion: String
            var scalars: [String: Scalar]
        }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let runs = try decoder.decode([String: Run].self, from: data)
        #expect(runs.keys.sorted() == ["train", "validation"])
        let train = try #require(runs["train"])
        let validation = try #require(runs["validation"])
        #expect(train.fileVersion == "brain.Event:2" && train.files.count == 1 && validation.files.count == 1)
        #expect(train.scalars.keys.sorted() == ["epoch_learning_rate", "epoch_loss"])
        #expect(validation.scalars.keys.sorted() == ["epoch_loss", "evaluation_loss_vs_iterations"])
        #expect(train.scalars.values.allSatisfy { $0.plugin == "scalars" })
        #expect(train.scalars["epoch_loss"]?.points == (0..<3).map { [Double($0), Double(history.loss[$0])] })
        #expect(train.scalars["epoch_learning_rate"]?.points == (0..<3).map { [Double($0), Double(Float(0.05))] })
        let validationLoss = history.validationLoss
        #expect(validation.scalars["epoch_loss"]?.points == (0..<3).map { [Double($0), Double(validationLoss[$0])] })
        #expect(
            validation.scalars["evaluation_loss_vs_iterations"]?.points
                == (0..<3).map { [Double(2 * ($0 + 1)), Double(validationLoss[$0])] })
    }

    @Test func anUnwritableLogDirectoryThrowsATypedError() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data("a file".utf8).write(to: folder)
        let model = try Sequential(inputShape: [1], seed: 1) { Dense(units: 1) }
        model.compile(optimizer: SGD(), loss: .meanSquaredError)
        let x = Tensor(rows: [[1], [2]])
        #expect(throws: SavingError.self) {
            try model.fit(x, x, epochs: 1, verbose: .silent, callbacks: [TensorBoard(logDirectory: folder)])
        }
    }
}
