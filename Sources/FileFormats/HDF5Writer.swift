/// Builds an HDF5 file of nested groups, datasets and attributes, the structures of Keras'
/// `model.weights.h5` and legacy `.h5` files, and encodes it as bytes libhdf5 (and so h5py and Keras)
/// reads.
///
/// Paths are `/`-separated names from the root group (a leading `/` is optional); adding a dataset or
/// group creates its missing parent groups. Datasets are stored contiguously, without filters.
///
///     var file = HDF5Writer()
///     try file.addDataset("layers/dense/vars/0", shape: [3, 2], values: .float32(kernel))
///     try file.addDataset("layers/dense/vars/1", shape: [2], values: .float32(bias))
///     try file.setAttribute("name", .string("dense"), on: "layers/dense/vars")
///     try AtomicFile.write(Data(try file.encode()), to: url)
///
/// The file uses the oldest, most widely read layout, the one h5py writes by default: superblock
/// version 0, version-1 object headers, groups as symbol tables (a version-1 B-tree of symbol-table
/// nodes over a local heap of names), variable-length strings in global heap collections.
public struct HDF5Writer: Sendable {
    /// The root group.
    var root = HDF5GroupNode()

    /// An empty file: a root group with no members or attributes.
    public init() {}

    /// Creates the group at `path` and its missing parents; an existing group is left as it is.
    ///
    /// - Throws: ``FileEncodingError/invalidName(_:reason:)`` for a bad path,
    ///   ``FileEncodingError/conflict(_:reason:)`` when a dataset is in the way.
    public mutating func createGroup(_ path: String) throws(FileEncodingError) {
        let components = try Self.components(of: path)
        guard !components.isEmpty else { return }
        try Self.withMember(at: components[...], in: &root, path: path) { (member) throws(FileEncodingError) in
            switch member {
            case nil: member = .group(HDF5GroupNode())
            case .group: break
            case .dataset: throw .conflict(path, reason: "is a dataset, not a group")
            }
        }
    }

    /// Adds a dataset at `path`, creating its missing parent groups.
    ///
    /// - Parameters:
    ///   - path: Where the dataset goes: `layers/dense/vars/0`.
    ///   - shape: The dimensions, outermost first (`[]` for a scalar), at most 32, none negative.
    ///   - values: The elements in row-major order; their count is the product of `shape`.
    /// - Throws: ``FileEncodingError/invalidName(_:reason:)`` for a bad path,
    ///   ``FileEncodingError/duplicateName(_:)`` when something is already at `path`,
    ///   ``FileEncodingError/conflict(_:reason:)`` when a parent is a dataset,
    ///   ``FileEncodingError/invalidValue(_:reason:)`` when `shape` and `values` disagree.
    public mutating func addDataset(_ path: String, shape: [Int], values: HDF5Values) throws(FileEncodingError) {
        let components = try Self.components(of: path)
        guard !components.isEmpty else { throw .invalidName(path, reason: "the root group cannot be a dataset") }
        try Self.check(shape: shape, count: values.count, of: "the dataset '\(path)'")
        try Self.withMember(at: components[...], in: &root, path: path) { (member) throws(FileEncodingError) in
            guard member == nil else { throw .duplicateName(path) }
            member = .dataset(HDF5DatasetNode(shape: shape, values: values))
        }
    }

    /// Sets the attribute `name` of the group or dataset at `path`, replacing one of the same name.
    ///
    /// - Parameters:
    ///   - name: The attribute's name: not empty, no NUL bytes, at most 65,534 UTF-8 bytes.
    ///   - value: Its value.
    ///   - path: The group or dataset, which must exist; `/` (the default) or `""` is the root group.
    /// - Throws: ``FileEncodingError/invalidName(_:reason:)``, ``FileEncodingError/conflict(_:reason:)``
    ///   when nothing is at `path`, ``FileEncodingError/invalidValue(_:reason:)`` for a string with a
    ///   NUL byte or a shape that does not match the values.
    public mutating func setAttribute(_ name: String, _ value: HDF5AttributeValue, on path: String = "/")
        throws(FileEncodingError)
    {
        guard !name.isEmpty, !name.utf8.contains(0), name.utf8.count < 0xFFFF else {
            throw .invalidName(name, reason: "an attribute name is 1 to 65,534 UTF-8 bytes without NUL bytes")
        }
        try Self.check(value, of: "the attribute '\(name)' of '\(path)'")
        let components = try Self.components(of: path)
        guard !components.isEmpty else {
            root.setAttribute(name, value)
            return
        }
        try Self.withMember(at: components[...], in: &root, path: path, creatingParents: false) {
            (member) throws(FileEncodingError) in
            switch member {
            case nil: throw .conflict(path, reason: "no group or dataset is there to hold the attribute '\(name)'")
            case var .group(group):
                group.setAttribute(name, value)
                member = .group(group)
            case var .dataset(dataset):
                dataset.setAttribute(name, value)
                member = .dataset(dataset)
            }
        }
    }

    /// The file's bytes.
    ///
    /// - Throws: ``FileEncodingError/tooLarge(_:size:limit:)`` when an attribute does not fit in an
    ///   object header message (64 KiB; legacy Keras splits long attributes for this reason).
    public func encode() throws(FileEncodingError) -> [UInt8] {
        var encoder = HDF5Encoder()
        return try encoder.encode(root: root)
    }

    // MARK: - Paths and checks

    /// The names along `path`; `[]` for the root group.
    static func components(of path: String) throws(FileEncodingError) -> [String] {
        var rest = Substring(path)
        if rest.hasPrefix("/") { rest.removeFirst() }
        guard !rest.isEmpty else { return [] }
        let names = rest.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        for name in names {
            guard !name.isEmpty, name != ".", !name.utf8.contains(0) else {
                throw .invalidName(
                    path, reason: "each name along an HDF5 path is not empty, not '.', without NUL bytes")
            }
        }
        return names
    }

    /// Runs `body` on the member slot at `components` below `group`, creating missing parent groups.
    private static func withMember(
        at components: ArraySlice<String>, in group: inout HDF5GroupNode, path: String, creatingParents: Bool = true,
        _ body: (inout HDF5Node?) throws(FileEncodingError) -> Void
    ) throws(FileEncodingError) {
        let name = components.first!
        if components.count == 1 {
            try body(&group.members[name])
            return
        }
        var child: HDF5GroupNode
        switch group.members[name] {
        case nil:
            guard creatingParents else {
                throw .conflict(path, reason: "no group or dataset is there")
            }
            child = HDF5GroupNode()
        case let .group(existing): child = existing
        case .dataset:
            throw .conflict(path, reason: "'\(name)' along the path is a dataset, not a group")
        }
        group.members[name] = nil  // keep `child` uniquely referenced while it changes
        defer { group.members[name] = .group(child) }
        try withMember(at: components.dropFirst(), in: &child, path: path, creatingParents: creatingParents, body)
    }

    /// Checks a shape against the number of values.
    private static func check(shape: [Int], count: Int, of what: String) throws(FileEncodingError) {
        guard shape.count <= 32 else {
            throw .invalidValue(what, reason: "\(shape.count) dimensions; HDF5 allows at most 32")
        }
        var product = 1
        for dimension in shape {
            guard dimension >= 0 else { throw .invalidValue(what, reason: "the shape \(shape) has a negative size") }
            let (next, overflow) = product.multipliedReportingOverflow(by: dimension)
            guard !overflow else { throw .tooLarge(what, size: Int.max, limit: Int.max) }
            product = next
        }
        guard product == count else {
            throw .invalidValue(what, reason: "the shape \(shape) holds \(product) values, not \(count)")
        }
    }

    /// Checks an attribute value: shapes, and strings without NUL bytes.
    private static func check(_ value: HDF5AttributeValue, of what: String) throws(FileEncodingError) {
        let strings: [String]
        switch value {
        case let .string(string), let .fixedLengthString(string): strings = [string]
        case let .strings(array), let .fixedLengthStrings(array): strings = array
        case let .numbers(values, shape):
            try check(shape: shape, count: values.count, of: what)
            strings = []
        }
        if strings.contains(where: { $0.utf8.contains(0) }) {
            throw .invalidValue(what, reason: "an HDF5 string cannot contain NUL bytes")
        }
    }
}

/// A group being built: attributes in the order set, members by name.
struct HDF5GroupNode: Sendable {
    var attributes: [(name: String, value: HDF5AttributeValue)] = []
    var members: [String: HDF5Node] = [:]

    mutating func setAttribute(_ name: String, _ value: HDF5AttributeValue) {
        if let index = attributes.firstIndex(where: { $0.name == name }) {
            attributes[index].value = value
        } else {
            attributes.append((name, value))
        }
    }
}

/// A dataset being built.
struct HDF5DatasetNode: Sendable {
    var shape: [Int]
    var values: HDF5Values
    var attributes: [(name: String, value: HDF5AttributeValue)] = []

    mutating func setAttribute(_ name: String, _ value: HDF5AttributeValue) {
        if let index = attributes.firstIndex(where: { $0.name == name }) {
            attributes[index].value = value
        } else {
            attributes.append((name, value))
        }
    }
}

/// A member of a group.
enum HDF5Node: Sendable {
    case group(HDF5GroupNode)
    case dataset(HDF5DatasetNode)
}
