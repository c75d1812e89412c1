import Foundation
import Preprocessing
import Tensor
import TestSupport
import Testing

@Suite struct IDXTests {
    /// An idx3 file of two 3x4 images, bytes 0, 10, ..., 230.
    static let images: [UInt8] = [0, 0, 0x08, 3, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4] + (0..<24).map { UInt8($0 * 10) }
    /// An idx1 file of five labels.
    static let labels: [UInt8] = [0, 0, 0x08, 1, 0, 0, 0, 5, 9, 2, 1, 1, 6]

    @Test func readsRawIdx3AndIdx1() throws {
        let images = try IDXFile(data: Data(Self.images))
        #expect(images.shape == [2, 3, 4])
        #expect(images.bytes == (0..<24).map { UInt8($0 * 10) })
        let tensor = images.tensor()
        #expect(tensor.shape == [2, 3, 4])
        #expect(tensor.scalars[5] == Float(50) / 255 && tensor.scalars[23] == Float(230) / 255)
        #expect(images.tensor(dividingBy: 1).scalars[23] == 230)
        let labels = try IDXFile(data: Data(Self.labels))
        #expect(labels.shape == [5] && labels.bytes == [9, 2, 1, 1, 6])
        #expect(try IDXFile(data: Data([0, 0, 8, 3, 0, 0, 0, 0, 0, 0, 0, 28, 0, 0, 0, 28])).shape == [0, 28, 28])
    }

    @Test func detectsGzipByItsMagicNumberNotTheName() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rek-idx-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let compressed = folder.appendingPathComponent("images.bin")
        try Data(storedGzip(Self.images)).write(to: compressed)
        let raw = folder.appendingPathComponent("labels.gz")
        try Data(Self.labels).write(to: raw)
        #expect(try IDXFile(contentsOf: compressed) == IDXFile(data: Data(Self.images)))
        #expect(try IDXFile(contentsOf: raw).bytes == [9, 2, 1, 1, 6])
        #expect(
            throws: IDXError.unreadableFile(path: folder.appendingPathComponent("none").path, reason: "no such file")
        ) {
            try IDXFile(contentsOf: folder.appendingPathComponent("none"))
        }
    }

    @Test func headerErrorsNameTheOffset() {
        func error(_ bytes: [UInt8]) -> IDXError? {
            do {
                _ = try IDXFile(data: Data(bytes), path: "t.idx")
                return nil
            } catch { return error }
        }
        let images = Self.images
        #expect(error([0, 0, 8]) == .truncatedHeader(path: "t.idx", offset: 3, expected: "the 4-byte magic number"))
        #expect(
            error([0, 1] + images[2...])
                == .invalidHeader(
                    path: "t.idx", offset: 0, expected: "two zero bytes starting the magic number",
                    found: "0x00 0x01"))
        #expect(error([0, 0, 0x0D] + images[3...]) == .unsupportedElementType(path: "t.idx", offset: 2, code: 0x0D))
        #expect(
            error([0, 0, 0x07] + images[3...])
                == .invalidHeader(
                    path: "t.idx", offset: 2,
                    expected: "an element type code (0x08 for unsigned bytes)", found: "0x07"))
        #expect(
            error([0, 0, 8, 0])
                == .invalidHeader(path: "t.idx", offset: 3, expected: "at least one dimension", found: "0"))
        #expect(
            error(Array(images[..<10]))
                == .truncatedHeader(path: "t.idx", offset: 10, expected: "the 3 dimensions ending at byte 16"))
        // 4,294,967,295^2 overflows Int: the second dimension, at byte 8, is where the count stops fitting.
        let huge: [UInt8] = [0, 0, 8, 3] + [UInt8](repeating: 0xFF, count: 12)
        #expect(
            error(huge)
                == .sizeOverflow(path: "t.idx", offset: 8, dimensions: [4_294_967_295, 4_294_967_295, 4_294_967_295]))
        #expect(error(images.dropLast()) == .payloadSizeMismatch(path: "t.idx", offset: 16, expected: 24, found: 23))
        #expect(error(images + [0]) == .payloadSizeMismatch(path: "t.idx", offset: 16, expected: 24, found: 25))
        #expect(
            error(huge).map { "\($0)" }
                == "t.idx: IDX byte 8: the dimensions [4294967295, 4294967295, 4294967295] hold more elements than Int can count"
        )
    }

    @Test func damagedGzipDataIsAnIDXError() throws {
        let compressed = storedGzip(Self.images)
        // Cut inside the stored block: the decoder reports where the input ends.
        do {
            _ = try IDXFile(data: Data(compressed.prefix(30)), path: "x.gz")
            Issue.record("expected an error")
        } catch {
            guard case let .corruptCompression(path, offset, reason) = error else {
                Issue.record("\(error)")
                return
            }
            #expect(path == "x.gz" && offset == 30 && reason.contains("ends at byte 30"))
        }
        // A flipped payload byte fails the CRC-32 check, reported at the trailer's offset.
        var flipped = compressed
        flipped[20] ^= 1
        #expect(throws: IDXError.self) { try IDXFile(data: Data(flipped)) }
        #expect(throws: IDXError.self) { try IDXFile(data: Data(compressed), maximumSize: 39) }
        #expect(try IDXFile(data: Data(compressed), maximumSize: 40).shape == [2, 3, 4])
    }

    @Test(
        .enabled(
            if: SharedData.url("fashion-mnist/t10k-images-idx3-ubyte.gz") != nil,
            "../shared/data/fashion-mnist is absent"))
    func readsFashionMNIST() throws {
        func read(_ name: String) throws -> IDXFile {
            try IDXFile(contentsOf: try #require(SharedData.url("fashion-mnist/\(name)")))
        }
        let testImages = try read("t10k-images-idx3-ubyte.gz")
        let testLabels = try read("t10k-labels-idx1-ubyte.gz")
        let trainImages = try read("train-images-idx3-ubyte.gz")
        let trainLabels = try read("train-labels-idx1-ubyte.gz")
        #expect(testImages.shape == [10000, 28, 28] && trainImages.shape == [60000, 28, 28])
        #expect(testLabels.shape == [10000] && trainLabels.shape == [60000])

        // Reference values from Python:
        //   a = numpy.frombuffer(gzip.open(path).read(), dtype=numpy.uint8, offset=16)  # offset=8 for labels
        //   int(a.sum(dtype=numpy.int64)), a[:10], numpy.bincount(a)
        #expect(sum(testImages.bytes) == 573_469_082)
        #expect(sum(trainImages.bytes) == 3_431_114_169)
        #expect(Array(testLabels.bytes.prefix(10)) == [9, 2, 1, 1, 6, 1, 4, 6, 5, 7])
        #expect(Array(trainLabels.bytes.prefix(10)) == [9, 0, 0, 3, 0, 2, 7, 2, 5, 5])
        #expect((0..<10).allSatisfy { label in testLabels.bytes.lazy.filter { $0 == label }.count == 1000 })
        #expect(sum(trainLabels.bytes) == 270_000)

        let x = testImages.tensor()
        #expect(x.shape == [10000, 28, 28])
        #expect(x.scalars.max() == 1 && x.scalars.min() == 0)
    }
}

/// The sum of `bytes` as an `Int`.
private func sum(_ bytes: [UInt8]) -> Int {
    bytes.withUnsafeBufferPointer { buffer in
        var total = 0
        for byte in buffer { total &+= Int(byte) }
        return total
    }
}

/// A gzip file holding `bytes` in one stored DEFLATE block (no compression), built here so this test
/// target needs no compressor: header, BFINAL + BTYPE 00, LEN, NLEN, the bytes, CRC-32, ISIZE.
private func storedGzip(_ bytes: [UInt8]) -> [UInt8] {
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in bytes {
        crc ^= UInt32(byte)
        for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
    }
    crc = ~crc
    let length = UInt16(bytes.count)
    let size = UInt32(bytes.count)
    return [
        0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3, 1, UInt8(length & 0xFF), UInt8(length >> 8), UInt8(~length & 0xFF),
        UInt8(~length >> 8),
    ]
        + bytes
        + [UInt8(crc & 0xFF), UInt8((crc >> 8) & 0xFF), UInt8((crc >> 16) & 0xFF), UInt8(crc >> 24)]
        + [UInt8(size & 0xFF), UInt8((size >> 8) & 0xFF), UInt8((size >> 16) & 0xFF), UInt8(size >> 24)]
}
