import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Work spread over the machine's cores: signing and verifying, the costly parts of append
/// and ingest (ids chain, signatures do not).
public enum Parallel {
    public static let cores: Int = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))

    /// `transform` applied to every element, on up to `cores` threads, results in order.
    /// Small inputs run on the calling thread.
    public static func map<T: Sendable, R>(_ items: [T], minimumPerThread: Int = 64,
                                           _ transform: @Sendable (T) -> R) -> [R] {
        let n = items.count
        let workers = min(cores, max(1, n / minimumPerThread))
        if workers == 1 { return items.map(transform) }
        return [R](unsafeUninitializedCapacity: n) { buffer, count in
            let out = Slots(buffer)
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                var i = w
                while i < n {
                    (out.buffer.baseAddress! + i).initialize(to: transform(items[i]))
                    i += workers
                }
            }
            count = n
        }
    }

    /// The output buffer, shared by the workers of one `map`.
    /// `@unchecked Sendable` is safe: worker w writes only the indices i ≡ w (mod workers),
    /// so no two threads touch one slot, and `map` reads the buffer only after
    /// `concurrentPerform` has returned, which joins every worker.
    private struct Slots<R>: @unchecked Sendable {
        let buffer: UnsafeMutableBufferPointer<R>
        init(_ b: UnsafeMutableBufferPointer<R>) { buffer = b }
    }
}

extension Parallel {
    /// Runs `prepare(i + 1)` on other threads while `consume(i, prepare(i))` runs on this one,
    /// for i in 0..<count: signing or verifying the next chunk of events while this one is
    /// stored. `consume` sees the chunks in order; a throw stops the pipeline (the chunk being
    /// prepared is waited for, then dropped).
    public static func pipeline<T: Sendable>(count: Int, prepare: @escaping @Sendable (Int) -> T,
                                             consume: (Int, T) throws -> Void) throws {
        guard count > 0 else { return }
        var current = prepare(0)
        for i in 0..<count {
            let ahead = i + 1 < count ? Ahead(prepare, i + 1) : nil
            defer { _ = ahead?.value }  // never leave a thread writing after we return
            try consume(i, current)
            if let ahead { current = ahead.value }
        }
    }

    /// A value computed on a global queue, waited for by `value`.
    /// `@unchecked Sendable` is safe: `result` is written once by the worker before it signals
    /// `done`, and read only after `wait()` on `done` returns, which orders the two accesses.
    private final class Ahead<T: Sendable>: @unchecked Sendable {
        private var result: T?
        private let done = DispatchSemaphore(value: 0)
        private var taken = false
        init(_ prepare: @escaping @Sendable (Int) -> T, _ i: Int) {
            DispatchQueue.global().async {
                self.result = prepare(i)
                self.done.signal()
            }
        }
        var value: T {
            if !taken { done.wait(); taken = true }
            return result!  // set before `done` was signalled
        }
    }
}
