/// A growable scratch buffer that layers reuse from batch to batch, so training allocates nothing
/// once the first batch has run.
final class Workspace {
    private(set) var pointer: UnsafeMutablePointer<Float>
    private(set) var capacity: Int

    init() {
        capacity = 0
        pointer = UnsafeMutablePointer<Float>.allocate(capacity: 1)
    }

    deinit { pointer.deallocate() }

    /// Ensures room for `count` floats and returns the buffer; `zeroed` clears the first `count`.
    @discardableResult
    func reserve(_ count: Int, zeroed: Bool = false) -> UnsafeMutablePointer<Float> {
        if count > capacity {
            pointer.deallocate()
            pointer = UnsafeMutablePointer<Float>.allocate(capacity: count)
            capacity = count
        }
        if zeroed { pointer.update(repeating: 0, count: count) }
        return pointer
    }
}
