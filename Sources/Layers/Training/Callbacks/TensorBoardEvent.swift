/// TensorFlow's `Event` protocol buffer, written by hand: only the fields TensorBoard event files of
/// Keras 3 hold (field numbers of `tensorflow/core/util/event.proto` and `summary.proto`).
///
/// The file's first event carries `file_version` ("brain.Event:2") and the writer's name; each scalar
/// after it is one event with a summary value as TensorFlow 2's `tf.summary.scalar` writes it: a
/// 0-dimensional `DT_FLOAT` tensor with the `scalars` plugin's metadata.
enum TensorBoardEvent {
    /// The header event: `wall_time`, `file_version`, `source_metadata.writer`.
    static func fileVersion(wallTime: Double, writer: String) -> [UInt8] {
        var event = ProtobufWriter()
        event.double(1, wallTime)
        event.string(3, "brain.Event:2")
        var source = ProtobufWriter()
        source.string(1, writer)
        event.message(10, source)
        return event.bytes
    }

    /// One scalar: `wall_time`, `step` (omitted when 0, as proto3 does), and a summary value.
    static func scalar(tag: String, value: Float, step: Int, wallTime: Double) -> [UInt8] {
        var tensor = ProtobufWriter()
        tensor.varint(1, 1)  // dtype: DT_FLOAT
        tensor.message(2, ProtobufWriter())  // tensor_shape: [] (a scalar)
        tensor.bytes(4, withUnsafeBytes(of: value.bitPattern.littleEndian) { Array($0) })  // tensor_content
        var pluginData = ProtobufWriter()
        pluginData.string(1, "scalars")  // plugin_name
        var metadata = ProtobufWriter()
        metadata.message(1, pluginData)
        var summaryValue = ProtobufWriter()
        summaryValue.string(1, tag)
        summaryValue.message(8, tensor)
        summaryValue.message(9, metadata)
        var summary = ProtobufWriter()
        summary.message(1, summaryValue)
        var event = ProtobufWriter()
        event.double(1, wallTime)
        if step != 0 { event.varint(2, UInt64(bitPattern: Int64(step))) }
        event.message(5, summary)
        return event.bytes
    }
}

/// The protocol buffer wire format, as much of it as the events need: varints, 64-bit doubles and
/// length-delimited fields, written in field order.
struct ProtobufWriter {
    private(set) var bytes: [UInt8] = []

    /// A varint field (wire type 0).
    mutating func varint(_ field: Int, _ value: UInt64) {
        key(field, wireType: 0)
        appendVarint(value)
    }

    /// A `double` field (wire type 1, little-endian).
    mutating func double(_ field: Int, _ value: Double) {
        key(field, wireType: 1)
        bytes += withUnsafeBytes(of: value.bitPattern.littleEndian) { Array($0) }
    }

    /// A `bytes` field (wire type 2).
    mutating func bytes(_ field: Int, _ value: [UInt8]) {
        key(field, wireType: 2)
        appendVarint(UInt64(value.count))
        bytes += value
    }

    /// A `string` field (UTF-8, wire type 2).
    mutating func string(_ field: Int, _ value: String) { bytes(field, Array(value.utf8)) }

    /// An embedded message (wire type 2).
    mutating func message(_ field: Int, _ value: ProtobufWriter) { bytes(field, value.bytes) }

    private mutating func key(_ field: Int, wireType: UInt64) { appendVarint(UInt64(field) << 3 | wireType) }

    private mutating func appendVarint(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }
}
