import FileFormats
import Testing

/// The writer's files read back with the library's own reader (Python's h5py checks both sides
/// independently in HDF5WriterTests and HDF5Tests).
@Suite struct HDF5RoundTripTests {
    @Test func writtenGroupsDatasetsAndAttributesReadBack() throws {
        var writer = HDF5Writer()
        let kernel: [Float] = (0..<12).map { Float($0) * 0.25 - 1 }
        try writer.addDataset("layers/lstm/cell/vars/0", shape: [3, 4], values: .float32(kernel))
        try writer.addDataset("layers/lstm/cell/vars/1", shape: [4], values: .float32([1, 2, 3, 4]))
        try writer.addDataset("optimizer/vars/0", shape: [], values: .int64([42]))
        try writer.setAttribute("name", .string("lstm_cell"), on: "layers/lstm/cell/vars")
        try writer.setAttribute("layer_names", .strings(["lstm", "dense", "ünïcode"]), on: "/")
        for index in 0..<40 {  // enough members for a B-tree of more than one node
            try writer.addDataset("many/d\(index)", shape: [1], values: .float64([Double(index)]))
        }
        let file = try HDF5File(bytes: try writer.encode())

        #expect(try file.root().children.sorted() == ["layers", "many", "optimizer"])
        let vars = try file.group(at: "layers/lstm/cell/vars")
        #expect(vars.children.sorted() == ["0", "1"])
        #expect(try vars.stringAttribute(named: "name") == "lstm_cell")
        #expect(try file.root().stringArrayAttribute(named: "layer_names") == ["lstm", "dense", "ünïcode"])
        let weights = try file.dataset(at: "layers/lstm/cell/vars/0")
        #expect(weights.shape == [3, 4])
        #expect(try weights.floats() == kernel)
        #expect(try file.dataset(at: "optimizer/vars/0").integers() == [42])
        #expect(try file.group(at: "many").children.count == 40)
        #expect(try file.dataset(at: "many/d37").doubles() == [37])
    }

    @Test func writtenArchiveReadsBackInPlace() throws {
        var zip = ZIPWriter()
        let weights = try { () throws -> [UInt8] in
            var writer = HDF5Writer()
            try writer.addDataset("vars/0", shape: [2], values: .float32([0.5, -0.5]))
            return try writer.encode()
        }()
        try zip.add("config.json", data: Array(#"{"class_name": "Sequential"}"#.utf8))
        try zip.add("model.weights.h5", data: weights)
        let archive = try ZIPArchive(bytes: try zip.encode())
        #expect(archive.members.map(\.name) == ["config.json", "model.weights.h5"])
        #expect(try archive.contents(of: "config.json") == Array(#"{"class_name": "Sequential"}"#.utf8))
        let file = try HDF5File(bytes: archive.bytes, range: try archive.storedRange(of: "model.weights.h5"))
        #expect(try file.dataset(at: "vars/0").floats() == [0.5, -0.5])
    }
}
