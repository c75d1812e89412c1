import Foundation

/// A ZIP archive reader (PKWARE APPNOTE): the end-of-central-directory record, the central directory
/// and each member's local header; members stored (method 0) or deflated (method 8).
///
/// Keras 3 `.keras` files are ZIP archives of `metadata.json`, `config.json` and `model.weights.h5`,
/// all stored. A damaged archive throws a ``FileFormatError`` naming the byte offset; a member's CRC-32
/// and sizes are checked when it is read. ZIP64, multi-disk and encrypted archives throw
/// ``FileFormatError/unsupported(offset:feature:)``.
///
///     let archive = try ZIPArchive(bytes: Array(Data(contentsOf: url)))
///     let config = try archive.contents(of: "config.json")
public struct ZIPArchive: Sendable {
    /// One member of the archive, as the central directory describes it.
    public struct Member: Sendable, Equatable {
        /// The member's path inside the archive (directories end with "/").
        public let name: String
        /// The compression method: 0 (stored) or 8 (deflated); other methods throw when read.
        public let method: Int
        /// The CRC-32 of the uncompressed data.
        public let crc32: UInt32
        /// The size of the stored (possibly compressed) data.
        public let compressedSize: Int
        /// The size of the uncompressed data.
        public let size: Int
        /// Where the member's local header starts in the archive.
        public let localHeaderOffset: Int
        /// Where the member's entry in the central directory starts.
        public let centralDirectoryOffset: Int
        /// Whether the member is a directory (its name ends with "/").
        public var isDirectory: Bool { name.hasSuffix("/") }
    }

    /// The archive's members in central-directory order.
    public let members: [Member]
    /// The archive's comment (empty when it has none).
    public let comment: String
    /// The archive's bytes (shared, not copied).
    public let bytes: [UInt8]
    private let input: BinaryInput

    /// The end-of-central-directory record's signature, "PK\u{5}\u{6}".
    static let endSignature: [UInt8] = [0x50, 0x4B, 0x05, 0x06]
    /// A central-directory entry's signature, "PK\u{1}\u{2}".
    static let centralSignature: [UInt8] = [0x50, 0x4B, 0x01, 0x02]
    /// A local header's signature, "PK\u{3}\u{4}".
    static let localSignature: [UInt8] = [0x50, 0x4B, 0x03, 0x04]
    /// The ZIP64 end-of-central-directory locator's signature, "PK\u{6}\u{7}".
    static let zip64LocatorSignature: [UInt8] = [0x50, 0x4B, 0x06, 0x07]

    /// Reads the central directory of the archive `bytes` (the members' data is read on demand).
    ///
    /// - Parameter bytes: The whole archive.
    /// - Throws: ``FileFormatError`` when there is no end-of-central-directory record, the central
    ///   directory is damaged or out of bounds, or the archive is ZIP64 or spans several disks.
    public init(bytes: [UInt8]) throws(FileFormatError) {
        self.bytes = bytes
        input = BinaryInput(bytes)
        let end = try Self.findEnd(input)
        let disk = try input.uint16(end + 4, "the disk number")
        let directoryDisk = try input.uint16(end + 6, "the central directory's disk")
        let entriesOnDisk = try input.uint16(end + 8, "the number of entries on this disk")
        let entries = try input.uint16(end + 10, "the number of entries")
        let directorySize = Int(try input.uint32(end + 12, "the central directory's size"))
        let directoryOffset = Int(try input.uint32(end + 16, "the central directory's offset"))
        let commentLength = try input.uint16(end + 20, "the archive comment's length")
        if input.matches(Self.zip64LocatorSignature, at: end - 20) || entries == 0xFFFF
            || directorySize == 0xFFFF_FFFF || directoryOffset == 0xFFFF_FFFF
        {
            throw .unsupported(offset: end, feature: "ZIP64 archives")
        }
        guard disk == 0, directoryDisk == 0, entriesOnDisk == entries else {
            throw .unsupported(offset: end + 4, feature: "archives that span several disks")
        }
        comment = try input.string(end + 22, commentLength, "the archive comment")
        try input.check(
            directoryOffset, directorySize, "the \(directorySize)-byte central directory at byte \(directoryOffset)")
        guard directoryOffset + directorySize <= end else {
            throw .malformed(
                offset: end + 12, expected: "a central directory that ends before byte \(end)",
                found: "\(directorySize) bytes at byte \(directoryOffset)")
        }
        var members: [Member] = []
        members.reserveCapacity(entries)
        var offset = directoryOffset
        for _ in 0..<entries {
            let (member, next) = try Self.centralEntry(input, at: offset, limit: directoryOffset + directorySize)
            members.append(member)
            offset = next
        }
        self.members = members
    }

    /// Reads the archive in `data` (copied once into an array).
    ///
    /// - Throws: ``FileFormatError`` as ``init(bytes:)``.
    public init(data: Data) throws(FileFormatError) {
        try self.init(bytes: [UInt8](data))
    }

    /// The member named `name`, or nil.
    public func member(named name: String) -> Member? {
        members.first { $0.name == name }
    }

    /// The uncompressed bytes of the member named `name`, with their size and CRC-32 checked.
    ///
    /// - Parameters:
    ///   - name: The member's path inside the archive.
    ///   - maximumSize: The most bytes the member may have (a guard against decompression bombs).
    /// - Throws: ``FileFormatError/notFound(offset:name:)`` when there is no such member; other
    ///   ``FileFormatError`` cases for damaged data or an unsupported method.
    public func contents(of name: String, maximumSize: Int = Inflate.defaultMaximumOutputSize)
        throws(FileFormatError) -> [UInt8]
    {
        guard let member = member(named: name) else { throw missing(name) }
        return try contents(of: member, maximumSize: maximumSize)
    }

    /// The uncompressed bytes of `member`, with their size and CRC-32 checked.
    ///
    /// - Throws: ``FileFormatError`` for damaged data, a size above `maximumSize` or an unsupported method.
    public func contents(of member: Member, maximumSize: Int = Inflate.defaultMaximumOutputSize)
        throws(FileFormatError) -> [UInt8]
    {
        guard member.size <= maximumSize else {
            throw .outputTooLarge(offset: member.centralDirectoryOffset + 24, limit: maximumSize)
        }
        let start = try dataOffset(of: member)
        let data: [UInt8]
        switch member.method {
        case 0:
            guard member.compressedSize == member.size else {
                throw .malformed(
                    offset: member.centralDirectoryOffset + 20,
                    expected: "equal sizes for the stored member \(member.name)",
                    found: "\(member.compressedSize) and \(member.size) bytes")
            }
            data = try input.slice(start, member.size, "the \(member.size) bytes of \(member.name)")
        case 8:
            data = try input.withBytes(start, member.compressedSize, "the deflated data of \(member.name)") {
                raw throws(FileFormatError) in
                let output = InflateOutput(initialCapacity: member.size, limit: min(maximumSize, member.size))
                do throws(FileFormatError) {
                    _ = try Inflate.inflate(raw, from: 0, into: output)
                } catch {
                    throw Self.shifted(error, by: start)
                }
                return output.array()
            }
        default:
            throw .unsupported(offset: member.localHeaderOffset + 8, feature: "compression method \(member.method)")
        }
        try check(data, of: member)
        return data
    }

    /// The range of the stored member `name`'s bytes inside ``bytes``, after checking its CRC-32: read it
    /// in place (``HDF5File/init(bytes:range:)``) instead of copying it.
    ///
    /// - Throws: ``FileFormatError/notFound(offset:name:)`` when there is no such member,
    ///   ``FileFormatError/unsupported(offset:feature:)`` when it is compressed, or a damaged-data error.
    public func storedRange(of name: String) throws(FileFormatError) -> Range<Int> {
        guard let member = member(named: name) else { throw missing(name) }
        guard member.method == 0, member.compressedSize == member.size else {
            throw .unsupported(
                offset: member.centralDirectoryOffset + 10, feature: "reading the compressed member \(name) in place")
        }
        let start = try dataOffset(of: member)
        try input.check(start, member.size, "the \(member.size) bytes of \(member.name)")
        let crc = try input.withBytes(start, member.size, name) { raw throws(FileFormatError) in CRC32.checksum(raw) }
        guard crc == member.crc32 else {
            throw .checksumMismatch(
                offset: member.centralDirectoryOffset + 16, checksum: "CRC-32", stored: member.crc32, computed: crc)
        }
        return start..<start + member.size
    }

    private func missing(_ name: String) -> FileFormatError {
        .notFound(offset: members.last.map { $0.centralDirectoryOffset } ?? 0, name: "ZIP member \"\(name)\"")
    }

    /// Checks the size and CRC-32 of a member's decoded bytes.
    private func check(_ data: [UInt8], of member: Member) throws(FileFormatError) {
        guard data.count == member.size else {
            throw .checksumMismatch(
                offset: member.centralDirectoryOffset + 24, checksum: "uncompressed size",
                stored: UInt32(truncatingIfNeeded: member.size), computed: UInt32(truncatingIfNeeded: data.count))
        }
        let crc = CRC32.checksum(data)
        guard crc == member.crc32 else {
            throw .checksumMismatch(
                offset: member.centralDirectoryOffset + 16, checksum: "CRC-32", stored: member.crc32, computed: crc)
        }
    }

    /// The offset of a member's data: after its local header, which must agree with the central directory.
    private func dataOffset(of member: Member) throws(FileFormatError) -> Int {
        let offset = member.localHeaderOffset
        try input.expect(Self.localSignature, at: offset, "the local header signature PK\\3\\4 of \(member.name)")
        let flags = try input.uint16(offset + 6, "the local header's flags")
        guard flags & 0x41 == 0 else {
            throw .unsupported(offset: offset + 6, feature: "encrypted member \(member.name)")
        }
        let method = try input.uint16(offset + 8, "the local header's method")
        guard method == member.method else {
            throw .malformed(
                offset: offset + 8, expected: "method \(member.method) as in the central directory", found: "\(method)")
        }
        let nameLength = try input.uint16(offset + 26, "the local header's name length")
        let extraLength = try input.uint16(offset + 28, "the local header's extra-field length")
        let name = try input.string(offset + 30, nameLength, "the local header's name")
        guard name == member.name else {
            throw .malformed(offset: offset + 30, expected: "the name \(member.name)", found: name)
        }
        let start = offset + 30 + nameLength + extraLength
        try input.check(start, member.compressedSize, "the \(member.compressedSize) bytes of \(member.name)")
        return start
    }

    /// The end-of-central-directory record: the last "PK\5\6" whose comment reaches the end of the input.
    private static func findEnd(_ input: BinaryInput) throws(FileFormatError) -> Int {
        guard input.count >= 22 else {
            throw .truncated(offset: input.count, expected: "a 22-byte end-of-central-directory record")
        }
        let lowest = max(0, input.count - 22 - 0xFFFF)
        var offset = input.count - 22
        while offset >= lowest {
            if input.bytes[input.start + offset] == 0x50, input.matches(endSignature, at: offset),
                let length = try? input.uint16(offset + 20, ""), offset + 22 + length == input.count
            {
                return offset
            }
            offset -= 1
        }
        throw .malformed(
            offset: input.count - 22, expected: "an end-of-central-directory record (PK\\5\\6) near the end",
            found: "none in the last \(input.count - lowest) bytes")
    }

    /// The central-directory entry at `offset` and the offset of the next one.
    private static func centralEntry(_ input: BinaryInput, at offset: Int, limit: Int)
        throws(FileFormatError) -> (Member, Int)
    {
        guard offset + 46 <= limit else {
            throw .truncated(offset: limit, expected: "a 46-byte central directory entry at byte \(offset)")
        }
        try input.expect(centralSignature, at: offset, "a central directory entry signature PK\\1\\2")
        let flags = try input.uint16(offset + 8, "the entry's flags")
        let method = try input.uint16(offset + 10, "the entry's method")
        let crc = try input.uint32(offset + 16, "the entry's CRC-32")
        let compressedSize = Int(try input.uint32(offset + 20, "the entry's compressed size"))
        let size = Int(try input.uint32(offset + 24, "the entry's size"))
        let nameLength = try input.uint16(offset + 28, "the entry's name length")
        let extraLength = try input.uint16(offset + 30, "the entry's extra-field length")
        let commentLength = try input.uint16(offset + 32, "the entry's comment length")
        let localOffset = Int(try input.uint32(offset + 42, "the entry's local header offset"))
        if compressedSize == 0xFFFF_FFFF || size == 0xFFFF_FFFF || localOffset == 0xFFFF_FFFF {
            throw .unsupported(offset: offset + 20, feature: "ZIP64 members")
        }
        guard flags & 0x41 == 0 else { throw .unsupported(offset: offset + 8, feature: "encrypted members") }
        let next = offset + 46 + nameLength + extraLength + commentLength
        guard next <= limit else {
            throw .truncated(
                offset: limit, expected: "the name, extra field and comment of the entry at byte \(offset)")
        }
        let name = try input.string(offset + 46, nameLength, "the entry's name")
        let member = Member(
            name: name, method: method, crc32: crc, compressedSize: compressedSize, size: size,
            localHeaderOffset: localOffset, centralDirectoryOffset: offset)
        return (member, next)
    }

    /// `error` with its offset moved from the member's data to the archive.
    private static func shifted(_ error: FileFormatError, by delta: Int) -> FileFormatError {
        switch error {
        case let .truncated(offset, expected): .truncated(offset: offset + delta, expected: expected)
        case let .malformed(offset, expected, found):
            .malformed(offset: offset + delta, expected: expected, found: found)
        case let .checksumMismatch(offset, checksum, stored, computed):
            .checksumMismatch(offset: offset + delta, checksum: checksum, stored: stored, computed: computed)
        case let .distanceTooFar(offset, distance, available):
            .distanceTooFar(offset: offset + delta, distance: distance, available: available)
        case let .outputTooLarge(offset, limit): .outputTooLarge(offset: offset + delta, limit: limit)
        case let .unsupported(offset, feature): .unsupported(offset: offset + delta, feature: feature)
        case let .notFound(offset, name): .notFound(offset: offset + delta, name: name)
        }
    }
}
