/// Builds a ZIP archive of stored (uncompressed) members, as Keras' `.keras` files are: each member's
/// local header (with its CRC-32 and sizes) and bytes, then the central directory and the end record.
///
/// The bytes depend only on the members, their order and their timestamps, so the same input gives
/// the same archive. Names are UTF-8 (flagged as such when not plain ASCII). Archives larger than the
/// classic format allows (4 GiB, 65,534 members) are refused, as ZIP64 is not written.
///
///     var archive = ZIPWriter()
///     try archive.add("metadata.json", data: Array(metadata.utf8))
///     try archive.add("model.weights.h5", data: weights)
///     try AtomicFile.write(Data(try archive.encode()), to: url)
public struct ZIPWriter: Sendable {
    /// One member to be written.
    private struct Member: Sendable {
        var name: [UInt8]
        var data: [UInt8]
        var crc: UInt32
        var modified: ZIPTimestamp
    }

    /// The largest size or offset of the classic format (`0xFFFFFFFF` marks ZIP64).
    static let sizeLimit = 0xFFFF_FFFE
    /// The largest member count of the classic format (`0xFFFF` marks ZIP64).
    static let memberLimit = 0xFFFE

    private var members: [Member] = []
    private var names: Set<String> = []

    /// An archive with no members.
    public init() {}

    /// The member names in the order they were added.
    public var memberNames: [String] { members.map { String(decoding: $0.name, as: UTF8.self) } }

    /// Adds a member after those added before.
    ///
    /// - Parameters:
    ///   - name: A relative path of `/`-separated components (`model.weights.h5`, `assets/vocab.txt`),
    ///     none empty, `.` or `..`, without `\` or NUL bytes, at most 65,535 UTF-8 bytes.
    ///   - data: The member's bytes, at most 4 GiB - 2.
    ///   - modified: The modification time written for the member.
    /// - Throws: ``FileEncodingError/invalidName(_:reason:)``, ``FileEncodingError/duplicateName(_:)``,
    ///   or ``FileEncodingError/tooLarge(_:size:limit:)``.
    public mutating func add(_ name: String, data: [UInt8], modified: ZIPTimestamp = .dosEpoch)
        throws(FileEncodingError)
    {
        try Self.validate(name)
        guard !names.contains(name) else { throw .duplicateName(name) }
        guard data.count <= Self.sizeLimit else {
            throw .tooLarge("the ZIP member '\(name)'", size: data.count, limit: Self.sizeLimit)
        }
        guard members.count < Self.memberLimit else {
            throw .tooLarge("a ZIP archive's member count", size: members.count + 1, limit: Self.memberLimit)
        }
        names.insert(name)
        members.append(Member(name: Array(name.utf8), data: data, crc: CRC32.checksum(data), modified: modified))
    }

    /// The archive's bytes.
    ///
    /// - Throws: ``FileEncodingError/tooLarge(_:size:limit:)`` when the archive would pass 4 GiB.
    public func encode() throws(FileEncodingError) -> [UInt8] {
        // Every offset and size the headers store must fit the classic format; check before writing.
        var offsets: [Int] = []
        var position = 0
        var directorySize = 0
        for member in members {
            guard position <= Self.sizeLimit else {
                throw .tooLarge("the ZIP archive", size: position, limit: Self.sizeLimit)
            }
            offsets.append(position)
            position += 30 + member.name.count + member.data.count  // each term is below 2^32
            directorySize += 46 + member.name.count
        }
        guard position <= Self.sizeLimit, directorySize <= Self.sizeLimit else {
            throw .tooLarge("the ZIP archive", size: position + directorySize, limit: Self.sizeLimit)
        }
        var out = OutputBytes()
        out.reserveCapacity(position + directorySize + 22)
        for member in members {
            out.append(UInt32(0x0403_4B50))
            appendCommonFields(of: member, to: &out)
            out.append(UInt16(0))  // extra field length
            out.append(contentsOf: member.name)
            out.append(contentsOf: member.data)
        }
        let directoryStart = out.count
        for (member, offset) in zip(members, offsets) {
            out.append(UInt32(0x0201_4B50))
            out.append(UInt16(3 << 8 | 20))  // made by: Unix, ZIP 2.0
            appendCommonFields(of: member, to: &out)
            out.append(UInt16(0))  // extra field length
            out.append(UInt16(0))  // comment length
            out.append(UInt16(0))  // disk number
            out.append(UInt16(0))  // internal attributes
            out.append(UInt32(0o100644) << 16)  // external attributes: a regular file, rw-r--r--
            out.append(UInt32(offset))
            out.append(contentsOf: member.name)
        }
        out.append(UInt32(0x0605_4B50))
        out.append(UInt16(0))  // this disk
        out.append(UInt16(0))  // the disk where the central directory starts
        out.append(UInt16(members.count))
        out.append(UInt16(members.count))
        out.append(UInt32(directorySize))
        out.append(UInt32(directoryStart))
        out.append(UInt16(0))  // comment length
        return out.bytes
    }

    /// The fields local header and central directory entry share, from "version needed" through the
    /// name length.
    private func appendCommonFields(of member: Member, to out: inout OutputBytes) {
        out.append(UInt16(20))  // version needed: 2.0
        out.append(UInt16(member.name.contains { $0 >= 0x80 } ? 1 << 11 : 0))  // bit 11: UTF-8 name
        out.append(UInt16(0))  // method: stored
        out.append(member.modified.dosTime)
        out.append(member.modified.dosDate)
        out.append(member.crc)
        out.append(UInt32(member.data.count))  // compressed size
        out.append(UInt32(member.data.count))
        out.append(UInt16(member.name.count))
    }

    /// Checks that `name` is a relative member path a reader can extract safely.
    private static func validate(_ name: String) throws(FileEncodingError) {
        guard !name.isEmpty else { throw .invalidName(name, reason: "a ZIP member name cannot be empty") }
        guard name.utf8.count <= 0xFFFF else {
            throw .invalidName(String(name.prefix(40)) + "…", reason: "longer than 65,535 UTF-8 bytes")
        }
        guard !name.utf8.contains(0), !name.contains("\\") else {
            throw .invalidName(name, reason: "a ZIP member name cannot contain NUL bytes or '\\'")
        }
        for component in name.split(separator: "/", omittingEmptySubsequences: false) {
            guard !component.isEmpty, component != ".", component != ".." else {
                throw .invalidName(
                    name, reason: "a ZIP member name is a relative path without empty, '.' or '..' components")
            }
        }
    }
}
