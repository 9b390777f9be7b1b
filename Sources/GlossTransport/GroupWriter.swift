import Dispatch
import GlossCore
import GlossStore
import Synchronization

/// The one writer of a ledger in this process: the verified batches of every session are
/// committed together, several per transaction (group commit: one fsync for many batches),
/// while the sessions go on verifying their next batches on the other cores. Each batch is
/// answered only after the commit that holds it; a refused batch rolls back alone, and later
/// batches of the same session are not stored.
///
/// `@unchecked Sendable` is safe: `log` and `refused` are touched only on `queue`, a serial
/// queue; `pending` is a `Mutex`.
final class GroupWriter: @unchecked Sendable {
    struct Submission {
        let batch: GroupBatch
        let done: @Sendable (Result<AppendResult, StoreError>) -> Void
    }

    private let path: String
    private let queue = DispatchQueue(label: "gloss.writer")
    private let pending = Mutex<(items: [Submission], scheduled: Bool)>(([], false))
    private var log: EventLog?
    private var refused: Set<Int> = []
    /// Commits made and batches they held, for the benchmark and the log.
    let counts = Mutex<(commits: Int, batches: Int)>((0, 0))

    private static let writers = Mutex<[String: GroupWriter]>([:])

    /// The writer of the ledger at `path` (one per file per process).
    static func shared(path: String) -> GroupWriter {
        writers.withLock { all in
            if let w = all[path] { return w }
            let w = GroupWriter(path: path)
            all[path] = w
            return w
        }
    }

    private init(path: String) { self.path = path }

    /// Queues a verified batch of session `key`; `done` is called (on the writer's queue) once
    /// it has committed or been refused.
    /// A batch the caller refused already (`refusal`: a bad signature) stores nothing and, in
    /// order, stops the session's later batches too.
    func submit(_ batch: GroupBatch, done: @escaping @Sendable (Result<AppendResult, StoreError>) -> Void) {
        let schedule = pending.withLock { p -> Bool in
            p.items.append(Submission(batch: batch, done: done))
            defer { p.scheduled = true }
            return !p.scheduled
        }
        if schedule { queue.async { self.drain() } }
    }

    /// A session ended: forget its refusal.
    func forget(key: Int) { queue.async { self.refused.remove(key) } }

    private func drain() {
        while true {
            let group = pending.withLock { p -> [Submission] in
                defer { p.items = [] }
                if p.items.isEmpty { p.scheduled = false }
                return p.items
            }
            guard !group.isEmpty else { return }
            let results: [Result<AppendResult, StoreError>]
            do {
                if log == nil { log = try EventLog(path: path, cacheKiB: 4096) }
                guard let log else { return }
                results = try log.appendGroup(group.map(\.batch), refusedKeys: &refused)
            } catch {
                // The ledger itself failed: nothing of the group is stored; a new connection next time.
                log = nil
                results = Array(repeating: .failure(error), count: group.count)
            }
            counts.withLock { $0.commits += 1; $0.batches += group.count }
            for (s, r) in zip(group, results) { s.done(r) }
        }
    }
}
