internal import FileFormats
import Foundation

/// Rows of equally sized grayscale images laid out on one canvas and saved as a PNG, like the
/// TensorFlow autoencoder tutorial's figures of original, noisy and reconstructed test images.
///
/// ```swift
/// var grid = ImageGrid(imageWidth: 28, imageHeight: 28, scale: 2)
/// try grid.addRow(concatenated: Array(original.scalars[..<(10 * 784)]))
/// try grid.addRow(concatenated: Array(noisy.scalars[..<(10 * 784)]))
/// try grid.addRow(concatenated: Array(reconstructed.scalars[..<(10 * 784)]))
/// try grid.write(to: folder.appendingPathComponent("reconstructions.png"))
/// ```
///
/// Pixel values are in [0, 1], 0 black and 1 white, on one fixed scale for every image (unlike
/// matplotlib's `imshow`, which stretches each image to its own range); values outside are clamped,
/// NaN is drawn black.
public struct ImageGrid: Sendable {
    /// The width of each image, in pixels.
    public let imageWidth: Int
    /// The height of each image, in pixels.
    public let imageHeight: Int
    /// The background between the images, in pixels at scale 1 (the margin is scaled too).
    public let margin: Int
    /// How many canvas pixels each image pixel becomes along each axis (nearest neighbour).
    public let scale: Int
    /// The background's gray level in [0, 1].
    public let background: Float
    /// The rows, each a list of images of `imageWidth * imageHeight` values, row-major.
    public private(set) var rows: [[[Float]]] = []

    /// Creates an empty grid for images of `imageWidth` x `imageHeight` pixels.
    ///
    /// - Precondition: the image sizes and `scale` are at least 1, `margin` is at least 0, and
    ///   `background` is in [0, 1].
    public init(imageWidth: Int, imageHeight: Int, margin: Int = 2, scale: Int = 1, background: Float = 1) {
        precondition(imageWidth >= 1 && imageHeight >= 1, "images must be at least 1x1 pixels")
        precondition(margin >= 0 && scale >= 1, "the margin must be at least 0 and the scale at least 1")
        precondition((0...1).contains(background), "the background must be in [0, 1]")
        self.imageWidth = imageWidth
        self.imageHeight = imageHeight
        self.margin = margin
        self.scale = scale
        self.background = background
    }

    /// Appends a row of images, each `imageWidth * imageHeight` values.
    ///
    /// - Throws: ``MetricsError/invalidArgument(_:)`` when an image has another number of values.
    public mutating func addRow(_ images: [[Float]]) throws(MetricsError) {
        let size = imageWidth * imageHeight
        if let bad = images.firstIndex(where: { $0.count != size }) {
            throw .invalidArgument(
                "image \(bad) of row \(rows.count) has \(images[bad].count) values; "
                    + "expected \(imageWidth) x \(imageHeight) = \(size)")
        }
        rows.append(images)
    }

    /// Appends a row of images stored one after another, as in a `[n, height, width]` tensor's scalars.
    ///
    /// - Throws: ``MetricsError/invalidArgument(_:)`` when the count is not a multiple of one image's size.
    public mutating func addRow(concatenated values: [Float]) throws(MetricsError) {
        let size = imageWidth * imageHeight
        guard values.count % size == 0 else {
            throw .invalidArgument(
                "row \(rows.count) has \(values.count) values, not a multiple of "
                    + "\(imageWidth) x \(imageHeight) = \(size)")
        }
        rows.append(stride(from: 0, to: values.count, by: size).map { Array(values[$0..<$0 + size]) })
    }

    /// The canvas width in pixels: the longest row's images and the margins around them.
    public var width: Int {
        let columns = rows.map(\.count).max() ?? 0
        return (columns * imageWidth + (columns + 1) * margin) * scale
    }

    /// The canvas height in pixels: the rows and the margins around them.
    public var height: Int { (rows.count * imageHeight + (rows.count + 1) * margin) * scale }

    /// The canvas as 8-bit gray levels, row by row from the top (0 black, 255 white).
    public func pixels() -> [UInt8] {
        let width = width
        var canvas = [UInt8](repeating: Self.level(background), count: width * height)
        let cellWidth = imageWidth * scale
        let cellHeight = imageHeight * scale
        let step = margin * scale
        for (row, images) in rows.enumerated() {
            let top = step + row * (cellHeight + step)
            for (column, image) in images.enumerated() {
                let left = step + column * (cellWidth + step)
                for y in 0..<cellHeight {
                    let source = (y / scale) * imageWidth
                    let target = (top + y) * width + left
                    for x in 0..<cellWidth { canvas[target + x] = Self.level(image[source + x / scale]) }
                }
            }
        }
        return canvas
    }

    /// The canvas as a PNG file (8-bit grayscale).
    ///
    /// - Throws: ``ChartError/noData(_:)`` when the grid has no image.
    public func png() throws(ChartError) -> Data {
        guard rows.contains(where: { !$0.isEmpty }) else { throw .noData("image grid") }
        return Data(PNG.encodeGrayscale(pixels(), width: width, height: height))
    }

    /// Writes the canvas as a PNG file to `url` atomically (temporary file, then rename), creating
    /// missing folders.
    ///
    /// - Throws: ``ChartError/noData(_:)`` for an empty grid, ``ChartError/unwritable(path:reason:)``.
    public func write(to url: URL) throws(ChartError) {
        let data = try png()
        do {
            try AtomicFile.write(data, to: url)
        } catch {
            throw .unwritable(path: error.path, reason: error.reason)
        }
    }

    /// A value in [0, 1] as a gray level; clamped, NaN black.
    private static func level(_ value: Float) -> UInt8 {
        guard value > 0 else { return 0 }
        return value >= 1 ? 255 : UInt8((value * 255).rounded())
    }
}
