/// The four-byte signatures of HDF5 structures.
enum HDF5Signature {
    /// A version-2 object header.
    static let ohdr: [UInt8] = Array("OHDR".utf8)
    /// A continuation block of a version-2 object header.
    static let ochk: [UInt8] = Array("OCHK".utf8)
    /// A version-1 B-tree node.
    static let tree: [UInt8] = Array("TREE".utf8)
    /// A symbol-table node of an old-style group.
    static let snod: [UInt8] = Array("SNOD".utf8)
    /// A local heap (the link names of an old-style group).
    static let heap: [UInt8] = Array("HEAP".utf8)
    /// A global heap collection (variable-length data).
    static let gcol: [UInt8] = Array("GCOL".utf8)
}
