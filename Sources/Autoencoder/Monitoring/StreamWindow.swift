/// One stream's state: a ring buffer of its last `lookback` scaled rows, its row count and its alarm.
struct StreamWindow {
    /// `lookback` rows of `width` values; row `rows % lookback` is the next to be overwritten.
    private(set) var ring: [Float]
    let lookback: Int
    let width: Int
    /// Rows pushed so far.
    private(set) var rows = 0
    var alarm = AlarmTracker()

    init(lookback: Int, width: Int) {
        (self.lookback, self.width) = (lookback, width)
        ring = [Float](repeating: 0, count: lookback * width)
    }

    /// Whether the last `lookback` rows are all there.
    var isFull: Bool { rows >= lookback }

    /// Gives `body` the slot of the next row to fill, then counts the row.
    mutating func append(_ body: (UnsafeMutableBufferPointer<Float>) throws -> Void) rethrows {
        let slot = rows % lookback
        let width = self.width
        try ring.withUnsafeMutableBufferPointer { buffer in
            try body(UnsafeMutableBufferPointer(rebasing: buffer[(slot * width)..<((slot + 1) * width)]))
        }
        rows += 1
    }

    /// Copies the window, oldest row first, to `target` (`lookback × width` values).
    func copyWindow(to target: UnsafeMutablePointer<Float>) {
        let oldest = rows % lookback
        ring.withUnsafeBufferPointer { buffer in
            let base = buffer.baseAddress!
            let tail = (lookback - oldest) * width
            target.update(from: base + oldest * width, count: tail)
            target.advanced(by: tail).update(from: base, count: oldest * width)
        }
    }
}
