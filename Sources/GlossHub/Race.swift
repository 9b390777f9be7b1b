import Synchronization

/// Work raced against a deadline, without waiting for the loser: a structured task group
/// would wait for the work to notice its cancellation, which a query stuck in a pool may not.
enum Race {
    enum Outcome<T: Sendable>: Sendable {
        case value(T)
        case failed(any Error)
        case timedOut
    }

    /// The first outcome, handed once to whoever waits (before or after it is known).
    private final class Settler<T: Sendable>: Sendable {
        private enum State {
            case open(CheckedContinuation<Outcome<T>, Never>?)
            case early(Outcome<T>)
            case done
        }
        private let state = Mutex<State>(.open(nil))

        func settle(_ o: Outcome<T>) {
            state.withLock { s in
                switch s {
                case .open(let c?): c.resume(returning: o); s = .done
                case .open(nil): s = .early(o)
                case .early, .done: break
                }
            }
        }

        func wait(_ c: CheckedContinuation<Outcome<T>, Never>) {
            state.withLock { s in
                if case .early(let o) = s { c.resume(returning: o); s = .done } else { s = .open(c) }
            }
        }
    }

    static func first<T: Sendable>(timeout: Duration, _ work: @escaping @Sendable () async throws -> T) async -> Outcome<T> {
        let worker = Task { try await work() }
        let outcome = await wait(for: worker, timeout: timeout)
        if case .value = outcome {} else { worker.cancel() }
        return outcome
    }

    /// `task`'s outcome, or `.timedOut` after `timeout`; the task is left running either way.
    static func wait<T: Sendable>(for task: Task<T, any Error>, timeout: Duration) async -> Outcome<T> {
        let settler = Settler<T>()
        let watcher = Task {
            do { settler.settle(.value(try await task.value)) } catch { settler.settle(.failed(error)) }
        }
        let timer = Task {
            try? await Task.sleep(for: timeout)
            settler.settle(.timedOut)
        }
        let outcome = await withTaskCancellationHandler {
            await withCheckedContinuation { settler.wait($0) }
        } onCancel: {
            settler.settle(.failed(CancellationError()))
        }
        timer.cancel()
        watcher.cancel()
        return outcome
    }
}
