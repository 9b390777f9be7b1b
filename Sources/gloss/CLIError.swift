import GlossCore
import GlossStore

/// An error the CLI reports: one message saying what was wrong and what to do.
/// ArgumentParser prints it as `Error: <message>` on standard error and exits with status 1.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
    init(_ error: any Error) {
        switch error {
        case let e as CLIError: description = e.description
        case let e as StoreError: description = e.message
        case let e as AnchorError: description = e.description
        case let e as DecodeError: description = e.message
        default: description = "\(error)"
        }
    }
}

/// Runs `body`, turning any error into a `CLIError` with a message a person can act on.
func reporting<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch { throw CLIError(error) }
}
