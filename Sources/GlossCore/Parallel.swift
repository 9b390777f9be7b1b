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
