import FileFormats
import Foundation
import Testing

/// HDF5File against files written by Keras 3.15.1 and h5py 3.14, compared with what h5py reads.
@Suite struct HDF5Tests {
    /// The HDF5 file of a manifest entry: a fixture, or a member of a `.keras` archive read in place.
    static func open(_ name: String) throws -> HDF5File {
        let parts = name.split(separator: "/", maxSplits: 1).map(String.init)
        if parts.count == 2 {
            let archive = try ZIPArchive(bytes: HDF5Manifest.bytes(parts[0]))
            return try HDF5File(bytes: archive.bytes, range: archive.storedRange(of: parts[1]))
        }
        return try HDF5File(bytes: HDF5Manifest.bytes(name))
    }

    /// The manifest's name of an element type.
    static func kind(_ type: HDF5ElementType) -> String {
        if case .fixedString = type { return "string" }
        return type.description
    }

    static func compare(_ attribute: HDF5Attribute?, _ expected: HDF5Manifest.Value, _ context: String) {
        guard let attribute else {
            Issue.record("\(context): no attribute \(expected.name ?? "")")
            return
        }
        #expect(attribute.shape == expected.shape, "\(context)")
        #expect(kind(attribute.elementType) == expected.kind, "\(context)")
        if let floats = expected.floats { #expect(attribute.value == .floats(floats), "\(context)") }
        if let ints = expected.ints { #expect(attribute.value == .integers(ints), "\(context)") }
        if let strings = expected.strings { #expect(attribute.value == .strings(strings), "\(context)") }
    }

    @Test(arguments: HDF5Manifest.shared.hdf5.map(\.file))
    func readsEveryGroupAndAttributeAsH5pyDoes(file: String) throws {
        let expected = try #require(HDF5Manifest.shared.hdf5.first { $0.file == file })
        let hdf5 = try Self.open(file)
        #expect(hdf5.superblockVersion == (file == "latest.h5" ? 3 : 0))
        for group in expected.groups {
            let found = try hdf5.group(at: group.path)
            #expect(found.children == group.children, "\(file): /\(group.path)")
            #expect(
                found.attributes.map(\.name).sorted() == group.attributes.compactMap(\.name), "\(file): /\(group.path)")
            for attribute in group.attributes {
                Self.compare(
                    found.attribute(named: attribute.name!), attribute, "\(file): /\(group.path) @\(attribute.name!)")
            }
        }
    }

    @Test(arguments: HDF5Manifest.shared.hdf5.map(\.file))
    func readsEveryDatasetAsH5pyDoes(file: String) throws {
        let expected = try #require(HDF5Manifest.shared.hdf5.first { $0.file == file })
        let hdf5 = try Self.open(file)
        for dataset in expected.datasets {
            let path = try #require(dataset.path)
            let context = "\(file): \(path)"
            if dataset.unsupported == true {
                #expect(Comment(rawValue: context)) {
                    try hdf5.dataset(at: path)
                } throws: { error in
                    guard case let .unsupported(_, feature) = error as? FileFormatError else { return false }
                    return feature.contains("/" + path)
                }
                continue
            }
            let found = try hdf5.dataset(at: path)
            #expect(found.path == "/" + path)
            #expect(found.shape == dataset.shape, "\(context)")
            #expect(Self.kind(found.elementType) == dataset.kind, "\(context)")
            if let floats = dataset.floats {
                #expect(try found.doubles() == floats, "\(context)")
                #expect(try found.floats() == floats.map { Float($0) }, "\(context)")
            }
            if let ints = dataset.ints { #expect(try found.integers() == ints, "\(context)") }
            if let strings = dataset.strings { #expect(try found.strings() == strings, "\(context)") }
            for attribute in dataset.attributes ?? [] {
                Self.compare(found.attribute(named: attribute.name!), attribute, "\(context) @\(attribute.name!)")
            }
        }
    }

    @Test func kerasWeightsHaveTheExpectedLayout() throws {
        let file = try Self.open("dense.weights.h5")
        let kernel = try file.dataset(at: "layers/dense/vars/0")
        #expect(kernel.shape == [4, 3])
        #expect(kernel.elementType == .float(byteCount: 4))
        #expect(try file.group(at: "layers/dense/vars").stringAttribute(named: "name") == "dense")
        #expect(try file.dataset(at: "/optimizer/vars/0").elementType == .signedInteger(byteCount: 8))
        let lstm = try Self.open("lstm.keras/model.weights.h5")
        #expect(try lstm.group(at: "layers/lstm/cell/vars").children == ["0", "1", "2"])
        #expect(try lstm.dataset(at: "layers/lstm/cell/vars/1").shape == [2, 8])
    }

    @Test func aTwoLevelBTreeGroupIsRead() throws {
        // 300 hard links to one dataset: the group's version-1 B-tree has a level-1 root.
        let file = try Self.open("kinds.h5")
        #expect(try file.group(at: "links").children.count == 301)
        #expect(try file.dataset(at: "links/l150").integers() == [42])
        #expect(try file.dataset(at: "/links/l299").integers() == [42])
    }

    @Test func legacyModelAttributes() throws {
        let file = try Self.open("dense_legacy.h5")
        let root = try file.root()
        let config = try root.stringAttribute(named: "model_config")
        #expect(config.hasPrefix("{\"class_name\": \"Sequential\""))
        #expect(try root.stringAttribute(named: "keras_version") == "3.15.1")
        let weights = try file.group(at: "model_weights")
        #expect(try weights.stringArrayAttribute(named: "layer_names") == ["dense", "dense_1"])
        #expect(
            try file.group(at: "model_weights/dense").stringArrayAttribute(named: "weight_names") == [
                "sequential/dense/kernel", "sequential/dense/bias",
            ])
        #expect(
            try file.group(at: "model_weights/top_level_model_weights").stringArrayAttribute(named: "weight_names")
                == [])
        #expect(throws: FileFormatError.self) { try weights.stringArrayAttribute(named: "missing") }
    }

    @Test func splitAttributesAreJoined() throws {
        // kinds.h5 has no split attribute; `int64_array` stands in for the error, `vlen_string_array` for the join.
        let root = try Self.open("kinds.h5").root()
        #expect(try root.stringArrayAttribute(named: "vlen_string_array") == ["dense", "dense_1", "lstm"])
        #expect(throws: FileFormatError.self) { try root.stringArrayAttribute(named: "int64_array") }
        #expect(throws: FileFormatError.self) { try root.stringAttribute(named: "vlen_string_array") }
    }

    @Test func missingPathsAreNotFound() throws {
        let file = try Self.open("kinds.h5")
        for path in ["nothing", "a/b/nothing", "float32_matrix/child"] {
            #expect {
                try file.group(at: path)
            } throws: { error in
                guard case .notFound = error as? FileFormatError else { return false }
                return true
            }
        }
        #expect(throws: FileFormatError.self) { try file.dataset(at: "a/b") }
        #expect(try file.contains("a/b/c"))
        #expect(try !file.contains("a/x"))
    }

    @Test func notHDF5IsMalformedOrTruncated() {
        #expect(throws: FileFormatError.truncated(offset: 3, expected: "the 8-byte HDF5 signature")) {
            try HDF5File(bytes: [1, 2, 3])
        }
        #expect(throws: FileFormatError.self) { try HDF5File(bytes: [UInt8](repeating: 7, count: 2000)) }
    }
}

/// Files that use HDF5 features the reader does not implement.
@Suite struct HDF5UnsupportedTests {
    @Test func denseLinkAndAttributeStorageAreNamed() throws {
        let file = try HDF5File(bytes: HDF5Manifest.bytes("dense_links.h5"))
        for (path, feature) in [("big", "dense link storage"), ("attrs", "dense attribute storage")] {
            #expect {
                try file.group(at: path)
            } throws: { error in
                guard case let .unsupported(_, text) = error as? FileFormatError else { return false }
                return text.contains(feature) && text.contains("/" + path)
            }
        }
    }
}
