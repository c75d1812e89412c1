import FileFormats
import Foundation
import Testing

@Suite struct PNGTests {
    /// The 13x7 test image of make_gzip_fixtures.py's `png_pixels()`.
    static let width = 13, height = 7
    static let pixels: [UInt8] = (0..<height).flatMap { (y: Int) -> [UInt8] in
        (0..<width).map { (x: Int) -> UInt8 in UInt8((x * 19 + y * 37 + x * y * 5) % 256) }
    }

    @Test func matchesThePNGThatPythonVerified() throws {
        // image.png was built by make_gzip_fixtures.py and decoded there with Python's zlib and struct.
        let png = PNG.encodeGrayscale(Self.pixels, width: Self.width, height: Self.height)
        #expect(png == Array(try GzipFixtures.data("image.png")))
    }

    @Test func decodesWithCheckedChunkCRCs() throws {
        let png = PNG.encodeGrayscale(Self.pixels, width: Self.width, height: Self.height)
        let image = try decodeGrayscalePNG(png)
        #expect(image.width == Self.width && image.height == Self.height)
        #expect(image.pixels == Self.pixels)
    }

    @Test func largeImagesSpanSeveralStoredBlocksAndChunks() throws {
        let width = 1200
        let height = 1000  // 1,201,000 bytes of scanlines: 19 stored blocks, 2 IDAT chunks
        var generator = SplitMix64(seed: 11)
        let pixels = (0..<width * height).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        let png = PNG.encodeGrayscale(pixels, width: width, height: height)
        let image = try decodeGrayscalePNG(png)
        #expect(image.chunkTypes == ["IHDR", "IDAT", "IDAT", "IEND"])
        #expect(image.width == width && image.height == height && image.pixels == pixels)
    }

    @Test func detectsADamagedChunk() throws {
        var png = PNG.encodeGrayscale(Self.pixels, width: Self.width, height: Self.height)
        png[40] ^= 1  // inside the IDAT data
        #expect(throws: PNGDecodingError.self) { try decodeGrayscalePNG(png) }
    }
}

/// Why the test decoder refused a PNG.
struct PNGDecodingError: Error, CustomStringConvertible { var description: String }

/// A strict decoder for the PNGs `PNG.encodeGrayscale` writes, built on this module's `Zlib` and checking
/// every chunk's CRC-32 against both `CRC32` and a bit-at-a-time reference.
func decodeGrayscalePNG(_ png: [UInt8]) throws -> (width: Int, height: Int, pixels: [UInt8], chunkTypes: [String]) {
    func uint32(_ offset: Int) -> Int { png[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) } }
    guard png.starts(with: PNG.signature) else { throw PNGDecodingError(description: "signature") }
    var offset = 8
    var types: [String] = []
    var header: [UInt8] = []
    var idat: [UInt8] = []
    while offset < png.count {
        guard offset + 12 <= png.count else { throw PNGDecodingError(description: "truncated chunk at \(offset)") }
        let length = uint32(offset)
        guard offset + 12 + length <= png.count else {
            throw PNGDecodingError(description: "chunk length at \(offset)")
        }
        let typeAndData = Array(png[offset + 4..<offset + 8 + length])
        let crc = UInt32(uint32(offset + 8 + length))
        guard crc == CRC32.checksum(typeAndData), crc == bitwiseCRC32(typeAndData) else {
            throw PNGDecodingError(description: "CRC of the chunk at \(offset)")
        }
        let type = String(decoding: typeAndData[..<4], as: UTF8.self)
        types.append(type)
        if type == "IHDR" { header = Array(typeAndData[4...]) }
        if type == "IDAT" { idat += typeAndData[4...] }
        offset += 12 + length
    }
    guard types.first == "IHDR", types.last == "IEND", header.count == 13 else {
        throw PNGDecodingError(description: "chunk order \(types)")
    }
    let width = header[0..<4].reduce(0) { $0 << 8 | Int($1) }
    let height = header[4..<8].reduce(0) { $0 << 8 | Int($1) }
    guard header[8...] == [8, 0, 0, 0, 0] else {
        throw PNGDecodingError(description: "not 8-bit grayscale: \(header[8...])")
    }
    let raw = try Zlib.decompress(idat)
    guard raw.count == height * (width + 1) else {
        throw PNGDecodingError(description: "\(raw.count) bytes of scanlines")
    }
    var pixels: [UInt8] = []
    for row in 0..<height {
        guard raw[row * (width + 1)] == 0 else { throw PNGDecodingError(description: "filter type of row \(row)") }
        pixels += raw[row * (width + 1) + 1..<(row + 1) * (width + 1)]
    }
    return (width, height, pixels, types)
}
