internal import FileFormats
import Foundation
import Tensor

/// An array of unsigned bytes in the IDX format of the MNIST and Fashion-MNIST data sets, read from
/// a raw or gzip-compressed file.
///
/// The format (<http://yann.lecun.com/exdb/mnist/>): two zero bytes, an element type code (0x08 for
/// unsigned bytes, the only type supported here), the number of dimensions, each dimension as a
/// big-endian `UInt32`, then the elements in row-major order. Images are `idx3` (`[n, rows, columns]`,
/// magic number 0x00000803), labels `idx1` (`[n]`, 0x00000801).
///
/// ```swift
/// let images = try IDXFile(contentsOf: folder.appendingPathComponent("train-images-idx3-ubyte.gz"))
/// images.shape                       // [60000, 28, 28]
/// let x = images.tensor()            // Float32 [60000, 28, 28], pixels / 255
/// let labels = try IDXFile(contentsOf: folder.appendingPathComponent("train-labels-idx1-ubyte.gz")).bytes
/// ```
public struct IDXFile: Sendable, Equatable {
    /// The size of each dimension, outermost first: `[60000, 28, 28]` for the Fashion-MNIST training images.
    public let shape: [Int]
    /// The elements in row-major order; `bytes.count` is the product of `shape`.
    public let bytes: [UInt8]

    /// The default limit on the size of a decompressed file: 2 GiB.
    public static let defaultMaximumSize = 1 << 31

    /// Reads an IDX file, decompressing it first when it starts with the gzip magic number (0x1f 0x8b),
    /// whatever its name.
    ///
    /// - Parameters:
    ///   - url: The file.
    ///   - maximumSize: The most bytes the decompressed data may have, a guard against decompression bombs.
    /// - Throws: ``IDXError`` naming the path and the byte offset of the problem;
    ///   ``IDXError/unreadableFile(path:reason:)`` for a missing path, a directory or another non-regular file.
    public init(contentsOf url: URL, maximumSize: Int = IDXFile.defaultMaximumSize) throws(IDXError) {
        // Refuse what is not a regular file before reading: a directory, or a device such as /dev/zero
        // that would be read forever.
        var status = stat()
        if stat(url.path, &status) == 0 {
            switch status.st_mode & S_IFMT {
            case S_IFREG: break
            case S_IFDIR: throw .unreadableFile(path: url.path, reason: "it is a directory, expected a regular file")
            default:
                throw .unreadableFile(path: url.path, reason: "it is not a regular file (a device, pipe or socket)")
            }
        }
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw .unreadableFile(
                path: url.path,
                reason: FileManager.default.fileExists(atPath: url.path)
                    ? (error as NSError).localizedDescription : "no such file")
        }
        try self.init(data: data, path: url.path, maximumSize: maximumSize)
    }

    /// Reads IDX data held in memory, raw or gzip-compressed; `path` names it in errors.
    ///
    /// - Throws: ``IDXError``.
    public init(data: Data, path: String = "<data>", maximumSize: Int = IDXFile.defaultMaximumSize) throws(IDXError) {
        if Gzip.hasMagic(data) {
            let decompressed: [UInt8]
            do {
                decompressed = try Gzip.decompress(data, maximumOutputSize: maximumSize)
            } catch {
                throw .corruptCompression(path: path, offset: error.offset, reason: error.description)
            }
            try self.init(idx: decompressed, path: path)
        } else {
            try self.init(idx: Array(data), path: path)
        }
    }

    /// Parses the header and checks that the payload fits it exactly.
    private init(idx: [UInt8], path: String) throws(IDXError) {
        guard idx.count >= 4 else {
            throw .truncatedHeader(path: path, offset: idx.count, expected: "the 4-byte magic number")
        }
        guard idx[0] == 0, idx[1] == 0 else {
            throw .invalidHeader(
                path: path, offset: 0, expected: "two zero bytes starting the magic number",
                found: String(format: "0x%02x 0x%02x", idx[0], idx[1]))
        }
        guard idx[2] == 0x08 else {
            if [0x09, 0x0B, 0x0C, 0x0D, 0x0E].contains(idx[2]) {
                throw .unsupportedElementType(path: path, offset: 2, code: idx[2])
            }
            throw .invalidHeader(
                path: path, offset: 2, expected: "an element type code (0x08 for unsigned bytes)",
                found: String(format: "0x%02x", idx[2]))
        }
        let rank = Int(idx[3])
        guard rank >= 1 else {
            throw .invalidHeader(path: path, offset: 3, expected: "at least one dimension", found: "0")
        }
        let headerSize = 4 + 4 * rank
        guard idx.count >= headerSize else {
            throw .truncatedHeader(
                path: path, offset: idx.count, expected: "the \(rank) dimensions ending at byte \(headerSize)")
        }
        let shape = (0..<rank).map { (axis: Int) -> Int in
            let offset = 4 + 4 * axis
            return Int(idx[offset]) << 24 | Int(idx[offset + 1]) << 16 | Int(idx[offset + 2]) << 8
                | Int(idx[offset + 3])
        }
        var count = 1
        for (axis, size) in shape.enumerated() {
            let (product, overflow) = count.multipliedReportingOverflow(by: size)
            guard !overflow else { throw .sizeOverflow(path: path, offset: 4 + 4 * axis, dimensions: shape) }
            count = product
        }
        guard idx.count - headerSize == count else {
            throw .payloadSizeMismatch(path: path, offset: headerSize, expected: count, found: idx.count - headerSize)
        }
        self.shape = shape
        bytes = Array(idx[headerSize...])
    }

    /// The elements as a Float32 tensor of shape ``shape``, each byte divided by `divisor`.
    ///
    /// The default maps pixels to [0, 1] exactly as the Keras tutorials' `x.astype("float32") / 255`
    /// does (a division, not a multiplication by 1/255, which differs in the last bit for half the bytes).
    public func tensor(dividingBy divisor: Float = 255) -> Tensor {
        var table = [Float](repeating: 0, count: 256)
        for byte in 0..<256 { table[byte] = Float(byte) / divisor }
        return table.withUnsafeBufferPointer { table in
            bytes.withUnsafeBufferPointer { source in
                Tensor(shape: shape) { (target: UnsafeMutableBufferPointer<Float>) in
                    for i in 0..<source.count { target[i] = table[Int(source[i])] }
                }
            }
        }
    }
}
