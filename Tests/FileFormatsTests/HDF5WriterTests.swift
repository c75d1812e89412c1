import FileFormats
import Foundation
import Testing

@Suite struct HDF5WriterTests {
    /// What h5py reports for one attribute.
    struct Attribute: Decodable, Equatable {
        var kind: String
        var cset: Int?
        var dtype: String?
        var shape: [Int]
        var strings: [String]?
        var hex: String?
    }

    /// What h5py reports for one group or dataset.
    struct Object: Decodable {
        var kind: String
        var attributes: [String: Attribute]
        var members: [String]?
        var dtype: String?
        var shape: [Int]?
        var contiguous: Bool?
        var hex: String?
    }

    struct Report: Decodable {
        var objects: [String: Object]
        var editedCopyReadsBack: Bool

        enum CodingKeys: String, CodingKey {
            case objects
            case editedCopyReadsBack = "edited_copy_reads_back"
        }
    }

    /// A dataset of the sample file and its bytes as h5py should see them.
    struct Expected {
        var path: String
        var shape: [Int]
        var values: HDF5Values
        var dtype: String
        var bytes: [UInt8]
    }

    /// Datasets of four nesting levels and every element type, a few hundred values in all.
    static func sampleDatasets() -> [Expected] {
        var generator = SplitMix64(seed: 17)
        func floats(_ count: Int) -> [Float] {
            (0..<count).map { _ in Float(bitPattern: UInt32(truncatingIfNeeded: generator.next()) & 0xBF7F_FFFF) }
        }
        let kernel = floats(59 * 3)
        let bias = floats(3)
        let deep = floats(2 * 3 * 4)
        let doubles = (0..<7).map { Double($0) / 3 - 1 }
        let ints: [Int32] = [0, 1, -1, .max, .min]
        var expected: [Expected] = [
            Expected(
                path: "layers/dense/vars/0", shape: [59, 3], values: .float32(kernel), dtype: "<f4",
                bytes: WriterCheckScript.littleEndian(kernel.map(\.bitPattern))),
            Expected(
                path: "layers/dense/vars/1", shape: [3], values: .float32(bias), dtype: "<f4",
                bytes: WriterCheckScript.littleEndian(bias.map(\.bitPattern))),
            Expected(
                path: "layers/time_distributed/layer/vars/0", shape: [2, 3, 4], values: .float32(deep),
                dtype: "<f4", bytes: WriterCheckScript.littleEndian(deep.map(\.bitPattern))),
            Expected(
                path: "optimizer/vars/0", shape: [], values: .int64([12]), dtype: "<i8",
                bytes: WriterCheckScript.littleEndian([Int64(12)])),
            Expected(
                path: "optimizer/vars/1", shape: [], values: .float32([0.001]), dtype: "<f4",
                bytes: WriterCheckScript.littleEndian([Float(0.001).bitPattern])),
            Expected(
                path: "numbers/float64", shape: [7], values: .float64(doubles), dtype: "<f8",
                bytes: WriterCheckScript.littleEndian(doubles.map(\.bitPattern))),
            Expected(
                path: "numbers/int32", shape: [5, 1], values: .int32(ints), dtype: "<i4",
                bytes: WriterCheckScript.littleEndian(ints)),
            Expected(
                path: "numbers/int64s", shape: [3], values: .int64([.min, 0, .max]), dtype: "<i8",
                bytes: WriterCheckScript.littleEndian([Int64.min, 0, .max])),
            Expected(path: "numbers/empty", shape: [0, 4], values: .float32([]), dtype: "<f4", bytes: []),
        ]
        expected.sort { $0.path < $1.path }
        return expected
    }

    /// Attributes of the sample file by object path, with what h5py should report.
    static let sampleAttributes: [(path: String, name: String, value: HDF5AttributeValue, expected: Attribute)] = [
        (
            "layers/dense/vars", "name", .string("dense"),
            Attribute(kind: "vlen", cset: 1, shape: [], strings: ["dense"])
        ),
        ("vars", "name", .string("sequential"), Attribute(kind: "vlen", cset: 1, shape: [], strings: ["sequential"])),
        (
            "/", "keras_version", .fixedLengthString("3.15.1"),
            Attribute(kind: "fixed", cset: 1, shape: [], strings: ["3.15.1"])
        ),
        ("/", "unicode", .string("größe ✓"), Attribute(kind: "vlen", cset: 1, shape: [], strings: ["größe ✓"])),
        ("/", "empty", .string(""), Attribute(kind: "vlen", cset: 1, shape: [], strings: [""])),
        (
            "layers", "layer_names", .fixedLengthStrings(["dense", "time_distributed", "x"]),
            Attribute(kind: "fixed", cset: 1, shape: [3], strings: ["dense", "time_distributed", "x"])
        ),
        (
            "layers/dense/vars/0", "weight_names", .strings(["kernel", "", "bias ü"]),
            Attribute(kind: "vlen", cset: 1, shape: [3], strings: ["kernel", "", "bias ü"])
        ),
        (
            "optimizer", "iterations", .int64(-5),
            Attribute(
                kind: "number", dtype: "<i8", shape: [],
                hex: WriterCheckScript.hex(WriterCheckScript.littleEndian([Int64(-5)])))
        ),
        (
            "optimizer/vars/0", "rate", .float32(0.5),
            Attribute(
                kind: "number", dtype: "<f4", shape: [],
                hex: WriterCheckScript.hex(WriterCheckScript.littleEndian([Float(0.5).bitPattern])))
        ),
        (
            "numbers", "matrix", .numbers(.float64([1, 2, 3, 4, 5, 6]), shape: [2, 3]),
            Attribute(
                kind: "number", dtype: "<f8", shape: [2, 3],
                hex: WriterCheckScript.hex(WriterCheckScript.littleEndian([1.0, 2, 3, 4, 5, 6].map(\.bitPattern))))
        ),
        (
            "numbers", "pi", .float64(Double.pi),
            Attribute(
                kind: "number", dtype: "<f8", shape: [],
                hex: WriterCheckScript.hex(WriterCheckScript.littleEndian([Double.pi.bitPattern])))
        ),
        (
            "numbers/empty", "none", .numbers(.float64([]), shape: [0]),
            Attribute(kind: "number", dtype: "<f8", shape: [0], hex: "")
        ),
    ]

    static func sampleFile() throws -> HDF5Writer {
        var file = HDF5Writer()
        for dataset in sampleDatasets() {
            try file.addDataset(dataset.path, shape: dataset.shape, values: dataset.values)
        }
        try file.createGroup("vars")
        try file.createGroup("/empty/group")
        for attribute in sampleAttributes {
            try file.setAttribute(attribute.name, attribute.value, on: attribute.path)
        }
        return file
    }

    @Test func superblockAndRootGroupAreWellFormed() throws {
        let bytes = try Self.sampleFile().encode()
        func u64(_ at: Int) -> Int { (0..<8).reduce(0) { $0 | Int(bytes[at + $1]) << (8 * $1) } }
        #expect(Array(bytes[0..<8]) == [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A])
        #expect(Array(bytes[8..<16]) == [0, 0, 0, 0, 0, 8, 8, 0])  // versions 0, 8-byte offsets and lengths
        #expect(Array(bytes[16..<20]) == [4, 0, 16, 0])  // K of leaves and of internal nodes
        #expect(u64(24) == 0 && u64(40) == bytes.count)  // base address, end of file
        #expect(u64(32) == -1 && u64(48) == -1)  // no free-space info, no driver info
        let header = u64(64)
        #expect(header % 8 == 0 && header < bytes.count)
        #expect(bytes[header] == 1)  // object header version 1
        // The root's symbol table message (type 0x11) caches the same B-tree and heap as the superblock.
        let messages = header + 16
        #expect(bytes[messages] == 0x11 && bytes[messages + 1] == 0)
        #expect(u64(messages + 8) == u64(80) && u64(messages + 16) == u64(88))
        #expect(Array(bytes[u64(80)..<u64(80) + 4]) == Array("TREE".utf8))
        #expect(Array(bytes[u64(88)..<u64(88) + 4]) == Array("HEAP".utf8))
        #expect(try Self.sampleFile().encode() == bytes)  // deterministic
    }

    @Test func refusesBadPathsNamesAndValues() throws {
        var file = HDF5Writer()
        try file.addDataset("a/b", shape: [2], values: .float32([1, 2]))
        for path in ["", "/", "a//c", "a/./c", "a/b/", "nul\u{0}"] {
            #expect(throws: FileEncodingError.self, "\(path)") {
                try file.addDataset(path, shape: [], values: .int64([1]))
            }
        }
        #expect(throws: FileEncodingError.duplicateName("a/b")) {
            try file.addDataset("a/b", shape: [1], values: .int64([1]))
        }
        #expect(throws: FileEncodingError.conflict("a/b", reason: "is a dataset, not a group")) {
            try file.createGroup("a/b")
        }
        #expect(throws: FileEncodingError.conflict("a/b/c", reason: "'b' along the path is a dataset, not a group")) {
            try file.addDataset("a/b/c", shape: [1], values: .int64([1]))
        }
        #expect(
            throws: FileEncodingError.invalidValue("the dataset 'x'", reason: "the shape [2, 2] holds 4 values, not 3")
        ) {
            try file.addDataset("x", shape: [2, 2], values: .float32([1, 2, 3]))
        }
        #expect(throws: FileEncodingError.self) { try file.addDataset("x", shape: [-1], values: .float32([])) }
        #expect(throws: FileEncodingError.self) {
            try file.addDataset("x", shape: [Int.max, 4], values: .float32([]))
        }
        #expect(throws: FileEncodingError.self) {
            try file.addDataset("x", shape: [Int](repeating: 1, count: 33), values: .float32([1]))
        }
        #expect(throws: FileEncodingError.self) { try file.setAttribute("n", .string("a\u{0}b"), on: "a") }
        #expect(throws: FileEncodingError.self) { try file.setAttribute("", .string("a"), on: "a") }
        #expect(throws: FileEncodingError.self) { try file.setAttribute("n", .string("a"), on: "missing") }
        #expect(throws: FileEncodingError.self) { try file.setAttribute("n", .string("a"), on: "missing/deeper") }
        #expect(throws: FileEncodingError.self) {
            try file.setAttribute("n", .numbers(.int64([1, 2]), shape: [3]), on: "a")
        }
        // An attribute larger than an object header message can hold.
        try file.setAttribute("big", .numbers(.float64(Array(repeating: 0, count: 9000)), shape: [9000]), on: "a")
        #expect(throws: FileEncodingError.self) { try file.encode() }
        // Replacing it with a small one makes the file valid again.
        try file.setAttribute("big", .int64(1), on: "a")
        #expect(try file.encode().count > 96)
    }

    @Test(.enabled(if: WriterCheckScript.hdf5Python != nil, "python3 with h5py not installed: skipping the h5py check"))
    func h5pyReadsEveryGroupDatasetAndAttribute() throws {
        let folder = try WriterCheckScript.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("sample.h5")
        try AtomicFile.write(Data(try Self.sampleFile().encode()), to: url)
        let report = try WriterCheckScript.run(Report.self, python: WriterCheckScript.hdf5Python!, ["hdf5", url.path])
        let editedCopyReadsBack = report.editedCopyReadsBack
        #expect(editedCopyReadsBack)
        for dataset in Self.sampleDatasets() {
            let object = try #require(report.objects["/" + dataset.path], "\(dataset.path)")
            #expect(object.kind == "dataset" && object.contiguous == true)
            #expect(object.dtype == dataset.dtype && object.shape == dataset.shape, "\(dataset.path)")
            #expect(object.hex == WriterCheckScript.hex(dataset.bytes), "\(dataset.path)")
        }
        for attribute in Self.sampleAttributes {
            let path = attribute.path.hasPrefix("/") ? attribute.path : "/" + attribute.path
            let object = try #require(report.objects[path], "\(path)")
            #expect(object.attributes[attribute.name] == attribute.expected, "\(path) \(attribute.name)")
        }
        #expect(report.objects["/"]?.members == ["empty", "layers", "numbers", "optimizer", "vars"])
        #expect(report.objects["/empty/group"]?.members == [])
        #expect(report.objects["/layers"]?.members == ["dense", "time_distributed"])
        // Every group and dataset, nothing more: 9 datasets and 13 groups with the root.
        #expect(report.objects.count == 22)
    }

    @Test(.enabled(if: WriterCheckScript.hdf5Python != nil, "python3 with h5py not installed: skipping the h5py check"))
    func manyStringsSpanSeveralGlobalHeapCollections() throws {
        // 24 attributes of 3,000 strings each: about 3.4 MB of heap objects, so four collections of 1 MiB.
        var file = HDF5Writer()
        var expected: [String: [String]] = [:]
        for group in 0..<24 {
            let strings = (0..<3000).map { "group \(group) string \($0) " + String(repeating: "é", count: $0 % 7) }
            expected["/g\(group)"] = strings
            try file.createGroup("g\(group)")
            try file.setAttribute("strings", .strings(strings), on: "g\(group)")
        }
        let bytes = try file.encode()
        let collections = (0..<bytes.count / 8).filter { bytes[$0 * 8..<$0 * 8 + 4] == [0x47, 0x43, 0x4F, 0x4C] }
        #expect(collections.count == 4)
        let folder = try WriterCheckScript.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("strings.h5")
        try AtomicFile.write(Data(bytes), to: url)
        let report = try WriterCheckScript.run(Report.self, python: WriterCheckScript.hdf5Python!, ["hdf5", url.path])
        for (path, strings) in expected {
            let attribute = try #require(report.objects[path]?.attributes["strings"], "\(path)")
            #expect(attribute.kind == "vlen" && attribute.shape == [3000])
            #expect(attribute.strings == strings, "\(path)")
        }
    }

    @Test(.enabled(if: WriterCheckScript.hdf5Python != nil, "python3 with h5py not installed: skipping the h5py check"))
    func largeGroupsSpanSeveralSymbolNodesAndTreeLevels() throws {
        // 600 members: 75 symbol-table nodes under a two-level B-tree; names sort by their bytes.
        var file = HDF5Writer()
        var names: [String] = []
        for index in 0..<600 {
            let name = index % 3 == 0 ? "dense_\(index)" : index % 3 == 1 ? "Ä\(index)" : "\(index)"
            names.append(name)
            if index % 5 == 0 {
                try file.createGroup("big/\(name)")
                try file.setAttribute("index", .int64(Int64(index)), on: "big/\(name)")
            } else {
                try file.addDataset("big/\(name)", shape: [1], values: .int32([Int32(index)]))
            }
        }
        let folder = try WriterCheckScript.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("big.h5")
        try AtomicFile.write(Data(try file.encode()), to: url)
        let report = try WriterCheckScript.run(Report.self, python: WriterCheckScript.hdf5Python!, ["hdf5", url.path])
        let editedCopyReadsBack = report.editedCopyReadsBack
        #expect(editedCopyReadsBack)
        let members = try #require(report.objects["/big"]?.members)
        #expect(members == names.sorted())  // Python's sort: by code point, as the names' UTF-8 bytes
        for (index, name) in names.enumerated() {
            let object = try #require(report.objects["/big/" + name], "\(name)")
            if index % 5 == 0 {
                #expect(
                    object.attributes["index"]?.hex
                        == WriterCheckScript.hex(WriterCheckScript.littleEndian([Int64(index)])))
            } else {
                #expect(object.hex == WriterCheckScript.hex(WriterCheckScript.littleEndian([Int32(index)])))
            }
        }
    }
}

@Suite struct HDF5KerasWeightsTests {
    struct Spec: Encodable {
        struct Weight: Encodable {
            var shape: [Int]
            var values: [Float]
        }
        struct Layer: Encodable {
            var units: Int
            var activation: String
            var weights: [Weight]
        }
        var inputs: Int
        var layers: [Layer]
        var x: [Float]
    }

    struct Report: Decodable {
        var sameWeights: Bool
        var samePredictions: Bool
        var predictions: [Double]

        enum CodingKeys: String, CodingKey {
            case sameWeights = "same_weights"
            case samePredictions = "same_predictions"
            case predictions
        }
    }

    /// `Input(4) → Dense(3, relu) → Dense(2)` with seeded weights.
    static func spec() -> Spec {
        var generator = SplitMix64(seed: 23)
        func values(_ count: Int) -> [Float] {
            (0..<count).map { _ in Float(Int(generator.next() % 2001) - 1000) / 1000 }
        }
        return Spec(
            inputs: 4,
            layers: [
                Spec.Layer(
                    units: 3, activation: "relu",
                    weights: [
                        Spec.Weight(shape: [4, 3], values: values(12)), Spec.Weight(shape: [3], values: values(3)),
                    ]),
                Spec.Layer(
                    units: 2, activation: "linear",
                    weights: [
                        Spec.Weight(shape: [3, 2], values: values(6)), Spec.Weight(shape: [2], values: values(2)),
                    ]),
            ],
            x: values(5 * 4))
    }

    /// The weights file Keras 3 writes for the model: `layers/<class name + counter>/vars/<index>`, a
    /// `name` attribute on each `vars` group, an empty top-level `vars` group.
    static func weightsFile(_ spec: Spec) throws -> [UInt8] {
        var file = HDF5Writer()
        for (index, layer) in spec.layers.enumerated() {
            let name = index == 0 ? "dense" : "dense_\(index)"
            for (number, weight) in layer.weights.enumerated() {
                try file.addDataset(
                    "layers/\(name)/vars/\(number)", shape: weight.shape, values: .float32(weight.values))
            }
            try file.setAttribute("name", .string(name), on: "layers/\(name)/vars")
        }
        try file.createGroup("vars")
        try file.setAttribute("name", .string("sequential"), on: "vars")
        return try file.encode()
    }

    @Test(.enabled(if: WriterCheckScript.kerasPython != nil, "python3 with keras and h5py not installed: skipping"))
    func kerasLoadsTheWeightsAndPredictsTheSame() throws {
        let folder = try WriterCheckScript.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let spec = Self.spec()
        let weights = folder.appendingPathComponent("model.weights.h5")
        try AtomicFile.write(Data(try Self.weightsFile(spec)), to: weights)
        let specURL = folder.appendingPathComponent("spec.json")
        try AtomicFile.write(try JSONEncoder().encode(spec), to: specURL)
        let report = try WriterCheckScript.run(
            Report.self, python: WriterCheckScript.kerasPython!, ["keras", weights.path, specURL.path])
        #expect(report.sameWeights)
        #expect(report.samePredictions)
        // Keras' predictions also match the model computed here.
        let x = spec.x
        var expected: [Double] = []
        for row in 0..<5 {
            var activations = Array(x[row * 4..<(row + 1) * 4]).map(Double.init)
            for layer in spec.layers {
                let kernel = layer.weights[0].values.map(Double.init)
                let bias = layer.weights[1].values.map(Double.init)
                activations = (0..<layer.units).map { unit in
                    let sum = activations.indices.reduce(bias[unit]) {
                        $0 + activations[$1] * kernel[$1 * layer.units + unit]
                    }
                    return layer.activation == "relu" ? Swift.max(0, sum) : sum
                }
            }
            expected += activations
        }
        #expect(report.predictions.count == expected.count)
        for (keras, swift) in zip(report.predictions, expected) { #expect(Swift.abs(keras - swift) <= 1e-5) }
    }
}

extension HDF5KerasWeightsTests {
    struct KerasConfig: Decodable {
        var config: String
        var metadata: String
    }

    @Test(.enabled(if: WriterCheckScript.kerasPython != nil, "python3 with keras and h5py not installed: skipping"))
    func kerasLoadsAKerasArchiveOfBothWriters() throws {
        // The model's config.json comes from Keras; the archive and the weights file from our writers.
        let folder = try WriterCheckScript.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let spec = Self.spec()
        let specURL = folder.appendingPathComponent("spec.json")
        try AtomicFile.write(try JSONEncoder().encode(spec), to: specURL)
        let python = WriterCheckScript.kerasPython!
        let keras = try WriterCheckScript.run(KerasConfig.self, python: python, ["keras-config", specURL.path])
        var archive = ZIPWriter()
        try archive.add("metadata.json", data: Array(keras.metadata.utf8))
        try archive.add("config.json", data: Array(keras.config.utf8))
        try archive.add("model.weights.h5", data: try Self.weightsFile(spec))
        let url = folder.appendingPathComponent("model.keras")
        try AtomicFile.write(Data(try archive.encode()), to: url)
        let report = try WriterCheckScript.run(Report.self, python: python, ["keras-archive", url.path, specURL.path])
        #expect(report.sameWeights)
        #expect(report.samePredictions)
    }
}
