import Foundation

/// A reader of HDF5 files: the subset that h5py 3.14 (HDF5 1.14) writes for Keras 3 weights files
/// (`model.weights.h5`, `.keras` members) and legacy Keras `.h5` models.
///
/// Supported: superblock versions 0 to 3; object headers version 1 (with continuation blocks) and
/// version 2 ("OHDR", checksums checked); old-style groups (symbol table → version-1 B-tree, local heap,
/// symbol-table nodes) and compact new-style groups (link messages); datasets with contiguous or
/// compact layout of integers, IEEE floats and fixed or variable-length strings; attributes (message
/// versions 1 to 3), with variable-length strings read from the global heap. Chunked or filtered
/// (compressed) datasets, dense link or attribute storage, soft and external links, shared messages
/// and other datatypes throw ``FileFormatError/unsupported(offset:feature:)`` naming what was found.
///
/// A damaged file never crashes or reads out of bounds: every error is a ``FileFormatError`` naming
/// the byte offset (relative to the start of the HDF5 file).
///
///     let file = try HDF5File(bytes: Array(Data(contentsOf: url)))
///     let kernel = try file.dataset(at: "layers/dense/vars/0")
///     print(kernel.shape, try kernel.floats())
public struct HDF5File: Sendable {
    /// The file's bytes.
    let input: BinaryInput
    /// The superblock's version (0 for what h5py writes by default).
    public let superblockVersion: Int
    /// The size of file addresses in bytes (8 for what h5py writes).
    let offsetSize: Int
    /// The size of lengths in bytes.
    let lengthSize: Int
    /// The base address to which all addresses are relative.
    let baseAddress: Int
    /// The file offset of the root group's object header.
    let rootOffset: Int

    /// The signature at the start of the superblock.
    static let signature: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A]

    /// Opens the HDF5 file `bytes` (its superblock and root group are read now, the rest on demand).
    ///
    /// - Throws: ``FileFormatError`` when the bytes are not an HDF5 file, the superblock or root group is
    ///   damaged, or they use an unsupported feature.
    public init(bytes: [UInt8]) throws(FileFormatError) {
        try self.init(input: BinaryInput(bytes))
    }

    /// Opens the HDF5 file that occupies `range` of `bytes`, without copying it: for example a stored
    /// member of a ZIP archive (``ZIPArchive/storedRange(of:)``).
    ///
    /// - Throws: ``FileFormatError`` as ``init(bytes:)``; offsets in errors are relative to `range`.
    public init(bytes: [UInt8], range: Range<Int>) throws(FileFormatError) {
        try self.init(input: BinaryInput(bytes, range: range))
    }

    /// Opens the HDF5 file in `data` (copied once into an array).
    ///
    /// - Throws: ``FileFormatError`` as ``init(bytes:)``.
    public init(data: Data) throws(FileFormatError) {
        try self.init(bytes: [UInt8](data))
    }

    private init(input: BinaryInput) throws(FileFormatError) {
        self.input = input
        // The superblock is at 0, 512, 1024, 2048, ...
        var start = 0
        while !input.matches(Self.signature, at: start) {
            start = start == 0 ? 512 : start * 2
            guard start < input.count else {
                if input.count < 8 { throw .truncated(offset: input.count, expected: "the 8-byte HDF5 signature") }
                throw .malformed(
                    offset: 0, expected: "the HDF5 signature 0x89 HDF \\r\\n 0x1a \\n at byte 0, 512, 1024, ...",
                    found: hex(bytes: input.bytes[input.start..<input.start + 8]))
            }
        }
        let version = Int(try input.uint8(start + 8, "the superblock version"))
        superblockVersion = version
        let sizes: (Int, Int)
        switch version {
        case 0, 1: sizes = (start + 13, start + 14)
        case 2, 3: sizes = (start + 9, start + 10)
        default: throw .unsupported(offset: start + 8, feature: "superblock version \(version)")
        }
        offsetSize = Int(try input.uint8(sizes.0, "the size of offsets"))
        lengthSize = Int(try input.uint8(sizes.1, "the size of lengths"))
        for (size, at) in [(offsetSize, sizes.0), (lengthSize, sizes.1)] where ![2, 4, 8].contains(size) {
            throw .malformed(offset: at, expected: "a size of 2, 4 or 8 bytes", found: "\(size)")
        }
        let addresses = version >= 2 ? start + 12 : start + (version == 1 ? 28 : 24)
        let base = try input.uint(addresses, size: offsetSize, "the base address")
        guard base <= UInt64(input.count) else {
            throw .malformed(offset: addresses, expected: "a base address inside the file", found: "\(base)")
        }
        baseAddress = Int(base)
        let rootAddress: UInt64
        let rootAt: Int
        if version >= 2 {
            rootAt = addresses + 3 * offsetSize
            rootAddress = try input.uint(rootAt, size: offsetSize, "the root group's address")
            try HDF5ObjectHeader.checkChecksum(input, from: start, to: addresses + 4 * offsetSize)
        } else {
            // The root group's symbol-table entry: link name offset, then the object header address.
            rootAt = addresses + 4 * offsetSize + offsetSize
            rootAddress = try input.uint(rootAt, size: offsetSize, "the root group's object header address")
        }
        guard rootAddress < UInt64(input.count), baseAddress + Int(rootAddress) < input.count else {
            throw .truncated(offset: input.count, expected: "the root group's object header at address \(rootAddress)")
        }
        rootOffset = baseAddress + Int(rootAddress)
        _ = try group(at: "/")
    }

    /// The root group.
    ///
    /// - Throws: ``FileFormatError`` when its object header is damaged.
    public func root() throws(FileFormatError) -> HDF5Group {
        try group(at: "/")
    }

    /// The group at `path` ("/" or "" for the root; "layers/dense/vars" and "/layers/dense/vars" alike).
    ///
    /// - Throws: ``FileFormatError/notFound(offset:name:)`` when a path component does not exist or the
    ///   object is not a group; other cases for damaged or unsupported structures.
    public func group(at path: String) throws(FileFormatError) -> HDF5Group {
        let (offset, header, name) = try resolve(path)
        guard HDF5Group.isGroup(header) else { throw .notFound(offset: offset, name: "group \(name)") }
        return try HDF5Group(self, header: header, path: name)
    }

    /// The dataset at `path`.
    ///
    /// - Throws: ``FileFormatError/notFound(offset:name:)`` when a path component does not exist or the
    ///   object is not a dataset; ``FileFormatError/unsupported(offset:feature:)`` for a chunked or
    ///   compressed dataset (naming it); other cases for damaged structures.
    public func dataset(at path: String) throws(FileFormatError) -> HDF5Dataset {
        let (offset, header, name) = try resolve(path)
        guard header.first(0x0008) != nil else { throw .notFound(offset: offset, name: "dataset \(name)") }
        return try HDF5Dataset(self, header: header, path: name)
    }

    /// Whether an object (group or dataset) exists at `path`; damaged structures on the way throw.
    ///
    /// - Throws: ``FileFormatError`` for damaged or unsupported structures on the path.
    public func contains(_ path: String) throws(FileFormatError) -> Bool {
        do {
            _ = try resolve(path)
            return true
        } catch {
            if case .notFound = error { return false }
            throw error
        }
    }

    /// The object header at `path`, its file offset and the normalized path ("/a/b").
    private func resolve(_ path: String) throws(FileFormatError) -> (Int, HDF5ObjectHeader, String) {
        let components = path.split(separator: "/").map(String.init)
        guard components.count <= 1024 else {
            throw .notFound(offset: rootOffset, name: "object at a path of \(components.count) components")
        }
        var offset = rootOffset
        var header = try HDF5ObjectHeader(self, at: offset)
        var walked = ""
        for component in components {
            guard HDF5Group.isGroup(header) else { throw .notFound(offset: offset, name: "group \(walked)") }
            let links = try HDF5Group.links(self, header: header, path: walked.isEmpty ? "/" : walked)
            guard let link = links.first(where: { $0.name == component }) else {
                throw .notFound(offset: offset, name: "object \(walked)/\(component)")
            }
            walked += "/" + component
            guard let target = link.target else {
                throw .unsupported(offset: link.offset, feature: "the soft or external link \(walked)")
            }
            offset = target
            header = try HDF5ObjectHeader(self, at: offset)
        }
        return (offset, header, walked.isEmpty ? "/" : walked)
    }

    /// The file offset of `address` (read at `at`): base address plus address, checked against the file.
    func fileOffset(_ address: UInt64, at: Int, _ what: String) throws(FileFormatError) -> Int {
        guard address != undefinedAddress else {
            throw .malformed(offset: at, expected: "the address of \(what)", found: "the undefined address")
        }
        guard address < UInt64(input.count), baseAddress + Int(address) < input.count else {
            throw .truncated(offset: input.count, expected: "\(what) at address \(address)")
        }
        return baseAddress + Int(address)
    }

    /// The undefined address: all bits set.
    var undefinedAddress: UInt64 { offsetSize == 8 ? .max : (1 << UInt64(8 * offsetSize)) - 1 }

    /// The `offsetSize`-byte address at `offset`.
    func address(_ offset: Int, _ what: String) throws(FileFormatError) -> UInt64 {
        try input.uint(offset, size: offsetSize, what)
    }

    /// The `lengthSize`-byte length at `offset`.
    func length(_ offset: Int, _ what: String) throws(FileFormatError) -> UInt64 {
        try input.uint(offset, size: lengthSize, what)
    }
}
