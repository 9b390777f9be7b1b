import Dispatch
import Foundation

/// Runs async work from synchronous code that may wait: a sync session's own queue, the
/// command line's main thread. Never from async code: the waiting thread would be one of the
/// few the concurrency runtime has, and the work it waits for might need it.
public enum Blocking {
    /// The result of `body`, waiting for it at most `timeout`; after that the work is cancelled
    /// and `HubError.unavailable` thrown.
    public static func run<T: Sendable>(timeout: Duration = .seconds(30), _ body: @escaping @Sendable () async throws -> T) throws -> T {
        precondition(withUnsafeCurrentTask { $0 == nil }, "Blocking.run called from async code")
        let box = ResultBox<T>()
        let done = DispatchSemaphore(value: 0)
        let task = Task {
            do { box.set(.success(try await body())) } catch { box.set(.failure(error)) }
            done.signal()
        }
        let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        if done.wait(timeout: .now() + seconds) == .timedOut {
            task.cancel()
            throw HubError(.unavailable, "the hub's database did not answer within \(Int(seconds)) s")
        }
        guard let r = box.get() else { throw HubError(.unavailable, "the hub's database call ended without an answer") }
        return try r.get()
    }
}

/// A value handed from a task to a waiting thread.
/// `@unchecked Sendable` is safe: every access holds `lock`.
private final class ResultBox<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Result<T, any Error>?
    func set(_ r: Result<T, any Error>) { lock.lock(); value = r; lock.unlock() }
    func get() -> Result<T, any Error>? { lock.lock(); defer { lock.unlock() }; return value }
}
