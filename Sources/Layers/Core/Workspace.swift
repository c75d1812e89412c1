import Foundation

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

/// Scratch buffers for concurrent chunks of work: a chunk takes one, uses it, and gives it back, so a
/// layer holds only as many buffers as chunks ever ran at once (one per thread), each reused while it
/// is still in the core's cache.
final class ScratchPool: @unchecked Sendable {
    private var free: [Workspace] = []
    private let lock = NSLock()

    /// Runs `body` with a buffer of at least `count` floats (uninitialized).
    func withBuffer<R>(count: Int, _ body: (UnsafeMutablePointer<Float>) throws -> R) rethrows -> R {
        lock.lock()
        let workspace = free.popLast() ?? Workspace()
        lock.unlock()
        defer {
            lock.lock()
            free.append(workspace)
            lock.unlock()
        }
        return try body(workspace.reserve(count))
    }
}
